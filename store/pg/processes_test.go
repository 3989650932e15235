package pg

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/store/pg/pgtest"
)

// One process leads the time-driven work; when its session ends (a crash,
// a restart, a partition), another takes the lead on its next tick.
func TestOneLeader(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	a, b := openURL(t, url), openURL(t, url)
	if !a.Leading(ctx) || b.Leading(ctx) {
		t.Fatal("the first to ask should lead, the second not")
	}
	if name, err := b.Leader(ctx); err != nil || name != appName() {
		t.Fatalf("Leader = %q, %v; want this process, %q", name, err, appName())
	}
	for range 3 {
		if !a.Leading(ctx) || b.Leading(ctx) {
			t.Fatal("the lead moved while its holder lived")
		}
	}
	// The leader's session is killed, as a crash or a network partition
	// would end it: the lock goes with it.
	if _, err := b.pool.Exec(ctx, `SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1 AND objid = $2::oid AND granted`, lockLead, uint32(a.key)); err != nil {
		t.Fatal(err)
	}
	if !b.Leading(ctx) {
		t.Fatal("nobody took the lead after the leader's session ended")
	}
	if a.Leading(ctx) {
		t.Fatal("the old leader still thinks it leads")
	}
	b.Close()
	if !a.Leading(ctx) {
		t.Fatal("the lead did not come back when the new leader closed")
	}
	// Another hypercare in another schema of the same database has a lead
	// of its own.
	other := openTest(t)
	if !other.Leading(ctx) {
		t.Error("a hypercare in another schema shares this one's lead")
	}
}

// Two processes that read the same drop (each from its own folder, or the
// same file delivered twice) apply it once: the second finds it recorded.
func TestDropAppliedOnceAcrossProcesses(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	clk := &modeltest.Clock{At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	var desks []*model.Desk
	for range 2 {
		d := model.NewDesk(openURL(t, url), modeltest.Policy{})
		d.Now = clk.Now
		desks = append(desks, d)
	}
	reader := openURL(t, url)
	for round := range 20 {
		var events []model.AlertEvent
		for i := range 50 {
			events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprintf("r%d-a%d", round, i), Name: "Load",
				Service: "orders", Severity: model.SevWarning, State: model.AlertFiring}})
		}
		drop := model.Drop{Name: fmt.Sprintf("burst-%d.json", round), Format: "generic", SHA256: fmt.Sprintf("sha-%d", round), Events: events}
		results := make([]model.IngestResult, len(desks))
		errs := make([]error, len(desks))
		var wg sync.WaitGroup
		for i, d := range desks {
			wg.Go(func() { results[i], errs[i] = d.Ingest(ctx, model.System, drop) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, process %d: %v", round, i, err)
			}
		}
		if results[0].Duplicate == results[1].Duplicate {
			t.Fatalf("round %d: duplicate %v and %v; want exactly one to apply it", round, results[0].Duplicate, results[1].Duplicate)
		}
	}
	c, err := reader.Counts(ctx)
	if err != nil || c.Alerts != 20*50 {
		t.Fatalf("alerts = %d, %v; want %d", c.Alerts, err, 20*50)
	}
	var twice int
	if err := reader.pool.QueryRow(ctx, "SELECT count(*) FROM alerts WHERE deliveries <> 1").Scan(&twice); err != nil || twice != 0 {
		t.Fatalf("%d alerts delivered more than once, %v", twice, err)
	}
}

// Two processes recording the same alerts at once: every delivery counts
// exactly once, and neither write fails (writers queue, as on one SQLite
// file, rather than abort on each other's rows).
func TestWritersQueueAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a, b := openURL(t, url), openURL(t, url)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, db := range []*DB{a, b} {
		desk := model.NewDesk(db, modeltest.Policy{})
		wg.Go(func() {
			for i := range 40 {
				if _, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: fmt.Sprint("k", i%5), Name: "n",
					Severity: model.SevWarning, State: model.AlertFiring}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var deliveries int
	if err := a.pool.QueryRow(ctx, "SELECT sum(deliveries) FROM alerts").Scan(&deliveries); err != nil || deliveries != 80 {
		t.Fatalf("deliveries = %d, %v; want 80", deliveries, err)
	}
}
