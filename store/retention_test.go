package store

import (
	"strings"
	"testing"
	"time"
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
