// Package consoletest drives the console on the real stack: the ui over the
// service layer (model.Desk) and SQLite in a temporary folder, with the
// example plan. Behaviour the console offers (who may do what, what a filter
// finds, what a write changes) is tested here, against the one copy of the
// rules; ui's own tests cover layout and keys over fixed data.
package consoletest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// now is when every test looks at the console: a Wednesday afternoon in
// the second week of the example plan's hypercare.
var now = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// The people at the keyboard, operators of the example plan.
var (
	operator = model.Actor{Name: "tom.okafor", Role: model.RoleOperator}
	lead     = model.Actor{Name: "maya.patel", Role: model.RoleLead}
	viewer   = model.Actor{Name: "dan.kowalski", Role: model.RoleViewer}
)

// clock is the desk's and the console's time; seeding moves it back and
// forth, the tests leave it at now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// fixedPlan is the console's plan source: the example plan, never edited.
type fixedPlan struct {
	model.Broadcaster
	p *plan.Plan
}

func (f *fixedPlan) Plan() *plan.Plan { return f.p }
func (f *fixedPlan) Err() error       { return nil }

// stack is an opened hypercare: SQLite in t.TempDir(), the desk over it and
// the example plan.
type stack struct {
	t    *testing.T
	ctx  context.Context
	db   *store.DB
	desk *model.Desk
	plan *fixedPlan
	clk  *clock
}

// openStack opens the database at path with the example plan; the test
// closes it when it ends.
func openStack(t *testing.T, path string) *stack {
	t.Helper()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		t.Fatalf("example plan: %v", err)
	}
	ctx := t.Context()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &stack{t: t, ctx: ctx, db: db, desk: model.NewDesk(db, p), plan: &fixedPlan{p: p}, clk: &clock{t: now}}
	s.desk.Now = s.clk.Now
	return s
}

// seed is the seeded week, written once per test binary and copied into
// each test's folder: the same records for every test, for the price of
// one run through the desk.
var seed struct {
	once sync.Once
	dir  string // removed by TestMain
	path string // the database, once written
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "consoletest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	seed.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// at runs the writes of fn with the clock at now+offset, then puts it back.
func (s *stack) at(offset time.Duration, fn func()) {
	s.clk.set(now.Add(offset))
	defer s.clk.set(now)
	fn()
}

// done fails the test on a write's error; the value written is not needed.
func done(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// seeded opens a copy of a week of hypercare written through the desk:
//
//	INC-1, INC-2  checkout availability incidents, resolved this week
//	INC-3         P1 major on checkout, in progress, tom.okafor's, with a note
//	INC-4         P2 on search, new
//	INC-5         P3 on settlement, raj.iyer's, on hold awaiting PRB-1
//	REQ-6         P5 request on reporting, new
//	PRB-1         settlement overruns, in RCA with whys and three actions
//	PRB-2         search index lags, new, nothing linked
//	CHG-1         orders-db patch waiting for approval; CHG-2 an emergency change running now
//	KB-1, KB-2    a checkout runbook and an orders-db recovery, published
//	two firing alerts: HighErrorRate on checkout (the newest), DiskFull on orders-db
//
// INC-1 to INC-3 make a recurrence group: three availability incidents on
// checkout within seven days.
func seeded(t *testing.T) *stack {
	t.Helper()
	seed.once.Do(func() {
		s := openStack(t, filepath.Join(t.TempDir(), "seeding.db"))
		writeSeed(t, s)
		path := filepath.Join(seed.dir, "seeded.db")
		if _, err := s.db.Backup(s.ctx, path); err != nil {
			t.Fatal(err)
		}
		seed.path = path
	})
	if seed.path == "" {
		t.Fatal("the seeded database was not written (see the first test that failed)")
	}
	src, err := os.ReadFile(seed.path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hypercare.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	return openStack(t, path)
}

// writeSeed writes the seeded week through the desk.
func writeSeed(t *testing.T, s *stack) {
	ctx, d, ok := s.ctx, s.desk, done(t)
	if err := d.SyncServices(ctx, model.System, s.plan.p.ModelServices()); err != nil {
		t.Fatal(err)
	}
	incident := func(opened float64, n model.NewIncident) model.Incident {
		var in model.Incident
		s.at(hours(opened), func() {
			var err error
			if in, err = d.CreateIncident(ctx, operator, n); err != nil {
				t.Fatal(err)
			}
		})
		return in
	}
	resolve := func(id int64, at float64) {
		s.at(hours(at), func() {
			ok(d.Transition(ctx, operator, id, model.StateChange{To: model.StateResolved, Code: "fixed"}))
		})
	}
	for _, past := range []struct{ opened, resolved float64 }{{-100, -92}, {-30, -27}} {
		in := incident(past.opened, model.NewIncident{Title: "Checkout errors at peak", Service: "checkout", Category: "availability",
			Impact: model.Medium, Urgency: model.Medium})
		resolve(in.ID, past.resolved)
	}
	p1 := incident(-3, model.NewIncident{Title: "Checkout returns 502 for card payments", Service: "checkout", Category: "availability",
		Impact: model.High, Urgency: model.High})
	s.at(hours(-2.9), func() { ok(d.AckIncident(ctx, operator, p1.ID)) })
	s.at(hours(-2), func() {
		if err := d.AddNote(ctx, operator, p1.ID, "PSP gateway timeouts since 11:02; acmepay engaged on the bridge."); err != nil {
			t.Fatal(err)
		}
	})
	incident(-1, model.NewIncident{Title: "Search results stale after catalog import", Service: "search", Category: "data",
		Impact: model.Medium, Urgency: model.High})
	settlement := incident(-30, model.NewIncident{Title: "Settlement batch finished late", Service: "settlement", Category: "batch",
		Impact: model.Medium, Urgency: model.Medium})
	incident(-2, model.NewIncident{Kind: model.KindRequest, Title: "Grant read access to reporting for finance", Service: "reporting",
		Category: "other", Impact: model.Low, Urgency: model.Low})

	s.at(hours(-29), func() { ok(d.AckIncident(ctx, model.Actor{Name: "raj.iyer", Role: model.RoleOperator}, settlement.ID)) })
	s.at(hours(-28), func() {
		prb, err := d.CreateProblem(ctx, operator, model.NewProblem{Title: "Settlement batch overruns its window", Service: "settlement",
			Category: "batch", Owner: "raj.iyer", Description: "The nightly settlement run finishes after 06:00 twice a week.",
			Incidents: []int64{settlement.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []model.ProblemState{model.ProblemAssess, model.ProblemRCA} {
			ok(d.ProblemTransition(ctx, operator, prb.ID, model.ProblemChange{To: to}))
		}
		ok(d.SaveRCA(ctx, operator, prb.ID, model.RCA{Timeline: "02:00 batch starts\n05:40 PSP file arrives late\n06:20 batch finishes",
			Whys:    []string{"the batch waits for the PSP file", "the PSP sends it after its own batch", "our window assumes 02:00 delivery"},
			Factors: "No alert on a late input file."}))
		for _, act := range []model.ProblemAction{
			{Text: "Ask the PSP for a 04:00 delivery SLA", Owner: "raj.iyer", Due: now.Add(hours(-20))},
			{Text: "Alert when the PSP file is not in by 04:00", Owner: "sofia.lindqvist", Due: now.Add(hours(-3))},
			{Text: "Start the batch on file arrival", Owner: "ben.hughes", Due: now.Add(hours(70))},
		} {
			ok(d.AddProblemAction(ctx, operator, prb.ID, act))
		}
		ok(d.SetProblemActionDone(ctx, operator, prb.ID, 1, true))
		ok(d.Transition(ctx, operator, settlement.ID, model.StateChange{To: model.StateOnHold, HoldReason: "awaiting_problem"}))
	})
	s.at(hours(-0.5), func() {
		ok(d.CreateProblem(ctx, operator, model.NewProblem{Title: "Search index lags catalog imports", Service: "search",
			Category: "data"}))
	})

	// Changes go through the real flow: CHG-1 waits for the board's
	// approval; CHG-2, an emergency, was approved and is running.
	change := func(c model.Change, steps ...func(id int64)) {
		made, _, err := d.CreateChange(ctx, operator, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range steps {
			st(made.ID)
		}
	}
	step := func(a model.Actor, act model.ChangeAction) func(int64) {
		return func(id int64) {
			if _, _, err := d.StepChange(ctx, a, id, model.ChangeStep{Action: act}); err != nil {
				t.Fatal(err)
			}
		}
	}
	other := model.Actor{Name: "ben.hughes", Role: model.RoleLead}
	change(model.Change{Title: "Patch orders-db minor version", Services: []string{"orders-db"}, Type: model.ChangeNormal,
		Impact: model.Medium, Probability: model.Medium, Implementer: "sofia.lindqvist", Start: now.Add(8 * time.Hour), End: now.Add(10 * time.Hour)},
		step(operator, model.ChangeSubmit), step(other, model.ChangeApprove))
	change(model.Change{Title: "Emergency PSP timeout raise", Services: []string{"payments"}, Type: model.ChangeEmergency,
		Impact: model.High, Probability: model.Medium, Implementer: "raj.iyer", Start: now.Add(-time.Hour), End: now.Add(time.Hour),
		Reason: "checkout payments time out at the PSP"},
		step(operator, model.ChangeSubmit), step(lead, model.ChangeApprove), step(operator, model.ChangeStart))
	for _, ar := range []model.Article{
		{Slug: "checkout-5xx", Title: "Checkout 5xx: first response", Kind: model.ArticleRunbook, State: model.ArticlePublished, Service: "checkout",
			Body: "# Checkout 5xx\n\n1. Check the PSP gateway.\n2. Roll back the last deploy.\n"},
		{Slug: "orders-db-failover", Title: "Fail over orders-db", Kind: model.ArticleRecovery, State: model.ArticlePublished, Service: "orders-db",
			Body: "# Failover\n\nPromote the replica."},
	} {
		// Written, sent for review and published by someone else, as the
		// knowledge base's lifecycle asks.
		ar.State = model.ArticleReview
		saved, err := d.SaveArticle(ctx, operator, ar)
		if err != nil {
			t.Fatal(err)
		}
		ok(d.StepArticle(ctx, lead, saved.ID, model.PublishArticle, ""))
	}
	for i, al := range []model.Alert{
		{DedupKey: "disk-db-2", Name: "DiskFull", Severity: model.SevWarning, Service: "orders-db", Summary: "orders-db disk 91% full"},
		{DedupKey: "errors-checkout", Name: "HighErrorRate", Severity: model.SevWarning, Service: "checkout", Summary: "checkout 5xx above 2%"},
	} {
		s.at(hours(float64(i)-1.5), func() {
			al.Source, al.State, al.StartsAt = "alertmanager", model.AlertFiring, now.Add(hours(float64(i)-1.5))
			al.Labels = map[string]string{"alertname": al.Name, "service": al.Service, "env": "prod", "severity": al.Severity.String()}
			ok(d.RecordAlert(ctx, model.System, al))
		})
	}
}

// console opens the console for who at w×h and waits until every pane on
// screen shows its rows and the header its counts: the state a test starts
// from. It reads through ui.Shared, as the console does.
func (s *stack) console(who model.Actor, w, h int, opts ...func(*ui.Deps)) (*ui.Model, *uitest.Screen) {
	s.t.Helper()
	return s.consoleOn(s.db, who, w, h, opts...)
}

// consoleOn is console reading r (s's store, or a wrapper of it).
func (s *stack) consoleOn(r model.Reader, who model.Actor, w, h int, opts ...func(*ui.Deps)) (*ui.Model, *uitest.Screen) {
	s.t.Helper()
	reads := ui.NewShared(r, s.db)
	s.t.Cleanup(reads.Close)
	deps := ui.Deps{Reader: reads, Notifier: reads, Actions: s.desk, Planner: s.desk, Plan: s.plan, Actor: who,
		Renderer: uitest.Renderer(), Now: s.clk.Now}
	for _, o := range opts {
		o(&deps)
	}
	m := ui.New(deps)
	s.t.Cleanup(m.Close) // after the program has ended: cleanups run last first
	tm := uitest.Start(s.t, m, w, h)
	tm.WaitUntil("every pane loaded", func(frame string) bool {
		q := queueRows(frame)
		loaded := strings.Contains(q, "INC-3") && strings.Contains(q, "REQ-6") && strings.Contains(frame, "● LIVE")
		if w >= 160 && h >= 48 { // the grid
			loaded = loaded && strings.Contains(uitest.Pane(frame, "Alerts"), "DiskFull") &&
				strings.Contains(uitest.Pane(frame, "Changes"), "CHG-1") && strings.Contains(uitest.Pane(frame, "Knowledge"), "KB-2")
		}
		return loaded
	})
	return m, tm
}

// queueRows is the queue pane of a frame: what a check on the listed
// incidents looks at, rather than at a banner or the footer.
func queueRows(frame string) string { return uitest.Pane(frame, "Incidents") }

// lastLine is a frame's last line: the footer, with its key hints.
func lastLine(frame string) string { return frame[strings.LastIndex(frame, "\n")+1:] }

// incident reads an incident back from the store.
func (s *stack) incident(id int64) model.Incident {
	s.t.Helper()
	in, err := s.db.Incident(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return in
}

// lastEntry is the newest entry on an incident's timeline.
func (s *stack) lastEntry(id int64) model.TimelineEntry {
	s.t.Helper()
	tl, err := s.db.Timeline(context.Background(), id)
	if err != nil || len(tl) == 0 {
		s.t.Fatalf("INC-%d's timeline: %v, %v", id, tl, err)
	}
	return tl[len(tl)-1]
}

// TestSeed reads the seeded week back, so the other tests can rely on it.
func TestSeed(t *testing.T) {
	s := seeded(t)
	for id, want := range map[int64]string{1: "resolved P3 tom.okafor", 2: "resolved P3 tom.okafor", 3: "in_progress P1 major tom.okafor", 4: "new P2",
		5: "on_hold P3 raj.iyer awaiting_problem", 6: "new P5"} {
		in := s.incident(id)
		got := strings.Join(strings.Fields(strings.Join([]string{string(in.State), in.Priority.String(),
			map[bool]string{true: "major"}[in.Major], in.Assignee, in.HoldReason}, " ")), " ")
		if got != want {
			t.Errorf("INC-%d: %s, want %s", id, got, want)
		}
	}
	if sugg, err := s.db.ProblemSuggestions(s.ctx, now); err != nil || len(sugg) == 0 {
		t.Error("the checkout incidents suggest no problem")
	}
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	frame := tm.Final()
	for _, want := range []string{"P1 1  P2 1  firing 2", "PRB? Checkout returns 502", "PRB-1 Settlement batch", "HighErrorRate", "13:00 CHG-2", "KB-1"} {
		if !strings.Contains(frame, want) {
			t.Errorf("the grid lacks %q:\n%s", want, frame)
		}
	}
}
