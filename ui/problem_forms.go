package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// problemFormBuilder builds the form for an action on a problem as it is
// now, or says why there is nothing to do.
type problemFormBuilder func(s *session, p model.Problem, actions []model.ProblemAction) (*form, error)

// problemKeys maps a key press to an action on a problem.
func problemKeys(s *session, id int64, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := s.km
	var build problemFormBuilder
	var perm model.Perm // what the service layer asks of the form's write
	switch {
	case key.Matches(msg, km.State):
		build, perm = problemStateForm, model.PermProblemState
	case key.Matches(msg, km.RCA):
		build, perm = rcaForm, model.PermWriteRCA
	case key.Matches(msg, km.KnownError):
		build, perm = knownErrorForm, model.PermWriteKnownError
	case key.Matches(msg, km.AddAction):
		build, perm = actionForm, model.PermAddAction
	case key.Matches(msg, km.ActionDone):
		build, perm = actionDoneForm, model.PermUpdateAction
	case key.Matches(msg, km.Link):
		build, perm = problemLinkForm, model.PermLinkProblem
	case key.Matches(msg, km.Assign):
		build, perm = problemOwnerForm, model.PermAssignProblem
	case key.Matches(msg, km.Publish):
		return publishKnownError(s, id), true
	default:
		return nil, false
	}
	return openProblemForm(s, id, perm, build), true
}

// openProblemForm reads the problem as it is now, off the UI goroutine, and
// opens the form build makes of it; it refuses first, before anything is
// typed, an operator who may not do perm.
func openProblemForm(s *session, id int64, perm model.Perm, build problemFormBuilder) tea.Cmd {
	if stop := s.refuse(perm); stop != nil {
		return stop
	}
	type current struct {
		p       model.Problem
		actions []model.ProblemAction
	}
	return query(func(ctx context.Context) (current, error) {
		p, err := s.Reader.Problem(ctx, id)
		if err != nil {
			return current{}, fmt.Errorf("PRB-%d: %w", id, err)
		}
		actions, err := s.Reader.ProblemActions(ctx, id)
		return current{p, actions}, err
	}, func(c current, err error) tea.Msg {
		if err != nil {
			return noticeMsg{err: err}
		}
		f, err := build(s, c.p, c.actions)
		if err != nil {
			return noticeMsg{err: err}
		}
		return openFormMsg{form: f}
	})
}

// problemWrite runs a problem write and reports it with a notice built
// from its result.
func problemWrite[T any](s *session, do func(ctx context.Context, a ProblemActions) (T, error), done func(T) string) tea.Cmd {
	return writeThen(s, func(ctx context.Context, a Actions) (T, error) { return do(ctx, a) },
		func(out T) tea.Msg { return noticeMsg{text: done(out)} })
}

// problemStateForm moves a problem along its flow.
func problemStateForm(s *session, p model.Problem, _ []model.ProblemAction) (*form, error) {
	ref := p.Ref()
	var next []string
	for _, st := range model.NextProblemStates(p.State) {
		next = append(next, string(st))
	}
	if len(next) == 0 {
		return nil, fmt.Errorf("%s is %s: its record is final", ref, p.State.Label())
	}
	// No state is chosen for the operator: enter on a form opened by
	// mistake must not close the record for good.
	f := newForm(s, fmt.Sprintf("Move %s (now %s)", ref, p.State.Label())).
		field("to", "", "←/→ chooses: "+strings.Join(next, ", "), next...).
		field("reason", "", "why (required to reopen)")
	f.preview = func(v []string) string {
		if v[0] == "" {
			return s.st.Dim.Render("choose the new state with ←/→")
		}
		var what string
		switch model.ProblemState(v[0]) {
		case model.ProblemFixing:
			what = "needs a root cause on record: the RCA's whys or the known error's root cause"
		case model.ProblemResolved:
			what = "the fix is in; then you are asked whether to resolve the incidents on hold awaiting it"
		case model.ProblemClosed:
			what = "a lead's call: the record becomes final"
		case model.ProblemRCA:
			what = "analyse the root cause"
			if p.State == model.ProblemResolved {
				what = "reopens it: the fix did not hold; a reason is required"
			}
		default:
			what = "assess impact and whether to analyse it"
		}
		return s.st.Dim.Render(model.ProblemState(v[0]).Label() + ": " + what)
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := chosen("to", v[0], "the new state", next); err != nil {
			return nil, 0, err
		}
		c := model.ProblemChange{To: model.ProblemState(v[0]), Reason: v[1]}
		if p.State == model.ProblemResolved && c.To == model.ProblemRCA && c.Reason == "" {
			return nil, 1, fmt.Errorf("reason: reopening needs a reason: what came back?")
		}
		return moveProblem(s, p.ID, c), 0, nil
	}
	return f, nil
}

// moveProblem changes a problem's state and, when that resolved it, hands
// the view the incidents waiting on it so it can offer to resolve them.
func moveProblem(s *session, id int64, c model.ProblemChange) tea.Cmd {
	type moved struct {
		p       model.Problem
		linked  []model.Incident
		readErr error // the move was made, but its incidents could not be read
	}
	return writeThen(s, func(ctx context.Context, a Actions) (moved, error) {
		p, err := a.ProblemTransition(ctx, s.Actor, id, c)
		if err != nil || p.State != model.ProblemResolved {
			return moved{p: p}, err
		}
		linked, err := s.Reader.ProblemIncidents(ctx, id)
		return moved{p: p, linked: linked, readErr: err}, nil
	}, func(out moved) tea.Msg {
		p := out.p
		if out.readErr != nil {
			return noticeMsg{err: fmt.Errorf("%s resolved, but its incidents could not be read: %w", p.Ref(), out.readErr)}
		}
		done := noticeMsg{text: fmt.Sprintf("%s → %s", p.Ref(), p.State.Label())}
		if p.State != model.ProblemResolved {
			return done
		}
		return gathered{done, problemMovedMsg{problem: p, waiting: model.WaitingOnProblem(out.linked)}}
	})
}

// rcaForm edits the root cause analysis: timeline, 5 whys, factors.
func rcaForm(s *session, p model.Problem, _ []model.ProblemAction) (*form, error) {
	f := newForm(s, "Root cause analysis of "+p.Ref()).
		area("timeline", p.RCA.Timeline, "what happened when, one event a line", 4)
	for i := range model.MaxWhys {
		why, hint := "", "and why was that?"
		if i < len(p.RCA.Whys) {
			why = p.RCA.Whys[i]
		}
		if i == 0 {
			hint = "why did it happen?"
		}
		f.field(fmt.Sprintf("why %d", i+1), why, hint)
	}
	f.area("factors", p.RCA.Factors, "contributing factors: what made it likelier or worse", 3)
	f.submit = func(v []string) (tea.Cmd, int, error) {
		r := model.RCA{Timeline: v[0], Whys: v[1 : 1+model.MaxWhys], Factors: v[1+model.MaxWhys]}
		return problemWrite(s, func(ctx context.Context, a ProblemActions) (model.Problem, error) {
			return a.SaveRCA(ctx, s.Actor, p.ID, r)
		}, func(out model.Problem) string { return out.Ref() + " RCA saved" }), 0, nil
	}
	return f, nil
}

// knownErrorForm edits the known error: symptom, root cause, workaround.
func knownErrorForm(s *session, p model.Problem, _ []model.ProblemAction) (*form, error) {
	ke := p.KnownError
	f := newForm(s, "Known error of "+p.Ref()).
		area("symptom", ke.Symptom, "how the fault shows, so others recognise it (required)", 2).
		area("root cause", ke.RootCause, "why it happens (empty while unknown)", 2).
		area("workaround", ke.Workaround, "how to get around it until it is fixed", 3)
	publish := s.km.Publish.Help().Key
	f.preview = func(v []string) string {
		switch {
		case ke.Article != 0:
			return s.st.Dim.Render(fmt.Sprintf("published as KB-%d: after saving, %s publishes the change (leads)", ke.Article, publish))
		case v[2] == "":
			return s.st.Dim.Render("with a workaround it can be published to the knowledge base")
		}
		return s.st.Dim.Render(fmt.Sprintf("after saving, %s publishes it to the knowledge base (leads)", publish))
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if v[0] == "" {
			return nil, 0, fmt.Errorf("symptom: required; say how the fault shows")
		}
		k := model.KnownError{Symptom: v[0], RootCause: v[1], Workaround: v[2]}
		return problemWrite(s, func(ctx context.Context, a ProblemActions) (model.Problem, error) {
			return a.SaveKnownError(ctx, s.Actor, p.ID, k)
		}, func(out model.Problem) string { return out.Ref() + " known error saved" }), 0, nil
	}
	return f, nil
}

// dueLayout is how due dates are typed.
const dueLayout = "2006-01-02"

// parseDue reads a due date; the action is due by the end of that day.
func parseDue(v string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(dueLayout, v, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("due: %q: write a date as YYYY-MM-DD, or leave it empty", v)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 0, 0, loc), nil
}

// actionForm adds an RCA action.
func actionForm(s *session, p model.Problem, _ []model.ProblemAction) (*form, error) {
	owner := p.Owner
	if owner == "" {
		owner = s.Actor.Name
	}
	f := newForm(s, "New action on "+p.Ref()).
		field("action", "", "what is to be done").
		field("owner", owner, "who does it").
		field("due", s.now().AddDate(0, 0, 7).Format(dueLayout), "YYYY-MM-DD (empty: no due date)")
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if v[0] == "" {
			return nil, 0, fmt.Errorf("action: say what is to be done")
		}
		if v[1] == "" {
			return nil, 1, fmt.Errorf("owner: name who does it")
		}
		due, err := parseDue(v[2], s.loc())
		if err != nil {
			return nil, 2, err
		}
		act := model.ProblemAction{Text: v[0], Owner: v[1], Due: due}
		return problemWrite(s, func(ctx context.Context, a ProblemActions) (model.ProblemAction, error) {
			return a.AddProblemAction(ctx, s.Actor, p.ID, act)
		}, func(model.ProblemAction) string { return "action added to " + p.Ref() }), 0, nil
	}
	return f, nil
}

// actionDoneForm ticks an action off (or opens it again), by its number.
func actionDoneForm(s *session, p model.Problem, actions []model.ProblemAction) (*form, error) {
	if len(actions) == 0 {
		return nil, fmt.Errorf("%s has no actions yet: %s adds one", p.Ref(), s.km.AddAction.Help().Key)
	}
	numbers := make([]string, len(actions))
	first := -1
	for i, a := range actions {
		numbers[i] = strconv.Itoa(i + 1)
		if first < 0 && !a.Done {
			first = i
		}
	}
	done := "yes"
	if first < 0 {
		first, done = 0, "no"
	}
	f := newForm(s, "Tick off an action of "+p.Ref()).
		field("action", numbers[first], "", numbers...).
		field("done", done, "", "yes", "no")
	f.preview = func(v []string) string {
		i := slices.Index(numbers, v[0])
		if i < 0 {
			return s.st.Dim.Render("choose an action by its number (←/→)")
		}
		a := actions[i]
		state := "open"
		if a.Done {
			state = "done"
		}
		return s.st.Dim.Render(fmt.Sprintf("%d. %s — %s, now %s", i+1, a.Text, a.Owner, state))
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := choice("action", v[0], numbers); err != nil {
			return nil, 0, err
		}
		if err := choice("done", v[1], []string{"yes", "no"}); err != nil {
			return nil, 1, err
		}
		a := actions[slices.Index(numbers, v[0])]
		isDone := v[1] == "yes"
		return problemWrite(s, func(ctx context.Context, acts ProblemActions) (model.ProblemAction, error) {
			return acts.SetProblemActionDone(ctx, s.Actor, p.ID, a.ID, isDone)
		}, func(out model.ProblemAction) string {
			if out.Done {
				return fmt.Sprintf("action %s of %s done", v[0], p.Ref())
			}
			return fmt.Sprintf("action %s of %s open again", v[0], p.Ref())
		}), 0, nil
	}
	return f, nil
}

// problemLinkForm links an incident to the problem.
func problemLinkForm(s *session, p model.Problem, _ []model.ProblemAction) (*form, error) {
	f := newForm(s, "Link an incident to "+p.Ref()).
		field("incident", "", "INC-n")
	f.preview = func([]string) string {
		return s.st.Dim.Render("the incident's timeline notes the link; one linked to another problem moves here")
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		id, err := model.ParseRef(v[0], "INC")
		if err != nil {
			return nil, 0, fmt.Errorf("incident: %v", err)
		}
		return problemWrite(s, func(ctx context.Context, a ProblemActions) (model.Incident, error) {
			return a.LinkProblem(ctx, s.Actor, p.ID, id)
		}, func(in model.Incident) string { return in.Ref() + " linked to " + p.Ref() }), 0, nil
	}
	return f, nil
}

// linkedIncidentForm asks which of a problem's linked incidents to open,
// offering the first still open; its number or reference may be typed too.
func linkedIncidentForm(s *session, p model.Problem, linked []model.Incident) *form {
	refs := make([]string, len(linked))
	for i, in := range linked {
		refs[i] = in.Ref()
	}
	first := max(slices.IndexFunc(linked, func(in model.Incident) bool { return in.State.Open() }), 0)
	find := func(v string) (model.Incident, bool) {
		id, err := model.ParseRef(v, "INC")
		i := slices.IndexFunc(linked, func(in model.Incident) bool { return in.ID == id })
		if err != nil || i < 0 {
			return model.Incident{}, false
		}
		return linked[i], true
	}
	f := newForm(s, "Open an incident linked to "+p.Ref()).
		field("incident", refs[first], "INC-n", refs...)
	f.preview = func(v []string) string {
		in, ok := find(v[0])
		if !ok {
			return s.st.Dim.Render("choose one of the linked incidents (←/→)")
		}
		return s.st.Dim.Render(fmt.Sprintf("%s %s · %s — %s; esc there comes back to %s", in.Ref(), in.Priority, linkedState(in), in.Title, p.Ref()))
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		in, ok := find(v[0])
		if !ok {
			return nil, 0, choice("incident", v[0], refs)
		}
		return openIncident(in.ID), 0, nil
	}
	return f
}

// problemOwnerForm hands the problem to an operator.
func problemOwnerForm(s *session, p model.Problem, _ []model.ProblemAction) (*form, error) {
	f := newForm(s, "Owner of "+p.Ref()).
		field("owner", p.Owner, "the operator who drives it")
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if v[0] == "" {
			return nil, 0, fmt.Errorf("owner: name the operator who drives the problem")
		}
		return problemWrite(s, func(ctx context.Context, a ProblemActions) (model.Problem, error) {
			return a.AssignProblem(ctx, s.Actor, p.ID, v[0])
		}, func(out model.Problem) string { return out.Ref() + " owned by " + out.Owner }), 0, nil
	}
	return f, nil
}

// publishKnownError publishes the problem's known error to the knowledge
// base, once asked: every operator reads it from then on, and incidents
// that match it are offered it.
func publishKnownError(s *session, id int64) tea.Cmd {
	if stop := s.refuse(model.PermPublishKnownError); stop != nil {
		return stop
	}
	publish := problemWrite(s, func(ctx context.Context, a ProblemActions) (model.Article, error) {
		return a.PublishKnownError(ctx, s.Actor, id)
	}, func(ar model.Article) string {
		return fmt.Sprintf("PRB-%d known error published as %s (%s)", id, ar.Ref(), ar.Slug)
	})
	// Read first: a known error without its symptom or workaround is
	// refused by the service layer, with why, before anything is asked.
	return query(func(ctx context.Context) (model.Problem, error) {
		return s.Reader.Problem(ctx, id)
	}, func(p model.Problem, err error) tea.Msg {
		switch {
		case err != nil:
			return noticeMsg{err: fmt.Errorf("PRB-%d: %w", id, err)}
		case p.KnownError.Symptom == "" || p.KnownError.Workaround == "":
			return publish()
		}
		return askMsg(s, fmt.Sprintf("Publish %s's known error to the knowledge base? Every operator reads it from then on.", p.Ref()), publish)
	})
}

// newProblemForm opens the form for a new problem.
func newProblemForm(s *session, seed problemSeed) tea.Cmd {
	if stop := s.refuse(model.PermOpenProblem); stop != nil {
		return stop
	}
	return func() tea.Msg { return openFormMsg{form: problemForm(s, seed)} }
}

// problemForm asks for a new problem, prefilled from what it starts from:
// a recurrence group, a P1, one incident, or nothing.
func problemForm(s *session, seed problemSeed) *form {
	var services []string
	if p := s.plan(); p != nil {
		for _, sv := range p.Services {
			services = append(services, sv.ID)
		}
	}
	sug := seed.suggestion
	title, service, category, incidents, description := "", firstOr(services, ""), "other", "", ""
	switch {
	case seed.from.ID == 0:
	case seed.flagged && !sug.P1:
		title = fmt.Sprintf("Recurring %s incidents on %s", sug.Category, sug.Service)
		description = sug.Reason() + "."
	case seed.flagged:
		title, description = seed.from.Title, sug.Reason()+"."
	default:
		title, description = seed.from.Title, "Opened from "+seed.from.Ref()+"."
	}
	if seed.from.ID != 0 {
		service, category, incidents = sug.Service, sug.Category, sug.Refs()
	}
	f := newForm(s, "New problem").
		field("title", title, "what keeps going wrong, in one line").
		field("service", service, "a service id from the plan", services...).
		field("category", category, "", model.Categories...).
		field("owner", s.Actor.Name, "the operator who drives it").
		field("incidents", incidents, "INC-n INC-m … to link (optional)").
		field("description", description, "what is known so far (optional)")
	f.preview = func([]string) string {
		if seed.flagged {
			return s.st.Dim.Render("suggested by the recurrence rule: " + sug.Reason())
		}
		return s.st.Dim.Render("the incidents listed are linked, and their timelines say so")
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if v[0] == "" {
			return nil, 0, fmt.Errorf("title: say what keeps going wrong")
		}
		if err := choice("service", v[1], services); err != nil {
			return nil, 1, err
		}
		if err := choice("category", v[2], model.Categories); err != nil {
			return nil, 2, err
		}
		ids, err := sortedIDs(v[4])
		if err != nil {
			return nil, 4, fmt.Errorf("incidents: %v", err)
		}
		n := model.NewProblem{Title: v[0], Service: v[1], Category: v[2], Owner: v[3], Incidents: ids, Description: v[5]}
		return writeThen(s, func(ctx context.Context, a Actions) (model.Problem, error) {
			return a.CreateProblem(ctx, s.Actor, n)
		}, func(p model.Problem) tea.Msg {
			text := p.Ref() + " opened"
			if p.Incidents > 0 {
				text += fmt.Sprintf(", %d incident(s) linked", p.Incidents)
			}
			return gathered{noticeMsg{text: text}, openProblemMsg{id: p.ID}}
		}), 0, nil
	}
	return f
}
