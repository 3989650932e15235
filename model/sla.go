package model

import "time"

// SLAStage is how far an incident has used its resolve target.
type SLAStage int

// Stages as the queue colours them.
const (
	SLANone     SLAStage = iota // no target, or no longer open
	SLAOK                       // under 50% used
	SLAWatch                    // 50–75%
	SLARisk                     // 75–100%: leads are told
	SLABreached                 // past due
)

func (s SLAStage) String() string {
	return [...]string{"none", "ok", "watch", "at risk", "breached"}[s]
}

// Clock counts SLA time: around the clock, or only in business hours.
type Clock interface {
	// Add is the instant d of SLA time after from.
	Add(from time.Time, d time.Duration) time.Time
	// Between is the SLA time from one instant to a later one (0 when to
	// is not after from).
	Between(from, to time.Time) time.Duration
}

// WallClock is the 24x7 clock: SLA time is elapsed time.
type WallClock struct{}

// Add is from plus d.
func (WallClock) Add(from time.Time, d time.Duration) time.Time { return from.Add(d) }

// Between is to minus from, never negative.
func (WallClock) Between(from, to time.Time) time.Duration { return max(to.Sub(from), 0) }

// SLATarget is what the plan sets for one priority, or for requests.
type SLATarget struct {
	Respond, Resolve time.Duration // zero: no target
	Clock            Clock         // how the targets are counted; nil is 24x7
}

func (t SLATarget) clock() Clock {
	if t.Clock == nil {
		return WallClock{}
	}
	return t.Clock
}

// retarget sets both due times from the open time, the target and the time
// spent on hold. A priority change calls it with the new target: the time
// already used counts against the new target, nothing is restarted.
func retarget(in *Incident, t SLATarget) {
	c := t.clock()
	in.ResolveDue, in.RespondDue = time.Time{}, time.Time{}
	if t.Resolve > 0 {
		in.ResolveDue = c.Add(in.OpenedAt, t.Resolve+in.Paused)
	}
	if t.Respond > 0 {
		in.RespondDue = c.Add(in.OpenedAt, t.Respond+in.Paused)
	}
}

// resume ends a hold at now: the SLA time it lasted is added to the paused
// total and both due times move back by it. It returns that time.
func resume(in *Incident, t SLATarget, now time.Time) time.Duration {
	if in.HoldSince.IsZero() {
		return 0
	}
	paused := t.clock().Between(in.HoldSince, now)
	in.Paused += paused
	in.HoldSince, in.HoldReason = time.Time{}, ""
	retarget(in, t)
	return paused
}

// SLAClock is the state of one SLA clock of an incident at some instant.
type SLAClock struct {
	Stage SLAStage
	// Left is the time left until the due time, negative once breached;
	// while paused, the SLA time left.
	Left time.Duration
	// Used is the fraction of the target used (1 = due now).
	Used float64
	// Paused is true while the incident is on hold: the clock stands still.
	Paused bool
	Due    time.Time
}

// ResolveClock reports an open incident's resolve clock at now, counted by
// c (nil: 24x7). The target is read back from the stored due time, so a
// plan edit never moves the goalposts of incidents already open.
func ResolveClock(in Incident, c Clock, now time.Time) SLAClock {
	if !in.State.Open() {
		return SLAClock{}
	}
	return clockAt(in, in.ResolveDue, c, now)
}

// RespondClock reports the respond clock of an open incident that nobody
// has acknowledged yet.
func RespondClock(in Incident, c Clock, now time.Time) SLAClock {
	if !in.State.Open() || !in.AckAt.IsZero() {
		return SLAClock{}
	}
	return clockAt(in, in.RespondDue, c, now)
}

func clockAt(in Incident, due time.Time, c Clock, now time.Time) SLAClock {
	if due.IsZero() {
		return SLAClock{}
	}
	if c == nil {
		c = WallClock{}
	}
	st := SLAClock{Due: due}
	at := now
	if !in.HoldSince.IsZero() {
		st.Paused = true
		at = in.HoldSince // the clock stopped when the hold began
	}
	target := c.Between(in.OpenedAt, due) - in.Paused
	used := c.Between(in.OpenedAt, at) - in.Paused
	if target <= 0 {
		st.Used = 1
	} else {
		st.Used = float64(used) / float64(target)
	}
	// Left is what people read on the queue: the wall time until the due
	// time, since that is when it falls due. A paused clock has no due
	// instant yet, so it shows the SLA time it has left.
	st.Left = due.Sub(now)
	if st.Paused {
		st.Left = target - used
	}
	switch {
	case st.Left <= 0 || st.Used >= 1:
		st.Stage = SLABreached
	case st.Used < 0.5:
		st.Stage = SLAOK
	case st.Used < 0.75:
		st.Stage = SLAWatch
	default:
		st.Stage = SLARisk
	}
	return st
}
