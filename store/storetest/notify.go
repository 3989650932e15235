package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func testSubscribe(t *testing.T, h Harness) {
	db := h.open(t)
	a, cancelA := db.Subscribe()
	b, cancelB := db.Subscribe()
	cancelB()
	cancelB() // idempotent

	// Many commits while nobody reads coalesce into one pending wake-up.
	for i := range 5 {
		err := db.Write(t.Context(), func(tx model.Tx) error {
			_, err := tx.UpsertAlert(&model.Alert{DedupKey: "k", Name: "n", Severity: model.SevInfo,
				State: []model.AlertState{model.AlertFiring, model.AlertResolved}[i%2]}, time.Time{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-a:
	default:
		t.Fatal("no wake-up pending right after Write returned")
	}
	select {
	case <-b:
		t.Fatal("cancelled subscription was woken")
	default:
	}
	cancelA()
}

func testConcurrentReadersAndWriters(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	const writers, readers, rounds = 3, 4, 30
	errs := make(chan error, writers+readers)
	for w := range writers {
		go func() {
			for i := range rounds {
				_, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: fmt.Sprintf("w%d-%d", w, i%7),
					Name: "Load", State: []model.AlertState{model.AlertFiring, model.AlertResolved}[i%2]})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range readers {
		go func() {
			wake, cancel := db.Subscribe()
			defer cancel()
			for range rounds {
				if _, err := db.Feed(ctx, model.FeedQuery{Limit: 60}); err != nil {
					errs <- err
					return
				}
				if _, err := db.Counts(ctx); err != nil {
					errs <- err
					return
				}
				select {
				case <-wake:
				case <-time.After(time.Millisecond):
				}
			}
			errs <- nil
		}()
	}
	for range writers + readers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, db, "after concurrent writes")
	if c, _ := db.Counts(ctx); c.Alerts != writers*7 {
		t.Errorf("alerts = %d, want %d distinct", c.Alerts, writers*7)
	}
}

// A write through another store on the same database, as another hypercare
// process makes it, wakes this store's subscribers and shows in its reads.
func testOtherProcessWriteIsNoticed(t *testing.T, h Harness) {
	db := h.open(t)
	other := h.OpenAgain(t, db)
	wake, cancel := db.Subscribe()
	defer cancel()
	err := other.Write(t.Context(), func(tx model.Tx) error {
		_, err := tx.UpsertAlert(&model.Alert{DedupKey: "other-process", Name: "FromElsewhere",
			Severity: model.SevCritical, State: model.AlertFiring}, time.Time{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-wake:
	case <-time.After(time.Second):
		t.Fatal("no wake-up within a second of another process's commit")
	}
	feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != 1 || feed[0].Name != "FromElsewhere" {
		t.Fatalf("feed = %+v; want the other process's alert", feed)
	}
}
