package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/plan"
)

// cli runs the command line as a user would and returns exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// seeded creates a database with the example plan and one incident.
func seeded(t *testing.T) (dbPath, planPath string) {
	t.Helper()
	dir := t.TempDir()
	dbPath, planPath = filepath.Join(dir, "h.db"), filepath.Join(dir, "plan.toml")
	if err := os.WriteFile(planPath, examples.Plan, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, dbPath, planPath)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	_, err = a.desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "Checkout \x1b[31mred\x1b[0m 502s", Service: "checkout", Impact: model.High, Urgency: model.High, Category: "availability"})
	if err != nil {
		t.Fatal(err)
	}
	return dbPath, planPath
}

// openSeeded opens the seeded database as the console does, for the test's
// lifetime.
func openSeeded(t *testing.T) (context.Context, *app) {
	t.Helper()
	dbPath, planPath := seeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, dbPath, planPath)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		a.db.Close()
	})
	return ctx, a
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, exitOK, "Usage:"},
		{[]string{"version"}, exitOK, "hypercare"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"--nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"list"}, exitUsage, "name one KIND"},
		{[]string{"list", "widgets"}, exitUsage, `unknown kind "widgets"`},
		{[]string{"show", "incident", "x"}, exitUsage, "not a record id"},
		{[]string{"show", "incident", "CHG-3"}, exitUsage, "references start with INC or REQ"},
		{[]string{"plan"}, exitUsage, "plan check FILE"},
		{[]string{"--db", "/nonexistent/h.db", "list", "incidents"}, exitRejected, "no database at /nonexistent/h.db"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d (want %d), output:\n%s%s", code, tt.code, out, errOut)
			}
		})
	}
}

func TestListAndShow(t *testing.T) {
	db, _ := seeded(t)
	code, out, errOut := cli(t, "list", "incidents", "--db", db, "--json")
	if code != exitOK {
		t.Fatalf("list: %d %s", code, errOut)
	}
	var incs []model.Incident
	if err := json.Unmarshal([]byte(out), &incs); err != nil || len(incs) != 1 {
		t.Fatalf("list --json: %v %q", err, out)
	}
	if incs[0].Title != "Checkout red 502s" || incs[0].Priority != 1 || !incs[0].Major {
		t.Fatalf("incident = %+v (escapes must be stripped, P1 on tier 1 is major)", incs[0])
	}
	code, out, _ = cli(t, "--db", db, "show", "incident", "INC-1")
	if code != exitOK || !strings.Contains(out, "Checkout red 502s") || !strings.Contains(out, "timeline:") {
		t.Fatalf("show: %d\n%s", code, out)
	}
	code, _, errOut = cli(t, "--db", db, "show", "incident", "99")
	if code != exitRejected || !strings.Contains(errOut, "INC-99 does not exist") {
		t.Fatalf("show missing: %d %s", code, errOut)
	}
	code, out, _ = cli(t, "--db", db, "list", "services")
	if code != exitOK || !strings.Contains(out, "psp-gateway") {
		t.Fatalf("services from the plan not synced: %d\n%s", code, out)
	}
	code, out, _ = cli(t, "--db", db, "list", "audit")
	if code != exitOK || !strings.Contains(out, "incident.create") {
		t.Fatalf("audit: %d\n%s", code, out)
	}
	code, out, _ = cli(t, "--db", db, "audit", "--since", "1h", "--filter", "incident")
	if code != exitOK || !strings.Contains(out, "incident.create") || !strings.Contains(out, "INC-1") {
		t.Fatalf("audit --since: %d\n%s", code, out)
	}
}

func TestPlanCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, examples.Plan, 0o644)
	if code, out, _ := cli(t, "plan", "check", good); code != exitOK || !strings.Contains(out, "ok") {
		t.Fatalf("good plan: %d %s", code, out)
	}
	bad := filepath.Join(dir, "bad.toml")
	broken := strings.Replace(string(examples.Plan), "tier        = 1", "tier        = 7", 1)
	os.WriteFile(bad, []byte(broken), 0o644)
	code, out, errOut := cli(t, "plan", "check", bad)
	if code != exitRejected || !strings.Contains(out, "bad.toml:") || !strings.Contains(out, "tier") {
		t.Fatalf("bad plan: %d\n%s%s", code, out, errOut)
	}
}

func TestConsoleRefusesMissingPlan(t *testing.T) {
	dir := t.TempDir()
	_, err := openApp(context.Background(), filepath.Join(dir, "h.db"), filepath.Join(dir, "none.toml"))
	if err == nil || !strings.Contains(err.Error(), "no support plan at") || !strings.Contains(err.Error(), "--demo") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadKeyConfigIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	os.WriteFile(cfg, []byte("[keys]\nack = [\"q\"]\n"), 0o644)
	code, _, errOut := cli(t, "--config", cfg, "--plan", filepath.Join(dir, "p.toml"))
	if code != exitRejected || !strings.Contains(errOut, `key "q" is bound to both`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestActorFor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.toml")
	os.WriteFile(path, examples.Plan, 0o644)
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	lead := p.Operators[0]
	for _, op := range p.Operators {
		if op.Role == model.RoleLead {
			lead = op
			break
		}
	}
	if a, err := actorFor(p, lead.Name); err != nil || a.Role != model.RoleLead {
		t.Fatalf("--as %s: %+v %v", lead.Name, a, err)
	}
	if _, err := actorFor(p, "nobody-here"); err == nil || !strings.Contains(err.Error(), "no such [[operator]]") {
		t.Fatalf("unknown --as: %v", err)
	}
	t.Setenv("USER", "someone-else")
	if a, err := actorFor(p, ""); err != nil || a.Role != model.RoleAdmin || a.Name != "someone-else@local" {
		t.Fatalf("local user: %+v %v", a, err)
	}
}
