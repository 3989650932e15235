package drops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/hypercare-ops/hypercare/model"
)

// Config configures a Watcher. Dir and Ingester are required; every other
// zero field means its default.
type Config struct {
	Dir      string // the drop folder; processed/ and rejected/ are made inside it
	Limits   Limits
	Actor    model.Actor // who drops are audited as; zero means model.System
	Ingester model.Ingester

	// KeepProcessed is how long applied drops stay in processed/; zero means
	// 7 days, negative keeps them for ever. rejected/ is never pruned: each
	// file there waits for someone to read its .error sidecar.
	KeepProcessed time.Duration
	// Settle is how long a file written in place (rather than renamed in)
	// must be quiet before it is applied. Zero means 50 ms.
	Settle time.Duration
	// RetryMin and RetryMax bound the backoff after an ingest error that is
	// not the drop's fault (the database is locked or closed). Zero means
	// 1 s and 30 s.
	RetryMin, RetryMax time.Duration

	// OnResult is called after each file is applied or rejected, from the
	// watcher's worker goroutine: it must return quickly, and a UI should
	// coalesce (a burst calls it once per file).
	OnResult func(Result)
	// Logf receives what an operator may want to know but no Result carries:
	// retries, rescans, pruning problems. Nil discards them.
	Logf func(format string, args ...any)
	Now  func() time.Time // nil means time.Now
}

// Status is the watcher's state, for the console's footer.
type Status struct {
	Dir       string
	Watching  bool   // Run is watching the folder
	Queue     int    // files waiting, including the one being applied
	Processed int    // files applied since Run started, duplicates included
	Rejected  int    // files moved to rejected/ since Run started
	Last      Result // the latest file applied or rejected; zero before the first
	// Retrying says why the file at the head of the queue is waiting for
	// another try (the database is locked, say); nil when nothing is.
	Retrying error
}

// Watcher applies every drop that lands in a drop folder, one at a time and
// in arrival order, until its context ends.
//
// Producers should write a drop elsewhere (or as a dotfile, or NAME.tmp) and
// rename it in; such hidden and temporary names are ignored until the rename.
// A file written in place is applied once it has been quiet for Settle.
type Watcher struct {
	cfg     Config
	intake  Intake
	queue   queue
	running atomic.Bool

	mu     sync.Mutex // guards status
	status Status
}

// NewWatcher checks cfg and fills in its defaults.
func NewWatcher(cfg Config) (*Watcher, error) {
	if cfg.Dir == "" {
		return nil, errors.New("drop watcher: no drop folder given")
	}
	if cfg.Ingester == nil {
		return nil, errors.New("drop watcher: no ingester given")
	}
	cfg.Dir = filepath.Clean(cfg.Dir)
	if cfg.Actor == (model.Actor{}) {
		cfg.Actor = model.System
	}
	if cfg.KeepProcessed == 0 {
		cfg.KeepProcessed = 7 * 24 * time.Hour
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 50 * time.Millisecond
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(30*time.Second, cfg.RetryMin)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Watcher{cfg: cfg, status: Status{Dir: cfg.Dir}}
	w.queue.init()
	w.intake = Intake{Dir: cfg.Dir, Limits: cfg.Limits, Actor: cfg.Actor, Ingester: cfg.Ingester, Quiet: cfg.Settle, Now: cfg.Now,
		written: w.queue.writtenSince}
	return w, nil
}

// Status is safe to call from any goroutine.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	s := w.status
	w.mu.Unlock()
	s.Queue = w.queue.size()
	return s
}

// Run watches the drop folder until ctx is done, then returns nil once every
// goroutine it started has ended. It makes the folder and its processed/ and
// rejected/ sub-folders if they are missing, and first applies the files
// that arrived while nobody was watching. It returns an error when the folder
// cannot be watched, or stops being watchable (it was removed or renamed).
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return fmt.Errorf("drop watcher %s: already running", w.cfg.Dir)
	}
	defer w.running.Store(false)
	if err := os.MkdirAll(w.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("drop watcher: %w", err)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("drop watcher: %w", err)
	}
	defer fsw.Close()
	// Watch before the startup scan, so that a file arriving in between is
	// seen at least once (twice is harmless: the queue holds each name once).
	if err := fsw.Add(w.cfg.Dir); err != nil {
		return fmt.Errorf("watch drop folder %s: %w", w.cfg.Dir, err)
	}
	return w.run(ctx, fsw.Events, fsw.Errors)
}

// run is Run once the folder is watched, reading fsnotify's channels.
func (w *Watcher) run(ctx context.Context, events <-chan fsnotify.Event, errs <-chan error) error {
	for _, sub := range []string{ProcessedDir, RejectedDir} {
		if err := os.MkdirAll(filepath.Join(w.cfg.Dir, sub), 0o755); err != nil {
			return fmt.Errorf("drop watcher: %w", err)
		}
	}
	if err := w.scan(); err != nil {
		return err
	}

	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stop()
		wg.Wait() // every goroutine Run started ends before it returns
	}()
	wg.Go(func() { w.work(ctx) })
	if w.cfg.KeepProcessed > 0 {
		wg.Go(func() { w.pruneEvery(ctx, time.Hour) })
	}

	w.setWatching(true)
	defer w.setWatching(false)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if err := w.event(ev); err != nil {
				return err
			}
		case err, ok := <-errs:
			if !ok {
				return nil
			}
			// An overflow means events were lost; any other error may have
			// lost some too. A rescan finds whatever they were about.
			w.logf("drop watcher %s: %v; rescanning", w.cfg.Dir, err)
			if err := w.scan(); err != nil {
				w.logf("%v", err)
			}
		}
	}
}

// event queues the file an fsnotify event is about, if it is a drop.
func (w *Watcher) event(ev fsnotify.Event) error {
	if filepath.Clean(ev.Name) == w.cfg.Dir {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			return fmt.Errorf("drop folder %s was removed or renamed: restart hypercare once it is back", w.cfg.Dir)
		}
		return nil
	}
	name := filepath.Base(ev.Name)
	if !isDrop(name) {
		return nil
	}
	switch {
	case ev.Has(fsnotify.Write):
		// Written in place: wait until it is quiet.
		w.queue.add(name, w.cfg.Now())
	case ev.Has(fsnotify.Create):
		// On Linux a file renamed in is reported as Create, and it is whole.
		w.queue.add(name, time.Time{})
	}
	return nil
}

// isDrop reports whether a name in the drop folder may be a drop. Hidden and
// temporary names are how producers keep a file they are still writing out
// of the way until they rename it.
func isDrop(name string) bool {
	lower := strings.ToLower(name)
	switch {
	case name == ProcessedDir, name == RejectedDir,
		strings.HasPrefix(name, "."), strings.HasSuffix(name, "~"),
		strings.HasSuffix(lower, ".tmp"), strings.HasSuffix(lower, ".part"), strings.HasSuffix(lower, ".swp"):
		return false
	}
	return true
}

// scan queues every drop in the folder, oldest first: at the start, for the
// files that arrived while nobody was watching, and after fsnotify lost events.
func (w *Watcher) scan() error {
	entries, err := os.ReadDir(w.cfg.Dir)
	if err != nil {
		return fmt.Errorf("scan drop folder: %w", err)
	}
	type found struct {
		name  string
		mtime time.Time
	}
	var files []found
	for _, e := range entries {
		if !e.Type().IsRegular() || !isDrop(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone since the listing
		}
		files = append(files, found{e.Name(), info.ModTime()})
	}
	// A rename keeps the time a file was written, which is the best guess at
	// the order its sender meant (a firing alert before its resolution).
	slices.SortFunc(files, func(a, b found) int {
		return cmp.Or(a.mtime.Compare(b.mtime), strings.Compare(a.name, b.name))
	})
	for _, f := range files {
		w.queue.add(f.name, time.Time{})
	}
	return nil
}

// work is the one goroutine that applies drops, so that they are applied in
// order and a slow commit delays only the drops behind it, never fsnotify.
func (w *Watcher) work(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		name, settled, wait := w.queue.next(w.cfg.Now(), w.cfg.Settle)
		if name != "" {
			w.apply(ctx, name, settled)
			w.queue.done()
			continue
		}
		var tick <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-w.queue.wake:
		case <-tick:
		}
		timer.Stop()
	}
}

// apply applies one file, retrying with backoff as long as the failure is
// not the file's fault. Meanwhile the files behind it wait: they might
// resolve what it fires, so they must not overtake it.
func (w *Watcher) apply(ctx context.Context, name string, settled bool) {
	defer w.setRetrying(nil)
	backoff := w.cfg.RetryMin
	path := filepath.Join(w.cfg.Dir, name)
	for {
		info, err := os.Lstat(path)
		if err != nil || !info.Mode().IsRegular() {
			return // gone (applied already, or taken back), or not a file
		}
		if info.Size() == 0 && !settled {
			// Most likely just created by a sender that writes in place and
			// has not written yet.
			w.queue.again(name, w.cfg.Now())
			return
		}
		res, err := w.intake.Apply(ctx, name)
		switch {
		case err == nil:
			w.record(res)
			return
		case errors.Is(err, ErrChanging):
			w.queue.again(name, w.cfg.Now())
			return
		case ctx.Err() != nil:
			return // the file stays for the next run
		case errors.Is(err, fs.ErrNotExist):
			if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
				return // taken back between the look and the read
			}
		}
		w.setRetrying(err)
		w.logf("%v; retrying in %v", err, backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, w.cfg.RetryMax)
	}
}

func (w *Watcher) record(res Result) {
	w.mu.Lock()
	if res.Rejected != nil {
		w.status.Rejected++
	} else {
		w.status.Processed++
	}
	w.status.Last = res
	w.mu.Unlock()
	if w.cfg.OnResult != nil {
		w.cfg.OnResult(res)
	}
}

func (w *Watcher) setRetrying(err error) {
	w.mu.Lock()
	w.status.Retrying = err
	w.mu.Unlock()
}

func (w *Watcher) setWatching(on bool) {
	w.mu.Lock()
	w.status.Watching = on
	w.mu.Unlock()
}

// pruneEvery prunes processed/ now and then every interval until ctx is done.
// It runs beside the worker: the worker only adds files under names nothing
// uses, and pruning only removes old ones.
func (w *Watcher) pruneEvery(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := w.prune(); err != nil {
			w.logf("%v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// prune removes the files in processed/ applied more than KeepProcessed ago
// (the intake stamps each with the time it was applied).
func (w *Watcher) prune() error {
	dir := filepath.Join(w.cfg.Dir, ProcessedDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("prune %s: %w", dir, err)
	}
	cutoff := w.cfg.Now().Add(-w.cfg.KeepProcessed)
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("prune %s: %w", dir, err)
	}
	return nil
}

func (w *Watcher) logf(format string, args ...any) {
	if w.cfg.Logf != nil {
		w.cfg.Logf(format, args...)
	}
}

// queue holds the names of the files waiting to be applied, each once, in
// arrival order. It never blocks and has no bound, so the fsnotify goroutine
// is never held up by a slow commit: a burst of 30,000 names costs a few
// megabytes, where a bounded channel would have to drop events or stall.
type queue struct {
	mu    sync.Mutex
	order []slot            // arrival order, with stale slots skipped
	head  int               // order[:head] is consumed
	items map[string]uint64 // queued name → its slot's seq
	quiet map[string]time.Time
	seq   uint64
	busy  bool          // the worker holds a file
	wake  chan struct{} // capacity 1: many adds make one wake-up
}

// slot is a place in the arrival order. A name taken out of the middle of the
// queue leaves its slot behind, stale because items no longer has its seq.
type slot struct {
	name string
	seq  uint64
}

func (q *queue) init() {
	q.items = map[string]uint64{}
	q.quiet = map[string]time.Time{}
	q.wake = make(chan struct{}, 1)
}

// add queues name unless it is queued already. A non-zero written is when
// the file was last written in place; it is not applied until it has been
// quiet for the settle time.
func (q *queue) add(name string, written time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !written.IsZero() {
		q.quiet[name] = written
	}
	if _, ok := q.items[name]; ok {
		return
	}
	q.seq++
	q.items[name] = q.seq
	q.order = append(q.order, slot{name, q.seq})
	q.signal()
}

// again puts a file the worker could not apply yet back at the head of the
// queue, to be tried once it has been quiet for the settle time.
func (q *queue) again(name string, written time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.quiet[name] = written
	if _, ok := q.items[name]; ok {
		return
	}
	q.seq++
	q.items[name] = q.seq
	if q.head > 0 {
		q.head--
		q.order[q.head] = slot{name, q.seq}
	} else {
		q.order = slices.Insert(q.order, 0, slot{name, q.seq})
	}
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// next takes the first file that is ready: arrived whole, or written in
// place and quiet for settle. settled says it was one of the latter. When
// none is ready it returns "" and how long until the first settling file is
// (zero when there is none).
func (q *queue) next(now time.Time, settle time.Duration) (name string, settled bool, wait time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := q.head; i < len(q.order); i++ {
		s := q.order[i]
		if q.items[s.name] != s.seq {
			if i == q.head {
				q.head++ // drop stale slots at the front as they are passed
			}
			continue
		}
		written, ok := q.quiet[s.name]
		if ok {
			if left := settle - now.Sub(written); left > 0 {
				if wait == 0 || left < wait {
					wait = left
				}
				continue
			}
		}
		delete(q.items, s.name)
		delete(q.quiet, s.name)
		if i == q.head {
			q.head++
		}
		q.busy = true
		q.compact()
		return s.name, ok, 0
	}
	q.compact()
	return "", false, wait
}

// compact lets go of consumed slots once they are most of the slice.
func (q *queue) compact() {
	switch {
	case q.head == len(q.order):
		q.order, q.head = q.order[:0], 0
	case q.head > 1024 && q.head > len(q.order)/2:
		q.order = slices.Delete(q.order, 0, q.head)
		q.head = 0
	}
}

// writtenSince reports whether a Write event for name has arrived since the
// worker took it: next forgets a name's write time when it hands it out.
func (q *queue) writtenSince(name string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	_, ok := q.quiet[name]
	return ok
}

// done says the worker is finished with the file it took.
func (q *queue) done() {
	q.mu.Lock()
	q.busy = false
	q.mu.Unlock()
}

// size counts the files waiting, including the one the worker holds.
func (q *queue) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.items)
	if q.busy {
		n++
	}
	return n
}
