package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// agedAlerts adds alerts to the database as if they had come in days ago:
// n that fired and resolved, and one that still fires.
func agedAlerts(t *testing.T, dbPath, planPath string, days, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, dbPath, planPath)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	then := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	a.desk.Now = func() time.Time { return then }
	var fire, res []model.AlertEvent
	for i := range n {
		key := fmt.Sprintf("old-%d", i)
		fire = append(fire, model.AlertEvent{Alert: model.Alert{DedupKey: key, Name: "DiskFull", State: model.AlertFiring,
			Severity: model.SevWarning, Labels: map[string]string{"service": "orders"}}})
		res = append(res, model.AlertEvent{Alert: model.Alert{DedupKey: key, State: model.AlertResolved}})
	}
	fire = append(fire, model.AlertEvent{Alert: model.Alert{DedupKey: "still", Name: "CPU", State: model.AlertFiring,
		Severity: model.SevWarning, Labels: map[string]string{"service": "orders"}}})
	for i, evs := range [][]model.AlertEvent{fire, res} {
		if _, err := a.desk.Ingest(ctx, model.System, model.Drop{Name: fmt.Sprint("aged-", i), SHA256: fmt.Sprint("aged-", i), Events: evs}); err != nil {
			t.Fatal(err)
		}
	}
}

// hypercare prune --dry-run says what would go and removes nothing; prune
// archives it into archive/ beside the database and removes it; a second
// prune finds nothing; only admins prune.
func TestPruneCommand(t *testing.T) {
	db, planPath := seeded(t)
	agedAlerts(t, db, planPath, 100, 3)
	base := []string{"--db", db, "--plan", planPath}

	code, out, errOut := cli(t, append(base, "prune", "--dry-run")...)
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("prune --dry-run:\n%s", out)
	for _, want := range []string{
		`dry run, nothing removed`,
		`(?m)^  resolved alerts last seen before \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(90d\) +3$`,
		// 3 alerts' firing and resolve, and the firing of the one kept.
		`(?m)^  their state changes, and the others before .* \(90d\) +7$`,
		`(?m)^  records of drop files applied before .* +2$`,
		`(?m)^  audit entries before .* \(90d\) +2$`,
		`(?m)^  records in all +14$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("dry run lacks %s:\n%s", want, out)
		}
	}
	if _, out, _ := cli(t, append(base, "list", "alerts", "--all", "--json")...); strings.Count(out, `"dedup_key"`) != 4 {
		t.Fatalf("after the dry run:\n%s", out)
	}

	code, out, errOut = cli(t, append(base, "--as", "tom.okafor", "prune")...)
	if code != exitRejected || !strings.Contains(errOut, "may not prune old records") {
		t.Errorf("an operator's prune: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = cli(t, append(base, "--as", "claire.dubois", "prune", "--json")...)
	if code != exitOK {
		t.Fatalf("prune: exit %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		DryRun  bool         `json:"dry_run"`
		Records model.Pruned `json:"records"`
		Archive []struct {
			Table, Path string
			Rows        int
		} `json:"archive"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.DryRun || rep.Records != (model.Pruned{Alerts: 3, AlertChanges: 7, Drops: 2, Audit: 2}) || len(rep.Archive) != 4 {
		t.Fatalf("prune --json = %+v", rep)
	}
	for _, f := range rep.Archive {
		if filepath.Dir(f.Path) != filepath.Join(filepath.Dir(db), "archive") {
			t.Errorf("archive file %s is not in archive/ beside the database", f.Path)
		}
		body, err := os.ReadFile(f.Path)
		if err != nil || strings.Count(string(body), "\n") != f.Rows {
			t.Errorf("%s: %d lines, %v; want %d", f.Path, strings.Count(string(body), "\n"), err, f.Rows)
		}
	}
	if _, out, _ := cli(t, append(base, "list", "alerts", "--all", "--json")...); strings.Count(out, `"dedup_key"`) != 1 || !strings.Contains(out, `"still"`) {
		t.Errorf("after the prune, alerts:\n%s", out)
	}
	if _, out, _ := cli(t, append(base, "audit", "--filter", "retention.prune")...); strings.Count(out, "retention.prune") != 4 {
		t.Errorf("audit of the prune:\n%s", out)
	}

	code, out, _ = cli(t, append(base, "--as", "claire.dubois", "prune")...)
	if code != exitOK || !strings.Contains(out, "nothing is older than the plan's retention") {
		t.Errorf("second prune: exit %d\n%s", code, out)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"prune", "now"}, exitUsage, `prune: unexpected "now"`},
		{[]string{"prune", "--help"}, exitOK, "Usage: hypercare prune [--dry-run]"},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db"), "prune"}, exitRejected, "no database at"},
	} {
		code, out, errOut := cli(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d\n%s%s\nwant exit %d and %q", tt.args, code, out, errOut, tt.code, tt.want)
		}
	}
}

// The process that watches the drops (serve, the console) prunes by
// itself as it starts and every hour, into archive/ beside the database,
// and says in the footer's status when a prune fails.
func TestWatchingPrunes(t *testing.T) {
	dbPath, planPath := seeded(t)
	agedAlerts(t, dbPath, planPath, 100, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, dbPath, planPath)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	commits, stop := a.db.Subscribe()
	defer stop()
	_, wait, err := watchDrops(ctx, a, filepath.Join(t.TempDir(), "drops"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); wait() }() // before the database closes and its folder goes
	timeout := time.After(30 * time.Second)
	for {
		left, err := a.db.Feed(ctx, model.FeedQuery{Filter: "DiskFull", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
		select {
		case <-commits:
		case <-timeout:
			t.Fatalf("%d alerts past retention still there", len(left))
		}
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(dbPath), "archive", "*-alerts.jsonl"))
	if len(files) != 1 {
		t.Errorf("archive files %v; want the alerts' one", files)
	}
}

func TestPeriodicPruneSaysWhyItFailed(t *testing.T) {
	dbPath, planPath := seeded(t)
	agedAlerts(t, dbPath, planPath, 100, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, dbPath, planPath)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	blocked := filepath.Join(t.TempDir(), "archive")
	if err := os.WriteFile(blocked, []byte("a file where the folder should be"), 0o644); err != nil {
		t.Fatal(err)
	}
	problems := make(chan string, 1)
	go prunePeriodically(ctx, a.desk, a.db.leading, blocked, time.Hour, func(p string) {
		select {
		case problems <- p:
		default:
		}
	})
	if p := <-problems; !strings.HasPrefix(p, "alerts: archive folder: ") {
		t.Errorf("problem = %q; want the archive folder's", p)
	}
	if left, _ := a.db.Feed(ctx, model.FeedQuery{Filter: "DiskFull", Limit: 10}); len(left) != 1 {
		t.Errorf("%d old alerts left; a prune that cannot archive removes nothing", len(left))
	}
}
