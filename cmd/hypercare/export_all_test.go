package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/store"
)

// allDoc is export all's document, rows kept as decoded JSON.
type allDoc struct {
	SchemaVersion int                         `json:"schema_version"`
	ExportedAt    string                      `json:"exported_at"`
	Tables        map[string][]map[string]any `json:"tables"`
}

// export all writes every table of a seeded database, each with all its
// rows: the counts are the ones a backup of the same database counts with
// SQL, and the records are the ones the CLI shows.
func TestExportAll(t *testing.T) {
	fx := newExportFixture(t) // the example plan's services and people, an incident, three changes
	code, out, errOut := cli(t, "--db", fx.db, "export", "all")
	if code != exitOK {
		t.Fatalf("export all: exit %d\n%s", code, errOut)
	}
	var doc allDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export all is not JSON: %v\n%.500s", err, out)
	}
	if doc.SchemaVersion != store.SchemaVersion || doc.ExportedAt == "" {
		t.Errorf("schema_version %d, exported_at %q; want %d and the time", doc.SchemaVersion, doc.ExportedAt, store.SchemaVersion)
	}
	info, err := store.BackupFile(context.Background(), fx.db, filepath.Join(t.TempDir(), "count.db"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Tables) != len(info.Tables) {
		t.Errorf("export has %d tables, the database %d", len(doc.Tables), len(info.Tables))
	}
	for _, tc := range info.Tables {
		rows, ok := doc.Tables[tc.Name]
		switch {
		case !ok:
			t.Errorf("table %s is missing from the export", tc.Name)
		case rows == nil:
			t.Errorf("table %s is null; an empty table is []", tc.Name)
		case int64(len(rows)) != tc.Rows:
			t.Errorf("table %s: %d rows exported, %d in the database", tc.Name, len(rows), tc.Rows)
		}
	}
	// What the seeding wrote, as written.
	for table, want := range map[string]int{"incidents": 1, "changes": 3, "services": 14} {
		if got := len(doc.Tables[table]); got != want {
			t.Errorf("%s: %d rows; want %d", table, got, want)
		}
	}
	if in := doc.Tables["incidents"]; len(in) == 1 && (in[0]["title"] != "Checkout red 502s" || in[0]["priority"] != 1.0) {
		t.Errorf("incident row = %v", in[0])
	}
	titles := []string{}
	for _, c := range doc.Tables["changes"] {
		titles = append(titles, c["title"].(string))
	}
	if !slices.Contains(titles, fx.title) {
		t.Errorf("change titles %v lack %q", titles, fx.title)
	}
	if lines := strings.Count(out, "\n"); lines < len(doc.Tables["audit"]) {
		t.Errorf("%d lines for %d audit rows; want a row a line", lines, len(doc.Tables["audit"]))
	}

	// --format json with no kind is the same export; --out writes the file whole.
	dir := t.TempDir()
	file := filepath.Join(dir, "all.json")
	if code, out, errOut := cli(t, "--db", fx.db, "export", "--format", "json", "--out", file); code != exitOK || out != "" {
		t.Fatalf("export --format json --out: exit %d\n%s%s", code, out, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var again allDoc
	if err := json.Unmarshal(data, &again); err != nil {
		t.Fatal(err)
	}
	for name, rows := range doc.Tables {
		if len(again.Tables[name]) != len(rows) {
			t.Errorf("--out: %s has %d rows, stdout %d", name, len(again.Tables[name]), len(rows))
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files; want the export alone", len(entries))
	}
	if !bytes.HasPrefix(data, []byte(`{"schema_version":`)) {
		t.Errorf("export starts %.40q", data)
	}
}
