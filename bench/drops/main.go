// Command drops measures the drop watcher against SPEC.md's budget of zero
// files lost in a 30k-file burst: every file renamed into the folder as
// fast as it can be ends up applied (in processed/) or, if broken, in
// rejected/ with its .error sidecar, and the counts match.
//
// The ingester is the real one: the service layer with the example plan
// over a store, fresh or a copy of a stored database (-base), so the burst
// pays what a real burst pays. How soon a drop is seen on a console's
// screen is bench/visible's to measure; how fast alerts go in, bench/ingest's.
//
//	go run ./bench/drops
//	go run ./bench/drops -base /tmp/perf/base-1000000.db -files 30000
//	go run ./bench/drops -db postgres://… -sites 2
//
// With -db the store is PostgreSQL (a schema of its own, dropped after).
// With -sites N there are N watchers, each with its own folder, store
// connection pool and desk, as N hypercare processes would have, and every
// burst file is renamed into every folder: each drop must be applied by
// exactly one of them, and the store must hold every alert report the
// applying desks stored exactly once.
//
// The burst writes every file into a staging folder first, then renames them
// all into the running watcher's folder as fast as it can, as producers are
// told to.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hypercare-ops/hypercare/bench/rig"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/drops"
	"github.com/hypercare-ops/hypercare/store/pg"
	"github.com/hypercare-ops/hypercare/store/pg/pgbench"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.files, "files", 30_000, "files in the burst")
	flag.Float64Var(&cfg.bad, "bad", 0.01, "fraction of burst files that are broken and must be rejected")
	flag.StringVar(&cfg.base, "base", "", "stored database to copy and start from (default: an empty one)")
	flag.StringVar(&cfg.dir, "dir", "", "work folder (default: a new temporary folder, removed afterwards)")
	flag.StringVar(&cfg.db, "db", "", "a PostgreSQL database (postgres://…) to ingest into, in a schema of its own, instead of a SQLite file")
	flag.IntVar(&cfg.sites, "sites", 1, "watchers, each with its own folder and store connection, that every burst file reaches")
	flag.Parse()
	if (cfg.db != "" && !pg.IsURL(cfg.db)) || (cfg.db != "" && cfg.base != "") || cfg.sites < 1 {
		fmt.Fprintln(os.Stderr, "bench/drops: -db takes a postgres:// URL (and no -base); -sites 1 or more")
		os.Exit(2)
	}
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/drops:", err)
		os.Exit(1)
	}
}

type config struct {
	files int
	bad   float64
	base  string
	dir   string
	db    string
	sites int
}

func run(ctx context.Context, cfg config) error {
	root := cfg.dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "hypercare-bench-drops-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	target, err := newTarget(ctx, cfg, root)
	if err != nil {
		return err
	}
	defer target.close()
	fmt.Printf("machine: %s, %s\ningester: %s, %d site(s)\n", rig.Machine(), rig.Load(), target.name, len(target.sites))
	if err := burst(ctx, cfg, target, filepath.Join(root, "burst")); err != nil {
		return fmt.Errorf("burst: %w", err)
	}
	fmt.Printf("  %s now\n", rig.Load())
	return nil
}

// target is what the watchers ingest into: one site per watcher.
type target struct {
	name  string
	sites []site
	close func()
}

// site is one watcher's desk and store connection.
type site struct {
	ingester *countingIngester
	db       model.Store
}

func newTarget(ctx context.Context, cfg config, root string) (*target, error) {
	p, err := rig.Plan()
	if err != nil {
		return nil, err
	}
	t := &target{name: "model.Desk (example plan) over an empty store"}
	var closers []func()
	t.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	path := filepath.Join(root, "bench.db")
	if cfg.base != "" {
		if err := rig.Upgrade(ctx, cfg.base); err != nil {
			return nil, err
		}
		if err := rig.Copy(cfg.base, path); err != nil {
			return nil, err
		}
		t.name = "model.Desk (example plan) over a copy of " + cfg.base
	}
	open := func() (rig.Store, error) { return store.Open(ctx, path, store.Options{}) }
	if cfg.db != "" {
		u, drop, err := pgbench.Schema(ctx, cfg.db, "bench_drops")
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() { drop() })
		t.name = "model.Desk (example plan) over an empty PostgreSQL schema, " + pg.Redact(cfg.db)
		open = func() (rig.Store, error) { return pg.Open(ctx, u, pg.Options{}) }
	}
	for range cfg.sites {
		db, err := open()
		if err != nil {
			t.close()
			return nil, err
		}
		closers = append(closers, func() { db.Close() })
		desk := model.NewDesk(db, p)
		if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
			t.close()
			return nil, err
		}
		t.sites = append(t.sites, site{ingester: &countingIngester{BatchIngester: desk}, db: db})
	}
	return t, nil
}

// countingIngester counts the drops the desk applied (duplicates apart),
// passing the watcher's batches through whole.
type countingIngester struct {
	model.BatchIngester
	applied atomic.Int64
	alerts  atomic.Int64 // alert reports the applied drops stored (not those older than the stored state)
}

func (c *countingIngester) Ingest(ctx context.Context, a model.Actor, d model.Drop) (model.IngestResult, error) {
	res, err := c.BatchIngester.Ingest(ctx, a, d)
	if err == nil && !res.Duplicate {
		c.applied.Add(1)
		c.alerts.Add(int64(res.Alerts))
	}
	return res, err
}

func (c *countingIngester) IngestAll(ctx context.Context, a model.Actor, ds []model.Drop) ([]model.IngestResult, []error, error) {
	res, errs, err := c.BatchIngester.IngestAll(ctx, a, ds)
	if err == nil {
		for i := range res {
			if errs[i] == nil && !res[i].Duplicate {
				c.applied.Add(1)
				c.alerts.Add(int64(res[i].Alerts))
			}
		}
	}
	return res, errs, err
}

// watch runs a watcher over dir until the returned stop is called.
func watch(ctx context.Context, dir string, ing model.Ingester, onResult func(drops.Result)) (*drops.Watcher, *atomic.Int64, func() error, error) {
	var rescans atomic.Int64
	w, err := drops.NewWatcher(drops.Config{Dir: dir, Ingester: ing, OnResult: onResult,
		Logf: func(format string, args ...any) {
			msg := fmt.Sprintf(format, args...)
			if strings.Contains(msg, "rescanning") {
				rescans.Add(1)
			}
			fmt.Fprintln(os.Stderr, "  watcher:", msg)
		}})
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for !w.Status().Watching {
		select {
		case err := <-done:
			cancel()
			return nil, nil, nil, err
		case <-time.After(time.Millisecond):
		}
	}
	return w, &rescans, sync.OnceValue(func() error { cancel(); return <-done }), nil
}

func burst(ctx context.Context, cfg config, t *target, root string) error {
	stage := filepath.Join(root, "stage")
	dirs := make([]string, len(t.sites))
	for i := range dirs {
		dirs[i] = filepath.Join(root, fmt.Sprintf("drops-%d", i))
	}
	for _, d := range append([]string{stage}, dirs...) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	fmt.Printf("\nburst: writing %d files to a staging folder, a copy for each of %d folder(s)…\n", cfg.files, len(dirs))
	names := make([]string, cfg.files)
	wantBad := 0
	everyBad := 0
	if cfg.bad > 0 {
		everyBad = int(1 / cfg.bad)
	}
	for i := range cfg.files {
		isBad := everyBad > 0 && i%everyBad == everyBad-1
		name, data := burstFile(i, isBad)
		if isBad {
			wantBad++
		}
		names[i] = name
		for s := range dirs {
			if err := os.WriteFile(filepath.Join(stage, fmt.Sprint(s, "-", name)), data, 0o644); err != nil {
				return err
			}
		}
	}
	deliveredBefore, err := deliveries(ctx, t.sites[0].db)
	if err != nil {
		return err
	}
	type running struct {
		w               *drops.Watcher
		rescans         *atomic.Int64
		stop            func() error
		applied, alerts int64
	}
	watchers := make([]running, len(dirs))
	for i, d := range dirs {
		w, rescans, stop, err := watch(ctx, d, t.sites[i].ingester, nil)
		if err != nil {
			return err
		}
		defer stop()
		watchers[i] = running{w: w, rescans: rescans, stop: stop, applied: t.sites[i].ingester.applied.Load(), alerts: t.sites[i].ingester.alerts.Load()}
	}
	start := time.Now()
	// Every file reaches every folder at about the same time, as one
	// producer delivering to several sites would.
	renameErrs := make(chan error, len(dirs))
	var wg sync.WaitGroup
	for s, d := range dirs {
		wg.Go(func() {
			for _, name := range names {
				if err := os.Rename(filepath.Join(stage, fmt.Sprint(s, "-", name)), filepath.Join(d, name)); err != nil {
					renameErrs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(renameErrs)
	if err := <-renameErrs; err != nil {
		return err
	}
	renamed := time.Since(start)
	maxQueue := 0
	for {
		done := true
		for _, r := range watchers {
			s := r.w.Status()
			maxQueue = max(maxQueue, s.Queue)
			done = done && s.Processed+s.Rejected >= cfg.files
		}
		if done {
			break
		}
		if time.Since(start) > 10*time.Minute {
			return errors.New("gave up after 10 minutes")
		}
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	fmt.Printf("  renamed in:   %d files × %d folder(s) in %v (%.0f files/s)\n", cfg.files, len(dirs), renamed.Round(time.Millisecond), float64(cfg.files*len(dirs))/renamed.Seconds())
	fmt.Printf("  all done in:  %v (%.0f files/s per folder), queue peaked at %d\n", took.Round(time.Millisecond), float64(cfg.files)/took.Seconds(), maxQueue)

	ok := true
	applied, stored := 0, 0
	for i, r := range watchers {
		s := r.w.Status()
		if err := r.stop(); err != nil {
			return err
		}
		d := dirs[i]
		left, err := countFiles(d, "")
		if err != nil {
			return err
		}
		processed, err := countFiles(filepath.Join(d, drops.ProcessedDir), "")
		if err != nil {
			return err
		}
		rejected, err := countFiles(filepath.Join(d, drops.RejectedDir), ".error")
		if err != nil {
			return err
		}
		sidecars, err := countFiles(filepath.Join(d, drops.RejectedDir), "")
		if err != nil {
			return err
		}
		sidecars -= rejected
		ing := t.sites[i].ingester
		here := int(ing.applied.Load() - r.applied)
		applied += here
		stored += int(ing.alerts.Load() - r.alerts)
		fmt.Printf("  folder %d:     status processed %d, rejected %d; on disk processed/ %d, rejected/ %d (+%d .error), left %d; %d rescans; applied here %d\n",
			i, s.Processed, s.Rejected, processed, rejected, sidecars, left, r.rescans.Load(), here)
		lost := cfg.files - processed - rejected - left
		ok = ok && lost == 0 && left == 0 && rejected == wantBad && sidecars == wantBad &&
			processed == cfg.files-wantBad && s.Processed == processed && s.Rejected == rejected
	}
	fmt.Printf("  ingesters:    %d drops applied in all (want %d: each once)\n", applied, cfg.files-wantBad)
	ok = ok && applied == cfg.files-wantBad
	delivered, err := deliveries(ctx, t.sites[0].db)
	if err != nil {
		return err
	}
	fmt.Printf("  store:        %d alert deliveries recorded (want %d, the reports the applying desks stored: each once)\n", delivered-deliveredBefore, stored)
	ok = ok && delivered-deliveredBefore == stored
	verdict := "OK: none lost, each drop applied once, counts match"
	if !ok {
		verdict = fmt.Sprintf("MISMATCH: want %d processed and %d rejected in each folder, %d applied in all", cfg.files-wantBad, wantBad, cfg.files-wantBad)
	}
	fmt.Printf("  %s\n", verdict)
	if !ok {
		return errors.New("burst counts do not match")
	}
	return nil
}

// deliveries sums the deliveries of every alert in the store: what a burst
// must add exactly once per alert report it carries.
func deliveries(ctx context.Context, db model.Store) (int, error) {
	alerts, err := db.Feed(ctx, model.FeedQuery{Members: true, Limit: 1 << 22})
	n := 0
	for _, a := range alerts {
		n += a.Deliveries
	}
	return n, err
}

// burstFile is a small drop: generic NDJSON or an Alertmanager payload, one
// to three alerts, keys reused across files so the desk sees updates too.
func burstFile(i int, bad bool) (string, []byte) {
	n := 1 + i%3
	if bad {
		return fmt.Sprintf("burst-%05d.json", i), fmt.Appendf(nil, `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Bench%d"}`, i)
	}
	if i%2 == 0 {
		var b strings.Builder
		for j := range n {
			fmt.Fprintf(&b, `{"key":"bench-%d","status":"%s","severity":"warning","service":"catalog","summary":"bench alert %d/%d","labels":{"alertname":"BenchProbe","probe":"p%d"}}`+"\n",
				(i*3+j)%5000, state(i), i, j, j)
		}
		return fmt.Sprintf("burst-%05d.ndjson", i), []byte(b.String())
	}
	alerts := make([]string, n)
	for j := range alerts {
		alerts[j] = fmt.Sprintf(`{"status":"%s","labels":{"alertname":"BenchHighLatency","service":"search","instance":"web-%d","severity":"warning"},"annotations":{"summary":"file %d"},"startsAt":"2026-11-20T12:00:00Z","endsAt":"0001-01-01T00:00:00Z"}`,
			state(i), (i*3+j)%5000, i)
	}
	return fmt.Sprintf("burst-%05d.json", i), fmt.Appendf(nil, `{"version":"4","status":"firing","receiver":"hypercare","groupKey":"{}:{service=\"search\"}","truncatedAlerts":0,"alerts":[%s]}`, strings.Join(alerts, ","))
}

func state(i int) string {
	if i%7 == 3 {
		return "resolved"
	}
	return "firing"
}

// countFiles counts the regular files in dir, only those ending in suffix
// when one is given.
func countFiles(dir, suffix string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), suffix) {
			n++
		}
	}
	return n, nil
}
