package store

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Every prune batch is found through an index: the old non-firing alerts
// as ranges of the feed index (one per severity), state changes as a rowid
// range, drops and audit entries by their time. None reads a whole table.
func TestPruneQueryPlans(t *testing.T) {
	db := openTest(t)
	now := time.Now().UnixMilli()
	for _, q := range []struct {
		name, query string
		args        []any
		want        []string
	}{
		{"alerts", prunableAlertsSQL, []any{now, 1000}, []string{"SEARCH a USING INDEX alerts_feed (storm_member=? AND firing=? AND severity=? AND last_seen<?)"}},
		{"count alerts", countPrunableAlertsSQL, []any{now}, []string{"SEARCH a USING INDEX alerts_feed (storm_member=? AND firing=? AND severity=? AND last_seen<?)", "alert_changes_alert"}},
		{"changes", oldChangesSQL, []any{100, now, 1000}, []string{"SEARCH alert_changes USING INTEGER PRIMARY KEY (rowid<?)"}},
		{"drops", oldDropsSQL, []any{now, 1000}, []string{"drops_at"}},
		{"audit", oldAuditSQL, []any{now, 1000}, []string{"audit_at"}},
		{"count audit", countOldAuditSQL, []any{now}, []string{"audit_at"}},
	} {
		steps, err := db.explain(t.Context(), q.query, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		text := strings.Join(steps, "\n")
		for _, w := range q.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: plan lacks %q:\n%s", q.name, w, text)
			}
		}
		for _, s := range steps {
			if strings.HasPrefix(strings.TrimSpace(s), "SCAN ") && !strings.Contains(s, "SCAN sev") && !strings.Contains(s, "CONSTANT ROW") {
				t.Errorf("%s reads a whole table:\n%s", q.name, text)
			}
		}
	}
}

// recordingArchive keeps rows in memory.
type recordingArchive map[string]int

func (a recordingArchive) Keep(table string, _ []string, rows [][]any) error {
	a[table] += len(rows)
	return nil
}

// The audit log still refuses every delete but the prune's, and the prune
// opens its gate only inside its own transaction, only for entries older
// than its cutoff.
func TestAuditLeavesOnlyByRetention(t *testing.T) {
	ctx := t.Context()
	db, _, clk := newDesk(t)
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
	var gates int
	if err := db.writer.QueryRowContext(ctx, "SELECT count(*) FROM retention_gate").Scan(&gates); err != nil || gates != 0 {
		t.Fatalf("retention gate left open: %d rows, %v", gates, err)
	}
	if _, err := db.writer.ExecContext(ctx, "DELETE FROM audit"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("a plain delete after a prune = %v; want refused", err)
	}
	// A gate for an earlier cutoff does not let a newer entry go.
	_, err = db.writer.ExecContext(ctx, "BEGIN; INSERT INTO retention_gate VALUES (1, ?); DELETE FROM audit; COMMIT", clk.At.UnixMilli())
	db.writer.ExecContext(ctx, "ROLLBACK")
	if err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete past the gate's cutoff = %v; want refused", err)
	}
	if got, _ := db.Audit(ctx, model.AuditQuery{}); len(got) != 2 {
		t.Fatalf("%d audit entries left, want 2", len(got))
	}
}
