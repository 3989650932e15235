package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	if len(doc.Exit) != 5 || scores["open_p1"] || !scores["open_p2"] || scores["csat"] {
		t.Errorf("exit criteria: an open P1 fails, no P2 passes, CSAT 3 fails: %+v", doc.Exit)
	}

	code, out, errOut = cli(t, append(base, "report")...)
	if code != exitOK {
		t.Fatalf("report md: exit %d %s", code, errOut)
	}
	for _, want := range []string{"# Hypercare report: ", "Last 24h:", "| opened | 3 |", "## SLA attainment", "| P4 | 1 | 1 | 100.0% |",
		"## Backlog flow", "█", "## Recurring incidents", "None.", "## Exit criteria", "| No open P1 incidents | open_p1 | ≤ 0 | 1 | ✗ not met |",
		"| Customer satisfaction 4 or better | csat | ≥ 4.0 | 3.0 | ✗ not met |", "of 5 met."} {
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
		{[]string{"--db", db, "--plan", planPath, "report", "--format", "csv"}, exitUsage, `--format "csv": use md or json`},
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
