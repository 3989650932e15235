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

// SLAStatus reports the stage of an open incident's resolve clock at now and
// the time left (negative once breached).
func SLAStatus(in Incident, now time.Time) (SLAStage, time.Duration) {
	if in.ResolveDue.IsZero() || !in.State.Open() {
		return SLANone, 0
	}
	total := in.ResolveDue.Sub(in.OpenedAt)
	left := in.ResolveDue.Sub(now)
	if total <= 0 || left <= 0 {
		return SLABreached, left
	}
	used := float64(total-left) / float64(total)
	switch {
	case used < 0.5:
		return SLAOK, left
	case used < 0.75:
		return SLAWatch, left
	default:
		return SLARisk, left
	}
}
