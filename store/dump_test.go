package store

import (
	"slices"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
)

// A snapshot reads what was committed when it began, table after table,
// while the desk goes on writing.
func TestSnapshotIsOneReadTransaction(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	desk := model.NewDesk(db, modeltest.Policy{})
	open := func() {
		t.Helper()
		if _, err := desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "disk full", Service: "orders",
			Impact: model.High, Urgency: model.High}); err != nil {
			t.Fatal(err)
		}
	}
	open()
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if snap.SchemaVersion != SchemaVersion {
		t.Errorf("schema version %d; want %d", snap.SchemaVersion, SchemaVersion)
	}
	for _, want := range []string{"alerts", "audit", "changes", "incidents", "services", "timeline"} {
		if !slices.Contains(snap.Tables, want) {
			t.Errorf("tables %v lack %s", snap.Tables, want)
		}
	}
	if slices.ContainsFunc(snap.Tables, func(n string) bool { return n == "articles_fts" || n == "articles_fts_data" }) {
		t.Errorf("tables %v include the full-text index", snap.Tables)
	}
	count := func(table string) int {
		t.Helper()
		n := 0
		if err := snap.Rows(ctx, table, func(cols []string, vals []any) error {
			if len(cols) != len(vals) || len(cols) == 0 {
				t.Fatalf("%s: columns %v, values %v", table, cols, vals)
			}
			n++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("incidents"); n != 1 {
		t.Fatalf("incidents = %d; want 1", n)
	}
	open() // committed after the snapshot began: not in it
	if n, a := count("incidents"), count("audit"); n != 1 || a != 1 {
		t.Errorf("after another commit the snapshot reads %d incidents, %d audit rows; want 1 and 1", n, a)
	}
	var title string
	if err := snap.Rows(ctx, "incidents", func(cols []string, vals []any) error {
		title, _ = vals[slices.Index(cols, "title")].(string)
		return nil
	}); err != nil || title != "disk full" {
		t.Errorf("title = %q, %v; want the stored text", title, err)
	}
}
