package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
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
	lead := open(t, newTestModel(t, f, model.RoleLead), 200, 60)
	lead.WaitFor("SLA at risk (2): INC-7 75% · INC-4 breached")
	lead.Press("/", "is:risk", "enter")
	rows := queueRows(lead.WaitUntil("the queue narrowed to INC-7 and INC-4", func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "INC-7 ") && strings.Contains(rows, "INC-4 ") && !strings.Contains(rows, "REQ-12")
	}))
	if strings.Contains(rows, "INC-9") {
		t.Errorf("is:risk shows other incidents:\n%s", rows)
	}
	uitest.Golden(t, lead.Final())

	op := open(t, newTestModel(t, f, model.RoleOperator), 200, 60)
	header := op.WaitFor("SLA at risk 2")
	if view := op.Final(); strings.Contains(header, "SLA at risk (") || strings.Contains(view, "SLA at risk (") {
		t.Fatal("an operator sees the leads' banner")
	}
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
	tm := open(t, newTestModel(t, f, model.RoleOperator), 80, 24)
	tm.Press("m")
	tm.WaitFor("Merge INC-7 as a duplicate")
	tm.Press("INC-999", "enter")
	tm.WaitFor("not found", "Merge INC-7 as a duplicate", "INC-999")
	if view := tm.Final(); !strings.Contains(view, "Merge INC-7 as a duplicate") || !strings.Contains(view, "INC-999") {
		t.Fatalf("the form did not come back with its input:\n%s", view)
	}
}

// The palette scrolls: the last command can be reached and is shown.
func TestPaletteScrolls(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleOperator), 80, 24)
	tm.Press("ctrl+p")
	tm.WaitFor("↑/↓ scroll")
	n := len(commands())
	for range n - 1 {
		tm.Press("down")
	}
	last := commands()[n-1].name
	tm.WaitFor(fmt.Sprintf("%d of %d", n, n))
	if view := tm.Final(); !strings.Contains(view, "▶ "+last) {
		t.Fatalf("the last command %q is not shown selected:\n%s", last, view)
	}
}

// :major off stands a major incident down; an operator is refused.
func TestMajorCommand(t *testing.T) {
	f := newFakeStore()
	tm := open(t, newTestModel(t, f, model.RoleLead), 80, 24)
	tm.Press(":", "major off one store only, not all", "enter")
	tm.WaitFor("INC-7 stood down from major")
	tm.Final()
	if in, _ := f.Incident(t.Context(), 7); in.Major {
		t.Fatal("INC-7 is still major")
	}
	op := open(t, newTestModel(t, f, model.RoleOperator), 200, 60)
	op.Press(":", "major on all stores", "enter")
	op.WaitFor("needs the lead role")
	op.Final()
}

// ":INC-9" opens the record it names.
func TestJumpToRecord(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleOperator), 80, 24)
	tm.Press(":", "inc-9", "enter")
	tm.WaitForPane("INC-9", "Search results stale after catalog import", "Timeline")
	tm.Press("esc", ":", "CHG-x", "enter")
	tm.WaitFor("not a record number")
	tm.Final()
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
