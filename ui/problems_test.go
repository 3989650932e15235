package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

func TestProblems80x24(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("P")
	tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
	view := tm.Final()
	for _, want := range []string{"Problems", "PRB-2", "New", "PRB-1", "RCA", "2 open", "PRB-3", "Closed", "LINKED", "ACTIONS", "enter opens · esc back"} {
		if !strings.Contains(view, want) {
			t.Errorf("problems list at 80x24 lacks %q", want)
		}
	}
	if strings.Index(view, "PRB-3") < strings.Index(view, "PRB-1") {
		t.Error("the closed problem is not listed last")
	}
	uitest.Golden(t, view)
}

func TestProblems200x60(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleLead)
	tm := open(t, m, 200, 60)
	tm.Press(":", "problems", "enter")
	tm.WaitForPane("Problems", "Search index lags catalog imports", "PRB-1", "Identity key rotation broke logins")
	view := tm.Final()
	for _, want := range []string{"OWNER", "alice", "erin", "Identity key rotation broke logins", "c new problem"} {
		if !strings.Contains(view, want) {
			t.Errorf("problems list at 200x60 lacks %q", want)
		}
	}
	uitest.Golden(t, view)
}

func TestProblem80x24(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("P")
	tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
	tm.Press("j", "enter")
	tm.WaitForPane("PRB-1 · Settlement batch overruns its window", "Root cause analysis")
	tm.Press("ctrl+d") // half a page down, to the actions
	tm.WaitForPane("PRB-1 · Settlement batch overruns its window ↕50%", "Actions (2 open of 3)", "Start the batch on file arrival")
	uitest.Golden(t, tm.Final())
}

func TestProblem200x60(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press(":", "problem PRB-1", "enter")
	tm.WaitForPane("PRB-1 · Settlement batch overruns its window", "Linked incidents (1, 1 on hold awaiting this problem)", "INC-4")
	view := tm.Final()
	for _, want := range []string{
		"PRB-1 · Settlement batch overruns its window", "[RCA]", "next: Fix in progress",
		"05:40 PSP file arrives late", "2. the PSP sends it after its own batch", "No alert on a late input file.",
		"Actions (2 open of 3)", "o add · D tick off", "[x] Ask the PSP", "OVERDUE", "due Sat 28 Nov",
		"Rerun settlement for the day", "K edit · b publish", "not published",
		"Linked incidents (1, 1 on hold awaiting this problem)", "INC-4", "On Hold (awaiting problem)",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("problem view lacks %q", want)
		}
	}
	uitest.Golden(t, view)
}

func TestLeaveProblems(t *testing.T) {
	for _, tt := range []struct {
		keys []string
		want string
	}{
		{[]string{"esc"}, "[1 Incidents]"},
		{[]string{"2"}, "[2 Alerts]"}, // a pane key leaves for that pane
		{[]string{":", "alerts", "enter"}, "[2 Alerts]"},
	} {
		m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
		tm := open(t, m, 80, 24)
		tm.Press("P")
		tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
		tm.Press("enter")
		tm.WaitForPane("esc back to the list", "Search index lags")
		tm.Press("esc")
		tm.WaitForPane("Problems enter opens · esc back", "PRB-2", "PRB-1", "PRB-3")
		tm.Press(tt.keys...)
		tm.WaitFor(tt.want)
		tm.Final()
		if len(m.layers) != 0 {
			t.Errorf("%v: layers are still open: %T", tt.keys, m.layers)
		}
	}
}

func TestProblemHelpAndPalette(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("?")
	tm.WaitFor("problems & RCA")
	tm.Press("esc", "P", "?") // the help is the problems list's
	tm.WaitFor("Keys in this view", "edit RCA")
	tm.Press("esc", "esc", "ctrl+p", "problem")
	tm.WaitFor("▶ problem new [from INC-n]") // the command of that name first
	tm.Press("enter")
	tm.WaitFor(":problem ")
	tm.Press("new from INC-7", "enter")
	tm.WaitFor("New problem", "Recurring availability incidents on checkout")
	tm.Final()
}

func TestParseDue(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	got, err := parseDue("2026-12-01", loc)
	if err != nil || !got.Equal(time.Date(2026, 12, 1, 23, 59, 0, 0, loc)) {
		t.Fatalf("parseDue = %v, %v", got, err)
	}
	if got, err := parseDue("", loc); err != nil || !got.IsZero() {
		t.Fatalf("empty due = %v, %v", got, err)
	}
	if _, err := parseDue("1/12", loc); err == nil {
		t.Fatal("accepted 1/12")
	}
}
