package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
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

// openProblemMsg asks the console to show a problem, opening the problems
// list if need be.
type openProblemMsg struct{ id int64 }

// problemMovedMsg reports a problem's move to another state, with the
// incidents on hold waiting for it when it was resolved.
type problemMovedMsg struct {
	problem model.Problem
	waiting []model.Incident
}

// problemsList is problem management: the list of problems, opened over
// the panes with P or :problems. enter opens a problem in a detail over it,
// so esc steps back from a problem to the list, and from the list to the
// panes.
type problemsList struct {
	s    *session
	list *listPane[model.Problem]
}

func newProblemsList(s *session) *problemsList {
	return &problemsList{s: s, list: newListPane(s, listSpec[model.Problem]{
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
		bindings: func() []key.Binding { return problemBindings(s) },
	})}
}

// Problem list columns; the title takes what is left.

func (v *problemsList) setSize(w, h int)           { v.list.setSize(w, h) }
func (v *problemsList) refresh() tea.Cmd           { return v.list.refresh() }
func (v *problemsList) ensure() tea.Cmd            { return v.list.ensure() }
func (v *problemsList) update(msg tea.Msg) tea.Cmd { return v.list.update(msg) }
func (v *problemsList) typing() bool               { return v.list.filtering() }

func (v *problemsList) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	km := v.s.km
	if v.list.filtering() {
		cmd, _ := v.list.key(msg)
		return cmd, kept
	}
	// The pane keys leave the problems for that pane.
	if cmd, ok := m.paneKey(msg); ok {
		return cmd, kept
	}
	if key.Matches(msg, km.New) {
		return newProblemForm(v.s, problemSeed{}), kept
	}
	if cmd, handled := v.list.key(msg); handled {
		return cmd, kept
	}
	if key.Matches(msg, km.Back) {
		return nil, closed
	}
	return nil, passed
}

func (v *problemsList) actions() []key.Binding {
	if v.list.filtering() {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep the filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear it")),
		}
	}
	return append([]key.Binding{v.s.km.Back}, problemsHelp{v.s}.actions()...)
}

func (v *problemsList) view(_ *Model, w, h int) string {
	status := "enter opens · esc back"
	if v.list.filter.text != "" {
		status = "filtered · esc clears"
	}
	return box(v.s.st, "Problems", status, v.list.view(true), w, h, true)
}

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

// problemBindings are the actions on a problem, in its list and its view,
// as this operator is offered them. Shared keys say what they do here.
func problemBindings(s *session) []key.Binding {
	km := s.km
	relabel := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	return []key.Binding{
		s.offer(relabel(km.State, "move along the flow"), model.PermProblemState), s.offer(km.RCA, model.PermWriteRCA),
		s.offer(km.KnownError, model.PermWriteKnownError), s.offer(km.AddAction, model.PermAddAction),
		s.offer(km.ActionDone, model.PermUpdateAction), s.offer(relabel(km.Link, "link an incident"), model.PermLinkProblem),
		s.offer(relabel(km.Assign, "set the owner"), model.PermAssignProblem), s.offer(km.Publish, model.PermPublishKnownError),
	}
}

// problemsHelp lists the problem keys in the help, whether or not the
// problems list is open.
type problemsHelp struct{ s *session }

func (problemsHelp) title() string { return "Problems" }

func (h problemsHelp) actions() []key.Binding {
	km := h.s.km
	newProblem := key.NewBinding(key.WithKeys(km.New.Keys()...), key.WithHelp(km.New.Help().Key, "new problem"))
	return append([]key.Binding{h.s.offer(newProblem, model.PermOpenProblem)}, problemBindings(h.s)...)
}

// waitingPrompt asks, after a problem was resolved, whether to resolve the
// incidents on hold waiting for it.
type waitingPrompt struct {
	s       *session
	problem model.Problem
	waiting []model.Incident
}

func (p *waitingPrompt) lines(w int) []string {
	st, km := p.s.st, p.s.km
	refs := make([]string, len(p.waiting))
	for i, in := range p.waiting {
		refs[i] = in.Ref()
	}
	q := fmt.Sprintf(" %s is resolved. Resolve %s on hold awaiting it (%s)?", p.problem.Ref(), model.Plural(len(p.waiting), "incident", "incidents"), strings.Join(refs, " "))
	answers := fmt.Sprintf(" %s resolve as fixed · %s resolve as known error · %s leave them on hold",
		km.AnswerFixed.Help().Key, km.AnswerKnownError.Help().Key, km.AnswerOnHold.Help().Key)
	return []string{st.Banner.Render(fit(q, w)), st.Bold.Render(fit(answers, w))}
}

// key takes an answer; other keys pass to the console's (help, quit), and
// reach nothing below until the question is answered.
func (p *waitingPrompt) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	km := p.s.km
	var code string
	switch {
	case key.Matches(msg, km.AnswerOnHold, km.Back):
		return nil, closed
	case key.Matches(msg, km.AnswerFixed):
		code = "fixed"
	case key.Matches(msg, km.AnswerKnownError):
		code = "known_error"
	default:
		return nil, passed
	}
	return resolveWaiting(p.s, p.problem.ID, code), closed
}

func (p *waitingPrompt) actions() []key.Binding {
	km := p.s.km
	return []key.Binding{km.Back, p.s.offer(km.AnswerFixed, model.PermIncidentState), p.s.offer(km.AnswerKnownError, model.PermIncidentState), km.AnswerOnHold}
}

func (p *waitingPrompt) typing() bool { return false }

// view puts the question on top, where the eye is, over what it is about.
func (p *waitingPrompt) view(m *Model, w, h int) string {
	ask := p.lines(w)
	return strings.Join(ask, "\n") + "\n" + m.below(p, w, h-len(ask))
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
	sp.ids.Store(suggestedSet(list))
	return nil
}

// lastSuggested is the set made of the last list of suggestions seen.
// Under serve every session is handed the same list (Shared), unchanged
// until the suggestions change: its set is made once, not once per
// session and commit (tens of thousands of incidents on a big store).
var lastSuggested struct {
	sync.Mutex
	list []model.ProblemSuggestion
	ids  *map[int64]bool
}

// suggestedSet is the set of the incidents list suggests problems for.
// The sets it hands out are read-only.
func suggestedSet(list []model.ProblemSuggestion) *map[int64]bool {
	l := &lastSuggested
	l.Lock()
	defer l.Unlock()
	if len(list) > 0 && len(list) == len(l.list) && &list[0] == &l.list[0] {
		return l.ids
	}
	ids := map[int64]bool{}
	for _, sg := range list {
		for _, id := range sg.Incidents {
			ids[id] = true
		}
	}
	l.list, l.ids = list, &ids
	return &ids
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

// showProblems opens the problems list, closing what is open over it.
func (m *Model) showProblems() tea.Cmd {
	if v, ok := find[*problemsList](m); ok {
		cmd, _ := m.closeAbove(v)
		return tea.Batch(cmd, v.refresh())
	}
	return m.setLayers([]layer{newProblemsList(m.s)})
}

// openProblem shows one problem over the problems list.
func (m *Model) openProblem(id int64) tea.Cmd {
	var cmd tea.Cmd
	if v, ok := find[*problemsList](m); ok {
		cmd, _ = m.closeAbove(v)
	} else {
		cmd = m.setLayers([]layer{newProblemsList(m.s)})
	}
	return tea.Batch(cmd, m.push(newDetail(m.s, problemBody{id: id})))
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
		if kind, id := m.selectedRecord(); kind == recordIncident {
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
	if stop := s.refuse(model.PermOpenProblem); stop != nil {
		return stop
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
