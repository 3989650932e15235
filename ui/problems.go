package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
)

// ProblemActions are the problem-management writes; model.Desk provides them.
type ProblemActions interface {
	CreateProblem(ctx context.Context, a model.Actor, n model.NewProblem) (model.Problem, error)
	ProblemTransition(ctx context.Context, a model.Actor, id int64, c model.ProblemChange) (model.Problem, error)
	AssignProblem(ctx context.Context, a model.Actor, id int64, owner string) (model.Problem, error)
	SaveRCA(ctx context.Context, a model.Actor, id int64, r model.RCA) (model.Problem, error)
	SaveKnownError(ctx context.Context, a model.Actor, id int64, k model.KnownError) (model.Problem, error)
	AddProblemAction(ctx context.Context, a model.Actor, problemID int64, act model.ProblemAction) (model.ProblemAction, error)
	SetProblemActionDone(ctx context.Context, a model.Actor, problemID, actionID int64, done bool) (model.ProblemAction, error)
	LinkProblem(ctx context.Context, a model.Actor, problemID, incidentID int64) (model.Incident, error)
	PublishKnownError(ctx context.Context, a model.Actor, id int64) (model.Article, error)
	ResolveWaitingIncidents(ctx context.Context, a model.Actor, problemID int64, code string) ([]model.Incident, error)
}

// problemsView is problem management: the list of problems and, on enter,
// one problem with its RCA, actions, known error and linked incidents. It
// opens over the panes with P or :problems; esc steps back from a problem
// to the list, and from the list to the panes. A linked incident opens in
// the detail view over the problem, so esc from it comes back here.
type problemsView struct {
	s    *session
	list *listPane[model.Problem]
	open *problemDetail // the problem shown; nil while the list shows
	// prompt asks whether to resolve the incidents waiting on a problem
	// that was just resolved.
	prompt *waitingPrompt
	w, h   int
}

// openProblemMsg asks the console to show a problem, opening the problems
// view if need be.
type openProblemMsg struct{ id int64 }

// problemMovedMsg reports a problem's move to another state, with the
// incidents on hold waiting for it when it was resolved.
type problemMovedMsg struct {
	problem model.Problem
	waiting []model.Incident
}

func newProblemsView(s *session) *problemsView {
	v := &problemsView{s: s}
	v.list = newListPane(s, listSpec[model.Problem]{
		name:        "Problems",
		placeholder: "ref, title, service, owner",
		empty:       "No problems yet: " + s.km.New.Help().Key + " opens one, or :problem new from INC-n starts from a recurrence.",
		id:          func(p model.Problem) int64 { return p.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.Problem, error) {
			return s.Reader.Problems(ctx, model.ProblemQuery{Filter: q.filter, All: true, Offset: q.offset, Limit: q.limit})
		},
		header: func(w int) string {
			withService, withOwner := problemCols(w)
			h := fmt.Sprintf("  %-*s %-*s %-*s %-*s ", pRef, "REF", pState, "STATE", pLinked, "LINKED", pActions, "ACTIONS")
			if withService {
				h += fmt.Sprintf("%-*s ", pService, "SERVICE")
			}
			if withOwner {
				h += fmt.Sprintf("%-*s ", pOwner, "OWNER")
			}
			return h + "TITLE"
		},
		row: func(p model.Problem, w int, paint func(lipgloss.Style, string) string) string {
			return problemRow(s.st, p, w, paint)
		},
		status: func(countsMsg, bool) string { return "" },
		open:   func(p model.Problem) tea.Cmd { return func() tea.Msg { return openProblemMsg{id: p.ID} } },
		keys: func(p model.Problem, msg tea.KeyMsg) (tea.Cmd, bool) {
			return problemKeys(s, p.ID, msg)
		},
		bindings: problemBindings(s.km),
	})
	return v
}

// Problem list columns; the title takes what is left.
const pRef, pState, pLinked, pActions, pService, pOwner = 7, 15, 6, 7, 12, 10

// problemCols decides which optional columns a width affords.
func problemCols(w int) (service, owner bool) {
	rest := w - (pRef + pState + pLinked + pActions + 4)
	return rest-pService-1 >= 20, rest-pService-pOwner-2 >= 24
}

func problemRow(st *Styles, p model.Problem, w int, paint func(lipgloss.Style, string) string) string {
	withService, withOwner := problemCols(w)
	actions := "—"
	if p.OpenActions > 0 {
		actions = fmt.Sprintf("%d open", p.OpenActions)
	}
	row := fit(p.Ref(), pRef) + " " + paint(problemStateStyle(st, p.State), fit(p.State.Label(), pState)) + " " +
		fit(fmt.Sprint(p.Incidents), pLinked) + " " + fit(actions, pActions) + " "
	titleW := w - (pRef + pState + pLinked + pActions + 4)
	if withService {
		row += fit(p.Service, pService) + " "
		titleW -= pService + 1
	}
	if withOwner {
		row += paint(st.Dim, fit(p.Owner, pOwner)) + " "
		titleW -= pOwner + 1
	}
	return row + fit(p.Title, titleW)
}

// problemStateStyle colours a problem's state: resolved reads as done,
// closed as history, the rest as work.
func problemStateStyle(st *Styles, s model.ProblemState) lipgloss.Style {
	switch s {
	case model.ProblemResolved:
		return st.Resolved
	case model.ProblemClosed:
		return st.Dim
	}
	return st.Bold
}

// problemBindings are the actions on a problem, in its list and its view.
// Shared keys say what they do here.
func problemBindings(km *keymaps.KeyMap) []key.Binding {
	relabel := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	return []key.Binding{relabel(km.State, "move along the flow"), km.RCA, km.KnownError, km.AddAction, km.ActionDone,
		relabel(km.Link, "link an incident"), relabel(km.Assign, "set the owner"), km.Publish}
}

// problemsHelp lists the problem keys in the help, whether or not the
// problems view is open.
type problemsHelp struct{ km *keymaps.KeyMap }

func (problemsHelp) title() string { return "Problems" }

func (h problemsHelp) actions() []key.Binding {
	km := h.km
	return append([]key.Binding{key.NewBinding(key.WithKeys(km.New.Keys()...), key.WithHelp(km.New.Help().Key, "new problem"))},
		problemBindings(km)...)
}

func (v *problemsView) title() string {
	if v.open != nil {
		return v.open.title()
	}
	return "Problems"
}

func (v *problemsView) status() string {
	if v.open != nil {
		return v.open.status()
	}
	if v.list.filter.text != "" {
		return "filtered · esc clears"
	}
	return "enter opens · esc back"
}

func (v *problemsView) setSize(w, h int) {
	v.w, v.h = w, h
	v.list.setSize(w, h)
	if v.open != nil {
		v.open.setSize(w, h)
	}
}

// refresh re-reads what the view shows, after a change.
func (v *problemsView) refresh() tea.Cmd {
	if v.open != nil {
		return v.open.load(v)
	}
	return v.list.refresh()
}

// show opens one problem.
func (v *problemsView) show(id int64) tea.Cmd {
	v.open = &problemDetail{s: v.s, id: id}
	v.open.setSize(v.w, v.h)
	return v.open.load(v)
}

func (v *problemsView) filtering() bool { return v.open == nil && v.list.filtering() }

func (v *problemsView) setFilter(text string) tea.Cmd {
	v.open = nil
	return v.list.setFilter(text)
}

func (v *problemsView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case problemData:
		if msg.view == v && v.open != nil {
			v.open.apply(msg)
		}
		return nil
	case problemMovedMsg:
		if msg.problem.State == model.ProblemResolved && len(msg.waiting) > 0 {
			v.prompt = &waitingPrompt{problem: msg.problem, waiting: msg.waiting}
		}
		return nil
	}
	return v.list.update(msg)
}

// key handles a key while the view is open; closed reports that esc left it.
func (v *problemsView) key(msg tea.KeyMsg) (cmd tea.Cmd, closed bool) {
	km := v.s.km
	if v.prompt != nil {
		cmd, done := v.prompt.key(v.s, msg)
		if done {
			v.prompt = nil
		}
		return cmd, false
	}
	if v.open != nil {
		if key.Matches(msg, km.Back) {
			v.open = nil
			return v.list.refresh(), false
		}
		return v.open.key(msg), false
	}
	cmd, handled := v.list.key(msg)
	if !handled && key.Matches(msg, km.Back) {
		return nil, true
	}
	return cmd, false
}

func (v *problemsView) actions() []key.Binding {
	if v.prompt != nil {
		return waitingKeys(v.s.km)
	}
	if v.open != nil {
		return append(problemBindings(v.s.km), openLinkedBinding(v.s.km))
	}
	return problemsHelp{v.s.km}.actions()
}

func (v *problemsView) view() string {
	var body string
	if v.open != nil {
		body = v.open.view()
	} else {
		body = v.list.view(true)
	}
	if v.prompt == nil {
		return body
	}
	// The question goes on top, where the eye is, and takes the keys
	// until it is answered; the footer lists its answers.
	lines := strings.Split(body, "\n")
	ask := v.prompt.lines(v.s, v.w)
	keep := max(len(lines)-len(ask), 0)
	return strings.Join(append(ask, lines[:keep]...), "\n")
}

// waitingKeys are the answers to the waiting-incidents question, for the footer.
func waitingKeys(km *keymaps.KeyMap) []key.Binding {
	return []key.Binding{km.AnswerFixed, km.AnswerKnownError, km.AnswerOnHold}
}

// problemDetail is one problem, laid out in a scrolling view. The data is
// kept, so a resize lays it out again without a query.
type problemDetail struct {
	s       *session
	id      int64
	seq     int
	data    problemData
	ready   bool
	err     error
	vp      viewport.Model
	w, h    int
	renderW int // the width the content was laid out for
}

// problemData is a problem with what hangs off it, read for its view.
type problemData struct {
	view      *problemsView
	seq       int
	problem   model.Problem
	actions   []model.ProblemAction
	incidents []model.Incident
	err       error
}

func (d *problemDetail) setSize(w, h int) {
	d.w, d.h = w, h
	d.vp.Width, d.vp.Height = w, h
	if d.ready && d.renderW != w {
		d.render()
	}
}

func (d *problemDetail) load(v *problemsView) tea.Cmd {
	d.seq++
	seq, id, r := d.seq, d.id, d.s.Reader
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		out := problemData{view: v, seq: seq}
		if out.problem, out.err = r.Problem(ctx, id); out.err != nil {
			out.err = fmt.Errorf("PRB-%d: %w", id, out.err)
			return out
		}
		if out.actions, out.err = r.ProblemActions(ctx, id); out.err != nil {
			return out
		}
		out.incidents, out.err = r.ProblemIncidents(ctx, id)
		return out
	}
}

func (d *problemDetail) apply(msg problemData) {
	if msg.seq != d.seq {
		return
	}
	d.err = msg.err
	if msg.err == nil {
		d.data, d.ready = msg, true
		d.render()
	}
}

func (d *problemDetail) render() {
	d.renderW = d.w
	d.vp.SetContent(problemBody(d.s, d.data, d.w))
}

func (d *problemDetail) title() string {
	if !d.ready {
		return fmt.Sprintf("PRB-%d", d.id)
	}
	return d.data.problem.Ref() + " · " + d.data.problem.Title
}

func (d *problemDetail) status() string {
	if !d.ready {
		return "esc back"
	}
	return fmt.Sprintf("↕%d%% · esc back to the list", int(d.vp.ScrollPercent()*100))
}

func (d *problemDetail) key(msg tea.KeyMsg) tea.Cmd {
	if scrollKeys(&d.vp, d.s.km, msg) {
		return nil
	}
	if key.Matches(msg, d.s.km.OpenIncident) {
		return d.openLinked()
	}
	cmd, _ := problemKeys(d.s, d.id, msg)
	return cmd
}

// openLinkedBinding is the key that opens a linked incident, said as what
// it does in a problem.
func openLinkedBinding(km *keymaps.KeyMap) key.Binding {
	return key.NewBinding(key.WithKeys(km.OpenIncident.Keys()...), key.WithHelp(km.OpenIncident.Help().Key, "open a linked incident"))
}

// openLinked opens one of the incidents linked to the problem: the only
// one straight away, else the one picked in a form. Opening is a read, so
// viewers may too.
func (d *problemDetail) openLinked() tea.Cmd {
	if !d.ready {
		return nil
	}
	p, linked := d.data.problem, d.data.incidents
	switch len(linked) {
	case 0:
		return notice(fmt.Errorf("%s has no linked incidents: %s links one", p.Ref(), d.s.km.Link.Help().Key))
	case 1:
		return openIncident(linked[0].ID)
	}
	f := linkedIncidentForm(d.s, p, linked)
	return func() tea.Msg { return openFormMsg{form: f} }
}

func (d *problemDetail) view() string {
	switch {
	case d.err != nil:
		return padLines([]string{d.s.st.Error.Render(d.err.Error()), "", d.s.st.Dim.Render("esc to go back")}, d.w, d.h)
	case !d.ready:
		return padLines([]string{d.s.st.Dim.Render("Loading…")}, d.w, d.h)
	}
	return padLines(strings.Split(d.vp.View(), "\n"), d.w, d.h)
}

// problemBody lays a problem out: its fields, the RCA, the actions, the
// known error and the linked incidents, each section with the key that
// edits it.
func problemBody(s *session, d problemData, w int) string {
	st, km, loc, now := s.st, s.km, s.loc(), s.Now()
	p := d.problem
	badge := problemStateStyle(st, p.State).Render("[" + p.State.Label() + "]")
	var lines []string
	for i, l := range wrap(p.Title, max(w-width(badge)-3, 20)) {
		if i == 0 {
			lines = append(lines, " "+badge+" "+st.Bold.Render(l))
		} else {
			lines = append(lines, strings.Repeat(" ", width(badge)+2)+st.Bold.Render(l))
		}
	}
	next := make([]string, 0, 2)
	for _, n := range model.NextProblemStates(p.State) {
		next = append(next, n.Label())
	}
	flow := "final"
	if len(next) > 0 {
		flow = "next: " + strings.Join(next, " or ")
	}
	lines = append(lines, "")
	lines = append(lines, fieldLines(st,
		"state", p.State.Label()+st.Dim.Render(" · "+flow),
		"service", serviceLine(s, p.Service),
		"category", p.Category,
		"owner", p.Owner,
		"opened", stamp(p.CreatedAt, loc),
		"updated", stamp(p.UpdatedAt, loc),
		"resolved", stamp(p.ResolvedAt, loc),
	)...)
	section := func(title, keys string) {
		lines = append(lines, "", joinCols(st.Bold.Render(title), st.Dim.Render(keys), w))
	}
	text := func(body, none string) {
		if body == "" {
			lines = append(lines, "   "+st.Dim.Render(none))
			return
		}
		for _, para := range strings.Split(body, "\n") {
			for _, l := range wrap(para, max(w-4, 20)) {
				lines = append(lines, "   "+l)
			}
		}
	}
	if p.Description != "" {
		section("Description", "")
		text(p.Description, "")
	}

	section("Root cause analysis", keyHint(km.RCA, "edit"))
	lines = append(lines, " "+st.Label.Render("Timeline"))
	text(p.RCA.Timeline, "not written yet")
	lines = append(lines, " "+st.Label.Render("5 whys"))
	if len(p.RCA.Whys) == 0 {
		lines = append(lines, "   "+st.Dim.Render("not asked yet"))
	}
	for i, why := range p.RCA.Whys {
		for j, l := range wrap(why, max(w-7, 20)) {
			prefix := "      "
			if j == 0 {
				prefix = fmt.Sprintf("   %d. ", i+1)
			}
			lines = append(lines, prefix+l)
		}
	}
	lines = append(lines, " "+st.Label.Render("Contributing factors"))
	text(p.RCA.Factors, "none recorded")

	open := 0
	for _, a := range d.actions {
		if !a.Done {
			open++
		}
	}
	section(fmt.Sprintf("Actions (%d open of %d)", open, len(d.actions)), keyHint(km.AddAction, "add")+" · "+keyHint(km.ActionDone, "tick off"))
	if len(d.actions) == 0 {
		lines = append(lines, "   "+st.Dim.Render("none yet"))
	}
	for i, a := range d.actions {
		mark, style := "[ ]", st.Bold
		if a.Done {
			mark, style = "[x]", st.Dim
		}
		due := "no due date"
		if !a.Due.IsZero() {
			layout := "Mon 02 Jan"
			if a.Due.In(loc).Year() != now.In(loc).Year() {
				layout = "Mon 02 Jan 2006" // a date in another year says which
			}
			due = "due " + a.Due.In(loc).Format(layout)
		}
		tail := a.Owner + " · " + due
		switch {
		case a.Done:
			tail += " · done " + stamp(a.DoneAt, loc)
		case a.Overdue(now):
			tail += " · " + st.Error.Render("OVERDUE")
		}
		head := fmt.Sprintf("   %d %s ", i+1, mark)
		// The text column stops at 60 cells, so owner and due stay in reach of the eye.
		textW := min(max(w-width(head)-width(tail)-2, 10), 60)
		lines = append(lines, head+style.Render(fit(a.Text, textW))+" "+st.Dim.Render(tail))
	}

	section("Known error", keyHint(km.KnownError, "edit")+" · "+keyHint(km.Publish, "publish"))
	ke := p.KnownError
	if ke.Empty() {
		lines = append(lines, "   "+st.Dim.Render("none recorded: symptom, root cause and workaround"))
	} else {
		for _, f := range []struct{ name, text, none string }{
			{"Symptom", ke.Symptom, "not described"},
			{"Root cause", ke.RootCause, "still under investigation"},
			{"Workaround", ke.Workaround, "none known"},
		} {
			lines = append(lines, " "+st.Label.Render(f.name))
			text(f.text, f.none)
		}
	}
	published := "not published"
	if ke.Article != 0 {
		published = fmt.Sprintf("published as KB-%d (%s)", ke.Article, p.KnownErrorSlug())
	}
	lines = append(lines, " "+st.Label.Render("Knowledge base")+" "+st.Dim.Render(published))

	waiting := len(model.WaitingOnProblem(d.incidents))
	heading := fmt.Sprintf("Linked incidents (%d)", len(d.incidents))
	if waiting > 0 {
		heading = fmt.Sprintf("Linked incidents (%d, %d on hold awaiting this problem)", len(d.incidents), waiting)
	}
	section(heading, keyHint(km.Link, "link")+" · "+keyHint(km.OpenIncident, "open"))
	if len(d.incidents) == 0 {
		lines = append(lines, "   "+st.Dim.Render("none linked"))
	}
	for _, in := range d.incidents {
		head := "   " + fit(in.Ref(), 8) + " " + st.Priority[in.Priority].Render(fit(in.Priority.String(), 3)) + " " + fit(linkedState(in), 28) + " "
		lines = append(lines, head+fit(in.Title, max(w-width(head), 10)))
	}
	return strings.Join(lines, "\n")
}

// linkedState is a linked incident's state, with what it waits for when
// on hold.
func linkedState(in model.Incident) string {
	if in.State == model.StateOnHold {
		return in.State.Label() + " (" + strings.ReplaceAll(in.HoldReason, "_", " ") + ")"
	}
	return in.State.Label()
}

// keyHint is "K edit": a key and what it does, for section headings.
func keyHint(b key.Binding, what string) string { return b.Help().Key + " " + what }

// waitingPrompt asks, after a problem was resolved, whether to resolve the
// incidents on hold waiting for it.
type waitingPrompt struct {
	problem model.Problem
	waiting []model.Incident
}

func (p *waitingPrompt) lines(s *session, w int) []string {
	st, km := s.st, s.km
	refs := make([]string, len(p.waiting))
	for i, in := range p.waiting {
		refs[i] = in.Ref()
	}
	q := fmt.Sprintf(" %s is resolved. Resolve %s on hold awaiting it (%s)?", p.problem.Ref(), model.Plural(len(p.waiting), "incident", "incidents"), strings.Join(refs, " "))
	answers := fmt.Sprintf(" %s resolve as fixed · %s resolve as known error · %s leave them on hold",
		km.AnswerFixed.Help().Key, km.AnswerKnownError.Help().Key, km.AnswerOnHold.Help().Key)
	return []string{st.Banner.Render(fit(q, w)), st.Bold.Render(fit(answers, w))}
}

func (p *waitingPrompt) key(s *session, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := s.km
	var code string
	switch {
	case key.Matches(msg, km.AnswerOnHold, km.Back):
		return nil, true
	case key.Matches(msg, km.AnswerFixed):
		code = "fixed"
	case key.Matches(msg, km.AnswerKnownError):
		code = "known_error"
	default:
		return nil, false
	}
	return resolveWaiting(s, p.problem.ID, code), true
}

// resolveWaiting resolves the incidents waiting on a problem and says which.
func resolveWaiting(s *session, problemID int64, code string) tea.Cmd {
	refs := func(list []model.Incident) string {
		out := make([]string, len(list))
		for i, in := range list {
			out[i] = in.Ref()
		}
		return strings.Join(out, " ")
	}
	return writeThen(s, func(ctx context.Context, a Actions) ([]model.Incident, error) {
		done, err := a.ResolveWaitingIncidents(ctx, s.Actor, problemID, code)
		if err != nil && len(done) > 0 {
			return nil, fmt.Errorf("resolved %s, but: %w", refs(done), err)
		}
		return done, err
	}, func(done []model.Incident) tea.Msg {
		if len(done) == 0 {
			return noticeMsg{text: fmt.Sprintf("no incident of PRB-%d is on hold awaiting it any more", problemID)}
		}
		return noticeMsg{text: fmt.Sprintf("resolved %s (%s)", refs(done), code)}
	})
}

// suggestedProblems is the set of incidents the recurrence rule suggests a
// problem for, which the queue marks "PRB?". The queue's fetch loads it off
// the UI goroutine and its rows read it in View, hence the atomic pointer.
type suggestedProblems struct {
	ids atomic.Pointer[map[int64]bool]
}

func (sp *suggestedProblems) load(ctx context.Context, s *session) error {
	list, err := s.Reader.ProblemSuggestions(ctx, s.Now())
	if err != nil {
		return fmt.Errorf("problem suggestions: %w", err)
	}
	ids := map[int64]bool{}
	for _, sg := range list {
		for _, id := range sg.Incidents {
			ids[id] = true
		}
	}
	sp.ids.Store(&ids)
	return nil
}

// badge is the mark before a suggested incident's title, or "".
func (sp *suggestedProblems) badge(st *Styles, in model.Incident, paint func(lipgloss.Style, string) string) string {
	if in.ProblemID != 0 { // already linked: say to which problem
		return paint(st.Dim, fmt.Sprintf("PRB-%d", in.ProblemID)) + " "
	}
	if ids := sp.ids.Load(); ids != nil && (*ids)[in.ID] {
		return paint(st.Label, "PRB?") + " "
	}
	return ""
}

// showProblems opens the problems view on its list.
func (m *Model) showProblems() tea.Cmd {
	m.detail = nil
	m.look(0)
	if m.problems == nil {
		m.problems = newProblemsView(m.s)
	}
	m.problems.open = nil
	m.layout()
	return m.problems.refresh()
}

// openProblem shows one problem in the problems view.
func (m *Model) openProblem(id int64) tea.Cmd {
	m.detail = nil
	if m.problems == nil {
		m.problems = newProblemsView(m.s)
	}
	m.layout()
	return m.problems.show(id)
}

// problemCommand is ":problem new [from INC-n]" or ":problem PRB-n".
func (m *Model) problemCommand(arg string) tea.Cmd {
	words := strings.Fields(arg)
	switch {
	case len(words) == 1 && words[0] != "new":
		id, err := model.ParseRef(words[0], "PRB")
		if err != nil {
			return notice(fmt.Errorf("problem: %v", err))
		}
		return m.openProblem(id)
	case len(words) == 1:
		if kind, id := m.selectedRecord(); kind == detailIncident {
			return problemFromIncident(m.s, id)
		}
		return newProblemForm(m.s, problemSeed{})
	case len(words) == 3 && words[0] == "new" && words[1] == "from":
		id, err := model.ParseRef(words[2], "INC")
		if err != nil {
			return notice(fmt.Errorf("problem new from: %v", err))
		}
		return problemFromIncident(m.s, id)
	}
	return notice(fmt.Errorf("problem: write :problem new, :problem new from INC-n, or :problem PRB-n"))
}

// problemFromIncident opens the new-problem form prefilled from the
// incident's recurrence group (or the incident alone when the rule does not
// flag it), to link them all.
func problemFromIncident(s *session, incidentID int64) tea.Cmd {
	if s.Actions == nil {
		return s.readOnly()
	}
	return query(func(ctx context.Context) (problemSeed, error) {
		in, err := s.Reader.Incident(ctx, incidentID)
		if err != nil {
			return problemSeed{}, err // the reader names the record
		}
		switch {
		case in.Kind == model.KindRequest:
			return problemSeed{}, fmt.Errorf("%s is a request; problems are opened from incidents", in.Ref())
		case in.ProblemID != 0:
			return problemSeed{}, fmt.Errorf("%s is already linked to PRB-%d; see it with :problem PRB-%d", in.Ref(), in.ProblemID, in.ProblemID)
		}
		list, err := s.Reader.ProblemSuggestions(ctx, s.Now())
		if err != nil {
			return problemSeed{}, err
		}
		sug, ok := model.SuggestionFor(list, incidentID)
		if !ok {
			sug = model.ProblemSuggestion{Service: in.Service, Category: in.Category, Incidents: []int64{incidentID}}
		}
		return problemSeed{from: in, suggestion: sug, flagged: ok}, nil
	}, func(seed problemSeed, err error) tea.Msg {
		if err != nil {
			return noticeMsg{err: err}
		}
		return openFormMsg{form: problemForm(s, seed)}
	})
}

// problemSeed is what a new problem starts from: nothing, or an incident and
// the recurrence group it belongs to.
type problemSeed struct {
	from       model.Incident
	suggestion model.ProblemSuggestion
	flagged    bool // the recurrence rule suggested it
}

// sortedIDs parses "INC-3 INC-5, 9" into incident ids.
func sortedIDs(text string) ([]int64, error) {
	var out []int64
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ',' }) {
		id, err := model.ParseRef(w, "INC")
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
