package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// recordingArchive counts the rows kept, by table.
type recordingArchive map[string]int

func (a recordingArchive) Keep(table string, _ []string, rows [][]any) error {
	a[table] += len(rows)
	return nil
}

// A prune removes, archived first, what passed the retention and nothing
// else: old resolved alerts with their history, not the firing ones nor
// the recent; what it removes is what a dry run counted; the counters
// follow.
func testPruneRemovesWhatPassedRetention(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, clk := h.desk(t)
	admin := model.Actor{Name: "root", Role: model.RoleAdmin}
	for i := range 12 {
		st := model.AlertResolved
		if i%4 == 0 {
			st = model.AlertFiring
		}
		if _, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: fmt.Sprint("old", i), Name: "DiskFull",
			Severity: model.SevWarning, State: model.AlertFiring}); err != nil {
			t.Fatal(err)
		}
		if st == model.AlertResolved {
			if _, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: fmt.Sprint("old", i), State: st}); err != nil {
				t.Fatal(err)
			}
		}
	}
	clk.At = clk.At.Add(100 * 24 * time.Hour) // past the default 90 days
	for i := range 3 {
		if _, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: fmt.Sprint("new", i), Name: "DiskFull",
			Severity: model.SevWarning, State: model.AlertResolved}); err != nil {
			t.Fatal(err)
		}
	}
	dry, err := desk.Prune(ctx, admin, clk.At, model.PruneRun{DryRun: true})
	if err != nil || dry.Alerts != 9 {
		t.Fatalf("dry run: %+v, %v; want the 9 old resolved alerts", dry, err)
	}
	arch := recordingArchive{}
	got, err := desk.Prune(ctx, admin, clk.At, model.PruneRun{Archive: arch, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got != dry || arch["alerts"] != 9 || arch["alert_changes"] != got.AlertChanges || got.AlertChanges < 18 {
		t.Errorf("pruned %+v, archived %v; the dry run counted %+v", got, arch, dry)
	}
	c := checkCounts(t, db, "after the prune")
	if c.Alerts != 6 || c.Firing != 3 {
		t.Errorf("counts %+v; want the 3 old firing and 3 new alerts", c)
	}
	if again, err := desk.Prune(ctx, admin, clk.At, model.PruneRun{DryRun: true}); err != nil || again.Alerts != 0 {
		t.Errorf("a second dry run: %+v, %v; want nothing left", again, err)
	}
}

// The audit log still refuses every delete but the prune's, and the prune
// opens its gate only inside its own transaction, only for entries older
// than its cutoff.
func testAuditLeavesOnlyByRetention(t *testing.T, h Harness) {
	ctx := t.Context()
	db, _, clk := h.desk(t)
	err := db.Write(ctx, func(tx model.Tx) error {
		for i := range 5 {
			if err := tx.AppendAudit(model.AuditEntry{At: clk.At.Add(time.Duration(i) * 24 * time.Hour), Actor: "alice", Action: "x", Entity: "y"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cut := clk.At.Add(2*24*time.Hour + time.Minute) // days 0, 1 and 2 go
	arch := recordingArchive{}
	err = db.Write(ctx, func(tx model.Tx) error {
		n, err := tx.PruneAudit(cut, 100, arch)
		if n != 3 {
			t.Errorf("pruned %d audit entries, want 3", n)
		}
		return err
	})
	if err != nil || arch["audit"] != 3 {
		t.Fatalf("prune audit: %v, archived %v", err, arch)
	}
	if gates, err := db.Int(ctx, "SELECT count(*) FROM retention_gate"); err != nil || gates != 0 {
		t.Fatalf("retention gate left open: %d rows, %v", gates, err)
	}
	if err := db.Exec(ctx, "DELETE FROM audit"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("a plain delete after a prune = %v; want refused", err)
	}
	// A gate for an earlier cutoff does not let a newer entry go.
	if err := db.Exec(ctx, "INSERT INTO retention_gate (id, audit_before) VALUES (1, $1)", clk.At.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	err = db.Exec(ctx, "DELETE FROM audit")
	if cerr := db.Exec(ctx, "DELETE FROM retention_gate"); cerr != nil {
		t.Fatal(cerr)
	}
	if err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete past the gate's cutoff = %v; want refused", err)
	}
	if got, _ := db.Audit(ctx, model.AuditQuery{}); len(got) != 2 {
		t.Fatalf("%d audit entries left, want 2", len(got))
	}
}

// A prune in the transaction that upserts alerts reads them as stored,
// whether the store wrote them at their upsert or holds new ones back to
// write together: the history of an alert upserted before it counts, and
// an alert it removes after LookupAlerts read it ahead is new again when
// it comes back, with an id of its own.
func testPruneInTheIntakesTransaction(t *testing.T, h Harness) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	alert := func(key string, state model.AlertState, at time.Time) *model.Alert {
		return &model.Alert{DedupKey: key, Source: "s", Name: "DiskFull", Severity: model.SevWarning, State: state,
			Service: "checkout", Summary: "disk " + key, Labels: map[string]string{"service": "checkout"}, Group: "g",
			LastSeen: at, FirstSeen: at}
	}
	for _, ahead := range []bool{false, true} {
		db := h.open(t)
		var pruned int
		err := db.Write(t.Context(), func(tx model.Tx) error {
			if ahead {
				if err := tx.LookupAlerts([]string{"x"}, time.Time{}); err != nil {
					return err
				}
			}
			if _, err := tx.UpsertAlert(alert("x", model.AlertFiring, t0), time.Time{}); err != nil {
				return err
			}
			var err error
			pruned, err = tx.PruneAlertChanges(t0.Add(time.Hour), 100, recordingArchive{})
			return err
		})
		if err != nil || pruned != 1 {
			t.Errorf("read ahead %v: pruned %d changes, %v; want the one of the alert upserted before", ahead, pruned, err)
		}

		db = h.open(t)
		if err := db.Write(t.Context(), func(tx model.Tx) error {
			_, err := tx.UpsertAlert(alert("k", model.AlertResolved, t0), time.Time{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var n, k model.Alert
		err = db.Write(t.Context(), func(tx model.Tx) error {
			if ahead {
				if err := tx.LookupAlerts([]string{"n", "k"}, time.Time{}); err != nil {
					return err
				}
			}
			if p, err := tx.PruneAlerts(t0.Add(time.Hour), 10, recordingArchive{}); err != nil || p.Alerts != 1 {
				return fmt.Errorf("pruned %+v, %v; want k", p, err)
			}
			n, k = *alert("n", model.AlertFiring, t0.Add(2*time.Hour)), *alert("k", model.AlertFiring, t0.Add(2*time.Hour))
			for _, a := range []*model.Alert{&n, &k} {
				if up, err := tx.UpsertAlert(a, time.Time{}); err != nil || !up.New {
					return fmt.Errorf("upsert %s: %+v, %v; want a new alert", a.DedupKey, up, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("read ahead %v: %v", ahead, err)
		}
		if n.ID == k.ID {
			t.Errorf("read ahead %v: n and k both ALR-%d", ahead, n.ID)
		}
		feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(feed) != 2 || feed[0].ID != k.ID || feed[1].ID != n.ID {
			t.Errorf("read ahead %v: stored %+v; want k and n as upserted (ALR-%d, ALR-%d)", ahead, feed, k.ID, n.ID)
		}
	}
}
