package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var fixtures = filepath.Join("..", "..", "..", "shared", "fixtures", "drops")

func needFixtures(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(fixtures); err != nil {
		t.Skip("shared fixtures not present")
	}
}

func TestIngestCommand(t *testing.T) {
	needFixtures(t)
	db, plan := seeded(t)
	good := filepath.Join(fixtures, "am-firing.json")
	code, out, errOut := cli(t, "--db", db, "--plan", plan, "ingest", good, filepath.Join(fixtures, "generic.ndjson"))
	if code != exitOK || !strings.Contains(out, "am-firing.json: ok, alertmanager, 2 alert(s): 2 new") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "--db", db, "--plan", plan, "ingest", good)
	if code != exitOK || !strings.Contains(out, "already applied") {
		t.Fatalf("re-delivery: exit %d\n%s", code, out)
	}
	code, out, errOut = cli(t, "--db", db, "--plan", plan, "ingest", filepath.Join(fixtures, "bad-fields.json"), filepath.Join(fixtures, "grafana.json"))
	if code != exitRejected || !strings.Contains(out, "bad-fields.json: rejected:") || !strings.Contains(out, "grafana.json: ok") ||
		!strings.Contains(errOut, "1 of 2 file(s) rejected") {
		t.Fatalf("bad file: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "--db", db, "list", "alerts", "--json")
	if code != exitOK || !strings.Contains(out, "HighErrorRate") || !strings.Contains(out, "LoginFailures") {
		t.Fatalf("alerts not stored: %s", out)
	}
}
