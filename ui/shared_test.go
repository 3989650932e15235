package ui

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
)

// countingStore counts the feed reads that reach the store, and can hold
// them until released.
type countingStore struct {
	*fakeStore
	feeds          atomic.Int32
	counts         atomic.Int32
	incidentsSince atomic.Int32
	hold           chan struct{} // when not nil, a feed read waits for it
	fail           atomic.Bool
}

func (c *countingStore) Feed(ctx context.Context, q model.FeedQuery) ([]model.Alert, error) {
	c.feeds.Add(1)
	if c.hold != nil {
		select {
		case <-c.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if c.fail.Load() {
		return nil, errors.New("database is locked")
	}
	return c.fakeStore.Feed(ctx, q)
}

func (c *countingStore) IncidentsSince(ctx context.Context, since time.Time) ([]model.Incident, error) {
	c.incidentsSince.Add(1)
	return c.fakeStore.IncidentsSince(ctx, since)
}

func (c *countingStore) Counts(ctx context.Context) (model.Counts, error) {
	c.counts.Add(1)
	return c.fakeStore.Counts(ctx)
}

// Sessions asking the same thing between two commits cause one read; a
// commit makes the next ask read again, and the sessions hear of the
// commit only once what was read before it is forgotten.
func TestSharedReadsOncePerCommit(t *testing.T) {
	ctx := t.Context()
	store := &countingStore{fakeStore: newFakeStore(), hold: make(chan struct{})}
	sh := NewShared(store, store.fakeStore)
	defer sh.Close()
	woken, stop := sh.Subscribe()
	defer stop()

	q := model.FeedQuery{Limit: 60}
	var wg sync.WaitGroup
	answers := make([][]model.Alert, 100)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := sh.Feed(ctx, q)
			if err != nil {
				t.Error(err)
			}
			answers[i] = a
		}()
	}
	for store.feeds.Load() == 0 {
		runtime.Gosched() // until the first session's read is under way; the rest wait for it
	}
	close(store.hold)
	wg.Wait()
	if n := store.feeds.Load(); n != 1 {
		t.Fatalf("100 sessions caused %d feed reads; want 1", n)
	}
	for _, a := range answers {
		if len(a) == 0 || &a[0] != &answers[0][0] {
			t.Fatal("a session got another answer than the shared one")
		}
	}
	if _, err := sh.Feed(ctx, model.FeedQuery{Limit: 60, Filter: "disk"}); err != nil || store.feeds.Load() != 2 {
		t.Fatalf("another filter: %v, %d reads; want its own read", err, store.feeds.Load())
	}
	sh.Counts(ctx)
	sh.Counts(ctx)
	if store.counts.Load() != 1 {
		t.Errorf("two header reads between commits reached the store %d times", store.counts.Load())
	}

	store.Notify() // a commit
	<-woken
	again, err := sh.Feed(ctx, q)
	if err != nil || store.feeds.Load() != 3 {
		t.Fatalf("after a commit: %v, %d reads; want the feed read again", err, store.feeds.Load())
	}
	// The commit changed nothing the feed shows: the sessions are handed
	// the answer they hold, so each tells "unchanged" by one pointer.
	if len(again) == 0 || &again[0] != &answers[0][0] {
		t.Error("an answer equal to the last one is handed out as a new slice")
	}

	store.mu.Lock()
	store.alerts[0].Summary = "changed by the commit"
	store.mu.Unlock()
	store.Notify()
	<-woken
	changed, err := sh.Feed(ctx, q)
	if err != nil || len(changed) == 0 || changed[0].Summary != "changed by the commit" {
		t.Fatalf("after a commit that changed the feed: %v, %+v; want the new answer", err, changed[:min(len(changed), 1)])
	}
	if &changed[0] == &answers[0][0] || answers[0][0].Summary == "changed by the commit" {
		t.Error("a changed answer reused the last one's slice")
	}
}

// A failed read is not kept; a read the asking session gave up on is run
// again for a session still waiting.
func TestSharedKeepsNoFailures(t *testing.T) {
	ctx := t.Context()
	store := &countingStore{fakeStore: newFakeStore()}
	sh := NewShared(store, store.fakeStore)
	defer sh.Close()
	q := model.FeedQuery{Limit: 10}
	store.fail.Store(true)
	if _, err := sh.Feed(ctx, q); err == nil {
		t.Fatal("the failure was not passed on")
	}
	store.fail.Store(false)
	if a, err := sh.Feed(ctx, q); err != nil || len(a) == 0 {
		t.Fatalf("after a failure: %d alerts, %v; want a new read", len(a), err)
	}

	store.Notify()
	store.hold = make(chan struct{})
	first, cancel := context.WithCancel(ctx)
	firstDone := make(chan error, 1)
	go func() { _, err := sh.Feed(first, model.FeedQuery{Limit: 11}); firstDone <- err }()
	for store.feeds.Load() < 3 {
		runtime.Gosched()
	}
	secondDone := make(chan []model.Alert, 1)
	go func() {
		a, err := sh.Feed(ctx, model.FeedQuery{Limit: 11})
		if err != nil {
			t.Error(err)
		}
		secondDone <- a
	}()
	cancel()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("the session that gave up got %v", err)
	}
	close(store.hold)
	if a := <-secondDone; len(a) == 0 {
		t.Fatal("the waiting session got nothing")
	}
}

// A session draws a frame only when what it shows changed: a refresh that
// reads the same rows and figures keeps the last frame; a new alert, or
// the clock, makes a new one.
func TestRedrawOnlyWhenShownDataChanged(t *testing.T) {
	m := loaded(t, 200, 60, termenv.Ascii)
	store := m.s.Reader.(*fakeStore)
	first := m.View()
	if m.dirty {
		t.Fatal("dirty right after drawing")
	}
	m.Update(m.refreshAll()())
	if m.dirty {
		t.Error("a refresh with nothing new asks for a new frame")
	}
	if m.View() != first {
		t.Error("the frame changed with nothing new")
	}

	store.fire("BrandNewAlert")
	m.Update(m.refreshAll()())
	if !m.dirty || !strings.Contains(m.View(), "BrandNewAlert") {
		t.Errorf("a new alert was not drawn:\n%s", m.View())
	}
	m.View()
	m.Update(tickMsg(testNow.Add(time.Second)))
	if !m.dirty {
		t.Error("the clock's tick did not ask for a frame")
	}
}

// A commit's refresh draws again only the panes whose answers changed, an
// empty list's too: with no articles and no open incidents, a new alert
// draws the feed's cell again and keeps the other three, and a refresh
// with nothing new keeps the frame. (An empty answer once counted as news
// and the knowledge pane, wrapping its list, was not found by its answer:
// every commit drew the whole grid.) The empty lists still say so.
func TestEmptyPanesKeepTheirCells(t *testing.T) {
	f := newFakeStore()
	f.articles, f.incidents = nil, nil
	m := loadedOn(t, f, 200, 60, termenv.Ascii)
	first := m.View()
	for _, empty := range []string{"No articles.", "No open incidents."} {
		if !strings.Contains(first, empty) {
			t.Fatalf("the grid does not say %q:\n%s", empty, first)
		}
	}
	refresh := m.refreshAll() // the lists are being read again
	m.forgetAll()             // as a message that changes the screen does
	m.dirty = true
	if v := m.View(); !strings.Contains(v, "No articles.") {
		t.Errorf("the empty knowledge base went blank while it was read again:\n%s", v)
	}
	m.Update(refresh())
	if m.dirty || m.View() != first {
		t.Error("a refresh with nothing new drew a new frame")
	}
	f.fire("BrandNewAlert")
	m.Update(m.refreshAll()())
	for i, c := range m.cells[:paneKnowledge+1] {
		if c.ok != (i != paneFeed) {
			t.Errorf("pane %d's cell kept: %v; want only the feed's drawn again", i, c.ok)
		}
	}
	if v := m.View(); !strings.Contains(v, "BrandNewAlert") || !strings.Contains(v, "No articles.") {
		t.Errorf("the new alert, or the empty knowledge base, is not drawn:\n%s", v)
	}
	f.mu.Lock()
	f.articles = []model.Article{{ID: 7, Slug: "first", Title: "TheFirstArticle", Kind: model.ArticleRunbook,
		State: model.ArticlePublished, UpdatedAt: testNow}}
	f.mu.Unlock()
	m.Update(m.refreshAll()())
	for i, c := range m.cells[:paneKnowledge+1] {
		if c.ok != (i != paneKnowledge) {
			t.Errorf("pane %d's cell kept: %v; want only the knowledge pane's drawn again", i, c.ok)
		}
	}
	if v := m.View(); !strings.Contains(v, "TheFirstArticle") {
		t.Errorf("the new article is not drawn:\n%s", v)
	}
}

// The scorecard's reads, asked at a whole minute, are read once for every
// session in that minute, commits or not; other times are not kept.
func TestSharedScorecardReadsOncePerMinute(t *testing.T) {
	ctx := t.Context()
	store := &countingStore{fakeStore: newFakeStore()}
	sh := NewShared(store, store.fakeStore)
	defer sh.Close()
	minute := testNow.Truncate(time.Minute).Add(-14 * 24 * time.Hour)
	for range 3 {
		if _, err := sh.IncidentsSince(ctx, minute); err != nil {
			t.Fatal(err)
		}
		store.Notify() // a commit does not make it read again
	}
	sh.IncidentsSince(ctx, minute.Add(time.Second))
	sh.IncidentsSince(ctx, minute.Add(time.Second))
	if n := store.incidentsSince.Load(); n != 3 {
		t.Errorf("%d reads reached the store; want 1 for the minute, 2 for the odd times", n)
	}
}

// versionedStore is the fake with part versions, as the stores count
// them, and a count of the calendar reads that reach it.
type versionedStore struct {
	*fakeStore
	vmu      sync.Mutex
	versions model.Versions
	failing  bool          // Versions fails
	hold     chan struct{} // when not nil, a calendar read waits for it
	changes  atomic.Int32
}

func (s *versionedStore) Versions(context.Context) (model.Versions, error) {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	if s.failing {
		return model.Versions{}, errors.New("database is locked")
	}
	return s.versions, nil
}

func (s *versionedStore) ChangesBetween(ctx context.Context, from, to time.Time) ([]model.Change, error) {
	s.changes.Add(1)
	if s.hold != nil {
		<-s.hold
	}
	return s.fakeStore.ChangesBetween(ctx, from, to)
}

// commit moves the versions of the parts named, commits and waits until
// sh has heard of it.
func (s *versionedStore) commit(woken <-chan struct{}, moved ...model.Part) {
	s.vmu.Lock()
	for _, p := range moved {
		s.versions[p]++
	}
	s.vmu.Unlock()
	s.Notify()
	<-woken
}

// A part's answer stands through the commits that leave its version where
// it was, is read again after one that moves it, and is let go once no
// session has asked for it for a minute (a key with a time in it stays
// behind when the time moves on).
func TestSharedKeepsPartsNoCommitChanged(t *testing.T) {
	ctx := t.Context()
	store := &versionedStore{fakeStore: newFakeStore()}
	sh := NewShared(store, store.fakeStore)
	defer sh.Close()
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	sh.now = func() time.Time { return at } // read by the commit loop only after a commit, below
	woken, stop := sh.Subscribe()
	defer stop()
	commit := func(moved ...model.Part) { store.commit(woken, moved...) }
	from := at.Truncate(24 * time.Hour)
	for i, step := range []struct {
		name  string
		do    func()
		reads int32
	}{
		{"first ask", func() {}, 1},
		{"a commit of alerts", func() { commit() }, 1},
		{"a commit of articles", func() { commit(model.PartKnowledge) }, 1},
		{"a commit of changes", func() { commit(model.PartCalendar) }, 2},
		{"a commit two minutes after the last ask", func() { at = at.Add(2 * time.Minute); commit() }, 3},
	} {
		step.do()
		if _, err := sh.ChangesBetween(ctx, from, from.Add(7*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := store.changes.Load(); n != step.reads {
			t.Fatalf("step %d, %s: %d calendar reads reached the store; want %d", i, step.name, n, step.reads)
		}
	}
}

// What Shared cannot vouch for it reads again: a part's read still under
// way when a commit lands (it may have begun before the commit), and every
// answer across a commit whose versions could not be read, and the one
// after it.
func TestSharedDropsWhatItCannotVouchFor(t *testing.T) {
	ctx := t.Context()
	store := &versionedStore{fakeStore: newFakeStore(), hold: make(chan struct{})}
	sh := NewShared(store, store.fakeStore)
	defer sh.Close()
	woken, stop := sh.Subscribe()
	defer stop()
	from := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	read := func() {
		t.Helper()
		if _, err := sh.ChangesBetween(ctx, from, from.Add(7*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	reads := func(want int32, when string) {
		t.Helper()
		if n := store.changes.Load(); n != want {
			t.Fatalf("%s: %d calendar reads reached the store; want %d", when, n, want)
		}
	}

	done := make(chan struct{})
	go func() { defer close(done); read() }()
	for store.changes.Load() == 0 {
		runtime.Gosched() // until the read is under way
	}
	store.commit(woken) // the calendar's version stays; the read is still under way
	close(store.hold)
	<-done
	read()
	reads(2, "after a commit that landed during the read")
	read()
	reads(2, "asked again before any commit")

	store.vmu.Lock()
	store.failing = true
	store.vmu.Unlock()
	store.commit(woken)
	read()
	reads(3, "after a commit whose versions could not be read")
	store.vmu.Lock()
	store.failing = false
	store.vmu.Unlock()
	store.commit(woken)
	read()
	reads(4, "after the next commit, with nothing to compare its versions with")
	store.commit(woken)
	read()
	reads(4, "after a commit that left the calendar alone")
}
