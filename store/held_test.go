package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// New alerts held back that a full disk stops from being written fail
// what they were written in, and nothing of it is kept: a Write outside a
// savepoint fails whole; inside one, the savepoint fails and the rest of
// the transaction commits. Once there is room, the same alerts go in.
func TestHeldAlertsOnAFullDisk(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	alerts := func(prefix string, n int) []model.Alert {
		out := make([]model.Alert, n)
		for i := range out {
			out[i] = model.Alert{DedupKey: fmt.Sprintf("%s-%04d", prefix, i), Name: "DiskFull", Severity: model.SevWarning,
				State: model.AlertFiring, Summary: strings.Repeat("x", 2000)}
		}
		return out
	}
	upsert := func(tx model.Tx, as []model.Alert) error {
		keys := make([]string, len(as))
		for i, a := range as {
			keys[i] = a.DedupKey
		}
		if err := tx.LookupAlerts(keys, time.Time{}); err != nil {
			return err
		}
		for _, a := range as {
			if _, err := tx.UpsertAlert(&a, time.Time{}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := db.Write(ctx, func(tx model.Tx) error { return upsert(tx, alerts("first", 1)) }); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.writer.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// Room for a few pages more, not for a thousand alerts of 2 kB.
	if _, err := db.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+20)); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, func(tx model.Tx) error { return upsert(tx, alerts("lost", 1000)) })
	if err == nil || !strings.Contains(err.Error(), "full") || !strings.Contains(err.Error(), `"lost-`) {
		t.Errorf("Write of alerts with no room: %v; want the full disk, naming the alerts", err)
	}
	err = db.Write(ctx, func(tx model.Tx) error {
		if err := upsert(tx, alerts("kept", 1)); err != nil {
			return err
		}
		if err := tx.Savepoint(func() error { return upsert(tx, alerts("undone", 1000)) }); err == nil {
			return errors.New("a savepoint writing alerts with no room succeeded")
		}
		return upsert(tx, alerts("after", 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.Counts(ctx); err != nil || c.Alerts != 3 {
		t.Errorf("counts %+v, %v; want first, kept and after, nothing of the failed writes", c, err)
	}
	if _, err := db.writer.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctx, func(tx model.Tx) error { return upsert(tx, alerts("lost", 1000)) }); err != nil {
		t.Fatal(err)
	}
	if c, err := db.Counts(ctx); err != nil || c.Alerts != 1003 {
		t.Errorf("counts %+v, %v; want the thousand in too", c, err)
	}
}
