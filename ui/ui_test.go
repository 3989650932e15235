package ui

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
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
		Reader: f, Notifier: f, Actions: noWrites{}, Plan: testPlan(t),
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
	for _, want := range []string{"acknowledge", "zoom pane", "command palette", "escalate · needs the lead role"} {
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
	f.counts.OpenIncidents++
	f.mu.Unlock()
	f.Notify()
	tm.WaitForPane("Incidents", "INC-99", "Brand new outage")
	tm.Final()
}

// heldQueue is the fake store with a queue read that, once armed, takes its
// answer and then waits to be let go: a re-query still running.
type heldQueue struct {
	*fakeStore
	read chan struct{} // closed when a held read has taken its answer
	let  chan struct{} // closed to let it return
	held bool
	sub  <-chan struct{} // the console's subscription
}

func (h *heldQueue) Subscribe() (<-chan struct{}, func()) {
	ch, cancel := h.fakeStore.Subscribe()
	h.sub = ch
	return ch, cancel
}

func (h *heldQueue) Queue(ctx context.Context, q model.QueueQuery) ([]model.Incident, error) {
	out, err := h.fakeStore.Queue(ctx, q)
	h.mu.Lock()
	hold := h.held
	h.held = false
	h.mu.Unlock()
	if hold {
		close(h.read)
		<-h.let
	}
	return out, err
}

// A commit that lands while the screen is still re-querying for an earlier
// one is shown too: the session listens again at once and re-queries once
// more when the running query lands.
func TestCommitDuringRefreshIsShown(t *testing.T) {
	f := &heldQueue{fakeStore: newFakeStore(), read: make(chan struct{}), let: make(chan struct{})}
	m := New(Deps{
		Reader: f, Notifier: f, Actions: noWrites{}, Plan: testPlan(t),
		Actor: model.Actor{Name: "alice", Role: model.RoleOperator}, Renderer: uitest.Renderer(),
		Now: func() time.Time { return testNow }, DropsDir: "/var/lib/hypercare/drops",
	})
	tm := open(t, m, 200, 60)
	add := func(id int64, title string) {
		f.mu.Lock()
		f.incidents = append(f.incidents, model.Incident{ID: id, Kind: model.KindIncident, Title: title, Service: "cdn", Priority: 2, State: model.StateNew, OpenedAt: testNow})
		f.counts.OpenIncidents++
		f.held = id == 99
		f.mu.Unlock()
		f.Notify()
	}
	add(99, "First outage")
	<-f.read // the re-query for INC-99 has read the queue, and waits
	add(100, "Second outage")
	for len(f.sub) > 0 {
		runtime.Gosched() // until the console has taken the wake-up for INC-100
	}
	close(f.let)
	tm.WaitForPane("Incidents", "INC-99", "First outage", "INC-100", "Second outage")
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

// A pane out of sight misses changes without querying for them, and catches
// up the moment it is shown.
func TestHiddenPaneCatchesUpWhenShown(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	tm := open(t, m, 80, 24)
	f.mu.Lock()
	f.alerts = append([]model.Alert{{ID: 999, DedupKey: "new", Name: "BrandNewAlert", Severity: model.SevCritical,
		State: model.AlertFiring, Service: "cdn", LastSeen: testNow}}, f.alerts...)
	f.counts.Firing++
	f.mu.Unlock()
	f.Notify()
	tm.WaitFor("firing 21")
	tm.Press("2")
	tm.WaitForPane("Alerts", "BrandNewAlert")
	tm.Final()
}

// A wall screen is read from across the room: the counts in block digits,
// three panes (no knowledge base), no cursor, and its rotation shows an
// overview page, then each pane zoomed.
func TestWallScreen(t *testing.T) {
	for _, size := range [][2]int{{200, 60}, {120, 36}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			f := newFakeStore()
			m := newTestModel(t, f, model.RoleViewer)
			m.s.Wall, m.s.Rotate, m.s.Actions = true, time.Second, nil
			t.Cleanup(m.Close)
			tm := uitest.Start(t, m, size[0], size[1])
			grid := tm.WaitUntil("the wall grid loaded", func(frame string) bool {
				return strings.Contains(frame, "▲ P1 OPEN") && strings.Contains(frame, "WALL · read-only") &&
					strings.Contains(uitest.Pane(frame, "Incidents"), "REQ-12") &&
					strings.Contains(uitest.Pane(frame, "3 Changes"), "CHG-6") && // the week's changes, not only its title
					strings.Contains(uitest.Pane(frame, "Alerts"), "HighErrorRate")
			})
			for _, unwanted := range []string{"? help", "Knowledge", "▶ INC", "▶ ALR", "P1 OPEN: 1"} {
				if strings.Contains(grid, unwanted) {
					t.Errorf("a wall screen shows %q:\n%s", unwanted, grid)
				}
			}
			// The P1 count, 1, in block digits under its label.
			if !strings.Contains(grid, "██  ") || !strings.Contains(grid, "EXIT CRITERIA MET") {
				t.Errorf("no block digits:\n%s", grid)
			}
			if size[0] == 200 {
				t.Run("grid", func(t *testing.T) { uitest.Golden(t, grid) })
			}
			tm.Mark()
			overview := tm.WaitFor("Overview · P1 and P2 open", "Critical alerts firing", "INC-7") // the rotation's first page
			if size[0] == 200 {
				t.Run("overview", func(t *testing.T) { uitest.Golden(t, overview) })
			}
			tm.Mark()
			tm.WaitFor("┏━ Incidents") // then each pane zoomed
			tm.Mark()
			tm.WaitFor("┏━ Alerts")
			tm.Mark()
			tm.WaitFor("┏━ Changes")
			tm.Mark()
			tm.WaitFor("Overview · P1 and P2 open") // and round again, past the knowledge base
			tm.Final()
		})
	}
}

// Layers close one at a time, the top one first: esc over the help closes
// the help and leaves the detail under it; the next esc closes the detail.
func TestEscClosesTheTopLayerOnly(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press("enter")
	tm.WaitForPane("INC-7", "Checkout returns 502 for card payments")
	tm.Press("?")
	help := tm.WaitFor("Keys  (override in config.toml", "Navigate")
	if uitest.Pane(help, "INC-7") != "" {
		t.Fatalf("the help is not over the detail:\n%s", help)
	}
	tm.Press("esc")
	tm.WaitForPane("INC-7", "Checkout returns 502 for card payments")
	tm.Press("esc")
	tm.WaitForPane("Incidents", "INC-7", "REQ-12")
	tm.Final()
	if len(m.layers) != 0 {
		t.Fatalf("layers still open: %T", m.layers)
	}
}

// A detail opened from a detail goes over it, and esc comes back to it.
func TestDetailOverDetail(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press(":", "ALR-103", "enter")
	tm.WaitForPane("ALR-103", "INC-7")
	tm.Press(":", "INC-9", "enter")
	tm.WaitForPane("INC-9", "Search results stale after catalog import")
	tm.Press("esc")
	tm.WaitForPane("ALR-103", "CertExpiring on api-gateway")
	tm.Final()
}
