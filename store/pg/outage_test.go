package pg

import (
	"errors"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/pg/pgtest"
)

// While the server is away, reads and writes fail with ErrUnreachable
// (nothing half-written), nobody leads, and the store reconnects by itself:
// when the server is back it wakes its subscribers, and what was committed
// before is all there.
func TestOutage(t *testing.T) {
	ctx := t.Context()
	url := pgtest.Database(t)
	db := openURL(t, url)
	write := func(key string) error {
		return db.Write(ctx, func(tx model.Tx) error {
			_, err := tx.UpsertAlert(&model.Alert{DedupKey: key, Name: "n", Severity: model.SevWarning, State: model.AlertFiring}, time.Time{})
			return err
		})
	}
	if err := write("before"); err != nil {
		t.Fatal(err)
	}
	if !db.Leading(ctx) {
		t.Fatal("the only process does not lead")
	}
	wake, cancel := db.Subscribe()
	defer cancel()
	for len(wake) > 0 {
		<-wake
	}

	pgtest.Outage(t, url, true)
	select { // the sessions are told, so they find out and say so
	case <-wake:
	case <-time.After(15 * time.Second):
		t.Fatal("no wake-up when the server went away")
	}
	// The first read may meet a connection the server just ended; every
	// read until the server is back fails as unreachable.
	for range 2 {
		if _, err := db.Counts(ctx); !errors.Is(err, model.ErrUnreachable) {
			t.Fatalf("Counts during the outage = %v; want ErrUnreachable", err)
		}
	}
	if err := write("during"); !errors.Is(err, model.ErrUnreachable) {
		t.Fatalf("Write during the outage = %v; want ErrUnreachable", err)
	}
	if db.Leading(ctx) {
		t.Error("a process cut off from the database still leads")
	}

	pgtest.Outage(t, url, false)
	select {
	case <-wake:
	case <-time.After(15 * time.Second):
		t.Fatal("no wake-up after the server came back")
	}
	c, err := db.Counts(ctx)
	if err != nil || c.Alerts != 1 {
		t.Fatalf("after the outage: %+v, %v; want the one alert written before", c, err)
	}
	if err := write("after"); err != nil {
		t.Fatalf("Write after the outage: %v", err)
	}
	if !db.Leading(ctx) {
		t.Error("the lead did not come back")
	}
}
