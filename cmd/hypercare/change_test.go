package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// changeJSON decodes the --json output of a change command.
func changeJSON(t *testing.T, out string) changeOutcome {
	t.Helper()
	var o changeOutcome
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatalf("not a change outcome as JSON: %v\n%s", err, out)
	}
	return o
}

// The change board through the CLI, on the example plan: an operator
// creates and submits, the board assesses and approves, the implementer
// runs it, and a change in the hard freeze is refused with the reason.
func TestChangeCommands(t *testing.T) {
	db, planPath := seeded(t)
	as := func(who string, args ...string) []string {
		return append([]string{"--db", db, "--plan", planPath, "--as", who, "change"}, args...)
	}
	code, out, errOut := cli(t, as(operatorName, "new", "--service", "storefront", "--title", "Storefront 2.0",
		"--impact", "high", "--probability", "medium", "--start", "2026-12-06 02:00", "--duration", "1h",
		"--implementer", "sofia.lindqvist", "--backout", "helm rollback", "--json")...)
	if code != exitOK {
		t.Fatalf("new: exit %d: %s", code, errOut)
	}
	made := changeJSON(t, out)
	if made.Ref != "CHG-1" || made.Change.State != model.ChangeNew || made.Change.Risk != model.High ||
		made.Change.End.Sub(made.Change.Start) != time.Hour || made.Change.Backout != "helm rollback" {
		t.Fatalf("new = %+v", made.Change)
	}

	steps := []struct {
		who  string
		args []string
		code int
		want string // in the output, or the error
	}{
		{operatorName, []string{"approve", "CHG-1"}, exitRejected, "may not approve changes: needs the lead role"},
		{operatorName, []string{"submit", "1"}, exitOK, "CHG-1 submitted: normal high-risk · storefront · assess"},
		{leadName, []string{"approve", "1", "--comment", "backout checked"}, exitOK, "· authorize ·"},
		{leadName, []string{"approve", "1"}, exitOK, "· authorize ·"},
		{leadName, []string{"approve", "1"}, exitRejected, "already answered"},
		{"ben.hughes", []string{"approve", "1"}, exitOK, "· scheduled ·"},
		{operatorName, []string{"close", "1", "--code", "successful"}, exitRejected, "closed after its review"},
		{operatorName, []string{"start", "1"}, exitOK, "· implement ·"},
		{operatorName, []string{"complete", "1"}, exitOK, "· review ·"},
		{operatorName, []string{"close", "1", "--code", "backed_out"}, exitOK, "CHG-1 closed"},
		{operatorName, []string{"new", "--service", "storefront", "--title", "Redis sessions", "--impact", "high",
			"--probability", "medium", "--start", "2026-11-28 02:00", "--end", "2026-11-28 03:00"}, exitOK,
			`BLOCKED: inside the hard freeze "Black Friday to Cyber Monday"`},
		{operatorName, []string{"submit", "CHG-2"}, exitRejected, `CHG-2: inside the hard freeze "Black Friday to Cyber Monday"`},
		{operatorName, []string{"slot", "--service", "orders-db", "--duration", "2h", "--after", "2026-11-24 10:00"}, exitOK,
			"next free slot: Sun 06 Dec 2026 03:00 – 05:00"},
		{operatorName, []string{"new", "--service", "storefront", "--title", "x", "--impact", "low", "--probability", "low",
			"--start", "2026-12-06 02:00"}, exitUsage, "give --duration or --end"},
		{operatorName, []string{"cancel", "CHG-9", "--reason", "gone"}, exitRejected, "CHG-9 does not exist"},
		{operatorName, []string{"submit", "INC-1"}, exitUsage, "their references start with CHG"},
	}
	for _, s := range steps {
		code, out, errOut := cli(t, as(s.who, s.args...)...)
		if code != s.code || !strings.Contains(out+errOut, s.want) {
			t.Fatalf("%s %v: exit %d\n%s%s\nwant exit %d and %q", s.who, s.args, code, out, errOut, s.code, s.want)
		}
	}
	code, out, _ = cli(t, "--db", db, "--plan", planPath, "show", "changes", "1", "--json")
	if code != exitOK || !strings.Contains(out, `"close_code": "backed_out"`) || !strings.Contains(out, `"approvals"`) {
		t.Fatalf("show --json: %d %s", code, out)
	}
	code, out, _ = cli(t, "--db", db, "--plan", planPath, "show", "changes", "2")
	for _, want := range []string{"services:     storefront", `conflicts:    BLOCKED: inside the hard freeze "Black Friday to Cyber Monday"`,
		"timeline:", "tom.okafor: created: normal change, high risk"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("show: %d\n%s\nwant %q", code, out, want)
		}
	}
}
