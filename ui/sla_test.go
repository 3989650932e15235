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
// operators see only the count in the header. (Which incidents are at risk,
// and what is:risk lists, is the store's answer: consoletest.)
func TestSLABannerForLeads(t *testing.T) {
	f := newFakeStore()
	for i := range f.incidents {
		if in := &f.incidents[i]; in.ID == 4 || in.ID == 7 {
			in.SLAFlags = model.SLAWarned
			f.atRisk = append(f.atRisk, *in)
		}
	}
	f.counts.SLAAtRisk = 2
	lead := open(t, newTestModel(t, f, model.RoleLead), 200, 60)
	lead.WaitFor("SLA at risk (2): INC-7 75% · INC-4 breached — filter the queue with is:risk")
	uitest.Golden(t, lead.Final())

	op := open(t, newTestModel(t, f, model.RoleOperator), 200, 60)
	header := op.WaitFor("SLA at risk 2")
	if view := op.Final(); strings.Contains(header, "SLA at risk (") || strings.Contains(view, "SLA at risk (") {
		t.Fatal("an operator sees the leads' banner")
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
