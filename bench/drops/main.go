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
	"sync/atomic"
	"time"

	"github.com/hypercare-ops/hypercare/bench/rig"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/drops"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.files, "files", 30_000, "files in the burst")
	flag.Float64Var(&cfg.bad, "bad", 0.01, "fraction of burst files that are broken and must be rejected")
	flag.StringVar(&cfg.base, "base", "", "stored database to copy and start from (default: an empty one)")
	flag.StringVar(&cfg.dir, "dir", "", "work folder (default: a new temporary folder, removed afterwards)")
	flag.Parse()
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
	target, err := newTarget(ctx, cfg.base, root)
	if err != nil {
		return err
	}
	defer target.close()
	fmt.Printf("machine: %s, %s\ningester: %s\n", rig.Machine(), rig.Load(), target.name)
	if err := burst(ctx, cfg, target, filepath.Join(root, "burst")); err != nil {
		return fmt.Errorf("burst: %w", err)
	}
	fmt.Printf("  %s now\n", rig.Load())
	return nil
}

// target is what the watcher ingests into.
type target struct {
	name     string
	ingester *countingIngester
	db       *store.DB
}

func newTarget(ctx context.Context, base, root string) (*target, error) {
	p, err := rig.Plan()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(root, "bench.db")
	name := "model.Desk (example plan) over an empty store"
	if base != "" {
		if err := rig.Copy(base, path); err != nil {
			return nil, err
		}
		name = "model.Desk (example plan) over a copy of " + base
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	desk := model.NewDesk(db, p)
	if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
		db.Close()
		return nil, err
	}
	return &target{name: name, ingester: &countingIngester{BatchIngester: desk}, db: db}, nil
}

func (t *target) close() { t.db.Close() }

// countingIngester counts the drops the desk applied (duplicates apart),
// passing the watcher's batches through whole.
type countingIngester struct {
	model.BatchIngester
	applied atomic.Int64
}

func (c *countingIngester) Ingest(ctx context.Context, a model.Actor, d model.Drop) (model.IngestResult, error) {
	res, err := c.BatchIngester.Ingest(ctx, a, d)
	if err == nil && !res.Duplicate {
		c.applied.Add(1)
	}
	return res, err
}

func (c *countingIngester) IngestAll(ctx context.Context, a model.Actor, ds []model.Drop) ([]model.IngestResult, []error, error) {
	res, errs, err := c.BatchIngester.IngestAll(ctx, a, ds)
	if err == nil {
		for i := range res {
			if errs[i] == nil && !res[i].Duplicate {
				c.applied.Add(1)
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
	return w, &rescans, func() error { cancel(); return <-done }, nil
}

func burst(ctx context.Context, cfg config, t *target, root string) error {
	dir, stage := filepath.Join(root, "drops"), filepath.Join(root, "stage")
	for _, d := range []string{dir, stage} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	fmt.Printf("\nburst: writing %d files to a staging folder…\n", cfg.files)
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
		if err := os.WriteFile(filepath.Join(stage, name), data, 0o644); err != nil {
			return err
		}
	}
	appliedBefore := t.ingester.applied.Load()

	w, rescans, stop, err := watch(ctx, dir, t.ingester, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	for _, name := range names {
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(dir, name)); err != nil {
			stop()
			return err
		}
	}
	renamed := time.Since(start)
	maxQueue := 0
	for {
		s := w.Status()
		maxQueue = max(maxQueue, s.Queue)
		if s.Processed+s.Rejected >= cfg.files {
			break
		}
		if time.Since(start) > 10*time.Minute {
			stop()
			return fmt.Errorf("gave up after 10 minutes: %+v", s)
		}
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	s := w.Status()
	if err := stop(); err != nil {
		return err
	}

	left, err := countFiles(dir, "")
	if err != nil {
		return err
	}
	processed, err := countFiles(filepath.Join(dir, drops.ProcessedDir), "")
	if err != nil {
		return err
	}
	rejected, err := countFiles(filepath.Join(dir, drops.RejectedDir), ".error")
	if err != nil {
		return err
	}
	sidecars, err := countFiles(filepath.Join(dir, drops.RejectedDir), "")
	if err != nil {
		return err
	}
	sidecars -= rejected
	applied := int(t.ingester.applied.Load() - appliedBefore)

	fmt.Printf("  renamed in:   %d files in %v (%.0f files/s)\n", cfg.files, renamed.Round(time.Millisecond), float64(cfg.files)/renamed.Seconds())
	fmt.Printf("  all done in:  %v (%.0f files/s), queue peaked at %d, %d rescans\n", took.Round(time.Millisecond), float64(cfg.files)/took.Seconds(), maxQueue, rescans.Load())
	fmt.Printf("  status:       processed %d, rejected %d\n", s.Processed, s.Rejected)
	fmt.Printf("  on disk:      processed/ %d, rejected/ %d (+%d .error), left in the drop folder %d\n", processed, rejected, sidecars, left)
	fmt.Printf("  ingester:     %d drops applied\n", applied)
	lost := cfg.files - processed - rejected - left
	ok := lost == 0 && left == 0 && rejected == wantBad && sidecars == wantBad &&
		processed == cfg.files-wantBad && applied == processed && s.Processed == processed && s.Rejected == rejected
	verdict := "OK: none lost, counts match"
	if !ok {
		verdict = fmt.Sprintf("MISMATCH: want %d processed, %d rejected; %d unaccounted for", cfg.files-wantBad, wantBad, lost)
	}
	fmt.Printf("  %s\n", verdict)
	if !ok {
		return errors.New("burst counts do not match")
	}
	return nil
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
