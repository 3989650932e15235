package ui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/plan"
	"github.com/muesli/termenv"
)

// fixedPlan is a PlanSource holding the example plan, optionally with a
// refused edit.
type fixedPlan struct {
	model.Broadcaster
	mu  sync.Mutex
	p   *plan.Plan
	err error
}

func (f *fixedPlan) Plan() *plan.Plan { return f.p }

func (f *fixedPlan) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fixedPlan) setErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
	f.Notify()
}

func testPlan(t testing.TB) *fixedPlan {
	t.Helper()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		t.Fatalf("example plan: %v", err)
	}
	return &fixedPlan{p: p}
}

// newTestModel builds a console over the fake store with the Ascii colour
// profile, so goldens hold text only.
func newTestModel(t testing.TB, f *fakeStore, role model.Role) *Model {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return New(Deps{
		Reader: f, Notifier: f, Actions: f, Plan: testPlan(t),
		Actor: model.Actor{Name: "alice", Role: role}, Renderer: r,
		Now: func() time.Time { return testNow }, DropsDir: "/var/lib/hypercare/drops",
	})
}

// screen is a running test program and everything it has drawn so far.
type screen struct {
	*teatest.TestModel
	out bytes.Buffer
}

// run starts the program at a size and waits until the screen shows want.
func run(t *testing.T, m *Model, w, h int, want string) *screen {
	t.Helper()
	tm := &screen{TestModel: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))}
	t.Cleanup(m.Close)
	waitFor(t, tm, want)
	return tm
}

// waitFor waits until want has been drawn. It keeps all output, so two
// waits for text drawn in the same frame both succeed.
func waitFor(t *testing.T, tm *screen, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	chunk := make([]byte, 64<<10)
	for !bytes.Contains(tm.out.Bytes(), []byte(want)) {
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q; last output:\n%s", want, tail(tm.out.String(), 3000))
		}
		n, _ := tm.Output().Read(chunk)
		tm.out.Write(chunk[:n])
		if n == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func tail(s string, n int) string { return s[max(len(s)-n, 0):] }

// mark forgets what was drawn so far, so the next waitFor sees only frames
// drawn after the keys that follow (the renderer redraws changed lines only).
func mark(tm *screen) {
	chunk := make([]byte, 64<<10)
	for n, _ := tm.Output().Read(chunk); n > 0; n, _ = tm.Output().Read(chunk) {
	}
	tm.out.Reset()
}

func keys(tm *screen, ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
		case "tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyTab})
		case "shift+tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab})
		case "ctrl+p":
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlP})
		case "ctrl+s":
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
		default:
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

// finalView quits and returns the last frame, the stable thing to golden.
func finalView(t *testing.T, tm *screen) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View()
}

// golden compares against testdata/NAME.golden; go test ./ui -update rewrites.
func golden(t *testing.T, view string) {
	t.Helper()
	teatest.RequireEqualOutput(t, []byte(view))
}

func TestGrid200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 200, 60, "CHG-5")
	waitFor(t, tm, "Checkout 5xx")
	view := finalView(t, tm)
	for _, want := range []string{"1 Incidents", "2 Alerts", "3 Changes", "4 Knowledge", "day 7/", "P1 1", "INC-7", "MAJOR", "● Wed 25 Nov", "now 14:00", "LIVE"} {
		if !strings.Contains(view, want) {
			t.Errorf("grid lacks %q", want)
		}
	}
	golden(t, view)
}

func TestTabs80x24(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	view := finalView(t, tm)
	if !strings.Contains(view, "1 Incidents") || !strings.Contains(view, "2 Alerts") {
		t.Errorf("no tabs at 80x24:\n%s", view)
	}
	golden(t, view)
}

func TestZoomedFeed200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, "2", "z")
	waitFor(t, tm, "sample 29")
	golden(t, finalView(t, tm))
}

func TestHelp80x24(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "?")
	waitFor(t, tm, "Navigate")
	view := finalView(t, tm)
	for _, want := range []string{"acknowledge", "zoom pane", "command palette", "quit"} {
		if !strings.Contains(view, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	golden(t, view)
}

func TestHelp200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, "?")
	waitFor(t, tm, "Navigate")
	golden(t, finalView(t, tm))
}

func TestTooSmall(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 50, 10, "too small")
	golden(t, finalView(t, tm))
}

func TestIncidentDetailAndAck(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "j", "enter")
	waitFor(t, tm, "Timeline")
	keys(tm, "a")
	waitFor(t, tm, "INC-9 acknowledged")
	view := finalView(t, tm)
	if len(f.acked) != 1 || f.acked[0] != 9 {
		t.Fatalf("acked = %v, want [9]", f.acked)
	}
	if !strings.Contains(view, "alice") {
		t.Errorf("detail did not refresh with the new assignee:\n%s", view)
	}
}

func TestViewerCannotAck(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleViewer)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "a")
	waitFor(t, tm, "may not acknowledge")
	finalView(t, tm)
	if len(f.acked) != 0 {
		t.Fatalf("viewer acked %v", f.acked)
	}
}

func TestFilterQueue(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	mark(tm)
	keys(tm, "/", "s", "e", "t", "t", "l", "enter")
	waitFor(t, tm, "filtered")
	waitFor(t, tm, "Settlement batch fin")
	view := finalView(t, tm)
	if !strings.Contains(view, "INC-4") || strings.Contains(view, "INC-7 ") {
		t.Errorf("filter 'settl' should leave only INC-4:\n%s", view)
	}
}

func TestNoteFromKeyboard(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "n")
	waitFor(t, tm, "Note on INC-7")
	keys(tm, "rolled back", "ctrl+s")
	waitFor(t, tm, "note added to INC-7")
	finalView(t, tm)
	tl := f.timeline[7]
	if got := tl[len(tl)-1]; got.Text != "rolled back" || got.Actor != "alice" {
		t.Fatalf("last timeline entry = %+v", got)
	}
}

func TestPaletteRunsCommand(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "ctrl+p", "know", "enter")
	waitFor(t, tm, "Fail over orders-db")
	finalView(t, tm)
}

func TestCommandLineUnknown(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, ":", "frobnicate", "enter")
	waitFor(t, tm, "unknown command")
	finalView(t, tm)
}

func TestPlanBanner(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	src := m.s.Plan.(*fixedPlan)
	tm := run(t, m, 80, 24, "INC-7")
	src.setErr(&plan.CheckError{Problems: []plan.Problem{{File: "plan.toml", Line: 12, Field: "service[3].tier", Msg: "must be 1, 2 or 3"}}})
	waitFor(t, tm, "plan.toml:12: service[3].tier")
	finalView(t, tm)
}

func TestLiveUpdateWithoutKeys(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 200, 60, "INC-7")
	f.mu.Lock()
	f.incidents = append(f.incidents, model.Incident{ID: 99, Kind: model.KindIncident, Title: "Brand new outage", Service: "cdn", Priority: 2, State: model.StateNew, OpenedAt: testNow})
	f.mu.Unlock()
	f.Notify()
	waitFor(t, tm, "Brand new outage")
	finalView(t, tm)
}

func TestFastKeysAreSplit(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	// Three j's in one read, as key repeat or a slow SSH link delivers them.
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	keys(tm, "enter")
	waitFor(t, tm, "Timeline")
	view := finalView(t, tm)
	if !strings.Contains(view, "REQ-12") {
		t.Fatalf("cursor did not move three rows:\n%s", view)
	}
}

func TestAuditDetail(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "5", "enter")
	waitFor(t, tm, "Audit 1")
	view := finalView(t, tm)
	if !strings.Contains(view, `"state": "in_progress"`) {
		t.Fatalf("audit detail lacks the pretty after state:\n%s", view)
	}
}

func TestStormExpandsAndCollapses(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 200, 60, "STORM ×3")
	keys(tm, "2", "jjjjjjjjjj", "enter")
	waitFor(t, tm, "storm of 3 QueueBacklog alerts")
	waitFor(t, tm, "sample 12")
	keys(tm, "esc", "esc")
	waitFor(t, tm, "20 firing · 30 total")
	finalView(t, tm)
}

func TestSilenceFromAlert(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleLead)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "2", "s")
	waitFor(t, tm, "Silence alerts")
	keys(tm, "tab", "tab", "noisy during the migration", "enter")
	waitFor(t, tm, "SIL-1 silences 1 firing")
	keys(tm, ":", "silences", "enter")
	waitFor(t, tm, `alertname="HighErrorRate"`)
	finalView(t, tm)
	if len(f.silences) != 1 || f.silences[0].EndsAt.Sub(f.silences[0].StartsAt) != 2*time.Hour || f.silences[0].Comment != "noisy during the migration" {
		t.Fatalf("silences = %+v", f.silences)
	}
}

func TestOperatorCannotSilence(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "2", "s")
	waitFor(t, tm, "may not manage silences")
	finalView(t, tm)
}

func TestFeedFilterSyntax(t *testing.T) {
	tests := []struct {
		in   string
		want model.FeedQuery
	}{
		{"disk full", model.FeedQuery{Filter: "disk full"}},
		{"is:acked checkout", model.FeedQuery{Filter: "checkout", Only: "acked"}},
		{"is:firing env=prod", model.FeedQuery{Firing: true, Label: "env", Value: "prod"}},
		{"is:bogus", model.FeedQuery{Filter: "is:bogus"}},
	}
	for _, tt := range tests {
		if got := parseFeedFilter(tt.in); got != tt.want {
			t.Errorf("parseFeedFilter(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestAckAlertForAWhile(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "2", ":", "ack 2h", "enter")
	waitFor(t, tm, "ALR-100 acknowledged until")
	finalView(t, tm)
	if len(f.alertAcks) != 1 || f.alertAcks[0].id != 100 || !f.alertAcks[0].until.Equal(testNow.Add(2*time.Hour)) {
		t.Fatalf("acks = %+v", f.alertAcks)
	}
}

func TestCreateIncidentFromKeyboard(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, "c")
	waitFor(t, tm, "New incident")
	keys(tm, "tab", "Checkout basket empties on refresh", "tab")
	waitFor(t, tm, "Suggested articles")
	waitFor(t, tm, "KB-1   Checkout 5xx: first response")
	tm.Send(tea.KeyMsg{Type: tea.KeyLeft}) // impact: medium → high
	waitFor(t, tm, "priority  P2")
	keys(tm, "enter")
	waitFor(t, tm, "Checkout basket empties on refresh")
	waitFor(t, tm, "Timeline")
	finalView(t, tm)
	last := f.incidents[len(f.incidents)-1]
	if last.Title != "Checkout basket empties on refresh" || last.Service != "storefront" || last.Priority != 2 {
		t.Fatalf("created %+v", last)
	}
}

func TestResolveFromKeyboard(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "r")
	waitFor(t, tm, "Resolve INC-7")
	// Typing in a choice field finds a choice; what matches none is not taken.
	keys(tm, "zzz", "work")
	waitFor(t, tm, "workaround")
	keys(tm, "tab", "tab", "rolled back the deploy", "shift+tab")
	for range 4 { // satisfaction: none → 4
		tm.Send(tea.KeyMsg{Type: tea.KeyRight})
	}
	keys(tm, "enter")
	waitFor(t, tm, "INC-7 resolved (workaround)")
	finalView(t, tm)
	in, _ := f.Incident(context.Background(), 7)
	if in.State != model.StateResolved || in.Resolution != "workaround" || f.lastChange.Satisfaction != 4 {
		t.Fatalf("incident = %+v", in)
	}
}

func TestOperatorCannotEscalate(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "e")
	waitFor(t, tm, "may not escalate")
	finalView(t, tm)
}

// A pane out of sight misses changes without querying for them, and catches
// up the moment it is shown.
func TestHiddenPaneCatchesUpWhenShown(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	f.mu.Lock()
	f.alerts = append([]model.Alert{{ID: 999, DedupKey: "new", Name: "BrandNewAlert", Severity: model.SevCritical,
		State: model.AlertFiring, Service: "cdn", LastSeen: testNow}}, f.alerts...)
	f.mu.Unlock()
	f.Notify()
	waitFor(t, tm, "firing 21")
	keys(tm, "2")
	waitFor(t, tm, "BrandNewAlert")
	finalView(t, tm)
}

func TestWallScreen(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleViewer)
	m.s.Wall, m.s.Rotate, m.s.Actions = true, time.Second, nil
	tm := run(t, m, 120, 36, "P1 OPEN: 1")
	waitFor(t, tm, "WALL · read-only")
	waitFor(t, tm, "2 Alerts") // the grid at 120x36 on a wall
	mark(tm)
	waitFor(t, tm, "┏━ Alerts") // rotation zooms the next pane
	view := finalView(t, tm)
	if strings.Contains(view, "? help") {
		t.Errorf("a wall screen offers keys:\n%s", view)
	}
}

func TestApproveChangeNeedsLead(t *testing.T) {
	for _, tt := range []struct {
		role model.Role
		want string
	}{{model.RoleOperator, "may not approve changes"}, {model.RoleLead, "approved and scheduled"}} {
		f := newFakeStore()
		m := newTestModel(t, f, tt.role)
		tm := run(t, m, 200, 60, "CHG-3")
		keys(tm, "3", "p")
		waitFor(t, tm, tt.want)
		finalView(t, tm)
		if got := len(f.approved); (tt.role == model.RoleLead) != (got == 1) {
			t.Fatalf("%s: approved %v", tt.role, f.approved)
		}
	}
}
