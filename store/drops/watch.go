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
	// must be quiet before it is applied where the system does not say when
	// its writer closes it. On Linux it does, and such a file is applied
	// when its writer closes it, however long it pauses; Settle then only
	// spaces out looks at a file whose writer has not written yet, and a
	// file linked in (never written in place) waits until it is Settle, and
	// at least a second, old. Zero means 50 ms.
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
	// retries, rescans, pruning problems, entries left alone. Nil discards
	// them.
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
	// Waiting counts the queued files still being written in place: their
	// writer has not closed them, or they have not been quiet for Settle.
	Waiting int
	// Retrying says why the file at the head of the queue is waiting for
	// another try (the database is locked, say); nil when nothing is.
	Retrying error
	// Ignored counts the entries in the folder that are not regular files
	// (directories, links, FIFOs, devices, sockets). They are left where
	// they are, never opened, read or moved, and each is logged once;
	// LastIgnored is the latest of them.
	Ignored     int
	LastIgnored IgnoredEntry
}

// IgnoredEntry is an entry of the drop folder that is not a regular file.
type IgnoredEntry struct {
	Name string // cleaned of control characters, safe to show
	Kind string // "directory", "symbolic link", "named pipe (FIFO)", …
	At   time.Time
}

// Watcher applies every drop that lands in a drop folder, one at a time and
// in arrival order, until its context ends.
//
// Producers should write a drop elsewhere (or as a dotfile, or NAME.tmp) and
// rename it in; such hidden and temporary names are ignored until the rename,
// and a file renamed in is applied at once. A file written in place is
// applied once its writer has closed it (Linux) or once it has been quiet for
// Settle (elsewhere). Entries that are not regular files are left alone.
//
// Nothing the folder's senders do can block the watcher or lead it outside
// the folder: events are only queued, and the worker reads a file as
// readDrop describes.
type Watcher struct {
	cfg     Config
	intake  Intake
	queue   queue
	running atomic.Bool

	mu      sync.Mutex // guards status, ignored and notes
	status  Status
	ignored map[string]ignoredNote // entries left alone, so each is logged once
	notes   uint64                 // how many times an entry was left alone
}

// ignoredNote is an entry left alone: its kind, and which note it was.
type ignoredNote struct {
	kind string
	seq  uint64
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
	w := &Watcher{cfg: cfg, status: Status{Dir: cfg.Dir}, ignored: map[string]ignoredNote{}}
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
	s.Queue, s.Waiting = w.queue.size()
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
	// Watch before the startup scan, so that a file arriving in between is
	// seen at least once (twice is harmless: the queue holds each name once).
	events, errs, stop, err := watchFolder(w.cfg.Dir)
	if err != nil {
		return err
	}
	defer stop()
	return w.run(ctx, events, errs)
}

// change is one thing that happened to an entry of the drop folder, as the
// system's watcher reports it.
type change struct {
	name string // base name in the drop folder; "" for the folder itself
	op   changeOp
}

type changeOp uint8

const (
	appeared   changeOp = iota // created, where a rename in and a file created in place look alike; or found by a scan
	renamedIn                  // renamed in, so whole (Linux)
	created                    // created in place: its writer may not have written yet (Linux)
	written                    // written in place
	closed                     // closed by a writer, so written whole (Linux)
	gone                       // removed or renamed away
	folderGone                 // the drop folder itself was removed or renamed
)

// errOverflow means the system dropped events: a rescan finds what they were about.
var errOverflow = errors.New("event queue overflow")

// run is Run once the folder is watched, reading its changes.
func (w *Watcher) run(ctx context.Context, events <-chan change, errs <-chan error) error {
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
			// lost some too. A rescan finds whatever they were about; a lost
			// close leaves its file to be applied once it is quiet.
			w.logf("drop watcher %s: %v; rescanning", w.cfg.Dir, err)
			w.queue.lostCloses()
			if err := w.scan(); err != nil {
				w.logf("%v", err)
			}
		}
	}
}

// event queues the entry a change is about, if it may be a drop. It only
// records what happened: the worker looks at the entry itself, so nothing
// here can block on what a sender put in the folder.
func (w *Watcher) event(c change) error {
	if c.op == folderGone {
		return fmt.Errorf("drop folder %s was removed or renamed: restart hypercare once it is back", w.cfg.Dir)
	}
	if !isDrop(c.name) {
		return nil
	}
	if c.op == gone {
		w.forget(c.name, w.noted())
	}
	w.queue.note(c.name, c.op, w.cfg.Now())
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
// files that arrived while nobody was watching, and after the system lost events.
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
		// Not only regular files: whatever else is there is looked at, so
		// that it is reported once rather than sitting there unmentioned.
		if !isDrop(e.Name()) {
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
		w.queue.note(f.name, appeared, time.Time{})
	}
	return nil
}

// work is the one goroutine that applies drops, so that they are applied in
// order and a slow commit delays only the drops behind it, never the events.
// With an ingester that applies several drops in one transaction, a reader
// goroutine reads and parses ahead of it (batch.go).
func (w *Watcher) work(ctx context.Context) {
	if bi, ok := w.cfg.Ingester.(model.BatchIngester); ok {
		batches := make(chan []prepared) // unbuffered: the reader is one batch ahead
		var reader sync.WaitGroup
		reader.Go(func() { w.read(ctx, batches) })
		defer reader.Wait()
		for {
			select {
			case <-ctx.Done():
				return
			case b := <-batches:
				w.applyBatch(ctx, bi, b)
			}
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		name, how, wait := w.queue.next(w.cfg.Now(), w.cfg.Settle)
		if name != "" {
			w.apply(ctx, name, how)
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
func (w *Watcher) apply(ctx context.Context, name string, how readiness) {
	defer w.setRetrying(nil)
	backoff := w.cfg.RetryMin
	path := filepath.Join(w.cfg.Dir, name)
	for {
		seen := w.noted()
		info, err := os.Lstat(path)
		if err != nil {
			return // gone: applied already, or taken back
		}
		if !info.Mode().IsRegular() {
			w.ignore(name, kindOf(info.Mode()))
			return
		}
		switch w.unfinished(info, how) {
		case later:
			w.queue.again(name, w.cfg.Now())
			return
		case leave:
			return
		}
		res, err := w.intake.Apply(ctx, name)
		var odd *NotRegularError
		switch {
		case err == nil:
			w.forget(name, seen)
			w.record(res)
			return
		case errors.As(err, &odd):
			// Swapped for a FIFO or a device since the look above.
			w.ignore(name, odd.Kind)
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

// Outcomes of unfinished.
const (
	ready = iota // apply it now
	later        // look again once it has been quiet for Settle
	leave        // its writer's next event brings it back
)

// unfinished says whether the regular file info, handed out as how, may
// still be being written in place, and so must not be applied yet.
func (w *Watcher) unfinished(info os.FileInfo, how readiness) int {
	switch {
	case how == readyWhole:
		return ready
	case how == readyListed && info.Size() == 0:
		// Found by a scan, or created where a rename in looks the same:
		// empty, it is most likely a writer's new file, not yet written.
		return later
	case how != readyQuiet || !reportsClose:
		return ready
	case info.Size() == 0:
		// Created in place and not written yet: its writer's first write,
		// or its close, brings it back.
		return leave
	}
	// Content with no write seen: linked in whole, or written so recently
	// that the event saying so is still on its way. Only an old file is
	// taken to be linked in; one dated in the future (a skewed clock, a
	// copied time) cannot be judged by its age and is not held up.
	if age := w.cfg.Now().Sub(info.ModTime()); age >= 0 && age < max(w.cfg.Settle, time.Second) {
		return later
	}
	return ready
}

// ignore records that the entry called name is not a regular file, and
// logs it the first time it is seen as that kind. Seen again, it is noted
// again, unlogged: the note is then newer than a drop found under the name
// before, which must not let go of it.
func (w *Watcher) ignore(name, kind string) {
	w.mu.Lock()
	w.notes++
	seen := w.ignored[name].kind == kind
	w.ignored[name] = ignoredNote{kind: kind, seq: w.notes}
	if seen {
		w.mu.Unlock()
		return
	}
	entry := IgnoredEntry{Name: model.Clean(name, false), Kind: kind, At: w.cfg.Now()}
	w.status.Ignored, w.status.LastIgnored = len(w.ignored), entry
	w.mu.Unlock()
	w.logf("drop folder %s: %s is a %s, not a regular file: left where it is, not read", model.Clean(w.cfg.Dir, false), entry.Name, kind)
}

// forget lets go of an entry left alone once it is gone or replaced by a
// drop, so that whatever comes under its name next is reported afresh. It
// lets go only of a note made up to seen (what noted said before the look
// that found the drop): with a reader looking ahead of the worker, the
// name may have been left alone again, as something else, since.
func (w *Watcher) forget(name string, seen uint64) {
	w.mu.Lock()
	if n, ok := w.ignored[name]; ok && n.seq <= seen {
		delete(w.ignored, name)
		w.status.Ignored = len(w.ignored)
	}
	w.mu.Unlock()
}

// noted is how many times an entry has been left alone so far.
func (w *Watcher) noted() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.notes
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
// arrival order. It never blocks and has no bound, so the goroutine reading
// events is never held up by a slow commit: a burst of 30,000 names costs a
// few megabytes, where a bounded channel would have to drop events or stall.
type queue struct {
	mu    sync.Mutex
	order []slot            // arrival order, with stale slots skipped
	head  int               // order[:head] is consumed
	items map[string]*entry // queued name → what is known about it
	// writing counts the entries being written in place, kept as they
	// change so that Status, polled while 30,000 files wait, costs nothing.
	writing int
	seq     uint64
	held    int           // files taken by next and not yet done
	wake    chan struct{} // capacity 1: many adds make one wake-up
}

// entry is what the queue knows about a queued name.
type entry struct {
	seq     uint64    // its slot in order
	written time.Time // when it was last written or created in place; zero if never
	open    bool      // written, and its writer has not closed it (known only where closes are reported)
	whole   bool      // renamed in, or closed by its writer, since it was last written
}

func (e *entry) beingWritten() bool { return e.open || !e.written.IsZero() }

// update applies change to e, keeping the count of entries being written.
func (q *queue) update(e *entry, change func(e *entry)) {
	was := e.beingWritten()
	change(e)
	switch is := e.beingWritten(); {
	case is && !was:
		q.writing++
	case was && !is:
		q.writing--
	}
}

// remove takes name out of the queue; its slot goes stale.
func (q *queue) remove(name string, e *entry) {
	if e.beingWritten() {
		q.writing--
	}
	delete(q.items, name)
}

// slot is a place in the arrival order. A name taken out of the middle of the
// queue leaves its slot behind, stale because items no longer has its seq.
type slot struct {
	name string
	seq  uint64
}

// readiness says how a file the queue hands out came to be ready.
type readiness uint8

const (
	readyListed readiness = iota // found by a scan, or created where a rename in looks the same
	readyWhole                   // renamed in, or closed by its writer
	readyQuiet                   // written or created in place, and quiet for the settle time since
)

func (q *queue) init() {
	q.items = map[string]*entry{}
	q.wake = make(chan struct{}, 1)
}

// note records what happened to name, queueing it unless it is queued
// already (so it keeps its place). A name that is gone leaves the queue.
func (q *queue) note(name string, op changeOp, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if op == gone {
		if e, ok := q.items[name]; ok {
			q.remove(name, e)
		}
		return
	}
	q.update(q.entry(name), func(e *entry) {
		switch op {
		case renamedIn, closed:
			e.written, e.open, e.whole = time.Time{}, false, true
		case created:
			e.written, e.open, e.whole = now, false, false
		case written:
			e.written, e.open, e.whole = now, reportsClose, false
		}
	})
	q.signal()
}

// entry returns the queued entry for name, queueing it at the end if it is
// not queued.
func (q *queue) entry(name string) *entry {
	if e, ok := q.items[name]; ok {
		return e
	}
	q.seq++
	e := &entry{seq: q.seq}
	q.items[name] = e
	q.order = append(q.order, slot{name, q.seq})
	return e
}

// again puts a file the worker could not apply yet back at the head of the
// queue, to be tried once it has been quiet for the settle time.
func (q *queue) again(name string, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.items[name]
	if !ok {
		q.seq++
		e = &entry{seq: q.seq}
		q.items[name] = e
		if q.head > 0 {
			q.head--
			q.order[q.head] = slot{name, q.seq}
		} else {
			q.order = slices.Insert(q.order, 0, slot{name, q.seq})
		}
	}
	q.update(e, func(e *entry) { e.written, e.whole = now, false })
	q.signal()
}

// lostCloses forgets which files are open: after lost events their closes
// may never come, so they are applied once quiet for the settle time.
func (q *queue) lostCloses() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range q.items {
		q.update(e, func(e *entry) { e.open = false })
	}
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// next takes the first file that is ready: whole, or written in place and
// now closed, or quiet for settle; how says which. When none is ready it
// returns "" and how long until the first settling file is (zero when there
// is none: open files wait for their close, which wakes the worker).
func (q *queue) next(now time.Time, settle time.Duration) (name string, how readiness, wait time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := q.head; i < len(q.order); i++ {
		s := q.order[i]
		e, ok := q.items[s.name]
		if !ok || e.seq != s.seq {
			if i == q.head {
				q.head++ // drop stale slots at the front as they are passed
			}
			continue
		}
		kind := readyListed
		switch {
		case e.open:
			continue
		case e.whole:
			kind = readyWhole
		case !e.written.IsZero():
			if left := settle - now.Sub(e.written); left > 0 {
				if wait == 0 || left < wait {
					wait = left
				}
				continue
			}
			kind = readyQuiet
		}
		q.remove(s.name, e)
		if i == q.head {
			q.head++
		}
		q.held++
		q.compact()
		return s.name, kind, 0
	}
	q.compact()
	return "", readyListed, wait
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

// writtenSince reports whether name has been written in place, or created
// anew, since the worker took it: next forgets a name when it hands it out.
func (q *queue) writtenSince(name string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.items[name]
	return ok && e.beingWritten()
}

// done says the worker is finished with one file it took.
func (q *queue) done() {
	q.mu.Lock()
	q.held--
	q.mu.Unlock()
}

// size counts the files waiting, including those taken and not yet done,
// and how many of them are still being written in place.
func (q *queue) size() (queued, writing int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) + q.held, q.writing
}
