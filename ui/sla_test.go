package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// Leads get a banner naming the incidents past 75% of their resolve time;
// everyone sees the count in the header; is:risk narrows the queue to them.
func TestSLABannerForLeads(t *testing.T) {
	f := newFakeStore()
	for i := range f.incidents {
		if f.incidents[i].ID == 4 || f.incidents[i].ID == 7 {
			f.incidents[i].SLAFlags = model.SLAWarned
		}
	}
	lead := run(t, newTestModel(t, f, model.RoleLead), 200, 60, "SLA at risk (2)")
	waitFor(t, lead, "INC-7 75%")
	waitFor(t, lead, "INC-4 breached")
	keys(lead, "/", "is:risk", "enter")
	waitFor(t, lead, "Incidents filtered")
	view := finalView(t, lead)
	if strings.Contains(view, "INC-9") || !strings.Contains(view, "INC-4") {
		t.Errorf("is:risk shows other incidents:\n%s", view)
	}
	golden(t, view)

	op := newTestModel(t, f, model.RoleOperator)
	tm := run(t, op, 200, 60, "SLA at risk 2")
	if out := tm.out.String(); strings.Contains(out, "SLA at risk (") {
		t.Fatal("an operator sees the leads' banner")
	}
	finalView(t, tm)
}

func TestSLACell(t *testing.T) {
	opened := testNow.Add(-time.Hour)
	base := model.Incident{State: model.StateInProgress, OpenedAt: opened, ResolveDue: opened.Add(4 * time.Hour), RespondDue: opened.Add(15 * time.Minute)}
	acked := base
	acked.AckAt = opened.Add(5 * time.Minute)
	soon := base
	soon.RespondDue = testNow.Add(5 * time.Minute)
	held := acked
	held.State, held.HoldSince = model.StateOnHold, opened.Add(2*time.Hour)
	heldLate := held
	heldLate.HoldSince = opened.Add(5 * time.Hour)
	justLate := base
	justLate.RespondDue = testNow.Add(-20 * time.Second)
	tests := []struct {
		name string
		in   model.Incident
		want string
	}{
		{"acknowledged: the resolve clock", acked, "3h00m"},
		{"respond missed: it shows, marked r", base, "✗r45m"},
		{"respond due first: it shows", soon, "r5m"},
		{"on hold: share used", held, "‖50%"},
		{"on hold past due", heldLate, "✗‖125%"},
		{"just breached", justLate, "✗r<1m"},
		{"no target", model.Incident{State: model.StateNew}, "—"},
	}
	for _, tt := range tests {
		if got, _ := slaCell(tt.in, model.WallClock{}, testNow); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A write the service layer refuses brings its form back with the reason
// and what was typed, rather than closing it on a notice.
func TestRefusedFormComesBack(t *testing.T) {
	f := newFakeStore()
	tm := run(t, newTestModel(t, f, model.RoleOperator), 80, 24, "INC-7")
	keys(tm, "m")
	waitFor(t, tm, "Merge INC-7 as a duplicate")
	keys(tm, "INC-999", "enter")
	waitFor(t, tm, "not found")
	view := finalView(t, tm)
	if !strings.Contains(view, "Merge INC-7 as a duplicate") || !strings.Contains(view, "INC-999") {
		t.Fatalf("the form did not come back with its input:\n%s", view)
	}
}

// The palette scrolls: the last command can be reached and is shown.
func TestPaletteScrolls(t *testing.T) {
	tm := run(t, newTestModel(t, newFakeStore(), model.RoleOperator), 80, 24, "INC-7")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlP})
	waitFor(t, tm, "↑/↓ scroll")
	n := len(commands())
	for range n - 1 {
		tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	}
	last := commands()[n-1].name
	waitFor(t, tm, fmt.Sprintf("%d of %d", n, n))
	if view := finalView(t, tm); !strings.Contains(view, "▶ "+last) {
		t.Fatalf("the last command %q is not shown selected:\n%s", last, view)
	}
}

// :major off stands a major incident down; an operator is refused.
func TestMajorCommand(t *testing.T) {
	f := newFakeStore()
	tm := run(t, newTestModel(t, f, model.RoleLead), 80, 24, "INC-7")
	keys(tm, ":", "major off one store only, not all", "enter")
	waitFor(t, tm, "INC-7 stood down from major")
	finalView(t, tm)
	if in, _ := f.Incident(t.Context(), 7); in.Major {
		t.Fatal("INC-7 is still major")
	}
	op := run(t, newTestModel(t, f, model.RoleOperator), 200, 60, "INC-7")
	keys(op, ":", "major on all stores", "enter")
	waitFor(t, op, "needs the lead role")
	finalView(t, op)
}

// ":INC-9" opens the record it names.
func TestJumpToRecord(t *testing.T) {
	tm := run(t, newTestModel(t, newFakeStore(), model.RoleOperator), 80, 24, "INC-7")
	keys(tm, ":", "inc-9", "enter")
	waitFor(t, tm, "Search results stale after catalog import")
	waitFor(t, tm, "Timeline")
	keys(tm, "esc", ":", "CHG-x", "enter")
	waitFor(t, tm, "not a record number")
	finalView(t, tm)
}

func TestFormAllowed(t *testing.T) {
	closed := model.Incident{ID: 3, Kind: model.KindIncident, State: model.StateClosed}
	resolved := model.Incident{ID: 4, Kind: model.KindIncident, State: model.StateResolved}
	open := model.Incident{ID: 5, Kind: model.KindIncident, State: model.StateOnHold}
	for _, tt := range []struct {
		in   model.Incident
		act  recordAction
		want bool
	}{
		{closed, actState, false}, {closed, actResolve, false}, {closed, actAssign, false}, {closed, actLink, true},
		{resolved, actState, true}, {resolved, actResolve, false}, {resolved, actPriority, false}, {resolved, actMerge, false},
		{open, actResolve, true}, {open, actAssign, true}, {open, actMerge, true},
	} {
		if got := formAllowed(tt.in, tt.act) == nil; got != tt.want {
			t.Errorf("%s, action %d: allowed %v, want %v", tt.in.State, tt.act, got, tt.want)
		}
	}
}

func TestPausedSLALineSaysSLAHours(t *testing.T) {
	st := NewStyles(lipgloss.NewRenderer(io.Discard))
	line := slaLine(st, model.SLAClock{Stage: model.SLAOK, Paused: true, Left: 49*time.Hour + 30*time.Minute, Used: 0.01}, time.UTC)
	if !strings.Contains(line, "49h30m of SLA time left") {
		t.Fatalf("paused line: %q", line)
	}
}
