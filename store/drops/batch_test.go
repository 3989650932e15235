package drops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

// The batched path on the real service layer and store: files waiting in
// the drop folder when the watcher starts are all ready at once, so they
// are applied in one transaction.

// realDesk opens a store in a temporary folder with the example plan.
func realDesk(t *testing.T) (*store.DB, *model.Desk) {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "hypercare.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		t.Fatal(err)
	}
	return db, model.NewDesk(db, p)
}

// batchSpy wraps a BatchIngester: it records each IngestAll's drops, may
// change them on the way in (alter) or fail after the commit as a process
// killed then would (crash), and checks that every file of a batch is still
// in the drop folder when its transaction has committed.
type batchSpy struct {
	model.BatchIngester
	dir   string
	alter func(ds []model.Drop)
	crash error

	mu      sync.Mutex
	batches [][]string // drop names per IngestAll that committed
	moved   []string   // files already gone from the drop folder at their commit
}

func (s *batchSpy) IngestAll(ctx context.Context, a model.Actor, ds []model.Drop) ([]model.IngestResult, []error, error) {
	if s.alter != nil {
		s.alter(ds)
	}
	res, errs, err := s.BatchIngester.IngestAll(ctx, a, ds)
	if err != nil {
		return res, errs, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, d := range ds {
		names = append(names, d.Name)
		if _, err := os.Lstat(filepath.Join(s.dir, d.Name)); err != nil {
			s.moved = append(s.moved, d.Name)
		}
	}
	s.batches = append(s.batches, names)
	if s.crash != nil {
		return nil, nil, s.crash
	}
	return res, errs, nil
}

func (s *batchSpy) seen() ([][]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.batches...), append([]string(nil), s.moved...)
}

// queueFiles writes n generic drops of three alerts each into dir, the
// last alert of file i resolving the first alert of file i-5, so a batch
// must apply its files in order.
func queueFiles(t *testing.T, dir string, n int) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range n {
		var b strings.Builder
		for j := range 2 {
			fmt.Fprintf(&b, `{"key":"k%d-%d","status":"firing","severity":"warning","service":"catalog","summary":"probe f%02da%d","labels":{"alertname":"Probe","probe":"p%d"}}`+"\n", i, j, i, j, j)
		}
		if i >= 5 {
			fmt.Fprintf(&b, `{"key":"k%d-0","status":"resolved","service":"catalog","labels":{"alertname":"Probe"}}`+"\n", i-5)
		} else {
			fmt.Fprintf(&b, `{"key":"k%d-2","status":"firing","service":"catalog","summary":"third","labels":{"alertname":"Probe"}}`+"\n", i)
		}
		name := fmt.Sprintf("f%02d.ndjson", i)
		writeDrop(t, dir, name, b.String())
		// Arrival order is the order of their times (the startup scan).
		at := time.Now().Add(time.Duration(i-n) * time.Second)
		if err := os.Chtimes(filepath.Join(dir, name), at, at); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

func startBatchWatcher(t *testing.T, dir string, spy *batchSpy) *liveWatcher {
	t.Helper()
	return startWatcher(t, func(drops string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(drops, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}, func(c *Config) { c.Ingester, spy.dir = spy, c.Dir })
}

func TestBatchAppliesInOneTransactionThenMoves(t *testing.T) {
	db, desk := realDesk(t)
	stage := t.TempDir()
	names := queueFiles(t, stage, 12)
	spy := &batchSpy{BatchIngester: desk}
	lw := startBatchWatcher(t, stage, spy)
	s := lw.waitDone(t, len(names))
	if s.Processed != len(names) || s.Rejected != 0 {
		t.Fatalf("status %+v", s)
	}
	batches, moved := spy.seen()
	if len(batches) != 1 || len(batches[0]) != len(names) {
		t.Fatalf("transactions %v; want all %d files in one", batches, len(names))
	}
	if len(moved) > 0 {
		t.Errorf("%v left the drop folder before the transaction applying them committed", moved)
	}
	for i, name := range names {
		mustExist(t, filepath.Join(lw.dir, ProcessedDir, name))
		r, _ := lw.result(name)
		if r.Alerts != 3 || r.Duplicate || r.Rejected != nil {
			t.Errorf("%s: result %+v", name, r)
		}
		if want := 3 - min(i/5, 1); r.New != want { // a resolve of an earlier file's alert is not new
			t.Errorf("%s: %d new, want %d", name, r.New, want)
		}
	}
	// Applied in order: file i resolved what file i-5 fired, in the same
	// transaction.
	feed, err := db.Feed(t.Context(), model.FeedQuery{Filter: "f00a0", Limit: 5})
	if err != nil || len(feed) != 1 || feed[0].State != model.AlertResolved {
		t.Fatalf("k0-0 = %+v, %v; want resolved by f05", feed, err)
	}
	c, err := db.Counts(t.Context())
	if err != nil || c.Alerts != 12*2+5 || c.Firing != 12*2+5-7 {
		t.Errorf("counts %+v, %v; want %d alerts, %d firing", c, err, 12*2+5, 12*2+5-7)
	}
}

// A file whose content the service layer refuses is undone alone: the
// files before and after it in the same transaction are applied, it is
// rejected with its reason, and nothing of it is stored.
func TestBatchRejectsABadFileAlone(t *testing.T) {
	db, desk := realDesk(t)
	stage := t.TempDir()
	names := queueFiles(t, stage, 6)
	writeDrop(t, stage, "broken.json", `{"version":"4","alerts":[{"status":"firing"`) // fails to parse
	spy := &batchSpy{BatchIngester: desk, alter: func(ds []model.Drop) {
		for i := range ds {
			if ds[i].Name == names[2] {
				// Its first alert is good, its last has no key: the first
				// must be undone with the rest of the file.
				ds[i].Events[len(ds[i].Events)-1].Alert.DedupKey = "\x1b[0m"
			}
		}
	}}
	lw := startBatchWatcher(t, stage, spy)
	s := lw.waitDone(t, len(names)+1)
	if s.Processed != len(names)-1 || s.Rejected != 2 {
		t.Fatalf("status %+v; want %d processed, 2 rejected", s, len(names)-1)
	}
	batches, _ := spy.seen()
	if len(batches) != 1 || len(batches[0]) != len(names) {
		t.Fatalf("transactions %v; want the %d parsed files in one", batches, len(names))
	}
	for i, name := range names {
		if i == 2 {
			mustExist(t, filepath.Join(lw.dir, RejectedDir, name))
			if why := readText(t, filepath.Join(lw.dir, RejectedDir, name+".error")); !strings.Contains(why, "no dedup key") {
				t.Errorf("sidecar of %s:\n%s", name, why)
			}
			continue
		}
		mustExist(t, filepath.Join(lw.dir, ProcessedDir, name))
	}
	mustExist(t, filepath.Join(lw.dir, RejectedDir, "broken.json.error"))
	if feed, err := db.Feed(t.Context(), model.FeedQuery{Filter: "f02a0", Limit: 5}); err != nil || len(feed) != 0 {
		t.Errorf("the rejected file's good alert was kept: %+v, %v", feed, err)
	}
	if feed, err := db.Feed(t.Context(), model.FeedQuery{Filter: "f03a0", Limit: 5}); err != nil || len(feed) != 1 {
		t.Errorf("the file after the rejected one was not applied: %+v, %v", feed, err)
	}
}

// A process killed after a batch's commit and before its moves leaves
// every file in the drop folder; the next one finds them all applied
// (duplicates), moves them, and no alert is delivered twice.
func TestBatchCrashBetweenCommitAndMoves(t *testing.T) {
	db, desk := realDesk(t)
	stage := t.TempDir()
	names := queueFiles(t, stage, 8)
	killed := errors.New("killed after commit")
	spy := &batchSpy{BatchIngester: desk, crash: killed}
	first := startBatchWatcher(t, stage, spy)
	waitFor(t, "the first commit", func() bool { b, _ := spy.seen(); return len(b) > 0 })
	waitFor(t, "the retry after the crash", func() bool { return first.Status().Retrying != nil })
	for _, name := range names {
		mustExist(t, filepath.Join(first.dir, name)) // committed, not moved
	}
	if first.Status().Processed != 0 {
		t.Fatalf("status %+v: files counted before their move", first.Status())
	}
	// The restart: a new watcher over the same folder and database (the
	// first one's retries also find duplicates; it is the "dead" process).
	restarted := startWatcher(t, func(drops string) {
		for _, name := range names {
			if err := os.Rename(filepath.Join(first.dir, name), filepath.Join(drops, name)); err != nil {
				t.Fatal(err)
			}
		}
	}, func(c *Config) { c.Ingester = desk })
	restarted.waitDone(t, len(names))
	for _, name := range names {
		if r, _ := restarted.result(name); !r.Duplicate {
			t.Errorf("%s: result %+v, want a duplicate", name, r)
		}
		mustExist(t, filepath.Join(restarted.dir, ProcessedDir, name))
	}
	feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range feed {
		if a.Deliveries != 1 {
			t.Errorf("%s delivered %d times, want once", a.DedupKey, a.Deliveries)
		}
	}
}
