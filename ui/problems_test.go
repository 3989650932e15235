package ui

import (
	"context"
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

// The recurrence rule marks the queue, and the command line opens a
// problem prefilled from the group, linking all of it.
func TestProblemFromRecurrence(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.WaitForPane("Incidents", "PRB? Checkout returns 502")
	tm.Press(":", "problem new from INC-7", "enter")
	tm.WaitFor("New problem", "Recurring availability incidents on checkout", "INC-1 INC-2 INC-3 INC-7",
		"suggested by the recurrence rule: 4 availability incidents on checkout within 7 days")
	tm.Press("enter")
	tm.WaitFor("PRB-1 opened, 4 incident(s) linked")
	tm.WaitForPane("PRB-1 · Recurring availability incidents on checkout", "Linked incidents (4)")
	tm.Press("esc", "esc")
	tm.WaitUntil("the queue without a PRB? mark", func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "INC-7 ") && !strings.Contains(rows, "PRB?")
	})
	tm.Final()
	in, _ := f.Incident(context.Background(), 7)
	if in.ProblemID != 1 || f.prb.history[1] != 1 || f.prb.problems[0].Service != "checkout" {
		t.Fatalf("INC-7 = %+v, history links %v, problems %+v", in, f.prb.history, f.prb.problems)
	}
	if tl := f.timeline[7]; !strings.Contains(tl[len(tl)-1].Text, "linked to PRB-1") {
		t.Fatalf("INC-7's timeline = %+v", tl[len(tl)-1])
	}
}

func TestProblemNewFromSelectedIncident(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("j", ":", "problem new", "enter") // INC-9: no recurrence, so it alone
	tm.WaitFor("New problem", "Search results stale after catalog import", "the incidents listed are linked", "INC-9")
	tm.Final()
}

func TestProblemCommandErrors(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := open(t, m, 80, 24)
	for _, tt := range []struct{ line, want string }{
		{"problem new from INC-4", "INC-4 is already linked to PRB-1"},
		{"problem new from INC-12", "REQ-12 is a request"},
		{"problem new from CHG-3", "use INC-n"},
		{"problem frobnicate now", ":problem new from INC-n"},
	} {
		tm.Press(":", tt.line, "enter")
		tm.WaitFor(tt.want)
	}
	tm.Final()
}

// Resolving a problem offers to resolve the incidents waiting on it.
func TestProblemFlowResolvesWaitingIncidents(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("P")
	tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
	tm.Press("j", "enter")
	tm.WaitForPane("PRB-1 · Settlement", "Root cause analysis")
	tm.Press("x")
	tm.WaitFor("Move PRB-1 (now RCA)", "needs a root cause on record")
	tm.Press("enter")
	tm.WaitFor("PRB-1 → Fix in progress")
	tm.Press("x")
	tm.WaitFor("Move PRB-1 (now Fix in progress)")
	tm.Press("enter")
	tm.WaitFor("PRB-1 is resolved. Resolve 1 incident on hold awaiting it (INC-4)?")
	tm.Press("y")
	tm.WaitFor("resolved INC-4 (fixed)")
	tm.Final()
	in, _ := f.Incident(context.Background(), 4)
	if in.State != model.StateResolved || in.Resolution != "fixed" || f.prb.problems[0].State != model.ProblemResolved {
		t.Fatalf("INC-4 = %+v; PRB-1 = %+v", in, f.prb.problems[0])
	}
}

func TestProblemPromptCanBeDeclined(t *testing.T) {
	f := withProblems(newFakeStore())
	f.prb.problems[0].State = model.ProblemFixing
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press(":", "problem 1", "enter")
	tm.WaitForPane("PRB-1 · Settlement", "Root cause analysis")
	tm.Press("x")
	tm.WaitFor("Move PRB-1 (now Fix in progress)")
	tm.Press("enter")
	tm.WaitFor("n leave them on hold")
	tm.Press("n")
	if frame := tm.WaitForPane("PRB-1 · Settlement", "1. the batch waits for the PSP file"); strings.Contains(frame, "leave them on hold") { // where the question was
		t.Fatalf("the question is still asked:\n%s", frame)
	}
	tm.Final()
	if in, _ := f.Incident(context.Background(), 4); in.State != model.StateOnHold {
		t.Fatalf("INC-4 = %+v; declining resolved it", in)
	}
}

func TestRCAFromKeyboard(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitFor("not asked yet")
	tm.Press("R")
	tm.WaitFor("Root cause analysis of PRB-2")
	tm.WaitFor("ctrl+s save")
	tm.Press("09:00 import starts")
	tm.Press("enter") // a new line in the timeline
	tm.Press("09:40 results stale", "tab", "the indexer skips updates", "tab", "it batches by hour", "tab", "tab", "tab", "tab", "no freshness alert", "ctrl+s")
	tm.WaitFor("PRB-2 RCA saved")
	tm.WaitForPane("PRB-2 · Search index lags", "1. the indexer skips updates")
	tm.Final()
	got := f.prb.problems[1].RCA
	want := model.RCA{Timeline: "09:00 import starts\n09:40 results stale", Whys: []string{"the indexer skips updates", "it batches by hour"}, Factors: "no freshness alert"}
	if got.Timeline != want.Timeline || strings.Join(got.Whys, "|") != strings.Join(want.Whys, "|") || got.Factors != want.Factors {
		t.Fatalf("RCA = %+v", got)
	}
}

func TestKnownErrorAndPublish(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleLead)
	tm := open(t, m, 200, 60)
	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitFor("none recorded: symptom")
	tm.Press("b")
	tm.WaitFor("has no known error yet")
	tm.Press("K")
	tm.WaitFor("Known error of PRB-2")
	tm.Press("ctrl+s")
	tm.WaitFor("symptom: required")
	tm.Press("Results show yesterday's prices", "tab", "tab", "Reindex the catalog by hand", "ctrl+s")
	tm.WaitFor("PRB-2 known error saved")
	tm.WaitForPane("PRB-2 · Search index lags", "Reindex the catalog by hand")
	tm.Press("b")
	tm.WaitFor("PRB-2 known error published as KB-3 (known-error-prb-2)")
	tm.WaitForPane("PRB-2 · Search index lags", "Knowledge base published as KB-3 (known-error-prb-2)")
	tm.Final()
	ar := f.articles[len(f.articles)-1]
	if ar.Kind != model.ArticleKnownError || ar.State != model.ArticlePublished || !strings.Contains(ar.Body, "Reindex the catalog by hand") {
		t.Fatalf("article = %+v", ar)
	}
}

func TestOperatorCannotPublish(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("P")
	tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
	tm.Press("j", "b")
	tm.WaitFor("may not publish known errors")
	tm.Final()
}

func TestViewerCannotEditProblems(t *testing.T) {
	for _, k := range []string{"R", "c", "x", "o"} {
		m := newTestModel(t, withProblems(newFakeStore()), model.RoleViewer)
		tm := open(t, m, 80, 24)
		tm.Press("P")
		tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
		tm.Press(k)
		tm.WaitFor("may not edit problems")
		tm.Final()
	}
}

func TestProblemActionsFromKeyboard(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitFor("Actions (0 open of 0)")
	tm.Press("D")
	tm.WaitFor("PRB-2 has no actions yet: o adds one")
	tm.Press("o")
	tm.WaitFor("New action on PRB-2")
	tm.Press("Alert on index age", "tab", "tab")
	for range len("2026-12-02") {
		tm.Press("backspace")
	}
	tm.Press("next week", "enter")
	tm.WaitFor(`due: "next week": write a date as YYYY-MM-DD`)
	for range len("next week") {
		tm.Press("backspace")
	}
	tm.Press("2026-11-27", "enter")
	tm.WaitFor("action added to PRB-2")
	tm.WaitForPane("PRB-2 · Search index lags", "Actions (1 open of 1)", "Alert on index age")
	tm.Press("D")
	tm.WaitFor("Tick off an action of PRB-2", "1. Alert on index age — alice, now open")
	tm.Press("enter")
	tm.WaitFor("action 1 of PRB-2 done")
	tm.WaitForPane("PRB-2 · Search index lags", "Actions (0 open of 1)")
	tm.Final()
	a := f.prb.actions[len(f.prb.actions)-1]
	if !a.Done || a.Owner != "alice" || a.Due.Format("2006-01-02 15:04") != "2026-11-27 23:59" {
		t.Fatalf("action = %+v", a)
	}
}

func TestLinkIncidentToProblem(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("P")
	tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
	tm.Press("L") // on the selected row: PRB-2
	tm.WaitFor("Link an incident to PRB-2")
	tm.Press("KB-1", "enter")
	tm.WaitFor("incident: \"KB-1\": use INC-n")
	for range len("KB-1") {
		tm.Press("backspace")
	}
	tm.Press("INC-7", "enter")
	tm.WaitFor("INC-7 linked to PRB-2")
	tm.Final()
	if in, _ := f.Incident(context.Background(), 7); in.ProblemID != 2 {
		t.Fatalf("INC-7 = %+v", in)
	}
}

// A linked incident opens over its problem, and esc comes back to the
// problem: the only one straight away, one of several from a form.
func TestOpenLinkedIncident(t *testing.T) {
	f := withProblems(newFakeStore())
	f.mu.Lock()
	f.incidents[0].ProblemID = 1 // INC-7 joins INC-4 on PRB-1
	f.mu.Unlock()
	m := newTestModel(t, f, model.RoleViewer) // opening is a read
	tm := open(t, m, 200, 60)

	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitForPane("PRB-2 · Search index lags", "Linked incidents (1)")
	tm.Press("i")
	tm.WaitForPane("INC-9", "Search results stale after catalog import")
	tm.Press("esc")
	tm.WaitForPane("PRB-2 · Search index lags", "Linked incidents (1)")

	tm.Press(":", "problem PRB-1", "enter")
	tm.WaitForPane("PRB-1 · Settlement", "Linked incidents (2, 1 on hold awaiting this problem)")
	tm.Press("i")
	tm.WaitFor("Open an incident linked to PRB-1", "INC-4 P3 · On Hold (awaiting problem) — Settlement batch finished late")
	tm.Press("right")
	tm.WaitFor("INC-7 P1 · In Progress — Checkout returns 502 for card payments")
	tm.Press("enter")
	tm.WaitForPane("INC-7", "PSP gateway timeouts since 11:02") // INC-7's timeline
	tm.Press("esc")
	tm.WaitForPane("PRB-1 · Settlement batch overruns its window", "Linked incidents (2")

	tm.Press("i")
	tm.WaitFor("Open an incident linked to PRB-1")
	// Typing finds a linked incident; a number that is not linked is not taken.
	tm.Press("12", "4", "enter")
	tm.WaitForPane("INC-4", "Settlement batch finished late")
	tm.Press("esc")
	tm.WaitForPane("PRB-1 · Settlement batch overruns its window", "Linked incidents (2")

	tm.Press(":", "problem PRB-3", "enter")
	tm.WaitForPane("PRB-3 · Identity key rotation", "none linked")
	tm.Press("i")
	tm.WaitFor("PRB-3 has no linked incidents: L links one")
	tm.Final()
	if m.detail != nil || m.problems == nil || m.problems.open == nil || m.problems.open.id != 3 {
		t.Fatalf("detail %+v, problems %+v; want PRB-3 shown and no detail over it", m.detail, m.problems)
	}
}

func TestProblemsFilter(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("P")
	tm.WaitForPane("Problems", "PRB-2", "PRB-1", "PRB-3")
	tm.Press("/", "settle", "enter")
	tm.WaitUntil("the problems filtered to PRB-1", func(frame string) bool {
		rows := uitest.Pane(frame, "Problems")
		return strings.Contains(rows, "PRB-1") && !strings.Contains(rows, "PRB-2") && !strings.Contains(rows, "PRB-3")
	})
	tm.Final()
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
		if m.problems != nil {
			t.Errorf("%v: the problems view is still open", tt.keys)
		}
	}
}

func TestProblemHelpAndPalette(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("?")
	tm.WaitFor("problems & RCA", "edit RCA (problems)")
	tm.Press("?", "ctrl+p", "problem")
	tm.WaitFor("problem new [from INC-n]")
	tm.Press("down") // past "problems", to "problem"
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
