//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
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
	if out := run("prune", "--dry-run"); !strings.Contains(out, "dry run, nothing removed") {
		t.Errorf("prune --dry-run:\n%s", out)
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

// escalationRun opens one process per database named (the same database
// named twice is two processes sharing it), opens a P1 on the first and
// lets the clock run four hours past its resolve target, each process
// sweeping on every half-hour tick as its loop does. It returns how many
// escalations the incident's timeline holds and, per tick, which processes
// swept.
func escalationRun(t *testing.T, dbs ...string) (escalations int, swept [][]bool) {
	t.Helper()
	planPath := filepath.Join(t.TempDir(), "plan.toml")
	if err := os.WriteFile(planPath, examples.Plan, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var apps []*app
	for _, db := range dbs {
		a, err := openApp(ctx, db, planPath)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.db.Close() })
		a.desk.Now = clock
		apps = append(apps, a)
	}
	in, err := apps[0].desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "Checkout down", Service: "checkout",
		Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 * int(in.ResolveDue.Sub(now)/time.Hour+4) {
		mu.Lock()
		now = now.Add(30 * time.Minute)
		mu.Unlock()
		tick := make([]bool, len(apps))
		var wg sync.WaitGroup
		for i, a := range apps {
			wg.Go(func() { tick[i] = sweepOnce(ctx, a.desk, a.db.leading) })
		}
		wg.Wait()
		swept = append(swept, tick)
	}
	entries, err := apps[len(apps)-1].db.Timeline(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Kind == "escalate" {
			escalations++
		}
	}
	return escalations, swept
}

// Two processes on one PostgreSQL database run the time-driven work once:
// on every tick one of them (the same one) sweeps, and the incident
// escalates exactly as often as it does with one process on a SQLite file.
func TestTwoProcessesEscalateOnce(t *testing.T) {
	url := pgtest.URL(t)
	want, _ := escalationRun(t, filepath.Join(t.TempDir(), "h.db"))
	if want == 0 {
		t.Fatal("test setup: one process raised no escalation; the plan should escalate a P1 past its target")
	}
	got, swept := escalationRun(t, url, url)
	if got != want {
		t.Errorf("two processes raised %d escalations, one process %d", got, want)
	}
	leader := -1
	for i, tick := range swept {
		var who []int
		for p, s := range tick {
			if s {
				who = append(who, p)
			}
		}
		if len(who) != 1 || (leader >= 0 && who[0] != leader) {
			t.Fatalf("tick %d: processes %v swept; want the one leader, every tick", i, who)
		}
		leader = who[0]
	}
}

// While PostgreSQL is away a CLI write fails with a clear error and exit 1,
// writing nothing; once it is back the same command works.
func TestCommandsWhilePostgresIsDown(t *testing.T) {
	url := pgtest.Database(t)
	db, planPath := seededAt(t, url)
	args := []string{"--db", db, "--plan", planPath, "--as", operatorName, "incident", "new", "--service", "orders",
		"--title", "Orders stuck", "--impact", "medium", "--urgency", "high"}
	pgtest.Outage(t, url, true)
	code, out, errOut := cli(t, args...)
	if code != exitRejected || !strings.Contains(errOut, "store unreachable") || strings.Contains(errOut, "password") {
		t.Fatalf("incident new with the database down: exit %d\n%s%s", code, out, errOut)
	}
	pgtest.Outage(t, url, false)
	if code, out, errOut := cli(t, args...); code != exitOK || !strings.Contains(out, "INC-2 opened") {
		t.Fatalf("incident new once it is back: exit %d\n%s%s", code, out, errOut)
	}
}

// hypercare migrate copies a SQLite database into PostgreSQL (store/pg's
// TestImportDemoWeek compares every table of a demo week): the command
// says what it copied, the console's commands read it from there, and a
// second copy into the same database is refused.
func TestMigrateToPostgres(t *testing.T) {
	file, planPath := seeded(t) // INC-1
	drop := filepath.Join(t.TempDir(), "probe.ndjson")
	if err := os.WriteFile(drop, fmt.Appendf(nil, genericAlert, 1, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli(t, "--db", file, "--plan", planPath, "ingest", drop); code != exitOK {
		t.Fatalf("ingest: %s", errOut)
	}
	url := pgtest.URL(t)
	code, out, errOut := cli(t, "migrate", "--from", file, "--to", url)
	if code != exitOK || !strings.Contains(out, "every table counted again") || strings.Contains(out, "password") {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"alerts", "audit", "incidents", "records in all", "start hypercare with --db postgres://"} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate's report lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"list", "incidents"}, {"list", "alerts"}, {"audit"}} {
		fromFile := cliOut(t, append([]string{"--db", file, "--plan", planPath}, args...)...)
		fromPG := cliOut(t, append([]string{"--db", url, "--plan", planPath}, args...)...)
		if fromFile != fromPG {
			t.Errorf("%s reads differently after the copy:\nfile:\n%s\npostgres:\n%s", strings.Join(args, " "), fromFile, fromPG)
		}
	}
	code, _, errOut = cli(t, "migrate", "--from", file, "--to", url)
	if code != exitRejected || !strings.Contains(errOut, "already holds records") {
		t.Errorf("a second copy: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cli(t, "migrate", "--from", file, "--to", file); code != exitUsage || !strings.Contains(errOut, "not a PostgreSQL URL") {
		t.Errorf("--to a file: exit %d: %s", code, errOut)
	}
}

// cliOut runs the command line and returns what it printed, failing on a
// non-zero exit.
func cliOut(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := cli(t, args...)
	if code != exitOK {
		t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}
