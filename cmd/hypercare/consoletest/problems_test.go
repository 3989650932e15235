package consoletest

import (
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// problems opens the problems list and waits for its rows, the one named
// selected: open problems list the latest changed first.
func problems(tm *uitest.Screen, selected string) {
	tm.Press("P")
	tm.WaitForPane("Problems", "PRB-1", "PRB-2", "▶ "+selected)
}

func (s *stack) problem(id int64) model.Problem {
	s.t.Helper()
	p, err := s.db.Problem(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// The recurrence rule marks the queue, and the command line opens a
// problem prefilled from the group, linking all of it.
func TestProblemFromRecurrence(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.WaitForPane("Incidents", "PRB? Checkout returns 502")
	tm.Press(":", "problem new from INC-3", "enter")
	tm.WaitFor("New problem", "Recurring availability incidents on checkout", "INC-1 INC-2 INC-3",
		"suggested by the recurrence rule: 3 availability incidents on checkout within 7 days")
	tm.Press("enter")
	tm.WaitFor("PRB-3 opened, 3 incident(s) linked")
	tm.WaitForPane("PRB-3 · Recurring availability incidents on checkout", "Linked incidents (3)")
	tm.Press("esc", "esc")
	tm.WaitUntil("the queue without a PRB? mark", func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "INC-3 ") && !strings.Contains(rows, "PRB?")
	})
	tm.Final()
	for _, id := range []int64{1, 2, 3} {
		if in := s.incident(id); in.ProblemID != 3 {
			t.Errorf("INC-%d is linked to PRB-%d, want PRB-3", id, in.ProblemID)
		}
	}
	if e := s.lastEntry(3); !strings.Contains(e.Text, "linked to PRB-3") {
		t.Errorf("INC-3's newest timeline entry: %+v", e)
	}
	if p := s.problem(3); p.Service != "checkout" || p.Category != "availability" {
		t.Errorf("PRB-3 = %+v", p)
	}
}

func TestProblemNewFromSelectedIncident(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("j", ":", "problem new", "enter") // INC-4: no recurrence, so it alone
	tm.WaitFor("New problem", "Search results stale after catalog import", "the incidents listed are linked", "INC-4")
	tm.Press("enter")
	tm.WaitFor("PRB-3 opened, 1 incident(s) linked")
	tm.Final()
	if in := s.incident(4); in.ProblemID != 3 {
		t.Fatalf("INC-4 = %+v", in)
	}
}

func TestProblemCommandErrors(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	for _, tt := range []struct{ line, want string }{
		{"problem new from INC-5", "INC-5 is already linked to PRB-1"},
		{"problem new from INC-6", "REQ-6 is a request"},
		{"problem new from CHG-1", "use INC-n"},
		{"problem frobnicate now", ":problem new from INC-n"},
	} {
		tm.Press(":", tt.line, "enter")
		tm.WaitFor(tt.want)
	}
	tm.Final()
}

// Resolving a problem offers to resolve the incidents waiting on it.
func TestProblemFlowResolvesWaitingIncidents(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	problems(tm, "PRB-2")
	tm.Press("j", "enter")
	tm.WaitForPane("PRB-1 · Settlement", "Root cause analysis")
	tm.Press("x")
	tm.WaitFor("Move PRB-1 (now RCA)", "choose the new state with ←/→")
	tm.Press("enter") // nothing chosen: the form says so and stays
	tm.WaitFor("Move PRB-1 (now RCA)", "to: choose the new state")
	tm.Press("right")
	tm.WaitFor("Move PRB-1 (now RCA)", "needs a root cause on record")
	tm.Press("enter")
	tm.WaitFor("PRB-1 → Fix in progress")
	tm.Press("x")
	tm.WaitFor("Move PRB-1 (now Fix in progress)")
	tm.Press("right", "enter")
	tm.WaitFor("PRB-1 is resolved. Resolve 1 incident on hold awaiting it (INC-5)?")
	tm.Press("y")
	tm.WaitFor("resolved INC-5 (fixed)")
	tm.Final()
	if in := s.incident(5); in.State != model.StateResolved || in.Resolution != "fixed" {
		t.Errorf("INC-5 = %+v", in)
	}
	if p := s.problem(1); p.State != model.ProblemResolved {
		t.Errorf("PRB-1 = %+v", p)
	}
}

func TestProblemPromptCanBeDeclined(t *testing.T) {
	s := seeded(t)
	if _, err := s.desk.ProblemTransition(s.ctx, operator, 1, model.ProblemChange{To: model.ProblemFixing}); err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":", "problem 1", "enter")
	tm.WaitForPane("PRB-1 · Settlement", "Root cause analysis")
	tm.Press("x")
	tm.WaitFor("Move PRB-1 (now Fix in progress)")
	tm.Press("right", "enter")
	tm.WaitFor("n leave them on hold")
	tm.Press("n")
	// The problem's detail once it reads the move back (a frame drawn
	// before that, with the old state, would prove nothing).
	if frame := tm.WaitForPane("PRB-1 · Settlement", "[Resolved]", "Root cause analysis"); strings.Contains(frame, "leave them on hold") {
		t.Fatalf("the question is still asked:\n%s", frame)
	}
	tm.Final()
	if in := s.incident(5); in.State != model.StateOnHold {
		t.Fatalf("INC-5 = %+v; declining resolved it", in)
	}
}

func TestRCAFromKeyboard(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitForPane("PRB-2 · Search index lags", "not asked yet")
	tm.Press("R")
	tm.WaitFor("Root cause analysis of PRB-2", "ctrl+s save")
	tm.Press("09:00 import starts", "enter", // enter: a new line in the timeline
		"09:40 results stale", "tab", "the indexer skips updates", "tab", "it batches by hour", "tab", "tab", "tab", "tab", "no freshness alert", "ctrl+s")
	tm.WaitFor("PRB-2 RCA saved")
	tm.WaitForPane("PRB-2 · Search index lags", "1. the indexer skips updates", "2. it batches by hour")
	tm.Final()
	got := s.problem(2).RCA
	if got.Timeline != "09:00 import starts\n09:40 results stale" || strings.Join(got.Whys, "|") != "the indexer skips updates|it batches by hour" || got.Factors != "no freshness alert" {
		t.Fatalf("RCA = %+v", got)
	}
}

func TestKnownErrorAndPublish(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitForPane("PRB-2 · Search index lags", "none recorded: symptom")
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
	tm.WaitFor("Publish PRB-2's known error to the knowledge base?")
	tm.Press("y")
	tm.WaitFor("PRB-2 known error published as KB-3 (known-error-prb-2)")
	tm.WaitForPane("PRB-2 · Search index lags", "Knowledge base published as KB-3 (known-error-prb-2)")
	tm.Final()
	ar, err := s.db.Article(s.ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ar.Kind != model.ArticleKnownError || ar.State != model.ArticlePublished || !strings.Contains(ar.Body, "Reindex the catalog by hand") {
		t.Fatalf("KB-3 = %+v", ar)
	}
}

func TestOperatorCannotPublish(t *testing.T) {
	s := seeded(t)
	if _, err := s.desk.SaveKnownError(s.ctx, operator, 1, model.KnownError{Symptom: "Settlement report missing at 06:00.",
		Workaround: "Rerun settlement once the file lands."}); err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	problems(tm, "PRB-1") // the known error just written put it first
	tm.Press("b")
	tm.WaitFor("may not publish known errors")
	tm.Final()
	if p := s.problem(1); p.KnownError.Article != 0 {
		t.Fatalf("an operator published PRB-1's known error: %+v", p.KnownError)
	}
}

// A viewer is refused before a form opens, with the service layer's own
// words for each action, and is not offered the keys in the footer.
func TestViewerCannotEditProblems(t *testing.T) {
	s := seeded(t)
	for _, tt := range []struct{ key, refusal string }{
		{"R", "may not write RCAs"}, {"c", "may not open problems"}, {"x", "may not change problem state"}, {"o", "may not add RCA actions"},
	} {
		_, tm := s.console(viewer, uitest.LargeW, uitest.LargeH)
		tm.Press("P")
		list := tm.WaitForPane("Problems", "PRB-1", "PRB-2", "▶ PRB-2")
		if footer := lastLine(list); !strings.Contains(footer, "? help · esc back · ctrl+p") {
			t.Errorf("a viewer is offered problem keys: %s", footer)
		}
		tm.Press(tt.key)
		tm.WaitFor(tt.refusal, "needs the operator role")
		tm.Final()
	}
	if p := s.problem(2); p.State != model.ProblemNew || !p.UpdatedAt.Equal(now.Add(-hours(0.5))) {
		t.Fatalf("a viewer changed PRB-2: %+v", p)
	}
}

func TestProblemActionsFromKeyboard(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitForPane("PRB-2 · Search index lags", "Actions (0 open of 0)")
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
	tm.WaitFor("Tick off an action of PRB-2", "Alert on index age — tom.okafor, now open")
	tm.Press("enter")
	tm.WaitFor("of PRB-2 done")
	tm.WaitForPane("PRB-2 · Search index lags", "Actions (0 open of 1)")
	tm.Final()
	acts, err := s.db.ProblemActions(s.ctx, 2)
	if err != nil || len(acts) != 1 {
		t.Fatalf("PRB-2's actions: %+v, %v", acts, err)
	}
	if a := acts[0]; !a.Done || a.Owner != "tom.okafor" || a.Due.Format("2006-01-02 15:04") != "2026-11-27 23:59" {
		t.Fatalf("action = %+v", a)
	}
}

func TestLinkIncidentToProblem(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	problems(tm, "PRB-2")
	tm.Press("L") // on the selected row: PRB-2
	tm.WaitFor("Link an incident to PRB-2")
	tm.Press("KB-1", "enter")
	tm.WaitFor(`incident: "KB-1": use INC-n`)
	for range len("KB-1") {
		tm.Press("backspace")
	}
	tm.Press("INC-3", "enter")
	tm.WaitFor("INC-3 linked to PRB-2")
	tm.Final()
	if in := s.incident(3); in.ProblemID != 2 {
		t.Fatalf("INC-3 = %+v", in)
	}
}

// A linked incident opens over its problem, and esc comes back to the
// problem: the only one straight away, one of several from a form.
func TestOpenLinkedIncident(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(viewer, uitest.LargeW, uitest.LargeH) // opening is a read

	tm.Press(":", "problem PRB-1", "enter")
	tm.WaitForPane("PRB-1 · Settlement", "Linked incidents (1, 1 on hold awaiting this problem)")
	tm.Press("i")
	tm.WaitForPane("INC-5", "Settlement batch finished late")
	tm.Press("esc")
	tm.WaitForPane("PRB-1 · Settlement", "Linked incidents (1")

	tm.Mark()
	if _, err := s.desk.LinkProblem(s.ctx, operator, 1, 3); err != nil { // INC-3 joins INC-5
		t.Fatal(err)
	}
	tm.WaitForPane("PRB-1 · Settlement", "Linked incidents (2, 1 on hold awaiting this problem)")
	tm.Press("i")
	tm.WaitFor("Open an incident linked to PRB-1", "INC-5 P3 · On Hold (awaiting problem) — Settlement batch finished late")
	tm.Press("right")
	tm.WaitFor("INC-3 P1 · In Progress — Checkout returns 502 for card payments")
	tm.Press("enter")
	tm.WaitForPane("INC-3", "PSP gateway timeouts since 11:02") // INC-3's timeline
	tm.Press("esc")
	tm.WaitForPane("PRB-1 · Settlement batch overruns its window", "Linked incidents (2")

	tm.Press("i")
	tm.WaitFor("Open an incident linked to PRB-1")
	// Typing finds a linked incident; a number that is not linked is not taken.
	tm.Press("4", "3", "enter")
	tm.WaitForPane("INC-3", "PSP gateway timeouts since 11:02")
	tm.Press("esc")
	tm.WaitForPane("PRB-1 · Settlement batch overruns its window", "Linked incidents (2")

	tm.Press(":", "problem PRB-2", "enter")
	tm.WaitForPane("PRB-2 · Search index lags", "none linked")
	tm.Press("i")
	tm.WaitFor("PRB-2 has no linked incidents: L links one")
	tm.Final()
}

func TestProblemsFilter(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	problems(tm, "PRB-2")
	tm.Press("/", "settle", "enter")
	tm.WaitUntil("the problems filtered to PRB-1", func(frame string) bool {
		rows := uitest.Pane(frame, "Problems")
		return strings.Contains(rows, "PRB-1") && !strings.Contains(rows, "PRB-2")
	})
	tm.Final()
}

// The answers to the waiting-incidents question follow the key map: with
// answer_known_error moved to w, k no longer answers (it is up again) and w
// resolves the waiting incident as a known error.
func TestWaitingAnswersFollowKeyMap(t *testing.T) {
	s := seeded(t)
	if _, err := s.desk.SaveKnownError(s.ctx, operator, 1, model.KnownError{Symptom: "Settlement report missing at 06:00.",
		Workaround: "Rerun settlement once the file lands."}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.desk.ProblemTransition(s.ctx, operator, 1, model.ProblemChange{To: model.ProblemFixing}); err != nil {
		t.Fatal(err)
	}
	km, err := keymaps.New(map[string][]string{"answer_known_error": {"w"}})
	if err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH, func(d *ui.Deps) { d.Keys = km })
	tm.Press(":", "problem 1", "enter")
	tm.WaitForPane("PRB-1 · Settlement", "Root cause analysis")
	tm.Press("x")
	tm.WaitFor("Move PRB-1 (now Fix in progress)")
	tm.Press("right", "enter")
	tm.WaitFor("y resolve as fixed · w resolve as known error · n leave them on hold")
	tm.Press("k")
	tm.WaitFor("PRB-1 is resolved. Resolve 1 incident")
	if in := s.incident(5); in.State != model.StateOnHold {
		t.Fatalf("k answered the question: INC-5 = %+v", in)
	}
	tm.Press("w")
	tm.WaitFor("resolved INC-5 (known_error)")
	tm.Final()
	if in := s.incident(5); in.State != model.StateResolved || in.Resolution != "known_error" {
		t.Fatalf("INC-5 = %+v", in)
	}
}
