// Command ingest measures alert intake against SPEC.md's budgets:
//
//   - throughput: model.Desk.Ingest of N alerts (one drop) against a raw
//     batched SQLite upsert of the same rows into the same schema, in the
//     same run; the budget is ≥ 0.6× the raw rate;
//
//   - a 10k-alert file renamed into a watched drop folder is visible in the
//     feed within 1 s.
//
//     go run ./bench/ingest [-alerts 10000] [-rounds 5]
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/drops"
)

func main() {
	n := flag.Int("alerts", 10_000, "alerts per drop")
	rounds := flag.Int("rounds", 5, "measured rounds of each (each round is a fresh database)")
	flag.Parse()
	if err := run(*n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ingest:", err)
		os.Exit(1)
	}
}

// payload is an Alertmanager webhook of n firing alerts of one group.
func payload(n, round int) []byte {
	type alert struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    string            `json:"startsAt"`
		EndsAt      string            `json:"endsAt"`
		Fingerprint string            `json:"fingerprint"`
	}
	alerts := make([]alert, n)
	for i := range alerts {
		alerts[i] = alert{Status: "firing",
			Labels: map[string]string{"alertname": "BenchLoad", "service": "catalog", "severity": "warning",
				"instance": fmt.Sprintf("catalog-%05d:8080", i), "round": fmt.Sprint(round)},
			Annotations: map[string]string{"summary": fmt.Sprintf("load test alert %d", i)},
			StartsAt:    "2026-11-25T09:00:00Z", EndsAt: "0001-01-01T00:00:00Z",
			Fingerprint: fmt.Sprintf("%08x%08x", round, i)}
	}
	b, _ := json.Marshal(map[string]any{"version": "4", "status": "firing", "receiver": "hypercare",
		"groupKey": fmt.Sprintf("{}:{round=%d}", round), "alerts": alerts, "truncatedAlerts": 0})
	return b
}

func run(n, rounds int) error {
	ctx := context.Background()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "hypercare-bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	lim := drops.DefaultLimits()
	var rawBest, ingestBest, parseIngestBest time.Duration
	for r := range rounds {
		data := payload(n, r)
		batch, err := drops.Parse("bench.json", data, lim)
		if err != nil {
			return err
		}
		// Raw: the same rows straight into the alerts table, one
		// transaction, one prepared upsert: the floor for this schema.
		raw, err := timeRaw(ctx, filepath.Join(root, fmt.Sprintf("raw-%d.db", r)), batch)
		if err != nil {
			return err
		}
		db, err := store.Open(ctx, filepath.Join(root, fmt.Sprintf("desk-%d.db", r)), store.Options{})
		if err != nil {
			return err
		}
		desk := model.NewDesk(db, p)
		start := time.Now()
		b2, err := drops.Parse("bench.json", data, lim)
		if err != nil {
			return err
		}
		parsed := time.Now()
		res, err := desk.Ingest(ctx, model.System, drops.ToDrop("bench.json", data, b2))
		done := time.Now()
		db.Close()
		if err != nil {
			return err
		}
		if res.New != n {
			return fmt.Errorf("ingest applied %d new alerts, want %d", res.New, n)
		}
		ingest, total := done.Sub(parsed), done.Sub(start)
		fmt.Printf("round %d: raw upsert %v, Desk.Ingest %v (%.2f× raw), parse+ingest %v (%.2f× raw)\n",
			r+1, raw.Round(time.Millisecond), ingest.Round(time.Millisecond), float64(raw)/float64(ingest),
			total.Round(time.Millisecond), float64(raw)/float64(total))
		rawBest, ingestBest, parseIngestBest = best(rawBest, raw), best(ingestBest, ingest), best(parseIngestBest, total)
	}
	fmt.Printf("best of %d, %d alerts: raw %v (%.0f alerts/s), ingest %v (%.0f alerts/s) = %.2f× raw; parse+ingest %.2f× raw (budget ≥ 0.60×)\n",
		rounds, n, rawBest.Round(time.Millisecond), float64(n)/rawBest.Seconds(), ingestBest.Round(time.Millisecond),
		float64(n)/ingestBest.Seconds(), float64(rawBest)/float64(ingestBest), float64(rawBest)/float64(parseIngestBest))
	return visible(ctx, root, p, n)
}

func best(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

func timeRaw(ctx context.Context, path string, b drops.Batch) (time.Duration, error) {
	db, err := store.Open(ctx, path, store.Options{}) // the schema, and the driver
	if err != nil {
		return 0, err
	}
	db.Close()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	start := time.Now()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO alerts (dedup_key, source, name, severity, state, service, summary,
	labels, annotations, starts_at, first_seen, last_seen, group_key)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)
ON CONFLICT (dedup_key) DO UPDATE SET state = excluded.state, last_seen = excluded.last_seen, count = count + 1`)
	if err != nil {
		return 0, err
	}
	now := time.Now().UnixMilli()
	for _, e := range b.Events {
		a := e.Alert
		labels, _ := json.Marshal(a.Labels)
		ann, _ := json.Marshal(a.Annotations)
		if _, err := st.ExecContext(ctx, a.DedupKey, a.Source, a.Name, int(a.Severity), string(a.State), a.Service, a.Summary,
			string(labels), string(ann), a.StartsAt.UnixMilli(), now, b.Group); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// visible renames a 10k-alert file into a watched folder and times until the
// feed shows its alerts.
func visible(ctx context.Context, root string, p *plan.Plan, n int) error {
	db, err := store.Open(ctx, filepath.Join(root, "visible.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	desk := model.NewDesk(db, p)
	dir := filepath.Join(root, "drops")
	w, err := drops.NewWatcher(drops.Config{Dir: dir, Ingester: desk})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go w.Run(wctx)
	for !w.Status().Watching {
		time.Sleep(5 * time.Millisecond)
	}
	data := payload(n, 99)
	staged := filepath.Join(root, "big.json")
	if err := os.WriteFile(staged, data, 0o644); err != nil {
		return err
	}
	ch, stop := db.Subscribe()
	defer stop()
	start := time.Now()
	if err := os.Rename(staged, filepath.Join(dir, "big.json")); err != nil {
		return err
	}
	for {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("the %d-alert file was not visible after 5 s", n)
		}
		c, err := db.Counts(ctx)
		if err != nil {
			return err
		}
		if c.Alerts == n {
			feed, err := db.Feed(ctx, model.FeedQuery{Limit: 60})
			if err != nil {
				return err
			}
			fmt.Printf("%d-alert file (%d KB): renamed → in the feed (%d rows on the first page) in %v (budget 1 s)\n",
				n, len(data)/1024, len(feed), time.Since(start).Round(time.Millisecond))
			return nil
		}
	}
}
