package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/bench/latency"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// The query benchmarks run against a large database made by bench/gendb:
//
//	go run ./bench/gendb -db /tmp/bench.db
//	HYPERCARE_BENCH_DB=/tmp/bench.db go test -run '^$' -bench . ./store/
//
// Budgets (SPEC.md): queue and feed first page p50 ≤ 2ms, p99 ≤ 5ms; counts ≤ 1ms.
func benchDB(b *testing.B) *DB {
	path := os.Getenv("HYPERCARE_BENCH_DB")
	if path == "" {
		b.Skip("set HYPERCARE_BENCH_DB to a database made by go run ./bench/gendb")
	}
	db, err := Open(b.Context(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// runTimed runs op in the benchmark loop and reports its latency
// percentiles, which the budgets are written in.
func runTimed(b *testing.B, op func(context.Context) error) {
	ctx := b.Context()
	var s latency.Sample
	for b.Loop() {
		if err := s.Time(func() error { return op(ctx) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(latency.Millis(s.Quantile(0.50)), "p50-ms")
	b.ReportMetric(latency.Millis(s.Quantile(0.99)), "p99-ms")
}

func BenchmarkQueue(b *testing.B) {
	db := benchDB(b)
	for _, bc := range []struct {
		name string
		q    model.QueueQuery
	}{
		{"open", model.QueueQuery{Limit: 60}},
		{"all", model.QueueQuery{All: true, Limit: 60}},
		{"open-filtered", model.QueueQuery{Filter: "svc-03", Limit: 60}},
		{"all-filtered", model.QueueQuery{All: true, Filter: "svc-03", Limit: 60}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			runTimed(b, func(ctx context.Context) error { _, err := db.Queue(ctx, bc.q); return err })
		})
	}
}

func BenchmarkFeed(b *testing.B) {
	db := benchDB(b)
	for _, bc := range []struct {
		name string
		q    model.FeedQuery
	}{
		{"all", model.FeedQuery{Limit: 60}},
		{"firing", model.FeedQuery{Firing: true, Limit: 60}},
		{"all-page10", model.FeedQuery{Offset: 600, Limit: 60}},
		{"firing-filtered", model.FeedQuery{Firing: true, Filter: "svc-03", Limit: 60}},
		{"all-filtered", model.FeedQuery{Filter: "svc-03", Limit: 60}},
		// The worst case: nothing matches, so the whole table is read.
		{"all-nomatch", model.FeedQuery{Filter: "no such text", Limit: 60}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			runTimed(b, func(ctx context.Context) error { _, err := db.Feed(ctx, bc.q); return err })
		})
	}
}

func BenchmarkCounts(b *testing.B) {
	db := benchDB(b)
	runTimed(b, func(ctx context.Context) error { _, err := db.Counts(ctx); return err })
}

// BenchmarkWriteDrop commits drops of 100 alert deliveries, the write path
// of the drop → visible budget (p50 ≤ 25ms, p99 ≤ 50ms end to end). Dedup
// keys are hashes, as fingerprints are, cycling over 50,000 of them, so the
// bench database gains at most that many "bench-drop-" alerts.
func BenchmarkWriteDrop(b *testing.B) {
	db := benchDB(b)
	states := []model.AlertState{model.AlertFiring, model.AlertResolved}
	drop := 0
	runTimed(b, func(ctx context.Context) error {
		drop++
		return db.Write(ctx, func(tx model.Tx) error {
			for i := range 100 {
				n := (drop*100 + i) % 50_000
				h := fnv.New64a()
				fmt.Fprint(h, n)
				a := model.Alert{DedupKey: fmt.Sprintf("bench-drop-%016x", h.Sum64()), Source: "alertmanager",
					Name: "DropLoad", Severity: model.SevWarning, State: states[drop/500%2], Service: "svc-01",
					Summary: fmt.Sprintf("drop load %d", n), LastSeen: time.Now(),
					Labels: map[string]string{"alertname": "DropLoad", "n": fmt.Sprint(n), "env": "prod"}}
				if _, err := tx.UpsertAlert(&a, time.Time{}); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// BenchmarkSweepSLA times the SLA sweep over 500 open incidents when there
// is nothing to raise, which is what every 15-second tick does nearly
// always: it holds the write lock for this long.
//
//	go test -run '^$' -bench SweepSLA ./store/
func BenchmarkSweepSLA(b *testing.B) {
	ctx := b.Context()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		b.Fatal(err)
	}
	db, err := Open(ctx, b.TempDir()+"/sweep.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	desk := model.NewDesk(db, p)
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	desk.Now = func() time.Time { return start }
	services := []string{"checkout", "search", "orders", "catalog", "settlement"}
	for i := range 500 {
		_, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: fmt.Sprintf("incident %d", i), Service: services[i%len(services)],
			Category: "other", Impact: model.Level(1 + i%3), Urgency: model.Level(1 + (i/3)%3)})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Raise everything due once, so the loop measures quiet ticks.
	if _, err := desk.SweepSLA(ctx, start.Add(time.Minute)); err != nil {
		b.Fatal(err)
	}
	var s latency.Sample
	for b.Loop() {
		if err := s.Time(func() error { _, err := desk.SweepSLA(ctx, start.Add(time.Minute)); return err }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(latency.Millis(s.Quantile(0.50)), "p50-ms")
	b.ReportMetric(latency.Millis(s.Quantile(0.99)), "p99-ms")
}

var bob = model.Actor{Name: "bob", Role: model.RoleOperator}
