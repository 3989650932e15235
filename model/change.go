package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChangeCancelled ends a change that will not go ahead.
const ChangeCancelled ChangeState = "cancelled"

// ChangeStates lists the states in flow order, for forms and filters.
var ChangeStates = []ChangeState{ChangeNew, ChangeAssess, ChangeAuthorize, ChangeScheduled, ChangeImplement, ChangeReview, ChangeClosed, ChangeCancelled}

// ChangeTypes lists the types a change may have.
var ChangeTypes = []ChangeType{ChangeNormal, ChangeStandard, ChangeEmergency}

// ParseChangeType reads a type name.
func ParseChangeType(s string) (ChangeType, error) {
	for _, t := range ChangeTypes {
		if strings.EqualFold(s, string(t)) {
			return t, nil
		}
	}
	return "", fmt.Errorf("type %q: use normal, standard or emergency", s)
}

// CloseCodes are how a reviewed change ended.
var CloseCodes = []string{"successful", "successful_with_issues", "unsuccessful", "backed_out"}

// riskMatrix is impact × probability, indexed [impact-1][probability-1].
var riskMatrix = [3][3]Level{
	{High, High, Medium}, // high impact
	{High, Medium, Low},  // medium impact
	{Medium, Low, Low},   // low impact
}

// RiskFor rates a change's risk from its impact and the probability that
// it goes wrong.
func RiskFor(impact, probability Level) (Level, error) {
	if !impact.Valid() {
		return 0, fmt.Errorf("impact: use high, medium or low")
	}
	if !probability.Valid() {
		return 0, fmt.Errorf("probability: use high, medium or low")
	}
	return riskMatrix[impact-1][probability-1], nil
}

// Open reports whether the change still lies ahead or is running: it is
// neither closed nor cancelled.
func (c Change) Open() bool { return c.State != ChangeClosed && c.State != ChangeCancelled }

// Service is the change's first (primary) service.
func (c Change) Service() string {
	if len(c.Services) == 0 {
		return ""
	}
	return c.Services[0]
}

// Touches reports whether the change works on a service.
func (c Change) Touches(service string) bool { return slices.Contains(c.Services, service) }

// Overlaps reports whether the change's planned time overlaps [from, to).
// Back-to-back (one ends as the other starts) is no overlap.
func (c Change) Overlaps(from, to time.Time) bool {
	return c.Start.Before(to) && from.Before(c.End)
}

// Running reports whether the change is being implemented at t, or is
// scheduled and its planned time has come.
func (c Change) Running(t time.Time) bool {
	switch c.State {
	case ChangeImplement:
		return true
	case ChangeScheduled:
		return !t.Before(c.Start) && t.Before(c.End)
	}
	return false
}

// ChangeAction is a step someone takes on a change.
type ChangeAction string

const (
	ChangeSubmit   ChangeAction = "submit"
	ChangeApprove  ChangeAction = "approve"
	ChangeReject   ChangeAction = "reject"
	ChangeSchedule ChangeAction = "schedule" // move the planned time
	ChangeStart    ChangeAction = "start"
	ChangeComplete ChangeAction = "complete"
	ChangeCancel   ChangeAction = "cancel"
	ChangeClose    ChangeAction = "close"
	ChangeEdit     ChangeAction = "edit"
)

// ChangeActions lists the steps, for the CLI's help and the console's menu.
var ChangeActions = []ChangeAction{ChangeSubmit, ChangeApprove, ChangeReject, ChangeSchedule, ChangeStart, ChangeComplete, ChangeCancel, ChangeClose, ChangeEdit}

// ErrChangeFlow is a step the change's flow does not allow from its state.
type ErrChangeFlow struct {
	Ref    string
	State  ChangeState
	Action ChangeAction
	Why    string
}

func (e ErrChangeFlow) Error() string {
	return fmt.Sprintf("%s is %s: cannot %s (%s)", e.Ref, e.State, e.Action, e.Why)
}

// NextState is the change flow as a pure function: the state a step leads
// to from the change's current state, or why it is not allowed. Approve
// moves an assessed normal change to Authorize; the authorisation itself
// (Authorize → Scheduled) is decided by the approval rule, not here, so
// approving in Authorize leaves the state alone.
func NextState(c Change, act ChangeAction) (ChangeState, error) {
	refuse := func(why string) (ChangeState, error) {
		return c.State, ErrChangeFlow{Ref: c.Ref(), State: c.State, Action: act, Why: why}
	}
	switch act {
	case ChangeSubmit:
		if c.State != ChangeNew {
			return refuse("only a new change is submitted")
		}
		switch c.Type {
		case ChangeStandard:
			return ChangeScheduled, nil // pre-approved by the catalogue
		case ChangeEmergency:
			return ChangeAuthorize, nil // no assessment, straight to the emergency board
		}
		return ChangeAssess, nil
	case ChangeApprove, ChangeReject:
		switch c.State {
		case ChangeAssess:
			if act == ChangeApprove {
				return ChangeAuthorize, nil
			}
			return ChangeNew, nil
		case ChangeAuthorize:
			if act == ChangeApprove {
				return ChangeAuthorize, nil
			}
			return ChangeNew, nil
		}
		return refuse("only a change in assess or authorize is approved or rejected")
	case ChangeSchedule, ChangeEdit:
		switch c.State {
		case ChangeNew, ChangeAssess, ChangeAuthorize:
			return c.State, nil
		case ChangeScheduled:
			if c.Type == ChangeStandard {
				return ChangeScheduled, nil
			}
			// What was approved was this plan at this time: a new one
			// goes back to the approvers.
			return ChangeAuthorize, nil
		}
		return refuse("a change is planned before it starts")
	case ChangeStart:
		if c.State != ChangeScheduled {
			return refuse("only a scheduled change starts")
		}
		return ChangeImplement, nil
	case ChangeComplete:
		if c.State != ChangeImplement {
			return refuse("only a change being implemented completes")
		}
		return ChangeReview, nil
	case ChangeCancel:
		switch c.State {
		case ChangeReview, ChangeClosed, ChangeCancelled:
			return refuse("a change is cancelled before its review; close it with a code instead")
		}
		return ChangeCancelled, nil
	case ChangeClose:
		if c.State != ChangeReview {
			return refuse("a change is closed after its review")
		}
		return ChangeClosed, nil
	}
	return refuse("unknown step")
}

// ChangeApproval is one approver's verdict on a change, in one round of
// authorisation: a rejection or a new plan starts the next round.
type ChangeApproval struct {
	Round    int       `json:"round"`
	Approver string    `json:"approver"`
	Approve  bool      `json:"approve"`
	Comment  string    `json:"comment,omitzero"`
	At       time.Time `json:"at"`
}

// ChangeEvent is one entry of a change's timeline.
type ChangeEvent struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Kind  string    `json:"kind"`
	Text  string    `json:"text"`
}

// Approvers name who may approve a change.
const (
	ApproverLeads     = "leads"     // anyone with the lead role
	ApproverBoard     = "board"     // the plan's change board
	ApproverEmergency = "emergency" // the plan's emergency board
)

// ApprovalRule says how many approvals, from whom, a change of a type and
// risk needs. A zero Risk or empty Type matches any.
type ApprovalRule struct {
	Type  ChangeType
	Risk  Level
	From  string // ApproverLeads, ApproverBoard or ApproverEmergency
	Count int
}

func (r ApprovalRule) matches(c Change) bool {
	return (r.Type == "" || r.Type == c.Type) && (r.Risk == 0 || r.Risk == c.Risk)
}

// StandardChange is a pre-approved change in the plan's catalogue.
type StandardChange struct {
	ID       string
	Title    string
	Services []string // empty: any service
	MaxRisk  Level    // the riskiest it may be; zero: low
}

// Permits reports whether the catalogue entry covers a change.
func (s StandardChange) Permits(c Change) bool {
	limit := s.MaxRisk
	if limit == 0 {
		limit = Low
	}
	if c.Risk < limit { // Level 1 is high: a smaller number is riskier
		return false
	}
	if len(s.Services) == 0 {
		return true
	}
	for _, sv := range c.Services {
		if !slices.Contains(s.Services, sv) {
			return false
		}
	}
	return true
}

// ChangePolicy is what the plan says about changes.
type ChangePolicy struct {
	Rules          []ApprovalRule
	Board          []string
	EmergencyBoard []string
	Standard       []StandardChange
	// CausedWindow is how long after a change starts an incident on its
	// service (or a related one) is proposed as caused by it.
	CausedWindow time.Duration
}

// DefaultCausedWindow applies when the plan does not say.
const DefaultCausedWindow = 4 * time.Hour

// RuleFor is the first rule that matches the change, or the default: one
// lead, and for an emergency the emergency board when the plan has one.
func (p ChangePolicy) RuleFor(c Change) ApprovalRule {
	for _, r := range p.Rules {
		if r.matches(c) {
			if r.Count < 1 {
				r.Count = 1
			}
			return r
		}
	}
	if c.Type == ChangeEmergency && len(p.EmergencyBoard) > 0 {
		return ApprovalRule{Type: ChangeEmergency, From: ApproverEmergency, Count: 1}
	}
	return ApprovalRule{From: ApproverLeads, Count: 1}
}

// StandardFor finds the catalogue entry that covers a standard change:
// one written for its services before one for any service, each in the
// plan's order.
func (p ChangePolicy) StandardFor(c Change) (StandardChange, bool) {
	for _, specific := range []bool{true, false} {
		for _, s := range p.Standard {
			if (len(s.Services) > 0) == specific && s.Permits(c) {
				return s, true
			}
		}
	}
	return StandardChange{}, false
}

// members lists who may approve under a rule; nil means anyone with the
// lead role.
func (p ChangePolicy) members(from string) []string {
	switch from {
	case ApproverBoard:
		return p.Board
	case ApproverEmergency:
		return p.EmergencyBoard
	}
	return nil
}

// describe names an approver group for messages.
func (p ChangePolicy) describe(from string) string {
	switch from {
	case ApproverBoard:
		return "the change board (" + strings.Join(p.Board, ", ") + ")"
	case ApproverEmergency:
		return "the emergency board (" + strings.Join(p.EmergencyBoard, ", ") + ")"
	}
	return "a lead"
}

// MayApprove reports whether an actor may approve a change under the plan,
// and if not, why. Nobody approves a change they asked for or implement.
func (p ChangePolicy) MayApprove(c Change, a Actor) error {
	if err := a.Check(PermApproveChange); err != nil {
		return err
	}
	if strings.EqualFold(a.Name, c.Requester) || strings.EqualFold(a.Name, c.Implementer) {
		return fmt.Errorf("%s: nobody approves their own change", c.Ref())
	}
	if c.State != ChangeAuthorize {
		return nil // assessment is a lead's review, not the rule's vote
	}
	r := p.RuleFor(c)
	if m := p.members(r.From); m != nil && !slices.ContainsFunc(m, func(n string) bool { return strings.EqualFold(n, a.Name) }) {
		return fmt.Errorf("%s needs approval from %s; %s is not on it", c.Ref(), p.describe(r.From), a.Name)
	}
	return nil
}

// Authorisation is where a change stands against its approval rule.
type Authorisation struct {
	Rule     ApprovalRule
	Need     int      // approvals the rule needs, with any extra a soft freeze asks for
	Have     []string // who approved in this round
	Waiting  []string // members who have not yet answered; empty for "a lead"
	Met      bool
	Describe string // "2 of the change board (ana, raj, li)"
}

// Authorise tallies the current round's approvals of a change. extra is
// the number of approvals conflicts add (a soft freeze adds one).
func (p ChangePolicy) Authorise(c Change, approvals []ChangeApproval, extra int) Authorisation {
	r := p.RuleFor(c)
	au := Authorisation{Rule: r, Need: r.Count + extra}
	answered := map[string]bool{}
	for _, ap := range approvals {
		if ap.Round != c.Round {
			continue
		}
		answered[strings.ToLower(ap.Approver)] = true
		if ap.Approve && !slices.Contains(au.Have, ap.Approver) {
			au.Have = append(au.Have, ap.Approver)
		}
	}
	for _, m := range p.members(r.From) {
		if !answered[strings.ToLower(m)] && !strings.EqualFold(m, c.Requester) && !strings.EqualFold(m, c.Implementer) {
			au.Waiting = append(au.Waiting, m)
		}
	}
	au.Met = len(au.Have) >= au.Need
	au.Describe = fmt.Sprintf("%d of %s", au.Need, p.describe(r.From))
	if r.From == ApproverLeads {
		au.Describe = fmt.Sprintf("%d from leads", au.Need)
	}
	return au
}
