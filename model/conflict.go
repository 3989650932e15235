package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ConflictKind names why a change's plan collides with something.
type ConflictKind string

const (
	ConflictService     ConflictKind = "service"     // another change on the same service at the same time
	ConflictDependency  ConflictKind = "dependency"  // a change on a service it depends on, or that depends on it
	ConflictWindow      ConflictKind = "window"      // outside the service's maintenance windows
	ConflictFreeze      ConflictKind = "freeze"      // inside a change freeze
	ConflictImplementer ConflictKind = "implementer" // the implementer is booked on another change
	ConflictIncident    ConflictKind = "incident"    // an open P1/P2 on the service
	ConflictJob         ConflictKind = "job"         // a scheduled job or backup on the service
)

// Conflict is one collision with its reason, as the form, the calendar
// marker and the detail show it.
type Conflict struct {
	Kind   ConflictKind `json:"kind"`
	With   string       `json:"with"` // CHG-4, INC-9, a freeze's name, a job id, a service
	Reason string       `json:"reason"`
	// Blocks: a hard freeze refuses the change unless it is an emergency
	// with a reason. Extra: a soft freeze asks one more approval.
	Blocks bool `json:"blocks,omitzero"`
	Extra  bool `json:"extra_approval,omitzero"`
}

// Span is a stretch of time [Start, End).
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func (s Span) overlaps(o Span) bool { return s.Start.Before(o.End) && o.Start.Before(s.End) }

// FreezeSpan is a change freeze from the plan.
type FreezeSpan struct {
	Span
	Name     string
	Hard     bool
	Services []string // empty: every service
	Reason   string
}

// Covers reports whether the freeze applies to a service.
func (f FreezeSpan) Covers(service string) bool {
	return len(f.Services) == 0 || slices.Contains(f.Services, service)
}

// PlannedRun is one expected run of a scheduled job or backup from the plan.
type PlannedRun struct {
	Span
	Job     string
	Name    string
	Service string
	Backup  bool
}

// PlanCalendar is what the plan says about a stretch of time: maintenance
// windows per service (a service absent from Windows has none, so any time
// suits it), freezes, job runs, and which services relate through
// depends_on in either direction.
type PlanCalendar struct {
	Windows map[string][]Span
	Freezes []FreezeSpan
	Runs    []PlannedRun
	Related map[string][]string
}

// ConflictInput is everything a conflict check looks at: the change, the
// other changes whose time overlaps it, open P1/P2 incidents on its
// services, and the plan's calendar around it.
type ConflictInput struct {
	Change   Change
	Others   []Change
	Critical []Incident
	Plan     PlanCalendar
	Loc      *time.Location // for times in reasons
}

// Conflicts lists every collision of a change's plan, in a fixed order:
// freezes first (they can block), then windows, changes, people, jobs and
// incidents. It is a pure function so the form can show the answer before
// anything is saved.
func Conflicts(in ConflictInput) []Conflict {
	c := in.Change
	if c.Start.IsZero() || !c.End.After(c.Start) {
		return nil
	}
	loc := in.Loc
	if loc == nil {
		loc = time.UTC
	}
	at := func(t time.Time) string { return t.In(loc).Format("Mon 02 Jan 15:04") }
	span := Span{c.Start, c.End}
	var out []Conflict

	for _, f := range in.Plan.Freezes {
		if !f.overlaps(span) {
			continue
		}
		hit := slices.IndexFunc(c.Services, f.Covers)
		if hit < 0 {
			continue
		}
		kind := "soft"
		if f.Hard {
			kind = "hard"
		}
		why := fmt.Sprintf("inside the %s freeze %q (%s – %s) on %s", kind, f.Name, at(f.Start), at(f.End), c.Services[hit])
		if f.Reason != "" {
			why += ": " + strings.TrimRight(f.Reason, ".")
		}
		if f.Hard {
			why += "; only an emergency change with a reason may go ahead"
		} else {
			why += "; needs one more approval"
		}
		out = append(out, Conflict{Kind: ConflictFreeze, With: f.Name, Reason: why, Blocks: f.Hard, Extra: !f.Hard})
	}

	for _, sv := range c.Services {
		ws, ok := in.Plan.Windows[sv]
		if !ok {
			continue
		}
		if !insideAny(span, ws) {
			why := fmt.Sprintf("outside %s's maintenance windows", sv)
			if next := firstAfter(ws, c.Start); !next.Start.IsZero() {
				why += fmt.Sprintf(" (nearest: %s – %s)", at(next.Start), next.End.In(loc).Format("15:04"))
			}
			out = append(out, Conflict{Kind: ConflictWindow, With: sv, Reason: why})
		}
	}

	for _, o := range in.Others {
		if o.ID == c.ID || !o.Open() || !o.Overlaps(c.Start, c.End) {
			continue
		}
		when := fmt.Sprintf("%s – %s", at(o.Start), o.End.In(loc).Format("15:04"))
		if sv, ok := shared(c.Services, o.Services); ok {
			out = append(out, Conflict{Kind: ConflictService, With: o.Ref(),
				Reason: fmt.Sprintf("%s also changes %s at the same time (%s)", o.Ref(), sv, when)})
		} else if mine, theirs, ok := related(c.Services, o.Services, in.Plan.Related); ok {
			out = append(out, Conflict{Kind: ConflictDependency, With: o.Ref(),
				Reason: fmt.Sprintf("%s changes %s, which %s depends on or serves, at the same time (%s)", o.Ref(), theirs, mine, when)})
		}
		if c.Implementer != "" && strings.EqualFold(o.Implementer, c.Implementer) {
			out = append(out, Conflict{Kind: ConflictImplementer, With: o.Ref(),
				Reason: fmt.Sprintf("%s is implementing %s at the same time (%s)", c.Implementer, o.Ref(), when)})
		}
	}

	for _, r := range in.Plan.Runs {
		if !r.overlaps(span) || !c.Touches(r.Service) {
			continue
		}
		what := "job"
		if r.Backup {
			what = "backup"
		}
		out = append(out, Conflict{Kind: ConflictJob, With: r.Job,
			Reason: fmt.Sprintf("the %s %s runs on %s at %s", what, r.Name, r.Service, at(r.Start))})
	}

	for _, inc := range in.Critical {
		if !c.Touches(inc.Service) || inc.Priority > 2 || !inc.State.Open() {
			continue
		}
		out = append(out, Conflict{Kind: ConflictIncident, With: inc.Ref(),
			Reason: fmt.Sprintf("%s (%s) is open on %s: %s", inc.Ref(), inc.Priority, inc.Service, inc.Title)})
	}
	return out
}

// insideAny reports whether s lies inside one window, treating windows that
// touch end to start as one.
func insideAny(s Span, windows []Span) bool {
	ws := slices.Clone(windows)
	slices.SortFunc(ws, func(a, b Span) int { return a.Start.Compare(b.Start) })
	for i := 0; i < len(ws); i++ {
		cur := ws[i]
		for i+1 < len(ws) && !ws[i+1].Start.After(cur.End) {
			i++
			if ws[i].End.After(cur.End) {
				cur.End = ws[i].End
			}
		}
		if !s.Start.Before(cur.Start) && !s.End.After(cur.End) {
			return true
		}
	}
	return false
}

// firstAfter is the window nearest to t: the first that ends after it.
func firstAfter(ws []Span, t time.Time) Span {
	var best Span
	for _, w := range ws {
		if w.End.After(t) && (best.Start.IsZero() || w.Start.Before(best.Start)) {
			best = w
		}
	}
	return best
}

func shared(a, b []string) (string, bool) {
	for _, s := range a {
		if slices.Contains(b, s) {
			return s, true
		}
	}
	return "", false
}

func related(mine, theirs []string, rel map[string][]string) (string, string, bool) {
	for _, m := range mine {
		for _, r := range rel[m] {
			if slices.Contains(theirs, r) {
				return m, r, true
			}
		}
	}
	return "", "", false
}

// Blocking reports whether any conflict refuses the change outright: a hard
// freeze, unless the change is an emergency with a reason.
func Blocking(c Change, cs []Conflict) (Conflict, bool) {
	for _, x := range cs {
		if x.Blocks && (c.Type != ChangeEmergency || strings.TrimSpace(c.Reason) == "") {
			return x, true
		}
	}
	return Conflict{}, false
}

// ExtraApprovals counts the approvals conflicts add to the rule.
func ExtraApprovals(cs []Conflict) int {
	for _, x := range cs {
		if x.Extra {
			return 1
		}
	}
	return 0
}

// SlotSearch is the input of a next-free-slot search.
type SlotSearch struct {
	Services    []string
	Implementer string
	Duration    time.Duration
	After       time.Time
	Horizon     time.Time // search no further; 90 days after After by default
	Others      []Change  // changes planned within [After, Horizon)
	Plan        PlanCalendar
}

// SlotHorizon is how far ahead a slot search looks.
const SlotHorizon = 90 * 24 * time.Hour

// NextSlot finds the earliest start at or after s.After at which a change
// of s.Duration on s.Services has no conflict that depends on time (open
// incidents do not move out of the way, so they are not counted). The only
// starts worth trying are s.After, the start of each maintenance window and
// the end of each thing in the way, so it tries those in order.
func NextSlot(s SlotSearch) (Span, bool) {
	if s.Duration <= 0 {
		return Span{}, false
	}
	horizon := s.Horizon
	if horizon.IsZero() {
		horizon = s.After.Add(SlotHorizon)
	}
	cands := []time.Time{s.After}
	add := func(t time.Time) {
		if t.After(s.After) && t.Before(horizon) {
			cands = append(cands, t)
		}
	}
	for _, sv := range s.Services {
		for _, w := range s.Plan.Windows[sv] {
			add(w.Start)
		}
	}
	for _, o := range s.Others {
		add(o.End)
	}
	for _, f := range s.Plan.Freezes {
		add(f.End)
	}
	for _, r := range s.Plan.Runs {
		add(r.End)
	}
	slices.SortFunc(cands, func(a, b time.Time) int { return a.Compare(b) })
	cands = slices.CompactFunc(cands, func(a, b time.Time) bool { return a.Equal(b) })
	probe := Change{Services: s.Services, Implementer: s.Implementer, State: ChangeNew}
	for _, t := range cands {
		probe.Start, probe.End = t, t.Add(s.Duration)
		if probe.End.After(horizon) {
			break
		}
		if len(Conflicts(ConflictInput{Change: probe, Others: s.Others, Plan: s.Plan})) == 0 {
			return Span{probe.Start, probe.End}, true
		}
	}
	return Span{}, false
}
