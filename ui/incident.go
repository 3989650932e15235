package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

func openIncident(id int64) tea.Cmd { return openDetail(incidentBody{id: id}) }

// openNoteMsg asks the console to open the note editor for an incident.
type openNoteMsg struct{ id int64 }

// incidentBindings are the actions on an incident, in the queue and its
// detail, as this operator is offered them.
func incidentBindings(s *session) []key.Binding {
	km := s.km
	return []key.Binding{s.offer(km.Ack, model.PermAck), s.offer(km.Assign, model.PermAssign), s.offer(km.Note, model.PermNote),
		s.offer(km.Resolve, model.PermIncidentState), s.offer(km.Escalate, model.PermEscalate), s.offer(km.State, model.PermIncidentState),
		s.offer(km.Priority, model.PermRetriage), s.offer(km.Merge, model.PermMerge), s.offer(km.Link, model.PermLink)}
}

// formPerms are what the service layer will ask of each form's write.
var formPerms = map[recordAction]model.Perm{
	actResolve: model.PermIncidentState, actAssign: model.PermAssign, actState: model.PermIncidentState,
	actPriority: model.PermRetriage, actMerge: model.PermMerge, actLink: model.PermLink,
}

// recordAction is something done to the selected incident or alert, from a
// key or from the command line.
type recordAction int

const (
	actAck recordAction = iota + 1
	actTake
	actNote
	actResolve
	actEscalate
	actAssign
	actState
	actPriority
	actMerge
	actLink
)

// incidentKeys maps a key press to an incident action.
func incidentKeys(s *session, id int64, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := s.km
	switch {
	case key.Matches(msg, km.Ack):
		return incidentAction(s, id, actAck), true
	case key.Matches(msg, km.Assign):
		return incidentAction(s, id, actAssign), true
	case key.Matches(msg, km.State):
		return incidentAction(s, id, actState), true
	case key.Matches(msg, km.Priority):
		return incidentAction(s, id, actPriority), true
	case key.Matches(msg, km.Merge):
		return incidentAction(s, id, actMerge), true
	case key.Matches(msg, km.Link):
		return incidentAction(s, id, actLink), true
	case key.Matches(msg, km.Note):
		return incidentAction(s, id, actNote), true
	case key.Matches(msg, km.Resolve):
		return incidentAction(s, id, actResolve), true
	case key.Matches(msg, km.Escalate):
		return incidentAction(s, id, actEscalate), true
	}
	return nil, false
}

// incidentAction performs an action on an incident; the service layer
// decides whether this operator may.
func incidentAction(s *session, id int64, act recordAction) tea.Cmd {
	ref := fmt.Sprintf("INC-%d", id)
	switch act {
	case actAck:
		return s.write(ref+" acknowledged", func(ctx context.Context, a Actions) error {
			_, err := a.AckIncident(ctx, s.Actor, id)
			return err
		})
	case actTake:
		return s.write(ref+" assigned to "+s.Actor.Name, func(ctx context.Context, a Actions) error {
			_, err := a.Assign(ctx, s.Actor, id, "", s.Actor.Name)
			return err
		})
	case actResolve, actAssign, actState, actPriority, actMerge, actLink:
		// Refuse before the operator fills in a form the service layer would reject.
		if stop := s.refuse(formPerms[act]); stop != nil {
			return stop
		}
		// The forms need the incident as it is now (its state, team and
		// impact), so it is read first, off the UI goroutine.
		// Resolving reads its alerts too: the form says which still fire.
		type read struct {
			in     model.Incident
			alerts []model.Alert
		}
		return query(func(ctx context.Context) (read, error) {
			in, err := s.Reader.Incident(ctx, id)
			if err != nil || (act != actResolve && act != actState) {
				return read{in: in}, err
			}
			alerts, err := s.Reader.IncidentAlerts(ctx, id, firingShown*4)
			return read{in, alerts}, err
		}, func(r read, err error) tea.Msg {
			if err != nil {
				return noticeMsg{err: err} // the reader names the record
			}
			if err := formAllowed(r.in, act); err != nil {
				return noticeMsg{err: err}
			}
			f := incidentForm(s, r.in, act)
			f.hint = stillFiring(s, r.alerts)
			return openFormMsg{form: f}
		})
	case actEscalate:
		if stop := s.refuse(model.PermEscalate); stop != nil {
			return stop
		}
		escalate := writeThen(s, func(ctx context.Context, a Actions) (model.Incident, error) {
			return a.Escalate(ctx, s.Actor, id, "")
		}, func(in model.Incident) tea.Msg {
			return noticeMsg{text: fmt.Sprintf("%s escalated to %s", in.Ref(), levelName(s, in))}
		})
		// The question names the level it goes to, so the incident is read
		// first. Where there is no next level the write goes ahead unasked
		// and the service layer says why it cannot.
		return query(func(ctx context.Context) (model.Incident, error) {
			return s.Reader.Incident(ctx, id)
		}, func(in model.Incident, err error) tea.Msg {
			if err != nil {
				return noticeMsg{err: err}
			}
			q, ok := escalateQuestion(s, in)
			if !ok {
				return escalate()
			}
			return askMsg(s, q, escalate)
		})
	case actNote:
		// Refuse before the operator types a note the service layer would reject.
		if stop := s.refuse(model.PermNote); stop != nil {
			return stop
		}
		return func() tea.Msg { return openNoteMsg{id: id} }
	}
	return nil
}

// newIncidentForm opens the form for a new incident or request. The
// priority it will get is shown as the impact and urgency change.
func newIncidentForm(s *session) tea.Cmd {
	if stop := s.refuse(model.PermOpenIncident); stop != nil {
		return stop
	}
	var services []string
	if p := s.plan(); p != nil {
		for _, sv := range p.Services {
			services = append(services, sv.ID)
		}
	}
	levels := []string{"high", "medium", "low"}
	f := newForm(s, "New incident").
		field("service", firstOr(services, ""), "a service id from the plan", services...).
		field("title", "", "what is wrong, in one line").
		field("impact", "medium", "", levels...).
		field("urgency", "medium", "", levels...).
		field("category", "availability", "", model.Categories...).
		field("type", "incident", "", string(model.KindIncident), string(model.KindRequest)).
		field("details", "", "what you see, since when (optional)")
	lead := s.Actor.May(model.PermDeclareMajor)
	if lead {
		f.field("declare major", "no", "", "no", "yes")
	}
	f.preview = func(v []string) string {
		imp, err1 := model.ParseLevel(v[2])
		urg, err2 := model.ParseLevel(v[3])
		if err1 != nil || err2 != nil {
			return s.st.Dim.Render("priority: choose impact and urgency")
		}
		p, _ := model.PriorityFor(imp, urg)
		out := "priority " + s.st.Priority[p].Render(" "+p.String()+" ")
		tier := 0
		if pl := s.plan(); pl != nil {
			tier, _ = pl.ServiceTier(v[0])
			t := pl.SLAFor(model.Kind(v[5]), p)
			if t.Resolve > 0 {
				out += s.st.Dim.Render(fmt.Sprintf("  respond in %s, resolve in %s", countdown(t.Respond), countdown(t.Resolve)))
			}
		}
		if model.IsMajor(p, tier, lead && v[7] == "yes") && model.Kind(v[5]) == model.KindIncident {
			out += " " + s.st.Major.Render(" MAJOR ")
		}
		return out
	}
	f.lookup = func(v []string) (string, tea.Cmd) {
		return suggestArticles(s, f, v[1], v[0])
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := choice("service", v[0], services); err != nil {
			return nil, 0, err
		}
		if v[1] == "" {
			return nil, 1, fmt.Errorf("title: say what is wrong")
		}
		imp, err := model.ParseLevel(v[2])
		if err != nil {
			return nil, 2, fmt.Errorf("impact: %v", err)
		}
		urg, err := model.ParseLevel(v[3])
		if err != nil {
			return nil, 3, fmt.Errorf("urgency: %v", err)
		}
		if err := choice("category", v[4], model.Categories); err != nil {
			return nil, 4, err
		}
		if err := choice("type", v[5], []string{string(model.KindIncident), string(model.KindRequest)}); err != nil {
			return nil, 5, err
		}
		n := model.NewIncident{Service: v[0], Title: v[1], Impact: imp, Urgency: urg, Category: v[4], Kind: model.Kind(v[5]), Description: v[6],
			Major: lead && v[7] == "yes"}
		return writeThen(s, func(ctx context.Context, a Actions) (model.Incident, error) {
			return a.CreateIncident(ctx, s.Actor, n)
		}, func(in model.Incident) tea.Msg {
			return openDetailMsg{body: incidentBody{id: in.ID}}
		}), 0, nil
	}
	return func() tea.Msg { return openFormMsg{form: f} }
}

// suggestArticles looks for knowledge base articles that match an incident's
// title and service, for the new-incident form: a runbook found before the
// incident is even filed saves the first ten minutes.
func suggestArticles(s *session, f *form, title, service string) (string, tea.Cmd) {
	key := strings.TrimSpace(title)
	if len([]rune(key)) < 3 {
		return "", func() tea.Msg { return formHintMsg{form: f, key: "", text: ""} }
	}
	key += " " + service
	return key, query(func(ctx context.Context) ([]model.ArticleHit, error) {
		return s.Reader.Articles(ctx, model.ArticleQuery{Search: key, Any: true, Limit: 3})
	}, func(hits []model.ArticleHit, err error) tea.Msg {
		if err != nil {
			return formHintMsg{form: f, key: key, text: s.st.Error.Render("article suggestions: " + err.Error())}
		}
		if len(hits) == 0 {
			return formHintMsg{form: f, key: key, text: s.st.Dim.Render("no matching articles in the knowledge base")}
		}
		lines := []string{s.st.Bold.Render("Suggested articles")}
		for _, h := range hits {
			lines = append(lines, fmt.Sprintf(" %-6s %s %s", h.Ref(), h.Title, s.st.Dim.Render("("+string(h.Kind)+")")))
		}
		return formHintMsg{form: f, key: key, text: strings.Join(lines, "\n")}
	})
}

// formAllowed refuses, before the operator fills anything in, a form for
// an action the incident's state no longer allows.
func formAllowed(in model.Incident, act recordAction) error {
	switch act {
	case actState:
		if len(model.NextStates(in.State)) == 0 {
			return fmt.Errorf("%s is %s: its record is final and cannot change state", in.Ref(), in.State.Label())
		}
	case actResolve:
		if !slices.Contains(model.NextStates(in.State), model.StateResolved) {
			return fmt.Errorf("%s is %s and cannot be resolved (x changes its state)", in.Ref(), in.State.Label())
		}
	case actAssign, actPriority, actMerge:
		if !in.State.Open() {
			return fmt.Errorf("%s is %s; only open incidents can be changed so (x reopens a resolved one)", in.Ref(), in.State.Label())
		}
	}
	return nil
}

// levelName is the escalation level an incident sits at, as the plan names
// it ("L2 (Priya Shah)"), or its number without a plan.
func levelName(s *session, in model.Incident) string {
	if p := s.plan(); p != nil {
		if levels := p.Escalation(in.Team); in.Escalation < len(levels) {
			return levels[in.Escalation].Name
		}
	}
	return fmt.Sprintf("level %d", in.Escalation+1)
}

// escalateQuestion asks whether to move the incident to the next level of
// its team's path, naming it and who is on call there; false when it has
// no next level (the service layer refuses, and says why).
func escalateQuestion(s *session, in model.Incident) (string, bool) {
	p := s.plan()
	if p == nil || !in.State.Open() {
		return "", false
	}
	levels := p.Escalation(in.Team)
	if in.Escalation+1 >= len(levels) {
		return "", false
	}
	next := levels[in.Escalation+1]
	q := fmt.Sprintf("Escalate %s to %s?", in.Ref(), next.Name)
	if sh, ok := next.Rota.At(s.Now()); ok && sh.Who != in.Assignee {
		q = fmt.Sprintf("Escalate %s to %s? It is assigned to %s, on call there.", in.Ref(), next.Name, sh.Who)
	}
	return q, true
}

// incidentForm builds the form for an action on an incident.
func incidentForm(s *session, in model.Incident, act recordAction) *form {
	switch act {
	case actAssign:
		return assignForm(s, in)
	case actState:
		return stateForm(s, in)
	case actPriority:
		return priorityForm(s, in)
	case actMerge:
		return mergeForm(s, in)
	case actLink:
		return linkForm(s, in)
	}
	return resolveForm(s, in)
}

// firingShown is how many firing alerts a resolve form names.
const firingShown = 3

// stillFiring warns, in a resolve or state form, that alerts linked to
// the incident still fire: resolving it leaves them firing, and they may
// open it again. "" when none does.
func stillFiring(s *session, alerts []model.Alert) string {
	var refs []string
	n := 0
	for _, a := range alerts {
		if a.State != model.AlertFiring {
			continue
		}
		n++
		if len(refs) < firingShown {
			refs = append(refs, a.Ref()+" "+a.Name)
		}
	}
	if n == 0 {
		return ""
	}
	more := ""
	if n > len(refs) {
		more = fmt.Sprintf(" and %d more", n-len(refs))
	}
	return s.st.Warn.Render(fmt.Sprintf("⚠ %s still firing: %s%s — is it really fixed?",
		model.Plural(n, "linked alert is", "linked alerts are"), strings.Join(refs, ", "), more))
}

// satisfactions are the values of the optional satisfaction field.
var satisfactions = []string{"none", "1", "2", "3", "4", "5"}

func parseSatisfaction(v string) (int, error) {
	if v == "" || v == "none" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 5 {
		return 0, fmt.Errorf("satisfaction: %q: use 1 (poor) to 5 (excellent), or none", v)
	}
	return n, nil
}

// resolveForm asks for the resolution code (required), the caller's
// satisfaction (optional) and a note.
func resolveForm(s *session, in model.Incident) *form {
	ref := in.Ref()
	// No code is chosen for the operator: enter on the first field must not
	// resolve a P1 as "fixed" by default.
	f := newForm(s, "Resolve "+ref).
		field("code", "", "←/→ or type to choose: "+strings.Join(model.ResolutionCodes, ", "), model.ResolutionCodes...).
		field("satisfaction", "none", "", satisfactions...).
		field("note", "", "what fixed it (goes on the timeline)").
		field("article", "", "KB-n that helped, if one did: it ranks higher next time")
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if v[0] == "" {
			return nil, 0, fmt.Errorf("code: choose how it was resolved with ←/→ (%s)", strings.Join(model.ResolutionCodes, ", "))
		}
		if err := choice("code", v[0], model.ResolutionCodes); err != nil {
			return nil, 0, err
		}
		sat, err := parseSatisfaction(v[1])
		if err != nil {
			return nil, 1, err
		}
		var used int64
		if strings.TrimSpace(v[3]) != "" {
			if used, err = model.ParseRef(v[3], "KB"); err != nil {
				return nil, 3, fmt.Errorf("article: %w", err)
			}
		}
		c := model.StateChange{To: model.StateResolved, Code: v[0], Satisfaction: sat, Reason: v[2], Article: used}
		return s.write(fmt.Sprintf("%s resolved (%s)", ref, v[0]), func(ctx context.Context, a Actions) error {
			_, err := a.Transition(ctx, s.Actor, in.ID, c)
			return err
		}), 0, nil
	}
	return f
}

// stateForm moves an incident to any state its current one allows, asking
// for what that move needs: a hold reason, a resolution code, a reason.
func stateForm(s *session, in model.Incident) *form {
	ref := in.Ref()
	var next []string
	for _, st := range model.NextStates(in.State) {
		next = append(next, string(st))
	}
	// No state is chosen for the operator: enter on a form opened by
	// mistake must not close or cancel anything.
	f := newForm(s, fmt.Sprintf("Change state of %s (now %s)", ref, in.State.Label())).
		field("to", "", "←/→ chooses: "+strings.Join(next, ", "), next...).
		field("hold reason", "", "←/→ chooses: "+strings.Join(model.HoldReasons, ", "), model.HoldReasons...).
		field("code", "", "←/→ chooses: "+strings.Join(model.ResolutionCodes, ", "), model.ResolutionCodes...).
		field("satisfaction", "none", "", satisfactions...).
		field("reason", "", "why (required to reopen or cancel)")
	// Only the fields the chosen state uses are shown.
	f.shown = func(v []string, i int) bool {
		to := model.IncidentState(v[0])
		switch i {
		case 0:
			return true
		case 1:
			return to == model.StateOnHold
		case 2, 3:
			return to == model.StateResolved
		}
		return to != ""
	}
	f.preview = func(v []string) string {
		var need string
		switch model.IncidentState(v[0]) {
		case model.StateOnHold:
			need = "uses: hold reason, reason. The SLA clocks stop until it leaves hold."
		case model.StateResolved:
			need = "uses: code, satisfaction, reason"
		case model.StateInProgress:
			need = "uses: reason"
			if in.State == model.StateResolved {
				need = "reopens it: a reason is required and the reopen is counted"
			}
			if in.State == model.StateOnHold {
				need = "resumes the SLA clocks: the due times move by the time on hold"
			}
		case "":
			need = "choose the new state with ←/→"
		default:
			need = "uses: reason"
		}
		return s.st.Dim.Render(need)
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if v[0] == "" {
			return nil, 0, fmt.Errorf("to: choose the new state with ←/→ (%s)", strings.Join(next, ", "))
		}
		if err := choice("to", v[0], next); err != nil {
			return nil, 0, err
		}
		c := model.StateChange{To: model.IncidentState(v[0]), Reason: v[4]}
		switch c.To {
		case model.StateOnHold:
			if v[1] == "" {
				return nil, 1, fmt.Errorf("hold reason: choose what it waits for with ←/→")
			}
			if err := choice("hold reason", v[1], model.HoldReasons); err != nil {
				return nil, 1, err
			}
			c.HoldReason = v[1]
		case model.StateResolved:
			if v[2] == "" {
				return nil, 2, fmt.Errorf("code: choose how it was resolved with ←/→ (%s)", strings.Join(model.ResolutionCodes, ", "))
			}
			if err := choice("code", v[2], model.ResolutionCodes); err != nil {
				return nil, 2, err
			}
			sat, err := parseSatisfaction(v[3])
			if err != nil {
				return nil, 3, err
			}
			c.Code, c.Satisfaction = v[2], sat
		case model.StateInProgress:
			if in.State == model.StateResolved && v[4] == "" {
				return nil, 4, fmt.Errorf("reason: reopening needs a reason")
			}
		}
		return s.write(fmt.Sprintf("%s → %s", ref, c.To.Label()), func(ctx context.Context, a Actions) error {
			_, err := a.Transition(ctx, s.Actor, in.ID, c)
			return err
		}), 0, nil
	}
	return f
}

// assignForm gives the incident to a team from the plan and, optionally,
// one of its members.
func assignForm(s *session, in model.Incident) *form {
	ref := in.Ref()
	var teams, members []string
	if p := s.plan(); p != nil {
		for _, t := range p.Teams {
			teams = append(teams, t.ID)
			if t.ID == in.Team {
				members = t.Members
			}
		}
	}
	// The operator field starts empty, so what is typed is the whole name;
	// the hint offers the team's members and the current holder.
	hint := "empty: the team as a whole"
	if len(members) > 0 {
		hint = "e.g. " + strings.Join(members, ", ") + " (empty: the team)"
	}
	title := "Assign " + ref
	if in.Assignee != "" {
		title += " (now " + in.Assignee + ")"
	}
	f := newForm(s, title).
		field("team", in.Team, "a team id from the plan", teams...).
		field("operator", "", hint)
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if len(teams) > 0 {
			if err := choice("team", v[0], teams); err != nil {
				return nil, 0, err
			}
		}
		done := fmt.Sprintf("%s assigned to %s", ref, v[0])
		if v[1] != "" {
			done = fmt.Sprintf("%s assigned to %s (%s)", ref, v[1], v[0])
		}
		return s.write(done, func(ctx context.Context, a Actions) error {
			_, err := a.Assign(ctx, s.Actor, in.ID, v[0], v[1])
			return err
		}), 0, nil
	}
	return f
}

// priorityForm re-triages: new impact and urgency, with the priority and
// the effect on the SLA shown as they change.
func priorityForm(s *session, in model.Incident) *form {
	ref := in.Ref()
	levels := []string{"high", "medium", "low"}
	f := newForm(s, fmt.Sprintf("Change priority of %s (now %s)", ref, in.Priority)).
		field("impact", in.Impact.String(), "", levels...).
		field("urgency", in.Urgency.String(), "", levels...).
		field("reason", "", "why (goes on the timeline)")
	f.preview = func(v []string) string {
		imp, err1 := model.ParseLevel(v[0])
		urg, err2 := model.ParseLevel(v[1])
		if err1 != nil || err2 != nil {
			return s.st.Dim.Render("priority: choose impact and urgency")
		}
		p, _ := model.PriorityFor(imp, urg)
		return in.Priority.String() + " → " + s.st.Priority[p].Render(" "+p.String()+" ") +
			s.st.Dim.Render("  the SLA re-targets to "+p.String()+"; time already used still counts")
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		imp, err := model.ParseLevel(v[0])
		if err != nil {
			return nil, 0, fmt.Errorf("impact: %v", err)
		}
		urg, err := model.ParseLevel(v[1])
		if err != nil {
			return nil, 1, fmt.Errorf("urgency: %v", err)
		}
		p, _ := model.PriorityFor(imp, urg)
		return s.write(fmt.Sprintf("%s is now %s", ref, p), func(ctx context.Context, a Actions) error {
			_, err := a.Retriage(ctx, s.Actor, in.ID, imp, urg, v[2])
			return err
		}), 0, nil
	}
	return f
}

// mergeForm merges this incident, as a duplicate, into another.
func mergeForm(s *session, in model.Incident) *form {
	ref := in.Ref()
	f := newForm(s, "Merge "+ref+" as a duplicate into…").
		field("into", "", "INC-n: the incident that carries on")
	f.preview = func([]string) string {
		return s.st.Dim.Render(ref + " is resolved as a duplicate; its alerts and links move to the other incident")
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		into, err := model.ParseRef(v[0], "INC", "REQ")
		if err != nil {
			return nil, 0, fmt.Errorf("into: %v", err)
		}
		return writeThen(s, func(ctx context.Context, a Actions) (model.Incident, error) {
			// INC and REQ share numbers: REQ-33 must not merge into INC-33.
			if target, err := s.Reader.Incident(ctx, into); err == nil && strings.Contains(v[0], "-") &&
				!strings.EqualFold(strings.TrimSpace(v[0]), target.Ref()) {
				return model.Incident{}, fmt.Errorf("into: %s is %s, not %s", target.Ref(), target.Title, strings.ToUpper(strings.TrimSpace(v[0])))
			}
			return a.Merge(ctx, s.Actor, in.ID, into)
		}, func(survivor model.Incident) tea.Msg {
			return noticeMsg{text: fmt.Sprintf("%s merged into %s", ref, survivor.Ref())}
		}), 0, nil
	}
	return f
}

// linkForm links an alert, a change (caused by / resolved by) or an article.
func linkForm(s *session, in model.Incident) *form {
	ref := in.Ref()
	f := newForm(s, "Link "+ref+" to…").
		field("kind", string(model.LinkCausedBy), "", model.LinkKinds...).
		field("record", "", "ALR-n, CHG-n or KB-n")
	prefixes := map[string][]string{"alert": {"ALR"}, "caused_by": {"CHG"}, "resolved_by": {"CHG"}, "article": {"KB"}}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := choice("kind", v[0], model.LinkKinds); err != nil {
			return nil, 0, err
		}
		target, err := model.ParseRef(v[1], prefixes[v[0]]...)
		if err != nil {
			return nil, 1, fmt.Errorf("record: %v", err)
		}
		return s.write(fmt.Sprintf("%s linked (%s %s)", ref, strings.ReplaceAll(v[0], "_", " "), v[1]), func(ctx context.Context, a Actions) error {
			_, err := a.Link(ctx, s.Actor, in.ID, v[0], target)
			return err
		}), 0, nil
	}
	return f
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}
