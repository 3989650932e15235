package drops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// liveWatcher is a Watcher running over a fresh drop folder, with a staging
// folder beside it where drops are written before they are renamed in.
type liveWatcher struct {
	*Watcher
	dir, stage string
	fake       *fakeIngester

	mu      sync.Mutex
	results []Result
	logs    []string
}

// startWatcher runs a watcher until the test ends; files may be placed in
// the drop folder by setup before it starts.
func startWatcher(t *testing.T, setup func(dir string), tweak func(*Config)) *liveWatcher {
	t.Helper()
	root := t.TempDir()
	lw := &liveWatcher{dir: filepath.Join(root, "drops"), stage: filepath.Join(root, "stage"), fake: newFake()}
	for _, dir := range []string{lw.dir, lw.stage} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if setup != nil {
		setup(lw.dir)
	}
	cfg := Config{Dir: lw.dir, Ingester: lw.fake, RetryMin: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond,
		OnResult: func(r Result) {
			lw.mu.Lock()
			lw.results = append(lw.results, r)
			lw.mu.Unlock()
		},
		Logf: func(format string, args ...any) {
			lw.mu.Lock()
			lw.logs = append(lw.logs, fmt.Sprintf(format, args...))
			lw.mu.Unlock()
		}}
	if tweak != nil {
		tweak(&cfg)
	}
	w, err := NewWatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lw.Watcher = w
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return: the watcher is stuck")
		}
	})
	waitFor(t, "the watcher to start", func() bool { return w.Status().Watching })
	return lw
}

// dropIn is a well-behaved producer: write elsewhere, rename in.
func (lw *liveWatcher) dropIn(t *testing.T, name, data string) {
	t.Helper()
	staged := writeDrop(t, lw.stage, name, data)
	if err := os.Rename(staged, filepath.Join(lw.dir, name)); err != nil {
		t.Fatal(err)
	}
}

// waitDone waits until n files have been applied or rejected.
func (lw *liveWatcher) waitDone(t *testing.T, n int) Status {
	t.Helper()
	var s Status
	waitFor(t, fmt.Sprintf("%d files done", n), func() bool {
		s = lw.Status()
		return s.Processed+s.Rejected >= n
	})
	return s
}

func (lw *liveWatcher) result(name string) (Result, bool) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	for _, r := range slices.Backward(lw.results) {
		if r.File == name {
			return r, true
		}
	}
	return Result{}, false
}

// logged returns the log lines that contain text.
func (lw *liveWatcher) logged(text string) []string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	var lines []string
	for _, l := range lw.logs {
		if strings.Contains(l, text) {
			lines = append(lines, l)
		}
	}
	return lines
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestWatcherFixtures(t *testing.T) {
	if _, err := os.Stat(fixtureDir); err != nil {
		t.Skipf("fixtures not available: %v", err)
	}
	names, err := filepath.Glob(filepath.Join(fixtureDir, "*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("fixtures: %v %v", names, err)
	}
	lw := startWatcher(t, nil, nil)
	for _, path := range names {
		lw.dropIn(t, filepath.Base(path), string(readFixture(t, filepath.Base(path))))
	}
	s := lw.waitDone(t, len(names))

	bad := map[string]string{
		"bad-binary.json":         "bad-binary.json:1:17: binary data (byte 0x00)",
		"bad-fields.json":         "field:    alerts[0].labels",
		"bad-truncated.json":      "the payload looks truncated",
		"bad-unknown-format.json": "not a known alert format",
	}
	ingested := map[string]bool{}
	for _, d := range lw.fake.drops() {
		ingested[d.Name] = true
	}
	for _, path := range names {
		name := filepath.Base(path)
		mustNotExist(t, filepath.Join(lw.dir, name))
		if want, isBad := bad[name]; isBad {
			mustExist(t, filepath.Join(lw.dir, RejectedDir, name))
			if note := readText(t, filepath.Join(lw.dir, RejectedDir, name+".error")); !strings.Contains(note, want) {
				t.Errorf("%s.error lacks %q:\n%s", name, want, note)
			}
			if ingested[name] {
				t.Errorf("%s was ingested", name)
			}
			continue
		}
		mustExist(t, filepath.Join(lw.dir, ProcessedDir, name))
		if !ingested[name] {
			t.Errorf("%s was not ingested", name)
		}
	}
	if s.Rejected != len(bad) || s.Processed != len(names)-len(bad) {
		t.Errorf("status = %+v, want %d rejected", s, len(bad))
	}
	if r, ok := lw.result("am-no-fingerprint-truncated.json"); !ok || r.Format != FormatAlertmanager || r.Alerts != 1 {
		t.Errorf("result = %+v", r)
	}

	// Still running after the bad ones.
	lw.dropIn(t, "after.json", fmt.Sprintf(firing, 1, 1, 1))
	lw.waitDone(t, len(names)+1)
	mustExist(t, filepath.Join(lw.dir, ProcessedDir, "after.json"))
}

func TestWatcherWaitsForRename(t *testing.T) {
	lw := startWatcher(t, nil, nil)
	hidden := map[string]string{
		".probe.json":      "probe.json",
		"second.json.part": "second.json",
		"third.json.tmp":   "third.json",
		"fourth.json~":     "fourth.json",
		".fifth.json.swp":  "fifth.json",
	}
	i := 0
	for partial := range hidden {
		i++
		// Partial writes: a line with no end, so that reading too early
		// would be visible as a rejection.
		writeDrop(t, lw.dir, partial, fmt.Sprintf(firing, i, i, i)[:30])
	}
	// The events about the hidden files came before this one's, so once it
	// is applied the watcher has made up its mind about them.
	lw.dropIn(t, "marker.json", fmt.Sprintf(firing, 99, 99, 99))
	lw.waitDone(t, 1)
	if s := lw.Status(); s.Processed != 1 || s.Rejected+s.Queue != 0 || lw.fake.callCount() != 1 {
		t.Fatalf("hidden files touched: %+v", s)
	}
	i = 0
	for partial, final := range hidden {
		i++
		writeDrop(t, lw.dir, partial, fmt.Sprintf(firing, i, i, i))
		if err := os.Rename(filepath.Join(lw.dir, partial), filepath.Join(lw.dir, final)); err != nil {
			t.Fatal(err)
		}
	}
	if s := lw.waitDone(t, 1+len(hidden)); s.Rejected != 0 {
		t.Errorf("status = %+v", s)
	}
	for _, final := range hidden {
		mustExist(t, filepath.Join(lw.dir, ProcessedDir, final))
	}
}

func TestWatcherBurst(t *testing.T) {
	const n = 1000
	lw := startWatcher(t, nil, nil)
	for i := range n {
		writeDrop(t, lw.stage, fmt.Sprintf("burst-%04d.ndjson", i), fmt.Sprintf(firing, i, i, i))
	}
	for i := range n {
		name := fmt.Sprintf("burst-%04d.ndjson", i)
		if err := os.Rename(filepath.Join(lw.stage, name), filepath.Join(lw.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	s := lw.waitDone(t, n)
	if s.Processed != n || s.Rejected != 0 {
		t.Errorf("status = %+v", s)
	}
	if got := len(lw.fake.drops()); got != n {
		t.Errorf("ingested %d drops, want %d", got, n)
	}
	left, _ := os.ReadDir(lw.dir)
	processed, _ := os.ReadDir(filepath.Join(lw.dir, ProcessedDir))
	if len(left) != 2 || len(processed) != n {
		t.Errorf("%d entries left in the drop folder, %d processed", len(left), len(processed))
	}
	waitFor(t, "an empty queue", func() bool { return lw.Status().Queue == 0 })
}

func TestWatcherStartupScan(t *testing.T) {
	const n = 50
	base := time.Now().Add(-time.Hour)
	lw := startWatcher(t, func(dir string) {
		// Names in the reverse of the order they were written: the scan
		// goes by time, so a resolution never overtakes its firing alert.
		for i := range n {
			path := writeDrop(t, dir, fmt.Sprintf("waiting-%02d.ndjson", n-i), fmt.Sprintf(firing, i, i, i))
			at := base.Add(time.Duration(i) * time.Second)
			if err := os.Chtimes(path, at, at); err != nil {
				t.Fatal(err)
			}
		}
	}, nil)
	lw.waitDone(t, n)
	drops := lw.fake.drops()
	for i, d := range drops {
		if want := fmt.Sprintf("waiting-%02d.ndjson", n-i); d.Name != want {
			t.Fatalf("drop %d is %s, want %s", i, d.Name, want)
		}
	}
	if len(drops) != n {
		t.Errorf("ingested %d, want %d", len(drops), n)
	}
}

func TestWatcherDuplicateRedelivery(t *testing.T) {
	lw := startWatcher(t, nil, nil)
	data := fmt.Sprintf(firing, 1, 1, 1)
	lw.dropIn(t, "first.json", data)
	lw.waitDone(t, 1)
	lw.dropIn(t, "again.json", data)
	s := lw.waitDone(t, 2)
	if r, _ := lw.result("again.json"); !r.Duplicate || r.MovedTo != filepath.Join(ProcessedDir, "again.json") {
		t.Errorf("re-delivery result = %+v", r)
	}
	if n := len(lw.fake.drops()); n != 1 || s.Processed != 2 {
		t.Errorf("applied %d times, status %+v", n, s)
	}
	mustExist(t, filepath.Join(lw.dir, ProcessedDir, "again.json"))
}

// TestWatcherRestartAfterCrash: a process killed between commit and move
// leaves the file in the drop folder; the next one finds it at startup,
// learns it is a duplicate and moves it, and its alerts are applied once.
func TestWatcherRestartAfterCrash(t *testing.T) {
	fake := newFake()
	dir := t.TempDir()
	writeDrop(t, dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1))
	crashed := errors.New("killed after commit")
	first := &Intake{Dir: dir, Ingester: crashAfterCommit{fake, crashed}}
	if _, err := first.Apply(t.Context(), "probe.json"); !errors.Is(err, crashed) {
		t.Fatalf("err = %v", err)
	}
	mustExist(t, filepath.Join(dir, "probe.json"))

	lw := startWatcher(t, func(drops string) {
		if err := os.Rename(filepath.Join(dir, "probe.json"), filepath.Join(drops, "probe.json")); err != nil {
			t.Fatal(err)
		}
	}, func(c *Config) { c.Ingester = fake })
	lw.waitDone(t, 1)
	if r, _ := lw.result("probe.json"); !r.Duplicate {
		t.Errorf("result = %+v, want a duplicate", r)
	}
	mustExist(t, filepath.Join(lw.dir, ProcessedDir, "probe.json"))
	if n := len(fake.drops()); n != 1 {
		t.Errorf("applied %d times, want once", n)
	}
}

// TestWatcherRetriesTransientErrors: while the database is locked the file
// stays in the drop folder and the files behind it wait, in order.
func TestWatcherRetriesTransientErrors(t *testing.T) {
	lw := startWatcher(t, nil, nil)
	locked := errors.New("database is locked")
	var failures int
	lw.fake.setBefore(func(model.Drop) error {
		if failures < 3 {
			failures++ // only the worker calls: no lock needed
			return locked
		}
		return nil
	})
	lw.dropIn(t, "fires.json", fmt.Sprintf(firing, 1, 1, 1))
	waitFor(t, "a retry", func() bool { return errors.Is(lw.Status().Retrying, locked) })
	mustExist(t, filepath.Join(lw.dir, "fires.json"))
	lw.dropIn(t, "resolves.json", strings.Replace(fmt.Sprintf(firing, 1, 1, 1), "firing", "resolved", 1))

	s := lw.waitDone(t, 2)
	if s.Processed != 2 || s.Retrying != nil {
		t.Errorf("status = %+v", s)
	}
	drops := lw.fake.drops()
	if len(drops) != 2 || drops[0].Name != "fires.json" || drops[1].Name != "resolves.json" {
		t.Errorf("applied %v, want fires.json then resolves.json", drops)
	}
	if lw.fake.callCount() != 5 {
		t.Errorf("ingester called %d times, want 3 failures and 2 successes", lw.fake.callCount())
	}
}

// TestWatcherInPlaceWriter: a sender that appends to a file in the drop
// folder, pausing for longer than Settle between lines, gets its whole file
// applied once, when it is done; nothing lands in processed/ unapplied.
func TestWatcherInPlaceWriter(t *testing.T) {
	const settle = 20 * time.Millisecond
	lw := startWatcher(t, nil, func(c *Config) { c.Settle = settle })
	f, err := os.Create(filepath.Join(lw.dir, "slow.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	done := 0
	marker := func(name string) {
		t.Helper()
		done++
		lw.dropIn(t, name, fmt.Sprintf(firing, 100+done, 100+done, 100+done))
		lw.waitDone(t, done)
	}
	// The sender pauses for longer than Settle, and last for longer than
	// the second a file with content but no write seen is held by its mtime
	// (see Watcher.unfinished): only its writer's close may release it.
	pauses := []time.Duration{3 * settle, 3 * settle, 1100 * time.Millisecond}
	for i, pause := range pauses {
		if _, err := fmt.Fprintf(f, firing, i, i, i); err != nil {
			t.Fatal(err)
		}
		// The event about the write came before this marker's, so the
		// watcher has seen the write once the marker is applied.
		marker(fmt.Sprintf("seen-%d.json", i))
		// The marker after the pause is applied only once the worker has
		// had its turn at slow.ndjson, which is ahead of it in the queue.
		time.Sleep(pause)
		marker(fmt.Sprintf("paused-%d.json", i))
		if r, ok := lw.result("slow.ndjson"); ok {
			t.Fatalf("applied after %d of %d lines, while its writer still had it open: %+v", i+1, len(pauses), r)
		}
		if s := lw.Status(); s.Waiting != 1 {
			t.Fatalf("status = %+v, want slow.ndjson waiting for its writer", s)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	lw.waitDone(t, done+1)
	var slow []model.Drop
	for _, d := range lw.fake.drops() {
		if d.Name == "slow.ndjson" {
			slow = append(slow, d)
		}
	}
	if len(slow) != 1 || len(slow[0].Events) != 3 {
		t.Errorf("slow.ndjson applied as %+v, want once with all 3 lines", slow)
	}
	mustExist(t, filepath.Join(lw.dir, ProcessedDir, "slow.ndjson"))
	if s := lw.Status(); s.Rejected != 0 || s.Waiting != 0 {
		t.Errorf("status = %+v", s)
	}
}

func TestWatcherPrunesProcessed(t *testing.T) {
	old := time.Now().Add(-8 * 24 * time.Hour)
	lw := startWatcher(t, func(dir string) {
		for _, sub := range []string{ProcessedDir, RejectedDir} {
			if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
			path := writeDrop(t, filepath.Join(dir, sub), "old.json", "{}")
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
		}
		writeDrop(t, filepath.Join(dir, ProcessedDir), "recent.json", "{}")
	}, nil)
	waitFor(t, "pruning", func() bool {
		_, err := os.Stat(filepath.Join(lw.dir, ProcessedDir, "old.json"))
		return err != nil
	})
	mustExist(t, filepath.Join(lw.dir, ProcessedDir, "recent.json"))
	mustExist(t, filepath.Join(lw.dir, RejectedDir, "old.json"))
}

func TestWatcherStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	root := t.TempDir()
	fake := newFake()
	fake.setBefore(func(model.Drop) error { time.Sleep(20 * time.Millisecond); return nil })
	w, err := NewWatcher(Config{Dir: root})
	if err == nil {
		t.Fatal("a watcher without an ingester was accepted")
	}
	w, err = NewWatcher(Config{Dir: root, Ingester: fake})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		writeDrop(t, root, fmt.Sprintf("slow-%02d.json", i), fmt.Sprintf(firing, i, i, i))
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitFor(t, "a first drop", func() bool { return w.Status().Processed > 0 })
	if err := w.Run(ctx); err == nil {
		t.Error("a second Run on the same watcher was accepted")
	}
	cancel() // mid-burst, with a commit under way
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	s := w.Status()
	left, _ := filepath.Glob(filepath.Join(root, "slow-*.json"))
	if s.Watching || s.Processed+len(left) != 20 {
		t.Errorf("status %+v with %d files left: files lost or doubled", s, len(left))
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestWatcherFailsWhenFolderGoes(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "drops")
	w, err := NewWatcher(Config{Dir: dir, Ingester: newFake()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(t.Context()) }()
	waitFor(t, "the watcher to start", func() bool { return w.Status().Watching })
	if err := os.Rename(dir, filepath.Join(root, "elsewhere")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "was removed or renamed") {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept going without its folder")
	}
}

func TestQueueOrderAndSettle(t *testing.T) {
	var q queue
	q.init()
	now := time.Now()
	const settle = 50 * time.Millisecond
	q.note("a", renamedIn, now)
	q.note("b", created, now) // created in place just now
	q.note("c", appeared, now)
	q.note("a", appeared, now) // already queued: keeps its place
	q.note("gone", renamedIn, now)
	q.note("gone", gone, now)
	if queued, writing := q.size(); queued != 3 || writing != 1 {
		t.Fatalf("size = %d, %d writing", queued, writing)
	}
	type out struct {
		name string
		how  readiness
	}
	take := func(at time.Time) (got []out, wait time.Duration) {
		for {
			name, how, wait := q.next(at, settle)
			if name == "" {
				return got, wait
			}
			got = append(got, out{name, how})
			q.done()
		}
	}
	got, wait := take(now)
	if !slices.Equal(got, []out{{"a", readyWhole}, {"c", readyListed}}) {
		t.Errorf("ready first: %v", got)
	}
	if wait <= 0 || wait > settle {
		t.Errorf("wait = %v", wait)
	}
	q.again("c", now) // back at the head, to settle
	if !q.writtenSince("c") {
		t.Error("c was not put back as written")
	}
	got, _ = take(now.Add(time.Second))
	if !slices.Equal(got, []out{{"c", readyQuiet}, {"b", readyQuiet}}) {
		t.Errorf("after settling: %v", got)
	}
	if queued, writing := q.size(); queued != 0 || writing != 0 || q.writtenSince("c") {
		t.Errorf("queue not empty: %d, %d writing: %+v", queued, writing, q.items)
	}

	// Where closes are reported, a file written in place waits for its
	// writer's close however long it is quiet, then goes at once.
	if !reportsClose {
		return
	}
	q.note("open", created, now)
	q.note("open", written, now)
	if got, wait := take(now.Add(time.Hour)); len(got) != 0 || wait != 0 {
		t.Errorf("an open file was handed out: %v, wait %v", got, wait)
	}
	q.note("open", closed, now)
	if got, _ := take(now); !slices.Equal(got, []out{{"open", readyWhole}}) {
		t.Errorf("after the close: %v", got)
	}
	q.note("lost", written, now)
	q.lostCloses() // its close may have been among the lost events
	if got, _ := take(now.Add(time.Second)); !slices.Equal(got, []out{{"lost", readyQuiet}}) {
		t.Errorf("after lost events: %v", got)
	}
	q.note("back", written, now)
	q.note("back", gone, now)
	if queued, writing := q.size(); queued != 0 || writing != 0 {
		t.Errorf("queue not empty: %d, %d writing", queued, writing)
	}
}

// TestWatcherRescansOnOverflow: when the kernel's event queue overflows,
// the events lost are about files a rescan finds.
func TestWatcherRescansOnOverflow(t *testing.T) {
	dir := t.TempDir()
	fake := newFake()
	var logged []string
	var logMu sync.Mutex
	w, err := NewWatcher(Config{Dir: dir, Ingester: fake, Logf: func(format string, args ...any) {
		logMu.Lock()
		logged = append(logged, fmt.Sprintf(format, args...))
		logMu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	// No inotify here: these channels stand in for it, and stay silent
	// about the files below as if their events had been lost.
	events, errs := make(chan change), make(chan error)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.run(ctx, events, errs) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	waitFor(t, "the watcher to start", func() bool { return w.Status().Watching })
	for i := range 5 {
		writeDrop(t, dir, fmt.Sprintf("lost-%d.json", i), fmt.Sprintf(firing, i, i, i))
	}
	writeDrop(t, dir, "told.json", fmt.Sprintf(firing, 9, 9, 9))
	events <- change{"told.json", renamedIn}
	waitFor(t, "the file it was told about", func() bool { return w.Status().Processed == 1 })
	if drops := fake.drops(); len(drops) != 1 || drops[0].Name != "told.json" {
		t.Fatalf("applied %v without an event", drops)
	}
	errs <- errOverflow
	waitFor(t, "the rescan", func() bool { return w.Status().Processed == 6 })
	logMu.Lock()
	defer logMu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0], "overflow; rescanning") {
		t.Errorf("logged %q", logged)
	}
}
