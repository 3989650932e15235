package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
)

// problemBody is one problem with its RCA, actions, known error and linked
// incidents. A linked incident opens in a detail over it, so esc there
// comes back here.
type problemBody struct {
	id   int64
	data problemData // zero until read
}

// serviceOf is the service I shows the impact of.
func (b problemBody) serviceOf() string { return b.data.problem.Service }

// problemData is a problem with what hangs off it, read for its view.
type problemData struct {
	problem   model.Problem
	actions   []model.ProblemAction
	incidents []model.Incident
}

func (b problemBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	var d problemData
	var err error
	if d.problem, err = s.Reader.Problem(ctx, b.id); err != nil {
		return b, "", "", fmt.Errorf("PRB-%d: %w", b.id, err)
	}
	if d.actions, err = s.Reader.ProblemActions(ctx, b.id); err != nil {
		return b, "", "", fmt.Errorf("PRB-%d actions: %w", b.id, err)
	}
	if d.incidents, err = s.Reader.ProblemIncidents(ctx, b.id); err != nil {
		return b, "", "", fmt.Errorf("PRB-%d incidents: %w", b.id, err)
	}
	b.data = d
	return b, d.problem.Ref() + " · " + d.problem.Title, layoutProblem(s, d, w), nil
}

func (b problemBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := m.s.km
	switch {
	case key.Matches(msg, km.OpenIncident):
		return b.openLinked(m.s), true
	case key.Matches(msg, km.New):
		return newProblemForm(m.s, problemSeed{}), true
	}
	return problemKeys(m.s, b.id, msg)
}

func (problemBody) actions(s *session) []key.Binding {
	return append(problemBindings(s), openLinkedBinding(s.km))
}

// openLinkedBinding is the key that opens a linked incident, said as what
// it does in a problem.
func openLinkedBinding(km *keymaps.KeyMap) key.Binding {
	return key.NewBinding(key.WithKeys(km.OpenIncident.Keys()...), key.WithHelp(km.OpenIncident.Help().Key, "open a linked incident"))
}

// openLinked opens one of the incidents linked to the problem: the only
// one straight away, else the one picked in a form. Opening is a read, so
// viewers may too.
func (b problemBody) openLinked(s *session) tea.Cmd {
	p, linked := b.data.problem, b.data.incidents
	switch {
	case p.ID == 0: // not read yet
		return nil
	case len(linked) == 0:
		return notice(fmt.Errorf("%s has no linked incidents: %s links one", p.Ref(), s.km.Link.Help().Key))
	case len(linked) == 1:
		return openIncident(linked[0].ID)
	}
	f := linkedIncidentForm(s, p, linked)
	return func() tea.Msg { return openFormMsg{form: f} }
}

// layoutProblem lays a problem out: its fields, the RCA, the actions, the
// known error and the linked incidents, each section with the key that
// edits it.
func layoutProblem(s *session, d problemData, w int) string {
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
