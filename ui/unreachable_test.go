package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// outageStore is the fake store behind a database that can go away, as a
// PostgreSQL server does while it restarts: reads fail with
// model.ErrUnreachable until it is back.
type outageStore struct {
	*fakeStore
	down atomic.Bool
}

func (o *outageStore) fail() error {
	if o.down.Load() {
		return fmt.Errorf("read counts: %w: dial unix /run/postgresql/.s.PGSQL.5432: connect: connection refused", model.ErrUnreachable)
	}
	return nil
}

func (o *outageStore) Counts(ctx context.Context) (model.Counts, error) {
	if err := o.fail(); err != nil {
		return model.Counts{}, err
	}
	return o.fakeStore.Counts(ctx)
}

func (o *outageStore) Queue(ctx context.Context, q model.QueueQuery) ([]model.Incident, error) {
	if err := o.fail(); err != nil {
		return nil, err
	}
	return o.fakeStore.Queue(ctx, q)
}

// While the store is unreachable every session says so in a banner, keeps
// what it last read on screen, and recovers by itself when the store wakes
// it on its return.
func TestStoreUnreachableBanner(t *testing.T) {
	store := &outageStore{fakeStore: newFakeStore()}
	m := New(Deps{
		Reader: store, Notifier: store, Actions: noWrites{}, Plan: testPlan(t),
		Actor: model.Actor{Name: "alice", Role: model.RoleOperator}, Renderer: uitest.Renderer(),
		Now: func() time.Time { return testNow }, DropsDir: "/var/lib/hypercare/drops",
	})
	tm := open(t, m, 200, 60)
	store.down.Store(true)
	store.Notify() // a commit elsewhere, or the store's own wake-up
	frame := tm.WaitFor("store unreachable, reconnecting")
	if !strings.Contains(frame, "read at 14:00:00") || !strings.Contains(queueRows(frame), "INC-7") || !strings.Contains(frame, "STALE") {
		t.Errorf("during the outage the console should keep its rows and say since when:\n%s", frame)
	}
	store.down.Store(false)
	store.Notify() // the store reconnected
	frame = tm.WaitUntil("banner gone", func(f string) bool {
		return !strings.Contains(f, "store unreachable") && strings.Contains(f, "● LIVE")
	})
	if !strings.Contains(queueRows(frame), "INC-7") {
		t.Errorf("after the outage:\n%s", frame)
	}
}
