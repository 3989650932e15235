package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

// Lists print [] for nothing, say when --limit left rows out, and list a
// storm's members with --storm.
func TestListLimitsAndStorms(t *testing.T) {
	db, planPath := seeded(t)
	code, out, errOut := cli(t, "--db", db, "list", "alerts", "--json")
	if code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Fatalf("no alerts: %d %q %s; want []", code, out, errOut)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, db, planPath)
	if err != nil {
		t.Fatal(err)
	}
	var events []model.AlertEvent
	for i := range 30 {
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprintf("s-%d", i), Name: "PodCrashLooping",
			Severity: model.SevWarning, State: model.AlertFiring, Labels: map[string]string{"service": "checkout", "pod": fmt.Sprint(i)}}})
	}
	if _, err := a.desk.Ingest(ctx, model.System, model.Drop{Name: "storm", Group: "g", Events: events}); err != nil {
		t.Fatal(err)
	}
	events = nil
	for i := range 3 {
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprintf("x-%d", i), Name: "Other",
			Severity: model.SevInfo, State: model.AlertFiring, Labels: map[string]string{"service": "search", "n": fmt.Sprint(i)}}})
	}
	if _, err := a.desk.Ingest(ctx, model.System, model.Drop{Name: "others", Group: "h", Events: events}); err != nil {
		t.Fatal(err)
	}
	a.db.Close()

	// The storm is one row; the other three are rows of their own.
	code, out, errOut = cli(t, "--db", db, "list", "alerts", "--json")
	var rows []model.Alert
	if err := json.Unmarshal([]byte(out), &rows); code != exitOK || err != nil || len(rows) != 4 {
		t.Fatalf("list alerts: %d %v %s %s", code, err, out, errOut)
	}
	storm := rows[0]
	if storm.StormID == 0 || storm.StormSize != 30 || storm.StormFiring != 30 {
		t.Fatalf("storm row = %+v", storm)
	}
	code, out, errOut = cli(t, "--db", db, "list", "alerts", "--storm", fmt.Sprint(storm.StormID), "--limit", "10")
	if code != exitOK || strings.Count(out, "PodCrashLooping") != 10 ||
		!strings.Contains(out, "the first 10 alerts shown, and more match; --limit 100 shows more") {
		t.Fatalf("list --storm --limit 10: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "--db", db, "list", "alerts", "--storm", fmt.Sprint(storm.StormID), "--json", "--limit", "40")
	if err := json.Unmarshal([]byte(out), &rows); code != exitOK || err != nil || len(rows) != 30 || errOut != "" {
		t.Fatalf("list --storm --json: %d %v %d rows, stderr %q", code, err, len(rows), errOut)
	}
	code, _, errOut = cli(t, "--db", db, "list", "incidents", "--storm", "3")
	if code != exitUsage || !strings.Contains(errOut, "use it with 'list alerts'") {
		t.Fatalf("--storm on incidents: %d %s", code, errOut)
	}
}

// `list --filter` reads the console's filter terms, every one of which
// must hold: two words, two labels, is:, priorities, incident fields.
func TestListFilterTerms(t *testing.T) {
	db, planPath := seeded(t) // INC-1: "Checkout red 502s", P1 on checkout
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, db, planPath)
	if err != nil {
		t.Fatal(err)
	}
	alert := func(key, name, service, env string) model.AlertEvent {
		return model.AlertEvent{Alert: model.Alert{DedupKey: key, Name: name, Severity: model.SevWarning, State: model.AlertFiring,
			Labels: map[string]string{"alertname": name, "service": service, "env": env}}}
	}
	events := []model.AlertEvent{alert("a", "HighLatency", "checkout", "prod"), alert("b", "HighLatency", "search", "staging"),
		alert("c", "DiskFull", "checkout", "prod")}
	if _, err := a.desk.Ingest(ctx, model.System, model.Drop{Name: "mixed", Events: events}); err != nil {
		t.Fatal(err)
	}
	a.db.Close()
	for _, tt := range []struct {
		kind, filter string
		want         string // the rows' names or refs, in order, joined by " "
	}{
		{"alerts", "HighLatency checkout", "HighLatency"},
		{"alerts", "latency", "HighLatency HighLatency"},
		{"alerts", "env=prod service=checkout", "DiskFull HighLatency"},
		{"alerts", "env=prod alertname=~High.*", "HighLatency"},
		{"alerts", "is:firing env!=prod", "HighLatency"},
		{"alerts", "checkout nothing-has-this", ""},
		{"incidents", "Checkout red", "INC-1"},
		{"incidents", "checkout blue", ""},
		{"incidents", "service=checkout p1 is:major", "INC-1"},
		{"incidents", "service=checkout p2", ""},
		{"incidents", "service!=checkout", ""},
	} {
		code, out, errOut := cli(t, "--db", db, "list", tt.kind, "--filter", tt.filter, "--json")
		var rows []struct {
			Ref  string `json:"ref"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal([]byte(out), &rows); code != exitOK || err != nil {
			t.Fatalf("list %s --filter %q: %d %v %s%s", tt.kind, tt.filter, code, err, out, errOut)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Ref+r.Name)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("list %s --filter %q = %q; want %q", tt.kind, tt.filter, strings.Join(got, " "), tt.want)
		}
	}
	for _, tt := range []struct{ kind, filter, err string }{
		{"alerts", "is:bogus", "is:bogus: unknown"},
		{"alerts", "p1", "alerts have severities"},
		{"incidents", "env=prod", "incidents are filtered by service"},
		{"incidents", `service="checkout`, "quote is not closed"},
	} {
		code, _, errOut := cli(t, "--db", db, "list", tt.kind, "--filter", tt.filter)
		if code == exitOK || !strings.Contains(errOut, "--filter: ") || !strings.Contains(errOut, tt.err) {
			t.Errorf("list %s --filter %q: %d %s; want an error containing %q", tt.kind, tt.filter, code, errOut, tt.err)
		}
	}
}
