package pg

import (
	"errors"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// An alert's marks go to the server with the next statement (tx.execLater):
// the next read in the transaction sees them, and marks for an alert that
// is not there fail the write, whether a statement follows them or the
// commit does, with nothing of the transaction kept.
func TestMarksSentWithTheNextStatement(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	upsert := func(tx model.Tx, key string) model.Alert {
		t.Helper()
		a := model.Alert{DedupKey: key, Name: "n", Severity: model.SevWarning, State: model.AlertFiring}
		if _, err := tx.UpsertAlert(&a, time.Time{}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	err := db.Write(ctx, func(tx model.Tx) error {
		a := upsert(tx, "first")
		a.Flapping, a.Truncated = true, 3
		if err := tx.SetAlertMarks(a); err != nil {
			return err
		}
		read, err := tx.AlertByID(a.ID)
		if err != nil || !read.Flapping || read.Truncated != 3 {
			t.Errorf("read after the marks: %+v, %v; want them set", read, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, then := range []string{"a statement", "the commit"} {
		err := db.Write(ctx, func(tx model.Tx) error {
			upsert(tx, "lost with "+then)
			if err := tx.SetAlertMarks(model.Alert{ID: 99999, Flapping: true}); err != nil {
				return err
			}
			if then == "a statement" {
				_, err := tx.AlertByID(1)
				return err
			}
			return nil
		})
		if !errors.Is(err, model.ErrNotFound) {
			t.Errorf("marks of a missing alert, then %s: %v; want ErrNotFound", then, err)
		}
	}
	if c, err := db.Counts(ctx); err != nil || c.Alerts != 1 {
		t.Errorf("alerts = %d, %v; want only the first", c.Alerts, err)
	}
}
