package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChangeStep is one step someone takes on a change: the action, what it
// needs (a reason to reject, cancel or override; a close code; new times to
// reschedule) and an optional comment for the timeline.
type ChangeStep struct {
	Action    ChangeAction
	Comment   string    // the approver's comment, the reason for a rejection or cancellation, a note on a start or completion
	CloseCode string    // for close
	Start     time.Time // for schedule
	End       time.Time
}

// ChangeView is a change with what the board needs to judge it: its
// approvals, where it stands against its approval rule and its conflicts.
type ChangeView struct {
	Change
	Approvals     []ChangeApproval `json:"approvals"`
	Authorisation Authorisation    `json:"authorisation"`
	Conflicts     []Conflict       `json:"conflicts"`
	Incidents     []ChangeIncident `json:"incidents"` // caused or resolved by it
	Deploys       []Deploy         `json:"deploys"`
	Timeline      []ChangeEvent    `json:"timeline"`
}

// validateChange cleans and checks a change's fields, derives its risk, and
// refuses what no state could accept.
func (s *Desk) validateChange(c *Change) error {
	c.Title = strings.TrimSpace(Clean(c.Title, false))
	c.Description = Clean(c.Description, true)
	c.Backout = Clean(c.Backout, true)
	c.TestPlan = Clean(c.TestPlan, true)
	c.Reason = strings.TrimSpace(Clean(c.Reason, true))
	c.Implementer = strings.TrimSpace(Clean(c.Implementer, false))
	var services []string
	for _, sv := range c.Services {
		sv = strings.TrimSpace(Clean(sv, false))
		if sv != "" && !slices.Contains(services, sv) {
			services = append(services, sv)
		}
	}
	c.Services = services
	if c.Title == "" {
		return fmt.Errorf("title: required")
	}
	if len(c.Services) == 0 {
		return fmt.Errorf("services: name at least one service from the plan")
	}
	for _, sv := range c.Services {
		if _, ok := s.pol().ServiceTier(sv); !ok {
			return fmt.Errorf("service %q: not in the plan", sv)
		}
	}
	if c.Type == "" {
		c.Type = ChangeNormal
	}
	if _, err := ParseChangeType(string(c.Type)); err != nil {
		return err
	}
	if c.Start.IsZero() || c.End.IsZero() {
		return fmt.Errorf("start and end: a change needs a planned time")
	}
	if !c.End.After(c.Start) {
		return fmt.Errorf("end %s: must be after start %s", s.stamp(c.End), s.stamp(c.Start))
	}
	if c.Implementer != "" && !s.pol().KnownPerson(c.Implementer) && !s.pol().KnownTeam(c.Implementer) {
		return fmt.Errorf("implementer %q: not an operator, team member or team id in the plan", c.Implementer)
	}
	risk, err := RiskFor(c.Impact, c.Probability)
	if err != nil {
		return err
	}
	c.Risk = risk
	if c.Type == ChangeStandard {
		if _, ok := s.pol().ChangePolicy().StandardFor(*c); !ok {
			return fmt.Errorf("type standard: no entry in the plan's standard change catalogue covers %s at %s risk; make it a normal change",
				strings.Join(c.Services, ", "), c.Risk)
		}
	}
	if c.Type == ChangeEmergency && c.Reason == "" {
		return fmt.Errorf("reason: an emergency change says why it cannot wait")
	}
	return nil
}

// checkFixes refuses a change that names an incident or problem that does
// not exist.
func (s *Desk) checkFixes(ctx context.Context, c Change) error {
	if c.Incident != 0 {
		if _, err := s.store.Incident(ctx, c.Incident); err != nil {
			return fmt.Errorf("fixes INC-%d: %w", c.Incident, err)
		}
	}
	if c.Problem != 0 {
		if _, err := s.store.Problem(ctx, c.Problem); err != nil {
			return fmt.Errorf("fixes PRB-%d: %w", c.Problem, err)
		}
	}
	return nil
}

// CheckChange lists a change's conflicts without saving anything, for the
// form's preview and `change new --dry-run`.
func (s *Desk) CheckChange(ctx context.Context, c Change) ([]Conflict, error) {
	if len(c.Services) == 0 || c.Start.IsZero() || !c.End.After(c.Start) {
		return nil, nil
	}
	r := s.store
	others, err := r.ChangesBetween(ctx, c.Start, c.End)
	if err != nil {
		return nil, err
	}
	crit, err := r.CriticalIncidents(ctx, c.Services)
	if err != nil {
		return nil, err
	}
	return s.conflicts(c, others, crit), nil
}

func (s *Desk) conflicts(c Change, others []Change, critical []Incident) []Conflict {
	p := s.pol()
	return Conflicts(ConflictInput{Change: c, Others: others, Critical: critical,
		Plan: p.ChangeCalendar(c.Services, c.Start, c.End), Loc: p.Location()})
}

func (s *Desk) conflictsTx(tx Tx, c Change) ([]Conflict, error) {
	others, err := tx.ChangesBetween(c.Start, c.End)
	if err != nil {
		return nil, err
	}
	crit, err := tx.CriticalIncidents(c.Services)
	if err != nil {
		return nil, err
	}
	return s.conflicts(c, others, crit), nil
}

// refuseBlocked returns the refusal for a change a hard freeze blocks.
func refuseBlocked(c Change, cs []Conflict) error {
	if x, ok := Blocking(c, cs); ok {
		return blockedError{ref: orNew(c), reason: x.Reason}
	}
	return nil
}

// blockedError is a step a hard freeze refuses. It has a type of its own
// so that a deploy into the freeze is recorded as unauthorised rather
// than failing like a broken store.
type blockedError struct{ ref, reason string }

func (e blockedError) Error() string { return e.ref + ": " + e.reason }

func orNew(c Change) string {
	if c.ID == 0 {
		return "the change"
	}
	return c.Ref()
}

func (s *Desk) changeEvent(tx Tx, a Actor, id int64, kind, text string) error {
	return tx.AppendChangeEvent(id, ChangeEvent{At: s.Now().UTC(), Actor: a.Name, Kind: kind, Text: text})
}

// conflictNote is the timeline's line about the conflicts a step went
// ahead with, so the record says who accepted which risk.
func conflictNote(cs []Conflict) string {
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("; with conflicts: ")
	for i, x := range cs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(x.Reason)
	}
	return b.String()
}

// CreateChange puts a new change on the calendar in state New and returns
// the conflicts it has. A draft may sit in a hard freeze, marked; it is
// refused when it is submitted, approved or started there.
func (s *Desk) CreateChange(ctx context.Context, a Actor, c Change) (Change, []Conflict, error) {
	if err := a.Check(PermCreateChange); err != nil {
		return Change{}, nil, err
	}
	c.ID = 0
	if err := s.validateChange(&c); err != nil {
		return Change{}, nil, err
	}
	if err := s.checkFixes(ctx, c); err != nil {
		return Change{}, nil, err
	}
	c.State, c.Round, c.CloseCode = ChangeNew, 1, ""
	c.Requester, c.Created = a.Name, s.Now().UTC()
	var cs []Conflict
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if cs, err = s.conflictsTx(tx, c); err != nil {
			return err
		}
		if err := tx.InsertChange(&c); err != nil {
			return err
		}
		text := fmt.Sprintf("created: %s change, %s risk, %s – %s", c.Type, c.Risk, s.stamp(c.Start), s.stamp(c.End))
		if err := s.changeEvent(tx, a, c.ID, "created", text); err != nil {
			return err
		}
		return s.audit(tx, a, "change.create", c.Ref(), nil, c)
	})
	if err != nil {
		return Change{}, nil, err
	}
	return c, cs, nil
}

// EditChange replaces a change's plan (title, services, times, texts,
// type, impact, probability, implementer, links). An approved change that
// is edited goes back to its approvers.
func (s *Desk) EditChange(ctx context.Context, a Actor, id int64, edit Change) (Change, []Conflict, error) {
	if err := a.Check(PermCreateChange); err != nil {
		return Change{}, nil, err
	}
	if err := s.checkFixes(ctx, edit); err != nil {
		return Change{}, nil, err
	}
	return s.changeStep(ctx, a, id, ChangeStep{Action: ChangeEdit}, func(c *Change) error {
		edit.ID, edit.State, edit.Round, edit.CloseCode = c.ID, c.State, c.Round, c.CloseCode
		edit.Requester, edit.Created = c.Requester, c.Created
		if err := s.validateChange(&edit); err != nil {
			return err
		}
		*c = edit
		return nil
	})
}

// StepChange moves a change through its flow: submit, approve, reject,
// schedule (new times), start, complete, cancel or close.
func (s *Desk) StepChange(ctx context.Context, a Actor, id int64, step ChangeStep) (Change, []Conflict, error) {
	perm := PermCreateChange
	if step.Action == ChangeApprove || step.Action == ChangeReject {
		perm = PermApproveChange
	}
	if err := a.Check(perm); err != nil {
		return Change{}, nil, err
	}
	step.Comment = strings.TrimSpace(Clean(step.Comment, true))
	return s.changeStep(ctx, a, id, step, func(c *Change) error {
		switch step.Action {
		case ChangeSchedule:
			if step.Start.IsZero() || !step.End.After(step.Start) {
				return fmt.Errorf("start and end: give the new planned time (end after start)")
			}
			c.Start, c.End = step.Start, step.End
		case ChangeClose:
			if !slices.Contains(CloseCodes, step.CloseCode) {
				return fmt.Errorf("close code %q: use %s", step.CloseCode, strings.Join(CloseCodes, ", "))
			}
			c.CloseCode = step.CloseCode
		case ChangeReject, ChangeCancel:
			if step.Comment == "" {
				return fmt.Errorf("reason: say why (it goes on the change's timeline)")
			}
		case ChangeSubmit:
			if c.Type == ChangeEmergency && c.Reason == "" {
				return fmt.Errorf("reason: an emergency change says why it cannot wait")
			}
		}
		return nil
	})
}

// changeStep is the one path of every change write: it reads the change,
// applies the edit, works out the next state from the flow, checks
// conflicts and approvals, and writes the change, its timeline and the
// audit in one transaction.
func (s *Desk) changeStep(ctx context.Context, a Actor, id int64, step ChangeStep, apply func(*Change) error) (Change, []Conflict, error) {
	var after Change
	var cs []Conflict
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		after, cs, err = s.stepTx(tx, a, id, step, apply)
		return err
	})
	if err != nil {
		return Change{}, nil, err
	}
	return after, cs, nil
}

// stepTx is changeStep inside a transaction the caller holds, so that a
// deploy moves its change in the transaction that records it. Every
// refusal comes before the first write.
func (s *Desk) stepTx(tx Tx, a Actor, id int64, step ChangeStep, apply func(*Change) error) (Change, []Conflict, error) {
	before, err := tx.ChangeByID(id)
	if err != nil {
		return Change{}, nil, fmt.Errorf("CHG-%d: %w", id, err)
	}
	next, err := NextState(before, step.Action)
	if err != nil {
		return Change{}, nil, err
	}
	c := before
	if err := apply(&c); err != nil {
		return Change{}, nil, err
	}
	cs, err := s.conflictsTx(tx, c)
	if err != nil {
		return Change{}, nil, err
	}
	pol := s.pol().ChangePolicy()
	var text string
	switch step.Action {
	case ChangeSubmit:
		if err := refuseBlocked(c, cs); err != nil {
			return Change{}, nil, err
		}
		text = "submitted"
		switch c.Type {
		case ChangeStandard:
			std, ok := pol.StandardFor(c)
			if !ok {
				return Change{}, nil, fmt.Errorf("%s: no entry in the plan's standard change catalogue covers it; make it a normal change", c.Ref())
			}
			text = fmt.Sprintf("submitted; pre-approved by the standard change %q", std.ID)
		case ChangeEmergency:
			text = "submitted as an emergency: " + c.Reason
		}
	case ChangeApprove, ChangeReject:
		if err := pol.MayApprove(c, a); err != nil {
			return Change{}, nil, err
		}
		if step.Action == ChangeApprove {
			if err := refuseBlocked(c, cs); err != nil {
				return Change{}, nil, err
			}
		}
		if before.State == ChangeAssess {
			text = "assessed"
			if step.Comment != "" {
				text += ": " + step.Comment
			}
			if step.Action == ChangeReject {
				text = "rejected at assessment: " + step.Comment
				c.Round++
			}
			break
		}
		approvals, err := tx.ChangeApprovals(id)
		if err != nil {
			return Change{}, nil, err
		}
		for _, ap := range approvals {
			if ap.Round == c.Round && strings.EqualFold(ap.Approver, a.Name) {
				return Change{}, nil, fmt.Errorf("%s: %s already answered in this round", c.Ref(), a.Name)
			}
		}
		ap := ChangeApproval{Round: c.Round, Approver: a.Name, Approve: step.Action == ChangeApprove, Comment: step.Comment, At: s.Now().UTC()}
		if err := tx.AddChangeApproval(id, ap); err != nil {
			return Change{}, nil, err
		}
		if step.Action == ChangeReject {
			text = "rejected: " + step.Comment
			c.Round++
			break
		}
		au := pol.Authorise(c, append(approvals, ap), ExtraApprovals(cs))
		text = fmt.Sprintf("approved (%d of %d)", len(au.Have), au.Need)
		if au.Met {
			next = ChangeScheduled
			text += "; authorised"
		}
		if step.Comment != "" {
			text += ": " + step.Comment
		}
	case ChangeEdit, ChangeSchedule:
		if next == ChangeScheduled { // a standard change stays authorised
			if err := refuseBlocked(c, cs); err != nil {
				return Change{}, nil, err
			}
		}
		text = "edited"
		if step.Action == ChangeSchedule {
			text = fmt.Sprintf("rescheduled to %s – %s", s.stamp(c.Start), s.stamp(c.End))
		}
		if next != before.State {
			c.Round++
			text += "; back to the approvers, who approved the old plan"
		}
	case ChangeStart:
		if err := refuseBlocked(c, cs); err != nil {
			return Change{}, nil, err
		}
		text = "implementation started"
		if step.Comment != "" {
			text += ": " + step.Comment
		}
	case ChangeComplete:
		text = "implementation complete; in review"
		if step.Comment != "" {
			text += ": " + step.Comment
		}
	case ChangeCancel:
		text = "cancelled: " + step.Comment
	case ChangeClose:
		text = "closed: " + c.CloseCode
		if step.Comment != "" {
			text += ": " + step.Comment
		}
	}
	c.State = next
	if next != before.State {
		text += fmt.Sprintf(" (%s → %s)", before.State, next)
	}
	// The record says which conflicts were accepted, and by whom: the
	// approver, the implementer who went ahead, the one who moved it.
	switch step.Action {
	case ChangeApprove, ChangeEdit, ChangeSchedule, ChangeStart:
		text += conflictNote(cs)
	}
	if err := tx.UpdateChange(c); err != nil {
		return Change{}, nil, err
	}
	if err := s.changeEvent(tx, a, id, string(step.Action), text); err != nil {
		return Change{}, nil, err
	}
	if err := s.audit(tx, a, "change."+string(step.Action), c.Ref(), before, c); err != nil {
		return Change{}, nil, err
	}
	return c, cs, nil
}

// ViewChange reads a change with its approvals, authorisation, conflicts,
// linked incidents and timeline: everything its detail shows.
func (s *Desk) ViewChange(ctx context.Context, id int64) (ChangeView, error) {
	c, err := s.store.Change(ctx, id)
	if err != nil {
		return ChangeView{}, err
	}
	approvals, err := s.store.ChangeApprovals(ctx, id)
	if err != nil {
		return ChangeView{}, err
	}
	var cs []Conflict
	if c.Open() && c.State != ChangeImplement {
		if cs, err = s.CheckChange(ctx, c); err != nil {
			return ChangeView{}, err
		}
	}
	incidents, err := s.store.ChangeIncidents(ctx, id)
	if err != nil {
		return ChangeView{}, err
	}
	timeline, err := s.store.ChangeTimeline(ctx, id)
	if err != nil {
		return ChangeView{}, err
	}
	deploys, err := s.store.Deploys(ctx, id)
	if err != nil {
		return ChangeView{}, err
	}
	au := s.pol().ChangePolicy().Authorise(c, approvals, ExtraApprovals(cs))
	return ChangeView{Change: c, Approvals: approvals, Authorisation: au, Conflicts: cs, Incidents: incidents,
		Deploys: deploys, Timeline: timeline}, nil
}

// NextSlot finds the earliest conflict-free time for a change of d on the
// services, inside their maintenance windows, within SlotHorizon of after.
func (s *Desk) NextSlot(ctx context.Context, services []string, implementer string, d time.Duration, after time.Time) (Span, error) {
	if d <= 0 {
		return Span{}, fmt.Errorf("duration: must be positive")
	}
	if len(services) == 0 {
		return Span{}, fmt.Errorf("service: name at least one")
	}
	for _, sv := range services {
		if _, ok := s.pol().ServiceTier(sv); !ok {
			return Span{}, fmt.Errorf("service %q: not in the plan", sv)
		}
	}
	horizon := after.Add(SlotHorizon)
	others, err := s.store.ChangesBetween(ctx, after, horizon)
	if err != nil {
		return Span{}, err
	}
	sp, ok := NextSlot(SlotSearch{Services: services, Implementer: implementer, Duration: d, After: after,
		Horizon: horizon, Others: others, Plan: s.pol().ChangeCalendar(services, after, horizon)})
	if !ok {
		return Span{}, fmt.Errorf("no free slot of %s on %s in the next %d days: %w", d, strings.Join(services, ", "),
			int(SlotHorizon/(24*time.Hour)), ErrNoSlot)
	}
	return sp, nil
}

// ErrNoSlot is returned when no conflict-free time exists within the horizon.
var ErrNoSlot = errors.New("no slot")
