package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/plan"
	"github.com/hypercare-ops/hypercare/ui/uitest"
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
	return New(Deps{
		Reader: f, Notifier: f, Actions: f, Plan: testPlan(t),
		Actor: model.Actor{Name: "alice", Role: role}, Renderer: uitest.Renderer(),
		Now: func() time.Time { return testNow }, DropsDir: "/var/lib/hypercare/drops",
	})
}

// open starts the console and waits until every pane on screen shows all
// the fake store's rows that fit: the state the test starts from. (A list
// first fetches a few rows, before it knows its height, then the rest.)
func open(t *testing.T, m *Model, w, h int) *uitest.Screen {
	t.Helper()
	t.Cleanup(m.Close) // after the program has ended: cleanups run last first
	tm := uitest.Start(t, m, w, h)
	tm.WaitUntil("every pane loaded", func(frame string) bool {
		queue := uitest.Pane(frame, "Incidents")
		loaded := strings.Contains(queue, "INC-7") && strings.Contains(queue, "REQ-12") && strings.Contains(frame, "● LIVE")
		if w >= 160 && h >= 48 { // the grid
			loaded = loaded && strings.Contains(uitest.Pane(frame, "Alerts"), "(sample 26)") &&
				strings.Contains(uitest.Pane(frame, "Changes"), "CHG-3") && strings.Contains(uitest.Pane(frame, "Knowledge"), "KB-2")
		}
		return loaded
	})
	return tm
}

// queueRows is the queue pane of a frame: what a check on the listed
// incidents looks at, rather than at the banner or the footer.
func queueRows(frame string) string { return uitest.Pane(frame, "Incidents") }

func TestGrid200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	view := open(t, m, 200, 60).Final()
	for _, want := range []string{"1 Incidents", "2 Alerts", "3 Changes", "4 Knowledge", "day 7/", "P1 1", "INC-7", "MAJOR", "● Wed 25 Nov", "now 14:00", "LIVE"} {
		if !strings.Contains(view, want) {
			t.Errorf("grid lacks %q", want)
		}
	}
	uitest.Golden(t, view)
}

func TestTabs80x24(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	view := open(t, m, 80, 24).Final()
	if !strings.Contains(view, "[1 Incidents]  2 Alerts") || !strings.Contains(queueRows(view), "REQ-12") {
		t.Errorf("no tabs at 80x24:\n%s", view)
	}
	uitest.Golden(t, view)
}

func TestZoomedFeed200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("2", "z")
	tm.WaitForPane("Alerts", "(sample 29)") // the last row: only a zoomed feed is tall enough
	uitest.Golden(t, tm.Final())
}

func TestHelp80x24(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("?")
	tm.WaitFor("Navigate")
	view := tm.Final()
	for _, want := range []string{"acknowledge", "zoom pane", "command palette", "quit"} {
		if !strings.Contains(view, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	uitest.Golden(t, view)
}

func TestHelp200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("?")
	tm.WaitFor("Navigate")
	uitest.Golden(t, tm.Final())
}

func TestTooSmall(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	t.Cleanup(m.Close)
	tm := uitest.Start(t, m, 50, 10)
	tm.WaitFor("too small")
	uitest.Golden(t, tm.Final())
}

func TestIncidentDetailAndAck(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("j", "enter")
	tm.WaitForPane("INC-9", "Search results stale", "Timeline (0)")
	tm.Press("a")
	tm.WaitFor("✓ INC-9 acknowledged")
	tm.WaitForPane("INC-9", "assignee     alice")
	tm.Final()
	if len(f.acked) != 1 || f.acked[0] != 9 {
		t.Fatalf("acked = %v, want [9]", f.acked)
	}
}

func TestViewerCannotAck(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleViewer)
	tm := open(t, m, 80, 24)
	tm.Press("a")
	tm.WaitFor("may not acknowledge")
	tm.Final()
	if len(f.acked) != 0 {
		t.Fatalf("viewer acked %v", f.acked)
	}
}

func TestFilterQueue(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("/", "settl", "enter")
	rows := queueRows(tm.WaitUntil("the queue filtered to INC-4", func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "INC-4 ") && !strings.Contains(rows, "INC-7 ")
	}))
	for _, ref := range []string{"INC-9", "REQ-12"} {
		if strings.Contains(rows, ref) {
			t.Errorf("filter 'settl' should leave only INC-4:\n%s", rows)
		}
	}
	tm.Final()
}

func TestNoteFromKeyboard(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("n")
	tm.WaitFor("Note on INC-7")
	tm.Press("rolled back", "ctrl+s")
	tm.WaitFor("note added to INC-7")
	tm.Final()
	tl := f.timeline[7]
	if got := tl[len(tl)-1]; got.Text != "rolled back" || got.Actor != "alice" {
		t.Fatalf("last timeline entry = %+v", got)
	}
}

func TestPaletteRunsCommand(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("ctrl+p", "know", "enter")
	tm.WaitForPane("Knowledge", "Fail over orders-db")
	tm.Final()
}

func TestCommandLineUnknown(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press(":", "frobnicate", "enter")
	tm.WaitFor("unknown command")
	tm.Final()
}

func TestPlanBanner(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	src := m.s.Plan.(*fixedPlan)
	tm := open(t, m, 80, 24)
	src.setErr(&plan.CheckError{Problems: []plan.Problem{{File: "plan.toml", Line: 12, Field: "service[3].tier", Msg: "must be 1, 2 or 3"}}})
	tm.WaitFor("plan.toml:12: service[3].tier")
	tm.Final()
}

func TestLiveUpdateWithoutKeys(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 200, 60)
	f.mu.Lock()
	f.incidents = append(f.incidents, model.Incident{ID: 99, Kind: model.KindIncident, Title: "Brand new outage", Service: "cdn", Priority: 2, State: model.StateNew, OpenedAt: testNow})
	f.mu.Unlock()
	f.Notify()
	tm.WaitForPane("Incidents", "INC-99", "Brand new outage")
	tm.Final()
}

func TestFastKeysAreSplit(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	// Three j's in one read, as key repeat or a slow SSH link delivers them.
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	tm.Press("enter")
	tm.WaitForPane("REQ-12", "Timeline")
	tm.Final()
}

func TestAuditDetail(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("5")
	tm.WaitForPane("Audit", "incident.ack")
	tm.Press("enter")
	tm.WaitForPane("Audit 1", `"state": "in_progress"`)
	tm.Final()
}

// enter on a storm's row lists its alerts; esc goes back to the whole feed.
func TestStormExpandsAndCollapses(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("2", "jjjjjjjjjj", "enter")
	storm := uitest.Pane(tm.WaitForPane("storm of 3 QueueBacklog alerts", "(sample 11)", "(sample 12)"), "storm of 3")
	if strings.Contains(storm, "(sample 0)") {
		t.Fatalf("the storm lists alerts outside it:\n%s", storm)
	}
	tm.Press("esc")
	feed := tm.WaitForPane("Alerts 20 firing · 30 total", "(sample 0)", "[STORM 2/3 firing]")
	if strings.Contains(feed, "storm of 3") || strings.Contains(uitest.Pane(feed, "Alerts"), "(sample 11)") {
		t.Fatalf("the storm is still expanded:\n%s", feed)
	}
	tm.Final()
}

func TestSilenceFromAlert(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleLead)
	tm := open(t, m, 80, 24)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate on chec")
	tm.Press("s")
	tm.WaitFor("Silence alerts")
	tm.Press("tab", "tab", "noisy during the migration", "enter")
	tm.WaitFor("SIL-1 silences 1 firing")
	tm.Press(":", "silences", "enter")
	tm.WaitFor(`alertname="HighErrorRate"`)
	tm.Final()
	if len(f.silences) != 1 || f.silences[0].EndsAt.Sub(f.silences[0].StartsAt) != 2*time.Hour || f.silences[0].Comment != "noisy during the migration" {
		t.Fatalf("silences = %+v", f.silences)
	}
}

func TestOperatorCannotSilence(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate on chec")
	tm.Press("s")
	tm.WaitFor("may not manage silences")
	tm.Final()
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
	tm := open(t, m, 80, 24)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate on chec")
	tm.Press(":", "ack 2h", "enter")
	tm.WaitFor("ALR-100 acknowledged until")
	tm.Final()
	if len(f.alertAcks) != 1 || f.alertAcks[0].id != 100 || !f.alertAcks[0].until.Equal(testNow.Add(2*time.Hour)) {
		t.Fatalf("acks = %+v", f.alertAcks)
	}
}

func TestCreateIncidentFromKeyboard(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("c")
	tm.WaitFor("New incident")
	tm.Press("tab", "Checkout basket empties on refresh", "tab")
	tm.WaitFor("Suggested articles", "KB-1   Checkout 5xx: first response")
	tm.Press("left") // impact: medium → high
	tm.WaitFor("priority  P2")
	tm.Press("enter")
	tm.WaitForPane("INC-104", "Checkout basket empties on refresh", "Timeline")
	tm.Final()
	last := f.incidents[len(f.incidents)-1]
	if last.Title != "Checkout basket empties on refresh" || last.Service != "storefront" || last.Priority != 2 {
		t.Fatalf("created %+v", last)
	}
}

func TestResolveFromKeyboard(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("r")
	tm.WaitFor("Resolve INC-7")
	// Typing in a choice field finds a choice; what matches none is not taken.
	tm.Press("zzz", "work")
	tm.WaitFor("workaround")
	tm.Press("tab", "tab", "rolled back the deploy", "shift+tab")
	for range 4 { // satisfaction: none → 4
		tm.Press("right")
	}
	tm.Press("enter")
	tm.WaitFor("INC-7 resolved (workaround)")
	tm.Final()
	in, _ := f.Incident(context.Background(), 7)
	if in.State != model.StateResolved || in.Resolution != "workaround" || f.lastChange.Satisfaction != 4 {
		t.Fatalf("incident = %+v", in)
	}
}

func TestOperatorCannotEscalate(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("e")
	tm.WaitFor("may not escalate")
	tm.Final()
}

// A pane out of sight misses changes without querying for them, and catches
// up the moment it is shown.
func TestHiddenPaneCatchesUpWhenShown(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	f.mu.Lock()
	f.alerts = append([]model.Alert{{ID: 999, DedupKey: "new", Name: "BrandNewAlert", Severity: model.SevCritical,
		State: model.AlertFiring, Service: "cdn", LastSeen: testNow}}, f.alerts...)
	f.mu.Unlock()
	f.Notify()
	tm.WaitFor("firing 21")
	tm.Press("2")
	tm.WaitForPane("Alerts", "BrandNewAlert")
	tm.Final()
}

func TestWallScreen(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleViewer)
	m.s.Wall, m.s.Rotate, m.s.Actions = true, time.Second, nil
	t.Cleanup(m.Close)
	tm := uitest.Start(t, m, 120, 36)
	grid := tm.WaitFor("P1 OPEN: 1", "WALL · read-only", "2 Alerts") // the grid at 120x36 on a wall
	if strings.Contains(grid, "? help") {
		t.Errorf("a wall screen offers keys:\n%s", grid)
	}
	tm.Mark()
	tm.WaitFor("┏━ Alerts") // rotation zooms the next pane
	tm.Final()
}

func TestApproveChangeNeedsLead(t *testing.T) {
	for _, tt := range []struct {
		role model.Role
		want string
	}{{model.RoleOperator, "may not approve changes"}, {model.RoleLead, "approved and scheduled"}} {
		f := newFakeStore()
		m := newTestModel(t, f, tt.role)
		tm := open(t, m, 200, 60)
		tm.Press("3")
		tm.WaitForPane("Changes", "CHG-3")
		tm.Press("p")
		tm.WaitFor(tt.want)
		tm.Final()
		if got := len(f.approved); (tt.role == model.RoleLead) != (got == 1) {
			t.Fatalf("%s: approved %v", tt.role, f.approved)
		}
	}
}
