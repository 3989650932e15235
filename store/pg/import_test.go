package pg

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/cmd/hypercare/demo"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
)

// tableRows reads every table of a snapshot as JSON lines, sorted, without
// the columns a database keeps for itself.
func tableRows(t *testing.T, tables []string, rows func(context.Context, string, func([]string, []any) error) error) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range tables {
		if table == "schema_migrations" {
			continue // each database's own
		}
		var lines []string
		err := rows(t.Context(), table, func(cols []string, values []any) error {
			r := map[string]any{}
			for i, c := range cols {
				if c != "seq" { // PostgreSQL's stand-in for SQLite's rowid
					r[c] = values[i]
				}
			}
			b, err := json.Marshal(r)
			lines = append(lines, string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(lines) // storage order is each database's own
		out[table] = lines
	}
	return out
}

// A demo week on SQLite (every kind of record, the audit log, storms,
// silences, job runs, the outbox) copies into PostgreSQL whole: every
// table reads the same from both, ids and all, and new records carry on
// from the copied ids.
func TestImportDemoWeek(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Minute)
	p, err := demo.Plan(now)
	if err != nil {
		t.Fatal(err)
	}
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "hypercare.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := demo.Seed(ctx, model.NewDesk(src, p), p, now); err != nil {
		t.Fatal(err)
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()

	dst := openTest(t)
	copied, err := dst.Import(ctx, snap.SchemaVersion, snap.Tables, snap)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, c := range copied {
		counts[c.Name] = c.Rows
	}
	for _, table := range []string{"alerts", "alert_changes", "incidents", "timeline", "audit", "changes", "articles",
		"article_versions", "problems", "job_runs", "outbox", "counters"} {
		if counts[table] == 0 {
			t.Errorf("test setup: the demo week has no %s", table)
		}
	}

	back, err := dst.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	want, got := tableRows(t, snap.Tables, snap.Rows), tableRows(t, back.Tables, back.Rows)
	for table, rows := range want {
		if slices.Contains(notCopied, table) {
			continue // SQLite's own bookkeeping
		}
		if !reflect.DeepEqual(got[table], rows) {
			t.Errorf("table %s differs after the copy: %d rows, want %d", table, len(got[table]), len(rows))
			for i := range min(len(rows), len(got[table])) {
				if got[table][i] != rows[i] {
					t.Errorf("first difference:\n got %s\nwant %s", got[table][i], rows[i])
					break
				}
			}
		}
	}
	for table := range got {
		if _, ok := want[table]; !ok && table != "schema_migrations" {
			t.Errorf("table %s is only in the copy", table)
		}
	}
	before, err := src.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, err := dst.Counts(ctx)
	if err != nil || after != before {
		t.Errorf("counts after the copy %+v, %v; want %+v", after, err, before)
	}

	desk := model.NewDesk(dst, p)
	in, err := desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "after the move", Service: "checkout",
		Impact: model.Low, Urgency: model.Low})
	if err != nil || in.ID != counts["incidents"]+1 {
		t.Fatalf("first incident after the copy: %s, %v; want INC-%d", in.Ref(), err, counts["incidents"]+1)
	}
	if _, err := dst.Import(ctx, snap.SchemaVersion, snap.Tables, snap); err == nil {
		t.Error("a second copy into the same database was taken")
	}
}
