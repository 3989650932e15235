package model

import (
	"fmt"
	"time"
)

// SLAMark is an incident's SLA in the one notation the queue, the incident
// detail and `hypercare list incidents` all write, so an operator reads it
// the same way everywhere (the console's ? legend explains it):
//
//	3h05m     resolve due in 3h05m
//	r15m      respond (acknowledge) due in 15m: nobody has, and it is the
//	          more pressing clock
//	✗1h00m    breached 1h00m ago (✗r: the respond target)
//	‖40%      paused on hold with 40% of the target used (no due time while
//	          it stands still); ✗‖ once breached
//	met       resolved within its target; missed: resolved after it
//	—         no target applies
//
// The stage is what the queue colours it by.
func SLAMark(in Incident, c Clock, now time.Time) (string, SLAStage) {
	if !in.State.Open() {
		switch {
		case in.ResolveDue.IsZero() || in.ResolvedAt.IsZero():
			return "—", SLANone
		case in.ResolvedAt.After(in.ResolveDue):
			return "missed", SLANone
		}
		return "met", SLANone
	}
	clk, mark := ResolveClock(in, c, now), ""
	if r := RespondClock(in, c, now); r.Stage != SLANone &&
		(r.Stage > clk.Stage || (r.Stage == clk.Stage && r.Left < clk.Left)) {
		clk, mark = r, "r"
	}
	switch {
	case clk.Stage == SLANone:
		return "—", clk.Stage
	case clk.Stage == SLABreached && !clk.Paused:
		over := Countdown(-clk.Left) // over by; the mark reads without colour
		if -clk.Left < time.Minute {
			over = "<1m"
		}
		return "✗" + mark + over, clk.Stage
	case clk.Paused && clk.Stage == SLABreached:
		return fmt.Sprintf("✗‖%s%.0f%%", mark, clk.Used*100), clk.Stage
	case clk.Paused:
		return fmt.Sprintf("‖%s%.0f%%", mark, clk.Used*100), clk.Stage
	}
	return mark + Countdown(clk.Left), clk.Stage
}

// Countdown renders a duration compactly: 3h05m, 42m, 2d4h, -15m.
func Countdown(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%s%dd%dh", sign, days, hours)
	case hours > 0:
		return fmt.Sprintf("%s%dh%02dm", sign, hours, mins)
	default:
		return fmt.Sprintf("%s%dm", sign, mins)
	}
}
