package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// changeBody is a planned change in the detail: its plan, where it stands
// against the plan's approval rule, its conflicts, the incidents it caused
// or resolved, and its timeline.
type changeBody struct {
	id int64
	c  model.Change // as read, so the keys act on what is on screen
}

// serviceOf is the service I shows the impact of: the primary one.
func (b changeBody) serviceOf() string { return b.c.Service() }

func (b changeBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	if s.Planner == nil {
		return b, "", "", errors.New("this console cannot read the change board")
	}
	v, err := s.Planner.ViewChange(ctx, b.id)
	if err != nil {
		return b, "", "", fmt.Errorf("CHG-%d: %w", b.id, err)
	}
	b.c = v.Change
	return b, v.Ref(), changeText(s, v, w), nil
}

func (b changeBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := m.s.km
	switch {
	case key.Matches(msg, km.Approve):
		return approveChange(m.s, b.id), true
	case key.Matches(msg, km.State):
		return changeStepForm(m.s, b.c), true
	case key.Matches(msg, km.Edit):
		return changeForm(m.s, &b.c), true
	}
	return nil, false
}

func (changeBody) actions(s *session) []key.Binding {
	km := s.km
	state := km.State
	state.SetHelp(state.Help().Key, "next step")
	return []key.Binding{s.offer(km.Approve, model.PermApproveChange), s.offer(state, model.PermCreateChange),
		s.offer(km.Edit, model.PermCreateChange)}
}

// changeText lays a change out for its detail.
func changeText(s *session, v model.ChangeView, w int) string {
	st, loc, c := s.st, s.loc(), v.Change
	lines := []string{st.Risk[c.Risk].Render(" risk "+c.Risk.String()+" ") + " " + st.Bold.Render(c.Title), ""}
	services := make([]string, len(c.Services))
	for i, sv := range c.Services {
		services[i] = serviceLine(s, sv)
	}
	lines = append(lines, fieldLines(st,
		"type", string(c.Type),
		"state", changeStateLine(v),
		"services", strings.Join(services, "; "),
		"risk", fmt.Sprintf("%s (impact %s × probability %s)", c.Risk, c.Impact, c.Probability),
		"raised by", c.Requester,
		"implementer", c.Implementer,
		"start", stamp(c.Start, loc),
		"end", stamp(c.End, loc),
		"duration", countdown(c.End.Sub(c.Start)),
		"why now", c.Reason,
		"fixes", fixesRef(c),
		"close code", c.CloseCode,
	)...)
	if len(v.Conflicts) > 0 {
		lines = append(lines, "", st.Bold.Render(fmt.Sprintf("Conflicts (%d)", len(v.Conflicts))))
		for _, x := range v.Conflicts {
			mark, style := "! ", st.Warn
			if x.Blocks {
				mark, style = "✗ ", st.Error
			}
			for i, l := range wrap(x.Reason, w-4) {
				if i == 0 {
					l = mark + l
				} else {
					l = "  " + l
				}
				lines = append(lines, style.Render(l))
			}
		}
	}
	for _, sec := range []struct{ title, text string }{{"Plan", c.Description}, {"Backout", c.Backout}, {"Tests", c.TestPlan}} {
		if sec.text != "" {
			lines = append(lines, "", st.Bold.Render(sec.title))
			lines = append(lines, wrap(sec.text, w-2)...)
		}
	}
	if len(v.Incidents) > 0 {
		lines = append(lines, "", st.Bold.Render("Incidents"))
		for _, ci := range v.Incidents {
			rel := "caused"
			if ci.Kind == model.LinkResolvedBy {
				rel = "resolved"
			}
			in := ci.Incident
			lines = append(lines, fit(fmt.Sprintf("%s %s %s %s: %s", rel, in.Ref(), in.Priority, in.State.Label(), in.Title), w))
		}
	}
	if len(v.Deploys) > 0 {
		lines = append(lines, "", st.Bold.Render("Deploys"))
		for _, d := range v.Deploys {
			lines = append(lines, fit(fmt.Sprintf("%s %s %s", d.Ref(), d.Start.In(loc).Format("Mon 15:04"), d.Describe()), w))
		}
	}
	if len(v.Approvals) > 0 {
		lines = append(lines, "", st.Bold.Render("Approvals"))
		for _, a := range v.Approvals {
			verdict := "approved"
			if !a.Approve {
				verdict = "rejected"
			}
			l := fmt.Sprintf("round %d · %s %s %s", a.Round, a.At.In(loc).Format("Mon 15:04"), a.Approver, verdict)
			if a.Comment != "" {
				l += ": " + a.Comment
			}
			lines = append(lines, fit(l, w))
		}
	}
	if len(v.Timeline) > 0 {
		lines = append(lines, "", st.Bold.Render("Timeline"))
		for _, e := range v.Timeline {
			for i, l := range wrap(fmt.Sprintf("%s %s: %s", e.At.In(loc).Format("Mon 02 Jan 15:04"), e.Actor, e.Text), w-2) {
				if i > 0 {
					l = "  " + l
				}
				lines = append(lines, l)
			}
		}
	}
	return strings.Join(lines, "\n")
}

// changeStateLine is the state, and while it waits for approval, who must
// still approve it.
func changeStateLine(v model.ChangeView) string {
	c := v.Change
	switch c.State {
	case model.ChangeAssess:
		return "assess: waiting for a lead to assess it"
	case model.ChangeAuthorize:
		au := v.Authorisation
		line := fmt.Sprintf("authorize: needs %s, has %d", au.Describe, len(au.Have))
		if len(au.Have) > 0 {
			line += " (" + strings.Join(au.Have, ", ") + ")"
		}
		if len(au.Waiting) > 0 {
			line += "; waiting for " + strings.Join(au.Waiting, ", ")
		}
		return line
	}
	return string(c.State)
}

// approveChange records the operator's approval of a change waiting in
// assess or authorize; the plan's rule decides when it is authorised (the
// service layer refuses those who may not approve it, and says why).
func approveChange(s *session, id int64) tea.Cmd {
	if stop := s.refuse(model.PermApproveChange); stop != nil {
		return stop
	}
	return askFirst(s, fmt.Sprintf("Approve CHG-%d? Your approval is recorded against your name.", id),
		writeThen(s, func(ctx context.Context, a Actions) (model.Change, error) {
			c, _, err := a.StepChange(ctx, s.Actor, id, model.ChangeStep{Action: model.ChangeApprove})
			return c, err
		}, func(c model.Change) tea.Msg {
			text := fmt.Sprintf("%s approved; now %s", c.Ref(), c.State)
			if c.State == model.ChangeScheduled {
				text = c.Ref() + " approved and scheduled"
			}
			return noticeMsg{text: text}
		}))
}

// changeStepForm offers the steps the change's flow allows from its state,
// with the reason or close code each needs.
func changeStepForm(s *session, c model.Change) tea.Cmd {
	if stop := s.refuse(model.PermCreateChange); stop != nil {
		return stop
	}
	var steps []string
	for _, act := range []model.ChangeAction{model.ChangeSubmit, model.ChangeApprove, model.ChangeReject, model.ChangeStart,
		model.ChangeComplete, model.ChangeClose, model.ChangeCancel} {
		if _, err := model.NextState(c, act); err == nil {
			steps = append(steps, string(act))
		}
	}
	if len(steps) == 0 {
		err := fmt.Errorf("%s is %s: no step is left", c.Ref(), c.State)
		return func() tea.Msg { return noticeMsg{err: err} }
	}
	// No step is chosen for the operator: enter on a form opened by
	// mistake must not approve, start or cancel the change.
	f := newForm(s, c.Ref()+": next step").
		field("step", "", "←/→ chooses: "+strings.Join(steps, ", "), steps...).
		field("reason", "", "why (needed to reject or cancel); a comment otherwise").
		field("close code", model.CloseCodes[0], "how it went (for close)", model.CloseCodes...)
	f.preview = func(v []string) string {
		if v[0] == "" {
			return s.st.Dim.Render("choose the next step with ←/→")
		}
		next, err := model.NextState(c, model.ChangeAction(v[0]))
		if err != nil {
			return s.st.Error.Render(err.Error())
		}
		if model.ChangeAction(v[0]) == model.ChangeApprove && c.State == model.ChangeAuthorize {
			return s.st.Dim.Render("approve: counted toward the plan's rule; scheduled once it is met")
		}
		return s.st.Dim.Render(fmt.Sprintf("%s → %s", c.State, next))
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := chosen("step", v[0], "the next step", steps); err != nil {
			return nil, 0, err
		}
		act := model.ChangeAction(v[0])
		if (act == model.ChangeReject || act == model.ChangeCancel) && v[1] == "" {
			return nil, 1, fmt.Errorf("reason: say why you %s it (it goes on the timeline)", act)
		}
		st := model.ChangeStep{Action: act, Comment: v[1]}
		if act == model.ChangeClose {
			if err := choice("close code", v[2], model.CloseCodes); err != nil {
				return nil, 2, err
			}
			st.CloseCode = v[2]
		}
		return writeThen(s, func(ctx context.Context, a Actions) (model.Change, error) {
			out, _, err := a.StepChange(ctx, s.Actor, c.ID, st)
			return out, err
		}, func(out model.Change) tea.Msg {
			return noticeMsg{text: fmt.Sprintf("%s: %s, now %s", out.Ref(), act, out.State)}
		}), 0, nil
	}
	return func() tea.Msg { return openFormMsg{form: f} }
}

// Fields of the change form, in order.
const (
	cfServices = iota
	cfTitle
	cfType
	cfImpact
	cfProbability
	cfStart
	cfDuration
	cfImplementer
	cfReason
	cfDescription
	cfBackout
	cfTests
	cfFixes
)

// slotWord in the start field asks for the next free slot.
const slotWord = "next"

// changeForm creates a change, or edits one (editing non-nil). As the plan
// takes shape it shows the risk, the approval it will need and, read from
// the service layer, every conflict with its reason, before anything is
// saved; "next" as the start takes the next free slot.
func changeForm(s *session, editing *model.Change) tea.Cmd {
	if stop := s.refuse(model.PermCreateChange); stop != nil {
		return stop
	}
	pl := s.plan()
	var services []string
	if pl != nil {
		for _, sv := range pl.Services {
			services = append(services, sv.ID)
		}
	}
	levels := []string{"high", "medium", "low"}
	types := []string{string(model.ChangeNormal), string(model.ChangeStandard), string(model.ChangeEmergency)}
	c := model.Change{Type: model.ChangeNormal, Impact: model.Medium, Probability: model.Medium, Implementer: s.Actor.Name}
	title, start, dur := "New change", slotWord, "1h"
	if editing != nil {
		c = *editing
		title = "Edit " + c.Ref()
		start, dur = c.Start.In(s.loc()).Format(timeLayout), shortDuration(c.End.Sub(c.Start))
	}
	f := newForm(s, title).
		field("services", strings.Join(c.Services, ", "), "service ids, comma separated: "+strings.Join(services, " ")).
		field("title", c.Title, "what changes, in one line").
		field("type", string(c.Type), "", types...).
		field("impact", c.Impact.String(), "", levels...).
		field("probability", c.Probability.String(), "", levels...).
		field("start", start, `"2026-12-06 02:00", or "next" for the next free slot`).
		field("duration", dur, "such as 90m or 2h").
		field("implementer", c.Implementer, "who carries it out").
		field("reason", c.Reason, "an emergency says why it cannot wait").
		field("description", c.Description, "what and why").
		field("backout", c.Backout, "how to undo it").
		field("test plan", c.TestPlan, "how you will know it worked").
		field("fixes", fixesRef(c), "the incident or problem it fixes: INC-12, PRB-3 (optional)")
	f.preview = func(v []string) string {
		imp, err1 := model.ParseLevel(v[cfImpact])
		prob, err2 := model.ParseLevel(v[cfProbability])
		if err1 != nil || err2 != nil {
			return ""
		}
		risk, _ := model.RiskFor(imp, prob)
		out := "risk " + s.st.Risk[risk].Render(" "+risk.String()+" ")
		if pl != nil {
			probe := model.Change{Type: model.ChangeType(v[cfType]), Risk: risk}
			if probe.Type == model.ChangeStandard {
				if std, ok := pl.ChangePolicy().StandardFor(probe); ok {
					out += s.st.Dim.Render("  pre-approved: " + std.Title)
				} else {
					out += s.st.Error.Render("  no standard change in the plan's catalogue covers this; make it normal")
				}
			} else {
				who, _, _ := strings.Cut(pl.ChangePolicy().Authorise(probe, nil, 0).Describe, " (") // the names are in the detail
				out += s.st.Dim.Render("  needs " + who)
			}
		}
		return out
	}
	f.lookup = func(v []string) (string, tea.Cmd) {
		key := strings.Join([]string{v[cfServices], v[cfStart], v[cfDuration], v[cfImplementer], v[cfType], v[cfReason]}, "\x00")
		probe, err := changeFromForm(s, v, c)
		if err != nil || s.Planner == nil {
			return key, func() tea.Msg { return formHintMsg{form: f, key: key} }
		}
		pln := s.Planner
		return key, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			return formHintMsg{form: f, key: key, text: conflictHint(ctx, s, pln, probe, v[cfStart] == slotWord)}
		}
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		for _, sv := range splitServices(v[cfServices]) {
			if err := choice("services", sv, services); err != nil && pl != nil {
				return nil, cfServices, err
			}
		}
		if v[cfTitle] == "" {
			return nil, cfTitle, fmt.Errorf("title: say what changes")
		}
		ch, err := changeFromForm(s, v, c)
		if err != nil {
			var fe fieldErr
			if errors.As(err, &fe) {
				return nil, fe.field, err
			}
			return nil, 0, err
		}
		slot := v[cfStart] == slotWord
		return writeThen(s, func(ctx context.Context, a Actions) (model.Change, error) {
			if slot {
				if s.Planner == nil {
					return model.Change{}, errors.New("start: this console cannot search for a slot")
				}
				sp, err := s.Planner.NextSlot(ctx, ch.Services, ch.Implementer, ch.End.Sub(ch.Start), s.Now())
				if err != nil {
					return model.Change{}, fmt.Errorf("start: %w", err)
				}
				ch.Start, ch.End = sp.Start, sp.End
			}
			if editing != nil {
				out, _, err := a.EditChange(ctx, s.Actor, editing.ID, ch)
				return out, err
			}
			out, _, err := a.CreateChange(ctx, s.Actor, ch)
			return out, err
		}, func(out model.Change) tea.Msg {
			return openDetailMsg{body: changeBody{id: out.ID}}
		}), 0, nil
	}
	return func() tea.Msg { return openFormMsg{form: f} }
}

// timeLayout is how the change form writes and reads times, in the
// console's timezone.
const timeLayout = "2006-01-02 15:04"

// fieldErr is a form value that does not parse, with the field to fix.
type fieldErr struct {
	field int
	err   error
}

func (e fieldErr) Error() string { return e.err.Error() }

// changeFromForm reads the change form's values over base. A start of
// "next" gives a placeholder time of now, for the slot search to replace.
func changeFromForm(s *session, v []string, base model.Change) (model.Change, error) {
	c := base
	c.Services = splitServices(v[cfServices])
	c.Title, c.Implementer, c.Reason = v[cfTitle], v[cfImplementer], v[cfReason]
	c.Description, c.Backout, c.TestPlan = v[cfDescription], v[cfBackout], v[cfTests]
	c.Incident, c.Problem = 0, 0
	if ref := strings.ToUpper(strings.TrimSpace(v[cfFixes])); ref != "" {
		kind, num, _ := strings.Cut(ref, "-")
		id, err := strconv.ParseInt(num, 10, 64)
		switch {
		case err != nil || id <= 0:
			return c, fieldErr{cfFixes, fmt.Errorf("fixes %q: give an incident or problem such as INC-12 or PRB-3", v[cfFixes])}
		case kind == "INC" || kind == "REQ":
			c.Incident = id
		case kind == "PRB":
			c.Problem = id
		default:
			return c, fieldErr{cfFixes, fmt.Errorf("fixes %q: give an incident or problem such as INC-12 or PRB-3", v[cfFixes])}
		}
	}
	t, err := model.ParseChangeType(v[cfType])
	if err != nil {
		return c, fieldErr{cfType, err}
	}
	c.Type = t
	if c.Impact, err = model.ParseLevel(v[cfImpact]); err != nil {
		return c, fieldErr{cfImpact, fmt.Errorf("impact: %v", err)}
	}
	if c.Probability, err = model.ParseLevel(v[cfProbability]); err != nil {
		return c, fieldErr{cfProbability, fmt.Errorf("probability: %v", err)}
	}
	c.Risk, _ = model.RiskFor(c.Impact, c.Probability)
	d, err := plan.ParseDuration(v[cfDuration])
	if err != nil || d <= 0 {
		return c, fieldErr{cfDuration, fmt.Errorf("duration %q: give a length such as 90m or 2h", v[cfDuration])}
	}
	if v[cfStart] == slotWord {
		c.Start = s.Now()
	} else {
		c.Start, err = time.ParseInLocation(timeLayout, v[cfStart], s.loc())
		if err != nil {
			return c, fieldErr{cfStart, fmt.Errorf("start %q: write it as %s, or %q for the next free slot", v[cfStart], timeLayout, slotWord)}
		}
	}
	c.End = c.Start.Add(d)
	if len(c.Services) == 0 {
		return c, fieldErr{cfServices, errors.New("services: name at least one service from the plan")}
	}
	return c, nil
}

// conflictHint is the form's live answer: the next free slot when asked
// for, and every conflict with its reason, or that there is none.
func conflictHint(ctx context.Context, s *session, pln Planner, c model.Change, slot bool) string {
	st := s.st
	var lines []string
	if slot {
		sp, err := pln.NextSlot(ctx, c.Services, c.Implementer, c.End.Sub(c.Start), s.Now())
		if err != nil {
			return st.Error.Render(err.Error())
		}
		lines = append(lines, st.Dim.Render("next free slot: "+stamp(sp.Start, s.loc())+" – "+sp.End.In(s.loc()).Format("15:04")))
		c.Start, c.End = sp.Start, sp.End
	}
	cs, err := pln.CheckChange(ctx, c)
	if err != nil {
		return st.Error.Render("conflicts: " + err.Error())
	}
	if len(cs) == 0 {
		return strings.Join(append(lines, st.Dim.Render("no conflicts")), "\n")
	}
	for _, x := range cs {
		mark, style := "! ", st.Warn
		if x.Blocks && (c.Type != model.ChangeEmergency || c.Reason == "") {
			mark, style = "✗ ", st.Error
		}
		lines = append(lines, style.Render(mark+x.Reason))
	}
	return strings.Join(lines, "\n")
}

func splitServices(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// fixesRef is the record a change fixes, as the form shows it.
func fixesRef(c model.Change) string {
	switch {
	case c.Incident != 0:
		return fmt.Sprintf("INC-%d", c.Incident)
	case c.Problem != 0:
		return fmt.Sprintf("PRB-%d", c.Problem)
	}
	return ""
}

// shortDuration writes 1h30m0s as 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String() // "1h30m0s": the zero seconds, then zero minutes, go
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
