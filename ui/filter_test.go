package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// slowFeed is the fake store with a feed that holds a "slow" filter until
// its reader gives up, and remembers every filter asked and every read
// cancelled.
type slowFeed struct {
	*fakeStore
	mu        sync.Mutex
	asked     []string
	cancelled []string
	started   chan string
}

func (f *slowFeed) Feed(ctx context.Context, q model.FeedQuery) ([]model.Alert, error) {
	f.mu.Lock()
	f.asked = append(f.asked, q.Filter)
	f.mu.Unlock()
	if q.Filter != "slow" {
		return f.fakeStore.Feed(ctx, q)
	}
	f.started <- q.Filter
	<-ctx.Done()
	f.mu.Lock()
	f.cancelled = append(f.cancelled, q.Filter)
	f.mu.Unlock()
	return nil, ctx.Err()
}

func typeInto(p *listPane[model.Alert], text string) {
	for _, r := range text {
		p.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// Typing in a filter asks nothing until typing pauses, and then once, for
// what was typed: the pauses after earlier keys are let go by.
func TestFilterWaitsForTypingToPause(t *testing.T) {
	f := &slowFeed{fakeStore: newFakeStore(), started: make(chan string, 1)}
	m := newTestModel(t, f.fakeStore, model.RoleOperator)
	m.s.Reader = f
	p := m.panes[paneFeed].(*listPane[model.Alert])
	p.setSize(100, 20)
	p.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'/'}})
	typeInto(p, "disk")
	if p.typed != 4 || p.filter.text != "disk" {
		t.Fatalf("typed %d edits, filter %q", p.typed, p.filter.text)
	}
	for typed := 1; typed < 4; typed++ {
		if cmd := p.update(filterSettled{pane: p, typed: typed}); cmd != nil {
			t.Errorf("the pause after key %d of 4 asked again", typed)
		}
	}
	if cmd := p.update(filterSettled{pane: m.panes[paneQueue], typed: 4}); cmd != nil {
		t.Error("another list's pause asked the feed")
	}
	cmd := p.update(filterSettled{pane: p, typed: 4})
	if cmd == nil {
		t.Fatal("the pause after the last key asked nothing")
	}
	p.update(cmd())
	if len(f.asked) != 1 || f.asked[0] != "disk" {
		t.Errorf("the feed was asked %q; want once, for disk", f.asked)
	}
}

// A read for a filter typed over is cancelled, its answer never drawn; a
// refresh of the same filter leaves the read under way alone.
func TestNewFilterCancelsTheOldRead(t *testing.T) {
	f := &slowFeed{fakeStore: newFakeStore(), started: make(chan string, 1)}
	m := newTestModel(t, f.fakeStore, model.RoleOperator)
	m.s.Reader = f
	p := m.panes[paneFeed].(*listPane[model.Alert])
	p.setSize(100, 20)

	slow := p.setFilter("slow")
	answers := make(chan tea.Msg, 2)
	go func() { answers <- slow() }()
	<-f.started
	refresh := p.refresh() // the same filter again (a commit): not cancelled
	go func() { answers <- refresh() }()
	<-f.started
	if len(f.cancelled) != 0 {
		t.Fatalf("a refresh cancelled %q", f.cancelled)
	}

	fast := p.setFilter("fast")
	for range 2 {
		old := <-answers
		if d, ok := old.(listData[model.Alert]); !ok || !errors.Is(d.err, context.Canceled) {
			t.Fatalf("the slow read ended with %#v; want cancelled", old)
		}
		p.update(old)
	}
	p.update(fast())
	if p.err != nil || len(p.list.rows) == 0 {
		t.Fatalf("after the new filter: err %v, %d rows", p.err, len(p.list.rows))
	}
	if view := p.view(true); strings.Contains(view, "query failed") || !strings.Contains(view, "(sample") {
		t.Errorf("the cancelled read shows:\n%s", view)
	}
	if len(p.running) != 0 {
		t.Errorf("%d reads still counted as running", len(p.running))
	}
}
