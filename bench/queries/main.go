// Command queries times the console's hot queries against a database made
// by bench/gendb and prints their percentiles next to the budgets, then
// the database's plan for each.
//
//	go run ./bench/queries -db /tmp/bench.db [-n 2000] [-ingest]
//	go run ./bench/queries -db postgres://… [-n 2000] [-ingest]
//
// For PostgreSQL, copy a gendb file there first: hypercare migrate --from
// /tmp/bench.db --to postgres://….
//
// With -ingest a background writer upserts alerts throughout, as drops do,
// so the figures include reads racing commits and checkpoints.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hypercare-ops/hypercare/bench/latency"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/pg"
)

func main() {
	path := flag.String("db", os.Getenv("HYPERCARE_BENCH_DB"), "database made by bench/gendb (default $HYPERCARE_BENCH_DB)")
	n := flag.Int("n", 2000, "runs per query")
	ingest := flag.Bool("ingest", false, "upsert alerts in the background while timing")
	only := flag.String("only", "", "time only the queries whose names match this regular expression")
	flag.Parse()
	match, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintf(os.Stderr, "queries: -only: %v\n", err)
		os.Exit(2)
	}
	if *path == "" {
		fmt.Fprintln(os.Stderr, "queries: -db FILE is required; make one with go run ./bench/gendb")
		os.Exit(2)
	}
	if _, err := os.Stat(*path); err != nil && !pg.IsURL(*path) {
		fmt.Fprintf(os.Stderr, "queries: %v; make the database with go run ./bench/gendb -db %s\n", err, *path)
		os.Exit(2)
	}
	if err := run(context.Background(), *path, *n, *ingest, match); err != nil {
		fmt.Fprintln(os.Stderr, "queries:", err)
		os.Exit(1)
	}
}

type query struct {
	name     string
	p50, p99 time.Duration // budget; zero when the spec sets none
	run      func(context.Context, model.Store) error
}

func queries() []query {
	const ms = time.Millisecond
	now := time.Now()
	return []query{
		{"queue open, first page", 2 * ms, 5 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Queue(ctx, model.QueueQuery{Limit: 60})
			return err
		}},
		{"queue all, first page", 2 * ms, 5 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Queue(ctx, model.QueueQuery{All: true, Limit: 60})
			return err
		}},
		{"feed, first page", 2 * ms, 5 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Limit: 60})
			return err
		}},
		{"feed firing, first page", 2 * ms, 5 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Firing: true, Limit: 60})
			return err
		}},
		{"counts", ms, ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Counts(ctx)
			return err
		}},
		{"calendar week", 0, 0, func(ctx context.Context, db model.Store) error {
			_, err := db.ChangesBetween(ctx, now.Add(-3*24*time.Hour), now.Add(4*24*time.Hour))
			return err
		}},
		{"next change", 0, 0, func(ctx context.Context, db model.Store) error {
			_, err := db.NextChange(ctx, now)
			if errors.Is(err, model.ErrNotFound) {
				return nil
			}
			return err
		}},
		// The text filter through its index (alerts_text), on the text
		// bench/gendb writes ("HighErrorRate on cdn: instance
		// fill00000001a2b3 over threshold"): text few alerts contain (256
		// of a million), two words that few contain together, text none
		// contains, a name a tenth of them hold, and a word that reads as
		// a record number too ("svc-03": record 3, or the text).
		{"feed text, rare", 50 * ms, 50 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Filter: "fill0000000f41", Limit: 60})
			return err
		}},
		{"feed text, rare words", 50 * ms, 50 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Filter: "cdn fill0000000f4", Limit: 60})
			return err
		}},
		{"feed text, none", 50 * ms, 50 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Filter: "xyzzy", Limit: 60})
			return err
		}},
		{"feed text, common", 50 * ms, 50 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Filter: "HighErrorRate", Limit: 60})
			return err
		}},
		{"feed text, record-like", 50 * ms, 50 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Filter: "svc-03", Limit: 60})
			return err
		}},
		{"feed firing text, rare", 50 * ms, 50 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Firing: true, Filter: "fill0000000f41", Limit: 60})
			return err
		}},
		{"feed firing text, common", 50 * ms, 50 * ms, func(ctx context.Context, db model.Store) error {
			_, err := db.Feed(ctx, model.FeedQuery{Firing: true, Filter: "HighErrorRate", Limit: 60})
			return err
		}},
		{"queue filtered", 0, 0, func(ctx context.Context, db model.Store) error {
			_, err := db.Queue(ctx, model.QueueQuery{Filter: "svc-03", Limit: 60})
			return err
		}},
		{"articles by title", 0, 0, func(ctx context.Context, db model.Store) error {
			_, err := db.Articles(ctx, model.ArticleQuery{Limit: 60})
			return err
		}},
		{"article search", 0, 0, func(ctx context.Context, db model.Store) error {
			_, err := db.Articles(ctx, model.ArticleQuery{Search: "replica lag", Limit: 20})
			return err
		}},
	}
}

// plan is one hot query's plan, and whether it sorts outside an index.
type plan struct {
	name  string
	steps []string
	sorts bool
}

// open opens a SQLite file or a PostgreSQL database, with what explains
// its hot queries.
func open(ctx context.Context, path string) (model.Store, func() error, func(context.Context) ([]plan, error), error) {
	if pg.IsURL(path) {
		db, err := pg.Open(ctx, path, pg.Options{})
		if err != nil {
			return nil, nil, nil, err
		}
		return db, db.Close, func(ctx context.Context) ([]plan, error) {
			ps, err := db.ExplainHotQueries(ctx)
			var out []plan
			for _, p := range ps {
				out = append(out, plan{p.Name, p.Steps, p.Sorts() && !p.Free && p.Name != "article search" && p.Name != "counts"})
			}
			return out, err
		}, nil
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	// The text index is filled in the background; a database made before
	// it existed (or by an older gendb) is indexed now, before timing.
	for {
		left, err := db.AlertTextBacklog(ctx)
		if err != nil {
			db.Close()
			return nil, nil, nil, err
		}
		if left == 0 {
			break
		}
		fmt.Printf("\rwaiting for the alert text index: %d alerts to go  ", left)
		time.Sleep(time.Second)
	}
	fmt.Print("\r")
	return db, db.Close, func(ctx context.Context) ([]plan, error) {
		ps, err := db.ExplainHotQueries(ctx)
		var out []plan
		for _, p := range ps {
			out = append(out, plan{p.Name, p.Steps, p.TempBTree() && !p.Window})
		}
		return out, err
	}, nil
}

func run(ctx context.Context, path string, n int, ingest bool, match *regexp.Regexp) error {
	db, closeDB, explain, err := open(ctx, path)
	if err != nil {
		return err
	}
	defer closeDB()

	var writes atomic.Int64
	if ingest {
		stop := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- ingestLoop(ctx, db, stop, &writes) }()
		defer func() {
			close(stop)
			if err := <-done; err != nil {
				fmt.Fprintln(os.Stderr, "queries: background ingest:", err)
			}
		}()
	}

	where := path
	if pg.IsURL(path) {
		where = pg.Redact(path)
	}
	fmt.Printf("%s, %d runs per query, background ingest %v\n\n", where, n, ingest)
	failed := false
	for _, q := range queries() {
		if !match.MatchString(q.name) {
			continue
		}
		var s latency.Sample
		for range n {
			if err := s.Time(func() error { return q.run(ctx, db) }); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
		}
		verdict := ""
		if q.p50 > 0 {
			verdict = fmt.Sprintf("budget p50 %v p99 %v: ok", q.p50, q.p99)
			if s.Quantile(0.5) > q.p50 || s.Quantile(0.99) > q.p99 {
				verdict, failed = strings.TrimSuffix(verdict, "ok")+"OVER", true
			}
		}
		fmt.Printf("%-26s %s  %s\n", q.name, s, verdict)
	}
	if ingest {
		fmt.Printf("\nbackground ingest committed %d alert deliveries\n", writes.Load())
	}

	plans, err := explain(ctx)
	if err != nil {
		return err
	}
	fmt.Println("\nEXPLAIN")
	for _, p := range plans {
		fmt.Printf("%s:\n    %s\n", p.name, strings.Join(p.steps, "\n    "))
		if p.sorts {
			failed = true
		}
	}
	if failed {
		return errors.New("a query is over budget or sorts outside an index")
	}
	return nil
}

// ingestLoop commits a drop of 100 alert deliveries every 100ms, cycling
// over 5,000 dedup keys so the database does not grow.
func ingestLoop(ctx context.Context, db model.Store, stop <-chan struct{}, writes *atomic.Int64) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	states := []model.AlertState{model.AlertFiring, model.AlertResolved}
	for round := 0; ; round++ {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		err := db.Write(ctx, func(tx model.Tx) error {
			for i := range 100 {
				key := (round*100 + i) % 5000
				a := model.Alert{DedupKey: fmt.Sprintf("bench-ingest-%04d", key), Source: "alertmanager",
					Name: "IngestLoad", Severity: model.SevWarning, State: states[round/50%2], Service: "svc-01",
					Labels: map[string]string{"alertname": "IngestLoad", "key": fmt.Sprint(key)}}
				if _, err := tx.UpsertAlert(&a, time.Time{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		writes.Add(100)
	}
}
