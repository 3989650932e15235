package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

func TestProblems80x24(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "P")
	waitFor(t, tm, "Search index lags")
	view := finalView(t, tm)
	for _, want := range []string{"Problems", "PRB-2", "New", "PRB-1", "RCA", "2 open", "PRB-3", "Closed", "LINKED", "ACTIONS", "enter opens · esc back"} {
		if !strings.Contains(view, want) {
			t.Errorf("problems list at 80x24 lacks %q", want)
		}
	}
	if strings.Index(view, "PRB-3") < strings.Index(view, "PRB-1") {
		t.Error("the closed problem is not listed last")
	}
	golden(t, view)
}

func TestProblems200x60(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleLead)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, ":", "problems", "enter")
	waitFor(t, tm, "Search index lags catalog imports")
	view := finalView(t, tm)
	for _, want := range []string{"OWNER", "alice", "erin", "Identity key rotation broke logins", "c new problem"} {
		if !strings.Contains(view, want) {
			t.Errorf("problems list at 200x60 lacks %q", want)
		}
	}
	golden(t, view)
}

func TestProblem80x24(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "P")
	waitFor(t, tm, "Search index lags")
	keys(tm, "j", "enter")
	waitFor(t, tm, "Root cause analysis")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlD}) // half a page down, to the actions
	waitFor(t, tm, "Actions (2 open of 3)")
	golden(t, finalView(t, tm))
}

func TestProblem200x60(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, ":", "problem PRB-1", "enter")
	waitFor(t, tm, "Linked incidents")
	view := finalView(t, tm)
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
	golden(t, view)
}

// The recurrence rule marks the queue, and the command line opens a
// problem prefilled from the group, linking all of it.
func TestProblemFromRecurrence(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 200, 60, "PRB? Checkout returns 502")
	keys(tm, ":", "problem new from INC-7", "enter")
	waitFor(t, tm, "New problem")
	waitFor(t, tm, "Recurring availability incidents on checkout")
	waitFor(t, tm, "INC-1 INC-2 INC-3 INC-7")
	waitFor(t, tm, "suggested by the recurrence rule: 4 availability incidents on checkout within 7 days")
	keys(tm, "enter")
	waitFor(t, tm, "PRB-1 opened, 4 incident(s) linked")
	waitFor(t, tm, "Linked incidents (4)")
	mark(tm)
	keys(tm, "esc", "esc")
	waitFor(t, tm, "1 Incidents")
	view := finalView(t, tm)
	if strings.Contains(view, "PRB?") {
		t.Errorf("the queue still suggests a problem for linked incidents:\n%s", view)
	}
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
	tm := run(t, m, 80, 24, "INC-9")
	keys(tm, "j", ":", "problem new", "enter") // INC-9: no recurrence, so it alone
	waitFor(t, tm, "Search results stale after catalog import")
	waitFor(t, tm, "the incidents listed are linked")
	waitFor(t, tm, "INC-9")
	finalView(t, tm)
}

func TestProblemCommandErrors(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	for _, tt := range []struct{ line, want string }{
		{"problem new from INC-4", "INC-4 is already linked to PRB-1"},
		{"problem new from INC-12", "REQ-12 is a request"},
		{"problem new from CHG-3", "use INC-n"},
		{"problem frobnicate now", ":problem new from INC-n"},
	} {
		keys(tm, ":", tt.line, "enter")
		waitFor(t, tm, tt.want)
	}
	finalView(t, tm)
}

// Resolving a problem offers to resolve the incidents waiting on it.
func TestProblemFlowResolvesWaitingIncidents(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "P")
	waitFor(t, tm, "Search index lags")
	keys(tm, "j", "enter")
	waitFor(t, tm, "PRB-1 · Settlement")
	keys(tm, "x")
	waitFor(t, tm, "Move PRB-1 (now RCA)")
	waitFor(t, tm, "needs a root cause on record")
	keys(tm, "enter")
	waitFor(t, tm, "PRB-1 → Fix in progress")
	keys(tm, "x")
	waitFor(t, tm, "Move PRB-1 (now Fix in progress)")
	keys(tm, "enter")
	waitFor(t, tm, "PRB-1 is resolved. Resolve 1 incident on hold awaiting it (INC-4)?")
	keys(tm, "y")
	waitFor(t, tm, "resolved INC-4 (fixed)")
	finalView(t, tm)
	in, _ := f.Incident(context.Background(), 4)
	if in.State != model.StateResolved || in.Resolution != "fixed" || f.prb.problems[0].State != model.ProblemResolved {
		t.Fatalf("INC-4 = %+v; PRB-1 = %+v", in, f.prb.problems[0])
	}
}

func TestProblemPromptCanBeDeclined(t *testing.T) {
	f := withProblems(newFakeStore())
	f.prb.problems[0].State = model.ProblemFixing
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, ":", "problem 1", "enter")
	waitFor(t, tm, "PRB-1 · Settlement")
	keys(tm, "x")
	waitFor(t, tm, "Move PRB-1 (now Fix in progress)")
	keys(tm, "enter")
	waitFor(t, tm, "n leave them on hold")
	mark(tm)
	keys(tm, "n")
	waitFor(t, tm, "1. the batch waits for the PSP file") // where the question was
	finalView(t, tm)
	if in, _ := f.Incident(context.Background(), 4); in.State != model.StateOnHold {
		t.Fatalf("INC-4 = %+v; declining resolved it", in)
	}
}

func TestRCAFromKeyboard(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, ":", "problem PRB-2", "enter")
	waitFor(t, tm, "not asked yet")
	keys(tm, "R")
	waitFor(t, tm, "Root cause analysis of PRB-2")
	waitFor(t, tm, "ctrl+s save")
	keys(tm, "09:00 import starts")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter}) // a new line in the timeline
	keys(tm, "09:40 results stale", "tab", "the indexer skips updates", "tab", "it batches by hour", "tab", "tab", "tab", "tab", "no freshness alert", "ctrl+s")
	waitFor(t, tm, "PRB-2 RCA saved")
	waitFor(t, tm, "1. the indexer skips updates")
	finalView(t, tm)
	got := f.prb.problems[1].RCA
	want := model.RCA{Timeline: "09:00 import starts\n09:40 results stale", Whys: []string{"the indexer skips updates", "it batches by hour"}, Factors: "no freshness alert"}
	if got.Timeline != want.Timeline || strings.Join(got.Whys, "|") != strings.Join(want.Whys, "|") || got.Factors != want.Factors {
		t.Fatalf("RCA = %+v", got)
	}
}

func TestKnownErrorAndPublish(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleLead)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, ":", "problem PRB-2", "enter")
	waitFor(t, tm, "none recorded: symptom")
	keys(tm, "b")
	waitFor(t, tm, "has no known error yet")
	keys(tm, "K")
	waitFor(t, tm, "Known error of PRB-2")
	keys(tm, "ctrl+s")
	waitFor(t, tm, "symptom: required")
	keys(tm, "Results show yesterday's prices", "tab", "tab", "Reindex the catalog by hand", "ctrl+s")
	waitFor(t, tm, "PRB-2 known error saved")
	waitFor(t, tm, "Reindex the catalog by hand")
	keys(tm, "b")
	waitFor(t, tm, "PRB-2 known error published as KB-3 (known-error-prb-2)")
	waitFor(t, tm, "Knowledge base published as KB-3 (known-error-prb-2)")
	finalView(t, tm)
	ar := f.articles[len(f.articles)-1]
	if ar.Kind != model.ArticleKnownError || ar.State != model.ArticlePublished || !strings.Contains(ar.Body, "Reindex the catalog by hand") {
		t.Fatalf("article = %+v", ar)
	}
}

func TestOperatorCannotPublish(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "P")
	waitFor(t, tm, "Search index lags")
	keys(tm, "j", "b")
	waitFor(t, tm, "may not publish known errors")
	finalView(t, tm)
}

func TestViewerCannotEditProblems(t *testing.T) {
	for _, k := range []string{"R", "c", "x", "o"} {
		m := newTestModel(t, withProblems(newFakeStore()), model.RoleViewer)
		tm := run(t, m, 80, 24, "INC-7")
		keys(tm, "P")
		waitFor(t, tm, "Search index lags")
		keys(tm, k)
		waitFor(t, tm, "may not edit problems")
		finalView(t, tm)
	}
}

func TestProblemActionsFromKeyboard(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, ":", "problem PRB-2", "enter")
	waitFor(t, tm, "Actions (0 open of 0)")
	keys(tm, "D")
	waitFor(t, tm, "PRB-2 has no actions yet: o adds one")
	keys(tm, "o")
	waitFor(t, tm, "New action on PRB-2")
	keys(tm, "Alert on index age", "tab", "tab")
	for range len("2026-12-02") {
		tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	keys(tm, "next week", "enter")
	waitFor(t, tm, `due: "next week": write a date as YYYY-MM-DD`)
	for range len("next week") {
		tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	keys(tm, "2026-11-27", "enter")
	waitFor(t, tm, "action added to PRB-2")
	waitFor(t, tm, "Alert on index age")
	keys(tm, "D")
	waitFor(t, tm, "Tick off an action of PRB-2")
	waitFor(t, tm, "1. Alert on index age — alice, now open")
	keys(tm, "enter")
	waitFor(t, tm, "action 1 of PRB-2 done")
	waitFor(t, tm, "Actions (0 open of 1)")
	finalView(t, tm)
	a := f.prb.actions[len(f.prb.actions)-1]
	if !a.Done || a.Owner != "alice" || a.Due.Format("2006-01-02 15:04") != "2026-11-27 23:59" {
		t.Fatalf("action = %+v", a)
	}
}

func TestLinkIncidentToProblem(t *testing.T) {
	f := withProblems(newFakeStore())
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "P")
	waitFor(t, tm, "Search index lags")
	keys(tm, "L") // on the selected row: PRB-2
	waitFor(t, tm, "Link an incident to PRB-2")
	keys(tm, "KB-1", "enter")
	waitFor(t, tm, "incident: \"KB-1\": use INC-n")
	for range len("KB-1") {
		tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	keys(tm, "INC-7", "enter")
	waitFor(t, tm, "INC-7 linked to PRB-2")
	finalView(t, tm)
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
	tm := run(t, m, 200, 60, "INC-7")

	keys(tm, ":", "problem PRB-2", "enter")
	waitFor(t, tm, "PRB-2 · Search index lags")
	mark(tm)
	keys(tm, "i")
	waitFor(t, tm, "━ INC-9 ")
	mark(tm)
	keys(tm, "esc")
	waitFor(t, tm, "PRB-2 · Search index lags")

	keys(tm, ":", "problem PRB-1", "enter")
	waitFor(t, tm, "Linked incidents (2, 1 on hold awaiting this problem)")
	keys(tm, "i")
	waitFor(t, tm, "Open an incident linked to PRB-1")
	waitFor(t, tm, "INC-4 P3 · On Hold (awaiting problem) — Settlement batch finished late")
	tm.Send(tea.KeyMsg{Type: tea.KeyRight})
	waitFor(t, tm, "INC-7 P1 · In Progress — Checkout returns 502 for card payments")
	keys(tm, "enter")
	waitFor(t, tm, "PSP gateway timeouts since 11:02") // INC-7's timeline
	mark(tm)
	keys(tm, "esc")
	waitFor(t, tm, "PRB-1 · Settlement batch overruns its window")

	keys(tm, "i")
	waitFor(t, tm, "Open an incident linked to PRB-1")
	// Typing finds a linked incident; a number that is not linked is not taken.
	keys(tm, "12")
	mark(tm)
	keys(tm, "4", "enter")
	waitFor(t, tm, "━ INC-4 ")
	mark(tm)
	keys(tm, "esc")
	waitFor(t, tm, "PRB-1 · Settlement batch overruns its window")

	keys(tm, ":", "problem PRB-3", "enter")
	waitFor(t, tm, "PRB-3 · Identity key rotation")
	keys(tm, "i")
	waitFor(t, tm, "PRB-3 has no linked incidents: L links one")
	finalView(t, tm)
	if m.detail != nil || m.problems == nil || m.problems.open == nil || m.problems.open.id != 3 {
		t.Fatalf("detail %+v, problems %+v; want PRB-3 shown and no detail over it", m.detail, m.problems)
	}
}

func TestProblemsFilter(t *testing.T) {
	m := newTestModel(t, withProblems(newFakeStore()), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "P")
	waitFor(t, tm, "Search index lags")
	mark(tm)
	keys(tm, "/", "settle", "enter")
	waitFor(t, tm, "filtered · esc clears")
	view := finalView(t, tm)
	if strings.Contains(view, "PRB-2") || !strings.Contains(view, "PRB-1") {
		t.Errorf("filter 'settle' should leave only PRB-1:\n%s", view)
	}
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
		tm := run(t, m, 80, 24, "INC-7")
		keys(tm, "P")
		waitFor(t, tm, "Search index lags")
		keys(tm, "enter")
		waitFor(t, tm, "esc back to the list")
		keys(tm, "esc")
		waitFor(t, tm, "enter opens · esc back")
		mark(tm)
		keys(tm, tt.keys...)
		waitFor(t, tm, tt.want)
		finalView(t, tm)
		if m.problems != nil {
			t.Errorf("%v: the problems view is still open", tt.keys)
		}
	}
}

func TestProblemHelpAndPalette(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, "?")
	waitFor(t, tm, "problems & RCA")
	waitFor(t, tm, "edit RCA (problems)")
	keys(tm, "?", "ctrl+p", "problem")
	waitFor(t, tm, "problem new [from INC-n]")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown}) // past "problems", to "problem"
	keys(tm, "enter")
	waitFor(t, tm, ":problem ")
	keys(tm, "new from INC-7", "enter")
	waitFor(t, tm, "Recurring availability incidents on checkout")
	finalView(t, tm)
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
