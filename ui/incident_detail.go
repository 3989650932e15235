package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// incidentBody is an incident or request; its keys need only its id, so
// they work before it has been read, but for confirming a suspect change,
// which acts on the suspects on screen.
type incidentBody struct {
	id       int64
	in       model.Incident // zero until read
	suspects []model.Change // the changes that may have caused it, latest first
	runbooks []runbook      // named by its alerts and the plan, as read
}

func (b incidentBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	return incidentDetail(ctx, s, b.id, w, s.Now(), s.loc())
}

func (b incidentBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, m.s.km.ConfirmCause) && len(b.suspects) > 0:
		return confirmCause(m.s, b.in, b.suspects[0]), true
	case key.Matches(msg, m.s.km.OpenRunbook) && b.in.ID != 0:
		return openRunbook(m.s, b.in.Ref(), b.runbooks), true
	}
	return incidentKeys(m.s, b.id, msg)
}

func (b incidentBody) actions(s *session) []key.Binding {
	var out []key.Binding
	if _, ok := firstRunbook(b.runbooks); ok {
		out = append(out, s.km.OpenRunbook)
	}
	if len(b.suspects) > 0 {
		out = append(out, s.offer(s.km.ConfirmCause, model.PermLink))
	}
	return append(out, incidentBindings(s)...)
}

// confirmCause links the incident as caused by the change; the next read
// shows the link and drops the suspicion.
// It is asked first: the link counts against the change and, for a P1 or
// P2, against the exit criterion on changes that caused incidents.
func confirmCause(s *session, in model.Incident, c model.Change) tea.Cmd {
	if stop := s.refuse(model.PermLink); stop != nil {
		return stop
	}
	return askFirst(s, fmt.Sprintf("Record %s as caused by %s (%s)?", in.Ref(), c.Ref(), c.Title),
		s.write(fmt.Sprintf("%s caused by %s", in.Ref(), c.Ref()), func(ctx context.Context, a Actions) error {
			_, err := a.Link(ctx, s.Actor, in.ID, string(model.LinkCausedBy), c.ID)
			return err
		}))
}

// serviceOf is the service I shows the impact of.
func (b incidentBody) serviceOf() string { return b.in.Service }

// holder names the record by its own reference: REQ-n for a request.
func (b incidentBody) holder() (ref, assignee string) { return b.in.Ref(), b.in.Assignee }

// incidentDetail reads an incident with everything attached to it and lays
// it out: fields and SLA clocks, the changes that may have caused it and
// those running near it, links, alerts, the timeline, who to call.
func incidentDetail(ctx context.Context, s *session, id int64, w int, now time.Time, loc *time.Location) (incidentBody, string, string, error) {
	b := incidentBody{id: id}
	in, err := s.Reader.Incident(ctx, id)
	if err != nil {
		return b, "", "", err // the reader names the record
	}
	b.in = in
	tl, err := s.Reader.Timeline(ctx, id)
	if err != nil {
		return b, "", "", fmt.Errorf("%s timeline: %w", in.Ref(), err)
	}
	links, err := s.Reader.Links(ctx, id)
	if err != nil {
		return b, "", "", fmt.Errorf("%s links: %w", in.Ref(), err)
	}
	const alertsShown = 10
	alerts, err := s.Reader.IncidentAlerts(ctx, id, alertsShown+1)
	if err != nil {
		return b, "", "", fmt.Errorf("%s alerts: %w", in.Ref(), err)
	}
	if s.Planner != nil {
		if b.suspects, err = s.Planner.SuspectChanges(ctx, in); err != nil {
			return b, "", "", fmt.Errorf("%s suspect changes: %w", in.Ref(), err)
		}
	}
	if b.runbooks, err = runbooksFor(ctx, s, in.Service, alerts); err != nil {
		return b, "", "", fmt.Errorf("%s: %w", in.Ref(), err)
	}
	suggested, err := suggestArticlesFor(ctx, s, in, alerts, b.runbooks)
	if err != nil {
		return b, "", "", fmt.Errorf("%s: %w", in.Ref(), err)
	}
	var running []model.Change // what is running matters while the incident is open
	var upstream []string      // and what is open on what its service needs
	if in.State.Open() {
		if running, err = runningOn(ctx, s, in.Service, now); err != nil {
			return b, "", "", fmt.Errorf("%s: %w", in.Ref(), err)
		}
		if upstream, err = openUpstream(ctx, s, in.Service, w); err != nil {
			return b, "", "", fmt.Errorf("%s: %w", in.Ref(), err)
		}
	}
	st := s.st
	badge := st.Priority[in.Priority].Render(" " + in.Priority.String() + " ")
	if in.Major {
		badge = st.Major.Render(" MAJOR ") + " " + badge
	}
	clock := s.clock(in)
	resolveSLA := slaLine(st, model.ResolveClock(in, clock, now), loc)
	respondSLA := slaLine(st, model.RespondClock(in, clock, now), loc)
	// The queue's and the CLI's notation first, so the three read alike;
	// the clocks below say it in words.
	mark, stage := model.SLAMark(in, clock, now)
	slaMark := st.SLA[stage].Render(mark)
	p := s.plan()
	level := levelName(s, in)
	if p != nil {
		if levels := p.Escalation(in.Team); in.Escalation < len(levels) {
			if sh, ok := levels[in.Escalation].Rota.At(now); ok {
				level += " · on call " + sh.Label(loc)
			}
		}
	}
	// The title wraps: it is the one thing everyone reads.
	var lines []string
	for i, l := range wrap(in.Title, max(w-width(badge)-2, 20)) {
		if i == 0 {
			lines = append(lines, " "+badge+" "+st.Bold.Render(l))
		} else {
			lines = append(lines, strings.Repeat(" ", width(badge)+2)+st.Bold.Render(l))
		}
	}
	state := in.State.Label()
	if in.State == model.StateOnHold {
		state += " · " + strings.ReplaceAll(in.HoldReason, "_", " ") + " since " + stamp(in.HoldSince, loc)
	}
	if in.MergedInto != 0 {
		ref := fmt.Sprintf("#%d", in.MergedInto)
		if into, err := s.Reader.Incident(ctx, in.MergedInto); err == nil {
			ref = into.Ref()
		}
		state += " · duplicate of " + ref
	}
	paused := ""
	if in.Paused >= time.Minute {
		paused = countdown(in.Paused) + " on hold so far (due times moved by it)"
	}
	satisfaction := ""
	if in.Satisfaction > 0 {
		satisfaction = fmt.Sprintf("%d/5 %s", in.Satisfaction, strings.Repeat("★", in.Satisfaction)+strings.Repeat("☆", 5-in.Satisfaction))
	}
	problem := ""
	if in.ProblemID != 0 {
		problem = fmt.Sprintf("PRB-%d", in.ProblemID)
	}
	warRoom := ""
	if w, err := s.Reader.WarRoom(ctx, id); err == nil {
		warRoom = warRoomLine(s, w, now, loc)
	} else if !errors.Is(err, model.ErrNotFound) {
		return b, "", "", fmt.Errorf("%s war room: %w", in.Ref(), err)
	}
	lines = append(lines, "")
	lines = append(lines, fieldLines(st,
		"state", state,
		"type", string(in.Kind)+" · "+in.Category,
		"impact", in.Impact.String()+" · urgency "+in.Urgency.String(),
		"service", serviceLine(s, in.Service)+impactHint(s, in.Service),
		"team", in.Team+" · "+level,
		"assignee", in.Assignee,
		"opened", stamp(in.OpenedAt, loc),
		"responded", stamp(in.AckAt, loc),
		"SLA", slaMark,
		"respond SLA", respondSLA+slaOutcome(st, in.AckAt, in.RespondDue),
		"resolve SLA", resolveSLA+slaOutcome(st, in.ResolvedAt, in.ResolveDue),
		"paused", paused,
		"resolved", stamp(in.ResolvedAt, loc),
		"resolution", strings.ReplaceAll(in.Resolution, "_", " "),
		"satisfaction", satisfaction,
		"problem", problem,
		"war room", warRoom,
	)...)
	if in.Reopens > 0 {
		lines = append(lines, fieldLines(st, "reopened", fmt.Sprintf("%d×", in.Reopens))...)
	}
	lines = append(lines, suspectLines(s, in, b.suspects, w, loc)...)
	lines = append(lines, runningLines(s, in.Service, running, "", w, loc)...)
	lines = append(lines, upstream...)
	lines = append(lines, runbookLines(s, b.runbooks, "", w)...)
	lines = append(lines, suggestionLines(s, suggested, "", w)...)
	if in.Description != "" {
		lines = append(lines, "", st.Bold.Render("Description"))
		lines = append(lines, wrap(in.Description, w-2)...)
	}
	if len(links) > 0 {
		lines = append(lines, "", st.Bold.Render(fmt.Sprintf("Links (%d)", len(links))))
		for _, l := range links {
			lines = append(lines, " "+fit(l.Label(), 22)+" "+fit(l.Title, max(w-26, 10)))
		}
	}
	if len(alerts) > 0 {
		more := ""
		if len(alerts) > alertsShown {
			alerts, more = alerts[:alertsShown], fmt.Sprintf(", newest %d shown", alertsShown)
		}
		lines = append(lines, "", st.Bold.Render(fmt.Sprintf("Alerts (%d%s)", len(alerts), more)))
		for _, a := range alerts {
			lines = append(lines, " "+fit(a.Ref(), 10)+" "+st.Severity[a.Severity].Render(sevTag(a.Severity))+" "+
				fit(string(a.State), 9)+" "+fit(a.Name+": "+a.Summary, max(w-28, 10)))
		}
	}
	lines = append(lines, "", st.Bold.Render(fmt.Sprintf("Timeline (%d)", len(tl))))
	for _, e := range tl {
		// date 12 + actor 16 + kind 9, each with a space after
		const indent = 40
		prefix := st.Dim.Render(e.At.In(loc).Format("02 Jan 15:04")) + " " + st.Label.Render(fit(e.Actor, 16)) + " " + fit(e.Kind, 9) + " "
		for i, l := range wrap(e.Text, max(w-indent, 20)) {
			if i == 0 {
				lines = append(lines, prefix+l)
			} else {
				lines = append(lines, strings.Repeat(" ", indent)+l)
			}
		}
	}
	// Who to call comes last: the team line above names the current level,
	// and the timeline is what people scroll to first.
	if p != nil {
		lines = append(lines, whoToCall(st, p, in, s.Now(), w)...)
	}
	return b, in.Ref(), strings.Join(lines, "\n"), nil
}

// suspectLines propose the changes that may have caused the incident, one
// line each: the first is the one the confirm key links.
func suspectLines(s *session, in model.Incident, suspects []model.Change, w int, loc *time.Location) []string {
	if len(suspects) == 0 {
		return nil
	}
	km, st := s.km, s.st
	out := []string{""}
	for i, c := range suspects {
		on, _ := touched(s, c, in.Service)
		text := fmt.Sprintf("caused by %s? %s started %s on %s", c.Ref(), c.Title, c.Start.In(loc).Format("15:04"), on)
		switch {
		case !s.may(model.PermLink):
		case i == 0:
			text += " — " + km.ConfirmCause.Help().Key + " to confirm"
		default:
			text += " — " + km.Link.Help().Key + " to link it instead"
		}
		for j, l := range wrap(text, max(w-3, 20)) {
			if j > 0 {
				l = "  " + l
			}
			out = append(out, " "+st.Warn.Render(l))
		}
	}
	return out
}

// runningOn reads the changes running now on a service or on the services
// related to it through the plan's depends_on, either way.
func runningOn(ctx context.Context, s *session, service string, now time.Time) ([]model.Change, error) {
	near, err := changesNearNow(ctx, s.Reader, now)
	if err != nil {
		return nil, err
	}
	related := relatedServices(s, service, now)
	return slices.DeleteFunc(runningNow(near, now), func(c model.Change) bool {
		return !c.Touches(service) && !slices.ContainsFunc(related, c.Touches)
	}), nil
}

// relatedServices are the services that service depends on and those that
// depend on it: a change on any of them may be felt on it.
func relatedServices(s *session, service string, now time.Time) []string {
	p := s.plan()
	if p == nil || service == "" {
		return nil
	}
	return p.ChangeCalendar([]string{service}, now, now).Related[service]
}

// runningLines list the changes running now on a record's service, or on
// one related to it, saying how the two are related; indent is the
// detail's for its headings.
func runningLines(s *session, service string, running []model.Change, indent string, w int, loc *time.Location) []string {
	if len(running) == 0 {
		return nil
	}
	st := s.st
	out := []string{"", indent + st.Bold.Render(fmt.Sprintf("Running now (%d)", len(running)))}
	for _, c := range running {
		where, rel := touched(s, c, service)
		if rel != "" {
			where += ", " + rel
		}
		what := "being implemented"
		if c.State == model.ChangeScheduled {
			what = "scheduled"
		}
		text := fmt.Sprintf("%s %s — %s on %s, %s–%s", c.Ref(), c.Title, what, where,
			c.Start.In(loc).Format("15:04"), c.End.In(loc).Format("15:04"))
		for i, l := range wrap(text, max(w-len(indent)-5, 20)) {
			mark := "   "
			if i == 0 {
				mark = " " + st.Bold.Render("▶") + " "
			}
			out = append(out, indent+mark+l)
		}
	}
	return out
}

// touched is the service of change c that concerns service, and how the
// two are related: service itself, else the first of c's services related
// to it.
func touched(s *session, c model.Change, service string) (svc, rel string) {
	if c.Touches(service) {
		return service, ""
	}
	for _, other := range c.Services {
		if rel := relation(s, service, other); rel != "" {
			return other, rel
		}
	}
	return c.Service(), ""
}

// relation says how other relates to service in the plan: "which checkout
// depends on", "which depends on checkout", or "" when it does not.
func relation(s *session, service, other string) string {
	p := s.plan()
	if p == nil {
		return ""
	}
	if sv, ok := p.Service(service); ok && slices.Contains(sv.DependsOn, other) {
		return "which " + service + " depends on"
	}
	if sv, ok := p.Service(other); ok && slices.Contains(sv.DependsOn, service) {
		return "which depends on " + service
	}
	return ""
}

// slaOutcome says whether a clock that has stopped (responded, resolved)
// met its target; empty while it runs or when there was none.
func slaOutcome(st *Styles, done, due time.Time) string {
	switch {
	case done.IsZero() || due.IsZero():
		return ""
	case !done.After(due):
		return st.SLA[model.SLAOK].Render("met, " + countdown(due.Sub(done)) + " before due")
	}
	return st.SLA[model.SLABreached].Render("missed by " + countdown(done.Sub(due)))
}

// whoToCall lists the escalation path of the incident's team with its
// timeouts, the vendor contract when a vendor is involved, and the plan's
// referrals for problems outside the teams' reach. A level with a rota
// names who is on call there now, first: that is who picks up.
func whoToCall(st *Styles, p *plan.Plan, in model.Incident, now time.Time, w int) []string {
	var out []string
	team, ok := p.Team(in.Team)
	if ok && len(team.Escalation) > 0 {
		out = append(out, "", st.Bold.Render("Escalation path ("+team.Name+")"))
		for i, e := range team.Escalation {
			mark := "  "
			if i == in.Escalation {
				mark = "▶ "
			}
			line := mark + fit(e.Level, 7) + " "
			if sh, ok := p.RotaFor(team.ID, e.Level).At(now); ok {
				line += st.Bold.Render("on call "+sh.Label(p.Location())) + " · "
			}
			line += contactLine(p, e.Contact)
			if e.Timeout != "" {
				line += st.Dim.Render(" · escalates after " + e.Timeout + " unacknowledged")
			}
			out = append(out, " "+fit(line, w-2))
		}
	}
	// The vendor behind the service or the team: the contract says what
	// they owe us, so it is what the caller quotes.
	vendors := []string{in.Team}
	if sv, ok := p.Service(in.Service); ok {
		vendors = append(vendors, sv.Owner)
	}
	seen := map[string]bool{}
	for _, id := range vendors {
		t, ok := p.Team(id)
		if !ok || !t.Vendor || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, "", st.Bold.Render("Vendor: "+t.Name))
		out = append(out, fieldLines(st, "contract", t.Contract, "contact", contactLine(p, t.Contact))...)
	}
	if len(p.Referrals) > 0 {
		out = append(out, "", st.Bold.Render("Referrals"))
		for _, r := range p.Referrals {
			out = append(out, " "+fit(r.Problem, max(w/2-2, 20))+" → "+fit(contactLine(p, r.Contact), max(w/2-4, 10)))
		}
	}
	return out
}

// contactLine is a contact's name with a phone, else an email.
func contactLine(p *plan.Plan, name string) string {
	c, ok := p.Contact(name)
	switch {
	case !ok || (c.Phone == "" && c.Email == ""):
		return name
	case c.Phone != "":
		return name + " " + c.Phone
	default:
		return name + " " + c.Email
	}
}

// legend: the detail's SLA line writes the queue's notation.
func (incidentBody) legend() []mark { return queueLegend }
