//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/pg"
	"github.com/hypercare-ops/hypercare/store/pg/pgtest"
)

// --db postgres://… runs the command line on PostgreSQL: the same
// commands, the same answers, the same refusals.
func TestCommandsOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	if code, _, errOut := cli(t, "--db", url, "list", "incidents"); code != exitRejected ||
		!strings.Contains(errOut, "no hypercare database at") || !strings.Contains(errOut, "hypercare migrate") {
		t.Fatalf("list on an empty database: exit %d: %s", code, errOut)
	}
	db, planPath := seededAt(t, url) // INC-1: P1 on checkout, as seeded does on a file
	run := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, append([]string{"--db", db, "--plan", planPath}, args...)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	created := incidentJSON(t, run("--as", operatorName, "incident", "new", "--service", "orders",
		"--title", "Orders stuck in pending", "--impact", "medium", "--urgency", "high", "--json"))
	if created.ID != 2 || created.Priority != 2 {
		t.Fatalf("incident new = %+v; want INC-2, P2", created)
	}
	run("--as", operatorName, "incident", "ack", "INC-2")
	if out := run("list", "incidents"); !strings.Contains(out, "INC-1") || !strings.Contains(out, "Orders stuck in pending") {
		t.Errorf("list incidents:\n%s", out)
	}
	if out := run("show", "incident", "2"); !strings.Contains(out, "tom.okafor") {
		t.Errorf("show incident 2:\n%s", out)
	}
	drop := filepath.Join(t.TempDir(), "probe.ndjson")
	if err := os.WriteFile(drop, fmt.Appendf(nil, genericAlert, 1, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	run("ingest", drop)
	if out := run("list", "alerts", "--format", "json"); !strings.Contains(out, "CliProbe1") {
		t.Errorf("list alerts after ingest:\n%s", out)
	}
	if out := run("audit"); !strings.Contains(out, "incident.ack") {
		t.Errorf("audit:\n%s", out)
	}
	var doc struct {
		SchemaVersion int                         `json:"schema_version"`
		Tables        map[string][]map[string]any `json:"tables"`
	}
	if err := json.Unmarshal([]byte(run("export", "all")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != pg.SchemaVersion || len(doc.Tables["incidents"]) != 2 || len(doc.Tables["alerts"]) != 1 || doc.Tables["incidents"][0]["major"] != float64(1) {
		t.Errorf("export all: schema %d, incidents %v", doc.SchemaVersion, doc.Tables["incidents"])
	}
	if _, ok := doc.Tables["counter_deltas"]; ok {
		t.Error("export all has the counters' working table")
	}
	code, _, errOut := cli(t, "--db", db, "backup", filepath.Join(t.TempDir(), "copy.db"))
	if code != exitRejected || !strings.Contains(errOut, "pg_dump") || strings.Contains(errOut, "password") {
		t.Errorf("backup of PostgreSQL: exit %d: %s", code, errOut)
	}
	if pg.SchemaVersion != store.SchemaVersion {
		t.Errorf("schema %d on PostgreSQL, %d on SQLite", pg.SchemaVersion, store.SchemaVersion)
	}
}
