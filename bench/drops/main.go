// Command drops measures the drop watcher against the budgets in SPEC.md:
// zero files lost in a 30k-file burst, and drop → applied p50 ≤ 25 ms,
// p99 ≤ 50 ms for files of ≤100 alerts.
//
//	go run ./bench/drops                 # counting fake ingester
//	go run ./bench/drops -real           # model.Desk over a fresh store, example plan
//	go run ./bench/drops -files 1000 -latency 100
//
// The burst writes every file into a staging folder first, then renames them
// all into the running watcher's folder as fast as it can, as producers are
// told to. The latency run renames one file at a time and waits for it.
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

	"github.com/hypercare-ops/hypercare/bench/latency"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/drops"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.files, "files", 30_000, "files in the burst (0 skips it)")
	flag.Float64Var(&cfg.bad, "bad", 0.01, "fraction of burst files that are broken and must be rejected")
	flag.IntVar(&cfg.samples, "latency", 500, "files in the latency run, one at a time (0 skips it)")
	flag.IntVar(&cfg.alerts, "alerts", 100, "alerts per file in the latency run")
	flag.BoolVar(&cfg.real, "real", false, "ingest through model.Desk into a fresh store with the example plan, not a counting fake")
	flag.StringVar(&cfg.dir, "dir", "", "work folder (default: a new temporary folder, removed afterwards)")
	flag.Parse()
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/drops:", err)
		os.Exit(1)
	}
}

type config struct {
	files, samples, alerts int
	bad                    float64
	real                   bool
	dir                    string
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
	target, err := newTarget(ctx, cfg.real, root)
	if err != nil {
		return err
	}
	defer target.close()
	fmt.Printf("ingester: %s\n", target.name)

	if cfg.files > 0 {
		if err := burst(ctx, cfg, target, filepath.Join(root, "burst")); err != nil {
			return fmt.Errorf("burst: %w", err)
		}
	}
	if cfg.samples > 0 {
		if err := latencyRun(ctx, cfg, target, filepath.Join(root, "latency")); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
	}
	return nil
}

// target is what the watcher ingests into, timed.
type target struct {
	name     string
	ingester *timedIngester
	db       *store.DB // nil with the fake
}

func newTarget(ctx context.Context, real bool, root string) (*target, error) {
	if !real {
		return &target{name: "counting fake (dedups by sha256)", ingester: &timedIngester{next: &countingIngester{seen: map[string]bool{}}}}, nil
	}
	p, err := plan.Parse("examples/plan.toml", examples.Plan)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, filepath.Join(root, "bench.db"), store.Options{})
	if err != nil {
		return nil, err
	}
	desk := model.NewDesk(db, p)
	if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
		db.Close()
		return nil, err
	}
	return &target{name: "model.Desk over store.Open (example plan)", ingester: &timedIngester{next: desk}, db: db}, nil
}

func (t *target) close() {
	if t.db != nil {
		t.db.Close()
	}
}

// countingIngester stands in for the desk: it counts, and applies each
// content hash once as the desk does.
type countingIngester struct {
	mu     sync.Mutex
	seen   map[string]bool
	alerts int
}

func (c *countingIngester) Ingest(_ context.Context, _ model.Actor, d model.Drop) (model.IngestResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[d.SHA256] {
		return model.IngestResult{Duplicate: true}, nil
	}
	c.seen[d.SHA256] = true
	c.alerts += len(d.Events)
	return model.IngestResult{Alerts: len(d.Events), New: len(d.Events)}, nil
}

// timedIngester notes when each Ingest returned, and counts what it applied.
type timedIngester struct {
	next     model.Ingester
	applied  atomic.Int64
	dups     atomic.Int64
	returned chan time.Time // when set, receives the time each Ingest returned
}

func (t *timedIngester) Ingest(ctx context.Context, a model.Actor, d model.Drop) (model.IngestResult, error) {
	res, err := t.next.Ingest(ctx, a, d)
	at := time.Now()
	if err == nil {
		if res.Duplicate {
			t.dups.Add(1)
		} else {
			t.applied.Add(1)
		}
	}
	if t.returned != nil {
		t.returned <- at
	}
	return res, err
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

func latencyRun(ctx context.Context, cfg config, t *target, root string) error {
	dir, stage := filepath.Join(root, "drops"), filepath.Join(root, "stage")
	for _, d := range []string{dir, stage} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	results := make(chan drops.Result, 1)
	returned := make(chan time.Time, 1)
	t.ingester.returned = returned
	defer func() { t.ingester.returned = nil }()
	w, _, stop, err := watch(ctx, dir, t.ingester, func(r drops.Result) { results <- r })
	if err != nil {
		return err
	}
	defer stop()
	var commits <-chan struct{}
	if t.db != nil {
		ch, cancel := t.db.Subscribe()
		defer cancel()
		commits = ch
	}

	fmt.Printf("\nlatency: %d files of %d alerts, renamed in one at a time\n", cfg.samples, cfg.alerts)
	var toIngest, toNotify, toMoved latency.Sample
	for i := range cfg.samples {
		name := fmt.Sprintf("lat-%04d.ndjson", i)
		if err := os.WriteFile(filepath.Join(stage, name), latencyFile(i, cfg.alerts), 0o644); err != nil {
			return err
		}
		drain(commits)
		start := time.Now()
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(dir, name)); err != nil {
			return err
		}
		select {
		case at := <-returned:
			toIngest = append(toIngest, at.Sub(start))
		case <-time.After(5 * time.Second):
			return fmt.Errorf("%s: not ingested within 5 s", name)
		}
		if commits != nil {
			select {
			case <-commits:
				toNotify = append(toNotify, time.Since(start))
			case <-time.After(5 * time.Second):
				return fmt.Errorf("%s: no store notification within 5 s", name)
			}
		}
		r := <-results
		toMoved = append(toMoved, time.Since(start))
		if r.Rejected != nil || r.Alerts != cfg.alerts {
			return fmt.Errorf("%s: %+v", name, r)
		}
	}
	fmt.Printf("  rename → Ingest returned:    %s\n", toIngest)
	if commits != nil {
		fmt.Printf("  rename → store notification: %s\n", toNotify)
	}
	fmt.Printf("  rename → moved to processed: %s\n", toMoved)
	fmt.Printf("  budget: p50 ≤ 25ms, p99 ≤ 50ms: %s\n", verdict(toIngest, toNotify))
	if s := w.Status(); s.Processed != cfg.samples {
		return fmt.Errorf("status %+v, want %d processed", s, cfg.samples)
	}
	return nil
}

func verdict(samples ...latency.Sample) string {
	for _, s := range samples {
		if len(s) > 0 && (s.Quantile(0.5) > 25*time.Millisecond || s.Quantile(0.99) > 50*time.Millisecond) {
			return "OVER"
		}
	}
	return "met"
}

// latencyFile is n generic alerts, half of them critical on tier-1 services,
// so that the real desk also routes them and opens or updates incidents.
func latencyFile(i, n int) []byte {
	var b strings.Builder
	services := []string{"checkout", "payments", "search", "catalog"}
	for j := range n {
		sev := "warning"
		if j%2 == 0 {
			sev = "critical"
		}
		fmt.Fprintf(&b, `{"key":"lat-%d","status":"%s","severity":"%s","service":"%s","summary":"latency probe %d of file %d","labels":{"alertname":"LatencyProbe%d","service":"%s","severity":"%s","env":"prod"}}`+"\n",
			j, state(i+j), sev, services[j%len(services)], j, i, j%10, services[j%len(services)], sev)
	}
	return []byte(b.String())
}

func drain(ch <-chan struct{}) {
	if ch == nil {
		return
	}
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
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
