package model

import (
	"testing"
	"time"
)

// One notation for the queue, the detail and the CLI.
func TestSLAMark(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	opened := now.Add(-time.Hour)
	base := Incident{State: StateInProgress, OpenedAt: opened, ResolveDue: opened.Add(4 * time.Hour), RespondDue: opened.Add(15 * time.Minute)}
	acked := base
	acked.AckAt = opened.Add(5 * time.Minute)
	soon := base
	soon.RespondDue = now.Add(5 * time.Minute)
	held := acked
	held.State, held.HoldSince = StateOnHold, opened.Add(2*time.Hour)
	heldLate := held
	heldLate.HoldSince = opened.Add(5 * time.Hour)
	justLate := base
	justLate.RespondDue = now.Add(-20 * time.Second)
	late := acked
	late.ResolveDue = now.Add(-80 * time.Minute)
	resolvedLate := late
	resolvedLate.State, resolvedLate.ResolvedAt = StateResolved, now
	resolvedInTime := acked
	resolvedInTime.State, resolvedInTime.ResolvedAt = StateClosed, now
	tests := []struct {
		name string
		in   Incident
		want string
	}{
		{"acknowledged: the resolve clock", acked, "3h00m"},
		{"respond missed: it shows, marked r", base, "✗r45m"},
		{"respond due first: it shows", soon, "r5m"},
		{"on hold: share used", held, "‖50%"},
		{"on hold past due", heldLate, "✗‖125%"},
		{"just breached", justLate, "✗r<1m"},
		{"resolve breached", late, "✗1h20m"},
		{"resolved late", resolvedLate, "missed"},
		{"resolved in time", resolvedInTime, "met"},
		{"no target", Incident{State: StateNew}, "—"},
		{"closed without target", Incident{State: StateClosed, ResolvedAt: now}, "—"},
	}
	for _, tt := range tests {
		if got, _ := SLAMark(tt.in, WallClock{}, now); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
