package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/cmd/hypercare/demo"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

func TestReport(t *testing.T) {
	db, planPath := seeded(t) // INC-1: P1 on checkout, open
	base := []string{"--db", db, "--plan", planPath}
	for _, args := range [][]string{
		{"--as", operatorName, "incident", "new", "--service", "orders", "--title", "Orders slow", "--impact", "low", "--urgency", "medium"},
		{"--as", operatorName, "incident", "ack", "2"},
		{"--as", operatorName, "incident", "resolve", "2", "--code", "fixed", "--satisfaction", "3"},
		{"--as", operatorName, "incident", "new", "--kind", "request", "--service", "reporting", "--title", "Access for finance", "--impact", "low", "--urgency", "low"},
	} {
		if code, _, errOut := cli(t, append(base, args...)...); code != exitOK {
			t.Fatalf("%v: %s", args, errOut)
		}
	}

	code, out, errOut := cli(t, append(base, "report", "--format", "json", "--since", "7d")...)
	if code != exitOK {
		t.Fatalf("report json: exit %d %s", code, errOut)
	}
	var doc struct {
		Service  string    `json:"service"`
		Timezone string    `json:"timezone"`
		Since    time.Time `json:"since"`
		Until    time.Time `json:"until"`
		Opened   int       `json:"opened"`
		Resolved int       `json:"resolved"`
		MTTR     struct {
			Count   int      `json:"count"`
			Seconds *float64 `json:"seconds"`
		} `json:"mttr"`
		Satisfaction struct {
			Mean *float64 `json:"mean"`
		} `json:"satisfaction"`
		Attainment []struct {
			Group string `json:"group"`
			Met   struct {
				N, Of int
			} `json:"met"`
		} `json:"attainment"`
		Flow []struct {
			Opened int `json:"opened"`
		} `json:"flow"`
		Open struct {
			ByPriority []int `json:"incidents_by_priority"`
			Requests   int   `json:"requests"`
		} `json:"open"`
		Exit []struct {
			Metric string   `json:"metric"`
			Value  *float64 `json:"value"`
			Met    bool     `json:"met"`
		} `json:"exit_criteria"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("report json: %v\n%s", err, out)
	}
	if doc.Service == "" || doc.Timezone != "Europe/London" || doc.Until.Sub(doc.Since).Round(time.Hour) != 7*24*time.Hour {
		t.Errorf("window: %s %s %v–%v", doc.Service, doc.Timezone, doc.Since, doc.Until)
	}
	if doc.Opened != 3 || doc.Resolved != 1 || doc.MTTR.Count != 1 || doc.MTTR.Seconds == nil || doc.Satisfaction.Mean == nil || *doc.Satisfaction.Mean != 3 {
		t.Errorf("figures: %s", out)
	}
	if len(doc.Flow) < 7 {
		t.Errorf("7 days of flow span at least 7 calendar days, got %d", len(doc.Flow))
	}
	if doc.Open.ByPriority[0] != 1 || doc.Open.Requests != 1 {
		t.Errorf("open = %+v; want the P1 and the request", doc.Open)
	}
	if len(doc.Attainment) != 7 || doc.Attainment[3].Group != "P4" || doc.Attainment[3].Met.Of != 1 {
		t.Errorf("attainment = %+v; want the P4 resolution in its row", doc.Attainment)
	}
	scores := map[string]bool{}
	for _, e := range doc.Exit {
		scores[e.Metric] = e.Met
	}
	if len(doc.Exit) != 9 || scores["open_p1"] || !scores["open_p2"] || scores["csat"] {
		t.Errorf("exit criteria: an open P1 fails, no P2 passes, CSAT 3 fails: %+v", doc.Exit)
	}

	code, out, errOut = cli(t, append(base, "report")...)
	if code != exitOK {
		t.Fatalf("report md: exit %d %s", code, errOut)
	}
	for _, want := range []string{"# Hypercare report: ", "Last 24h:", "| opened | 3 |", "## SLA attainment", "| P4 | 1 | 1 | 0 | 100.0% |",
		"still open at its end past their resolve due time", "| reopen rate | 0.0% (0 of 1 resolved) |", "not counting incidents already linked to a problem",
		"## Backlog flow", "█", "## Recurring incidents", "None.", "## Exit criteria", "| No open P1 incidents for 3 days | open_p1 | ≤ 0 | 1 | 0/3 d | ✗ not met |",
		"| Customer satisfaction 4 or better | csat | ≥ 4.0 | 3.0 | 0/1 d | ✗ not met |", "of 9 met."} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestReportRefuses(t *testing.T) {
	db, planPath := seeded(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report", "--help"}, exitOK, "Usage: hypercare report"},
		{[]string{"--db", db, "--plan", planPath, "report", "--since", "a week"}, exitUsage, `invalid value "a week" for flag -since`},
		{[]string{"--db", db, "--plan", planPath, "report", "--since", "0h"}, exitUsage, "longer than nothing"},
		{[]string{"--db", db, "--plan", planPath, "report", "--format", "csv"}, exitUsage, `--format "csv": use md, json or html`},
		{[]string{"--db", db, "--plan", planPath, "report", "weekly"}, exitUsage, `unexpected "weekly"`},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db"), "--plan", planPath, "report"}, exitRejected, "no database at"},
		{[]string{"--db", db, "--plan", filepath.Join(t.TempDir(), "none.toml"), "report"}, exitRejected, "no support plan at"},
	}
	for _, tt := range tests {
		code, out, errOut := cli(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d (want %d)\n%s%s", tt.args, code, tt.code, out, errOut)
		}
	}
}

// TestReportCountsWhatIsReal checks the figures a fresh hypercare gets
// wrong most easily: an open incident already past its resolve target is a
// miss now, a merged duplicate is no resolution of its own, and incidents
// already linked to a problem are no longer a candidate for one.
func TestReportCountsWhatIsReal(t *testing.T) {
	ctx, a := openSeeded(t) // INC-1: P1 on checkout, opened now
	lead := model.Actor{Name: leadName, Role: model.RoleLead}
	open := func(title, service, category string, impact, urgency model.Level) int64 {
		t.Helper()
		in, err := a.desk.CreateIncident(ctx, lead, model.NewIncident{Title: title, Service: service, Category: category, Impact: impact, Urgency: urgency})
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	// Ten hours ago: a P1 (four hours to resolve) that is still open, and a
	// P2 merged into it at once, well within its own target.
	a.desk.Now = func() time.Time { return time.Now().Add(-10 * time.Hour) }
	late := open("Checkout down", "checkout", "availability", model.High, model.High)
	dup := open("Cannot pay", "checkout", "availability", model.High, model.Medium)
	if _, err := a.desk.Merge(ctx, lead, dup, late); err != nil {
		t.Fatal(err)
	}
	a.desk.Now = time.Now
	var linked []int64
	for _, title := range []string{"Orders stuck", "Orders stuck again", "Orders stuck once more"} {
		linked = append(linked, open(title, "orders", "data", model.Low, model.Low))
	}
	if _, err := a.desk.CreateProblem(ctx, lead, model.NewProblem{Title: "Orders get stuck", Service: "orders", Category: "data", Incidents: linked}); err != nil {
		t.Fatal(err)
	}
	base := []string{"--db", a.where, "--plan", a.plan.Plan().Path, "report"}

	code, out, errOut := cli(t, append(base, "--format", "json")...)
	if code != exitOK {
		t.Fatalf("report json: exit %d %s", code, errOut)
	}
	var doc struct {
		Resolved   int `json:"resolved"`
		Duplicates int `json:"duplicates"`
		MTTR       struct {
			Count int `json:"count"`
		} `json:"mttr"`
		Attainment []struct {
			Group string `json:"group"`
			Met   struct {
				N, Of int
			} `json:"met"`
			Overdue int `json:"overdue_open"`
		} `json:"attainment"`
		Recurring []struct {
			Service string `json:"service"`
		} `json:"recurring"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("report json: %v\n%s", err, out)
	}
	if doc.Resolved != 1 || doc.Duplicates != 1 || doc.MTTR.Count != 0 {
		t.Errorf("resolved %d, duplicates %d, MTTR over %d; want the duplicate counted as resolved, not in MTTR", doc.Resolved, doc.Duplicates, doc.MTTR.Count)
	}
	rows := map[string]string{}
	for _, r := range doc.Attainment {
		rows[r.Group] = fmt.Sprintf("%d of %d, %d open past due", r.Met.N, r.Met.Of, r.Overdue)
	}
	for group, want := range map[string]string{"P1": "0 of 1, 1 open past due", "P2": "0 of 0, 0 open past due", "all": "0 of 1, 1 open past due"} {
		if rows[group] != want {
			t.Errorf("attainment %s = %s, want %s", group, rows[group], want)
		}
	}
	if len(doc.Recurring) != 0 {
		t.Errorf("recurring = %+v; the orders incidents are linked to a problem already", doc.Recurring)
	}

	code, out, errOut = cli(t, base...)
	if code != exitOK {
		t.Fatalf("report md: exit %d %s", code, errOut)
	}
	for _, want := range []string{"| resolved | 1 (1 of them duplicates", "| P1 | 0 | 0 | 1 | 0.0% |", "| **all** | 0 | 0 | 1 | 0.0% |",
		"| 95% of incidents resolved in SLA | sla_attainment | ≥ 95.0% | 0.0% | 0/1 d | ✗ not met |"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

// The war-room sections name what is open with its owner and latest note,
// what breached, the majors' timelines, the changes ahead with their
// conflicts and the unauthorised deploys.
func TestReportWarRoom(t *testing.T) {
	db, planPath := seeded(t) // INC-1: P1 major on checkout, open
	base := []string{"--db", db, "--plan", planPath}
	soon := time.Now().Add(24 * time.Hour).In(time.UTC).Format("2006-01-02 15:04")
	for _, args := range [][]string{
		{"--as", leadName, "incident", "ack", "1"},
		{"--as", leadName, "incident", "note", "1", "--text", "Rolling back checkout 4.2; PSP looks fine"},
		{"--as", operatorName, "change", "new", "--service", "checkout", "--title", "Checkout 4.3", "--impact", "medium",
			"--probability", "low", "--start", soon, "--duration", "1h"},
	} {
		if code, _, errOut := cli(t, append(base, args...)...); code != exitOK {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	code, out, errOut := cli(t, append(base, "report")...)
	if code != exitOK {
		t.Fatalf("report: exit %d %s", code, errOut)
	}
	for _, want := range []string{
		"## Against the period before",
		"## Open incidents", "| INC-1 | P1 | In Progress |", "maya.patel", "Rolling back checkout 4.2; PSP looks fine",
		"## Major incidents", "### INC-1 P1", "(note): Rolling back checkout 4.2",
		"## Per service", "| checkout | 1 | 0 | 1 |",
		"## Changes in the next 72 hours", "CHG-1 new (checkout): Checkout 4.3", "conflict: outside checkout's maintenance windows",
		"## Unauthorised deploys", "## Licences and certificates expiring within 30 days", "## Active silences", "## Overdue RCA actions",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	code, out, _ = cli(t, append(base, "report", "--format", "json")...)
	var doc struct {
		WarRoom struct {
			Open []struct {
				Ref  string `json:"ref"`
				Next string `json:"next_step"`
			} `json:"open"`
			ChangesNext []struct {
				Ref       string   `json:"ref"`
				Conflicts []string `json:"conflicts"`
			} `json:"changes_next_72h"`
		} `json:"war_room"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK {
		t.Fatalf("report json: %v", err)
	}
	if len(doc.WarRoom.Open) != 1 || doc.WarRoom.Open[0].Next == "" || len(doc.WarRoom.ChangesNext) != 1 || len(doc.WarRoom.ChangesNext[0].Conflicts) == 0 {
		t.Fatalf("war room = %+v", doc.WarRoom)
	}
}

// The daily report on a fixed dataset — the demo's week, seeded for a
// fixed moment — in each format, compared with golden files (go test
// -update rewrites them; read the diff). --until pins the window, so the
// report is the same whenever the test runs.
func TestReportGolden(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	db, planPath := filepath.Join(dir, "h.db"), filepath.Join(dir, "plan.toml")
	if err := writeDemoPlan(planPath, at, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, db, planPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, a.desk, a.plan.Plan(), at); err != nil {
		t.Fatal(err)
	}
	cancel()
	a.db.Close()
	for _, format := range []string{"md", "json", "html"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := cli(t, "--db", db, "--plan", planPath, "report", "--until", "2026-11-25T09:00", "--format", format)
			if code != exitOK {
				t.Fatalf("report --format %s: %d %s", format, code, errOut)
			}
			uitest.Golden(t, out)
		})
	}
}
