package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/cmd/hypercare/demo"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
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
	return seededAt(t, filepath.Join(t.TempDir(), "h.db"))
}

// seededAt is seeded with the database at dbPath: a file, or a PostgreSQL URL.
func seededAt(t *testing.T, dbPath string) (string, string) {
	t.Helper()
	planPath := filepath.Join(t.TempDir(), "plan.toml")
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

// TestListIncidentsAtRisk: the CLI filter takes is:risk as the console's
// queue does, and the table shows MAJOR and the SLA clock.
func TestListIncidentsAtRisk(t *testing.T) {
	ctx, a := openSeeded(t) // INC-1: P1 on tier-1 checkout, major
	lead := model.Actor{Name: "maya.patel", Role: model.RoleLead}
	if _, err := a.desk.CreateIncident(ctx, lead, model.NewIncident{Title: "Orders export late", Service: "orders", Impact: model.Low, Urgency: model.Low}); err != nil {
		t.Fatal(err)
	}
	// 3h30m into INC-1's four hours the sweep marks it at risk; INC-2, a
	// P4, has days to go.
	if _, err := a.desk.SweepSLA(ctx, time.Now().Add(3*time.Hour+30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	db, planPath := a.where, a.plan.Plan().Path

	for _, filter := range []string{"is:risk", "IS:RISK checkout"} {
		code, out, errOut := cli(t, "--db", db, "--plan", planPath, "list", "incidents", "--filter", filter)
		if code != exitOK || !strings.Contains(out, "INC-1") || strings.Contains(out, "INC-2") {
			t.Errorf("--filter %q: exit %d, want INC-1 alone:\n%s%s", filter, code, out, errOut)
		}
	}
	code, out, errOut := cli(t, "--db", db, "--plan", planPath, "list", "incidents")
	if code != exitOK {
		t.Fatalf("list incidents: %d %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[0], "MAJOR") || !strings.Contains(lines[0], "SLA") {
		t.Errorf("header lacks MAJOR and SLA: %q", lines[0])
	}
	if !strings.Contains(lines[1], "INC-1") || !strings.Contains(lines[1], "MAJOR") || !slaMarkRE.MatchString(lines[1]) {
		t.Errorf("INC-1 row lacks MAJOR and its SLA as the queue writes it: %q", lines[1])
	}
	if !strings.Contains(lines[2], "INC-2") || strings.Contains(lines[2], "MAJOR") {
		t.Errorf("INC-2 row: %q", lines[2])
	}
	// Without a plan the clocks run 24x7; the list still works.
	if code, out, errOut := cli(t, "--db", db, "--plan", filepath.Join(t.TempDir(), "none.toml"), "list", "incidents"); code != exitOK || !slaMarkRE.MatchString(out) {
		t.Errorf("list without a plan: exit %d\n%s%s", code, out, errOut)
	}

	code, out, _ = cli(t, "--db", db, "list", "incidents", "--json")
	var refs []struct {
		Ref string `json:"ref"`
		ID  int64  `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &refs); err != nil || code != exitOK || len(refs) != 2 || refs[0].Ref != "INC-1" || refs[0].ID != 1 {
		t.Errorf("list --json carries each reference: %v\n%s", err, out)
	}
}

// slaMarkRE is an open incident's SLA as model.SLAMark writes it (r15m,
// ✗1h00m, ‖40%), the same in the queue and the CLI.
var slaMarkRE = regexp.MustCompile(`\s(✗?‖?r?(\d+d\d+h|\d+h\d\dm|\d+m|<1m)|✗?‖r?\d+%)\s`)

// TestShowIncidentReadable: the text of show reads as text: durations,
// links and timeline entries of several lines; its JSON carries the reference.
func TestShowIncidentReadable(t *testing.T) {
	ctx, a := openSeeded(t)
	lead := model.Actor{Name: "maya.patel", Role: model.RoleLead}
	t0 := time.Now()
	chg, _, err := a.desk.CreateChange(ctx, lead, model.Change{Title: "Deploy checkout 4.2", Services: []string{"checkout"},
		Impact: model.Medium, Probability: model.Medium, Start: t0.Add(-time.Hour), End: t0.Add(-30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.desk.Link(ctx, lead, 1, string(model.LinkCausedBy), chg.ID); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at time.Duration
		do func() error
	}{
		{5 * time.Minute, func() error { _, err := a.desk.AckIncident(ctx, lead, 1); return err }},
		{10 * time.Minute, func() error {
			_, err := a.desk.Transition(ctx, lead, 1, model.StateChange{To: model.StateOnHold, HoldReason: "awaiting_vendor"})
			return err
		}},
		{110 * time.Minute, func() error {
			_, err := a.desk.Transition(ctx, lead, 1, model.StateChange{To: model.StateInProgress})
			return err
		}},
		{2 * time.Hour, func() error { return a.desk.AddNote(ctx, lead, 1, "Rolled back 4.2;\nerrors back to normal.\n") }},
	}
	for _, st := range steps {
		a.desk.Now = func() time.Time { return t0.Add(st.at) }
		if err := st.do(); err != nil {
			t.Fatal(err)
		}
	}
	db := a.where

	code, out, errOut := cli(t, "--db", db, "show", "incident", "INC-1")
	if code != exitOK {
		t.Fatalf("show: %d %s", code, errOut)
	}
	for _, want := range []string{"INC-1", "1h40m on hold", "caused by CHG-1 Deploy checkout 4.2", "In Progress", "(SLA "} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "6000000000000") || strings.Contains(out, `"kind"`) {
		t.Errorf("show prints raw JSON:\n%s", out)
	}
	// The note's second line continues under its first.
	lines := strings.Split(out, "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasSuffix(l, "Rolled back 4.2;") })
	if i < 0 || i+1 >= len(lines) {
		t.Fatalf("no note in the timeline:\n%s", out)
	}
	first, next := lines[i], lines[i+1]
	if col := strings.Index(first, "Rolled"); strings.TrimSpace(next) != "errors back to normal." || strings.Index(next, "errors") != col {
		t.Errorf("continuation not indented under the note:\n%s\n%s", first, next)
	}

	code, out, _ = cli(t, "--db", db, "show", "incident", "1", "--json")
	var shown struct {
		Ref    string               `json:"ref"`
		Paused string               `json:"paused_for"`
		Links  []model.IncidentLink `json:"links"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || code != exitOK {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	if shown.Ref != "INC-1" || shown.Paused != "1h40m0s" || len(shown.Links) != 1 || shown.Links[0].Target != chg.ID {
		t.Errorf("show --json = %+v", shown)
	}
}

// Without a terminal the console says what to use instead, not "could not
// open a new TTY".
func TestConsoleWithoutTerminal(t *testing.T) {
	_, planPath := seeded(t)
	code, _, errOut := cli(t, "--db", filepath.Join(t.TempDir(), "h.db"), "--plan", planPath)
	if code != exitRejected || !strings.Contains(errOut, "the console needs a terminal") || !strings.Contains(errOut, "hypercare serve") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestVersionSaysWhatWasBuilt(t *testing.T) {
	code, out, _ := cli(t, "version")
	if code != exitOK || strings.HasPrefix(out, "hypercare dev") || !strings.Contains(out, "database schema") ||
		!strings.Contains(out, "built with "+runtime.Version()) {
		t.Fatalf("version: %d %q", code, out)
	}
}

// version reads the build record: module version, commit, its time, a
// modified work tree and the Go it was built with; a release set at link
// time wins.
func TestVersionFrom(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []struct {
		name    string
		release string
		bi      *debug.BuildInfo
		want    string
	}{
		{"release", "1.4.0", &debug.BuildInfo{GoVersion: "go1.26.0"}, "1.4.0"},
		{"go install of a tag", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0, built with go1.26.0"},
		{"a checkout", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261204072316-3170080e767e"},
			Settings: vcs("vcs", "git", "vcs.revision", "3170080e767e0123456789abcdef012345678901", "vcs.time", "2026-12-04T07:23:16Z", "vcs.modified", "false")},
			"v0.0.0-20261204072316-3170080e767e (commit 3170080e767e, 2026-12-04T07:23:16Z), built with go1.26.0"},
		{"changes not committed", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "3170080e767e0123", "vcs.time", "2026-12-04T07:23:16Z", "vcs.modified", "true")},
			"(devel) (commit 3170080e767e, 2026-12-04T07:23:16Z, modified), built with go1.26.0"},
		{"no record", "", nil, "unknown build (no build information in the binary)"},
	}
	for _, tt := range tests {
		if got := versionFrom(tt.release, tt.bi, tt.bi != nil); got != tt.want {
			t.Errorf("%s: %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestRotateNeedsWall(t *testing.T) {
	code, _, errOut := cli(t, "--rotate", "30s")
	if code != exitUsage || !strings.Contains(errOut, "it goes with --wall") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// With --wall it is no usage error: the console then needs a terminal.
	_, planPath := seeded(t)
	code, _, errOut = cli(t, "--db", filepath.Join(t.TempDir(), "h.db"), "--plan", planPath, "--wall", "--rotate", "30s")
	if code != exitRejected || !strings.Contains(errOut, "needs a terminal") {
		t.Fatalf("--wall --rotate: exit %d: %s", code, errOut)
	}
}

// Every usage error is one line on stderr — what is wrong and which help
// to read — with nothing on stdout and exit code 2; --help on each command
// is its help on stdout and exit code 0.
func TestUsageErrorsAreOneLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `hypercare: unknown command "frobnicate"; see 'hypercare --help'`},
		{[]string{"--nope"}, "hypercare: flag provided but not defined: -nope; see 'hypercare --help'"},
		{[]string{"--rotate", "30s"}, "hypercare: --rotate turns a wall screen's panes; it goes with --wall; see 'hypercare --help'"},
		{[]string{"--keep", "/tmp/x"}, "hypercare: --keep DIR keeps the demo's folder; it goes with --demo; see 'hypercare --help'"},
		{[]string{"list"}, "; see 'hypercare list --help'"},
		{[]string{"list", "widgets"}, `hypercare: unknown kind "widgets"`},
		{[]string{"list", "incidents", "--limit", "x"}, "; see 'hypercare list --help'"},
		{[]string{"show", "incident", "x"}, "; see 'hypercare show --help'"},
		{[]string{"show", "jobs", "1"}, "hypercare: show: jobs have no single-record view; use 'hypercare list jobs'"},
		{[]string{"show", "notifications", "1"}, "have no single-record view"},
		{[]string{"audit", "x"}, "; see 'hypercare audit --help'"},
		{[]string{"ingest"}, "; see 'hypercare ingest --help'"},
		{[]string{"serve", "x"}, `hypercare: serve: unexpected "x"; see 'hypercare serve --help'`},
		{[]string{"oncall", "x"}, "; see 'hypercare oncall --help'"},
		{[]string{"report", "x"}, "; see 'hypercare report --help'"},
		{[]string{"report", "--format", "pdf"}, "; see 'hypercare report --help'"},
		{[]string{"export"}, "; see 'hypercare export --help'"},
		{[]string{"backup"}, "; see 'hypercare backup --help'"},
		{[]string{"init", "x"}, "; see 'hypercare init --help'"},
		{[]string{"plan"}, "; see 'hypercare plan --help'"},
		{[]string{"cert"}, "; see 'hypercare cert --help'"},
		{[]string{"kb"}, "hypercare: kb: name an ACTION; see 'hypercare kb --help'"},
		{[]string{"kb", "frob"}, "; see 'hypercare kb --help'"},
		{[]string{"job"}, "; see 'hypercare job --help'"},
		{[]string{"incident"}, "; see 'hypercare incident --help'"},
		{[]string{"incident", "ack"}, "hypercare: incident ack: give one incident ID, e.g. 'hypercare incident ack 42'; see 'hypercare incident ack --help'"},
		{[]string{"incident", "ack", "1", "--force"}, "; see 'hypercare incident ack --help'"},
		{[]string{"change", "frob"}, "; see 'hypercare change --help'"},
		{[]string{"formats", "x"}, "; see 'hypercare formats --help'"},
		{[]string{"version", "x"}, "; see 'hypercare version --help'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := cli(t, tt.args...)
			if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") ||
				!strings.HasPrefix(errOut, "hypercare: ") || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d (want %d), stdout %q, stderr %q; want one line with %q", code, exitUsage, out, errOut, tt.want)
			}
		})
	}
	for _, cmd := range []string{"list", "show", "serve", "report", "export", "backup", "init", "plan", "cert", "kb", "job", "incident", "change", "formats", "version"} {
		t.Run(cmd+" --help", func(t *testing.T) {
			code, out, errOut := cli(t, cmd, "--help")
			if code != exitOK || len(out) == 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q, %d bytes of help", code, errOut, len(out))
			}
		})
	}
	// These have a help of their own, not the top-level one.
	for cmd, says := range map[string]string{"serve": "--ssh off", "list": "--storm ID", "show": "service NAME", "version": "schema"} {
		if _, out, _ := cli(t, cmd, "--help"); !strings.HasPrefix(out, "Usage: hypercare "+cmd) || !strings.Contains(out, says) {
			t.Errorf("%s --help:\n%s", cmd, out)
		}
	}
}

// The console saves the plan's people, so the training matrix counts them.
func TestOpenAppSyncsRoster(t *testing.T) {
	ctx, a := openSeeded(t)
	tr, err := a.desk.Training(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Rows) == 0 || len(tr.Rows) != len(a.plan.Plan().Roster()) {
		t.Fatalf("training rows = %d; want one per person in the plan (%d)", len(tr.Rows), len(a.plan.Plan().Roster()))
	}
}

func TestKeepGoesWithDemo(t *testing.T) {
	if code, _, errOut := cli(t, "--keep", t.TempDir()); code != exitUsage || !strings.Contains(errOut, "it goes with --demo") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dir := t.TempDir()
	if got, err := demoFolder(dir); err != nil || got != dir {
		t.Fatalf("demoFolder(%s) = %s, %v", dir, got, err)
	}
	os.WriteFile(filepath.Join(dir, "hypercare.db"), nil, 0o600)
	if _, err := demoFolder(dir); err == nil || !strings.Contains(err.Error(), "already holds a demo database") {
		t.Fatalf("a folder with a database: %v", err)
	}
}

// --demo --keep DIR lays the demo out in DIR — plan, database, drops —,
// says where its database is when it starts and again when it ends, and
// leaves it all there, so the report runs on it afterwards. Without
// --keep the folder goes, and the demo says so.
func TestDemoKeepsItsFolder(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			g := defaults()
			g.demo = true
			if keep {
				g.keep = filepath.Join(t.TempDir(), "demo") // made if need be
			}
			var said bytes.Buffer
			d, err := openDemo(t.Context(), &g, at, &said)
			if err != nil {
				t.Fatal(err)
			}
			if g.db != filepath.Join(d.dir, "hypercare.db") || g.plan != filepath.Join(d.dir, "plan.toml") || g.drops != filepath.Join(d.dir, "drops") {
				t.Fatalf("the demo's paths: %+v in %s", g, d.dir)
			}
			if keep && d.dir != g.keep {
				t.Fatalf("demo in %s, not in --keep %s", d.dir, g.keep)
			}
			if !strings.Contains(said.String(), "its database is "+g.db) || !strings.Contains(said.String(), "hypercare --db "+g.db+" --plan "+g.plan+" report") {
				t.Errorf("at start the demo said:\n%s", said.String())
			}
			// The console's part: open the folder's database (and, to run
			// the report on it, seed it).
			ctx, cancel := context.WithCancel(context.Background())
			a, err := openApp(ctx, g.db, g.plan)
			if err != nil {
				t.Fatal(err)
			}
			if keep {
				if err := demo.Seed(ctx, a.desk, a.plan.Plan(), at); err != nil {
					t.Fatal(err)
				}
			}
			cancel()
			a.db.Close()
			bye := d.farewell()
			d.close()
			if !keep {
				if exists(d.dir) {
					t.Errorf("the demo folder %s is still there", d.dir)
				}
				if !strings.Contains(bye, g.db+" is removed") || !strings.Contains(bye, "--keep DIR") {
					t.Errorf("at the end the demo said %q", bye)
				}
				return
			}
			if !strings.Contains(bye, "its database is "+g.db) || !strings.Contains(bye, "kept in "+d.dir) {
				t.Errorf("at the end the demo said %q", bye)
			}
			code, out, errOut := cli(t, "--db", g.db, "--plan", g.plan, "report", "--until", "2026-11-25T09:00")
			if code != exitOK || !strings.Contains(out, "Exit criteria") {
				t.Fatalf("report on the kept demo: exit %d\n%s%s", code, errOut, out)
			}
			// A kept demo is not seeded over: the next one needs a new folder.
			g2 := defaults()
			g2.demo, g2.keep = true, g.keep
			if _, err := openDemo(t.Context(), &g2, at, &said); err == nil || !strings.Contains(err.Error(), "already holds a demo database") {
				t.Fatalf("a second demo in the kept folder: %v", err)
			}
		})
	}
}
