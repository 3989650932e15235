package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

// Operators of the example plan, one per role.
const (
	viewerName   = "dan.kowalski"
	operatorName = "tom.okafor"
	leadName     = "maya.patel"
)

// cliIn runs the command line with text on standard input.
func cliIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runWith(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// incidentJSON decodes the --json output of an incident command.
func incidentJSON(t *testing.T, out string) model.Incident {
	t.Helper()
	var in model.Incident
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatalf("not an incident as JSON: %v\n%s", err, out)
	}
	return in
}

func TestIncidentCommands(t *testing.T) {
	db, planPath := seeded(t) // INC-1: P1 on checkout, new
	as := func(who string, args ...string) []string {
		return append([]string{"--db", db, "--plan", planPath, "--as", who, "incident"}, args...)
	}

	code, out, errOut := cli(t, as(operatorName, "new", "--service", "orders", "--title", "Orders stuck in pending",
		"--impact", "medium", "--urgency", "high", "--category", "data", "--json")...)
	if code != exitOK {
		t.Fatalf("new: exit %d: %s", code, errOut)
	}
	created := incidentJSON(t, out)
	if created.ID != 2 || created.Priority != 2 || created.State != model.StateNew || created.Category != "data" || created.ResolveDue.IsZero() {
		t.Fatalf("new = %+v; want INC-2, P2, new, data, with an SLA", created)
	}

	steps := []struct {
		name  string
		args  []string
		stdin string
		want  string // in the summary line
		check func(model.Incident) bool
	}{
		{"ack", as(operatorName, "ack", "INC-2"), "", "INC-2 acknowledged: P2 In Progress · orders · tom.okafor",
			func(in model.Incident) bool { return !in.AckAt.IsZero() && in.Assignee == operatorName }},
		{"assign", as(operatorName, "assign", "2", "--assignee", "sofia.lindqvist"), "", "INC-2 assigned: P2 In Progress · orders · sofia.lindqvist",
			func(in model.Incident) bool { return in.Assignee == "sofia.lindqvist" }},
		{"note from stdin", as(operatorName, "note", "2", "--text", "-"), "Queue consumer restarted;\nbacklog draining.\n", "INC-2 noted", nil},
		{"hold", as(operatorName, "hold", "2", "--reason", "awaiting_vendor", "--note", "PSP ticket 4411"), "", "INC-2 put on hold: P2 On Hold",
			func(in model.Incident) bool { return in.HoldReason == "awaiting_vendor" && !in.HoldSince.IsZero() }},
		{"resume", as(operatorName, "resume", "2"), "", "INC-2 resumed: P2 In Progress",
			func(in model.Incident) bool { return in.HoldSince.IsZero() }},
		{"escalate", as(leadName, "escalate", "2", "--reason", "vendor silent"), "", "level 2",
			func(in model.Incident) bool { return in.Escalation == 1 }},
		{"priority", as(operatorName, "priority", "2", "--impact", "low", "--urgency", "low", "--reason", "workaround holds"), "", "INC-2 re-prioritised: P5",
			func(in model.Incident) bool { return in.Priority == 5 }},
		{"resolve", as(operatorName, "resolve", "2", "--code", "workaround", "--satisfaction", "4", "--note", "consumer restarted"), "", "INC-2 resolved: P5 Resolved",
			func(in model.Incident) bool { return in.Resolution == "workaround" && in.Satisfaction == 4 }},
		{"reopen", as(operatorName, "reopen", "2", "--reason", "stuck again"), "", "INC-2 reopened: P5 In Progress",
			func(in model.Incident) bool { return in.Reopens == 1 && in.ResolvedAt.IsZero() }},
		{"resolve again", as(operatorName, "resolve", "2", "--code", "fixed"), "", "INC-2 resolved", nil},
		{"close", as(operatorName, "close", "2"), "", "INC-2 closed: P5 Closed", nil},
		{"cancel a P1 is a lead's call", as(leadName, "cancel", "1", "--reason", "raised twice"), "", "INC-1 cancelled: P1 Cancelled", nil},
	}
	for _, st := range steps {
		code, out, errOut := cliIn(t, st.stdin, st.args...)
		if code != exitOK || !strings.Contains(out, st.want) || strings.Count(out, "\n") != 1 {
			t.Fatalf("%s: exit %d, want one line with %q:\n%s%s", st.name, code, st.want, out, errOut)
		}
		if st.check == nil {
			continue
		}
		code, out, errOut = cli(t, "--db", db, "show", "incident", "2", "--json")
		if code != exitOK {
			t.Fatalf("%s: show: %s", st.name, errOut)
		}
		if in := incidentJSON(t, out); !st.check(in) {
			t.Fatalf("%s: stored %+v", st.name, in)
		}
	}

	// --json prints what was stored, and the timeline has the piped note.
	code, out, _ = cli(t, as(operatorName, "note", "REQ-2", "--text", "post-incident review booked", "--json")...)
	if code != exitOK || incidentJSON(t, out).State != model.StateClosed {
		t.Fatalf("note --json: %d\n%s", code, out)
	}
	_, out, _ = cli(t, "--db", db, "show", "incident", "2")
	for _, want := range []string{"Queue consumer restarted;", "On Hold (awaiting vendor): PSP ticket 4411", "stuck again", "post-incident review booked"} {
		if !strings.Contains(out, want) {
			t.Errorf("timeline lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = cli(t, "--db", db, "list", "audit", "--filter", "INC-2")
	if !strings.Contains(out, operatorName) || !strings.Contains(out, "incident.state") {
		t.Errorf("CLI writes are not audited under the operator:\n%s", out)
	}
}

func TestIncidentCommandsRefuse(t *testing.T) {
	db, planPath := seeded(t) // INC-1: P1 on checkout, new
	base := []string{"--db", db, "--plan", planPath}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"viewer may not ack", []string{"--as", viewerName, "incident", "ack", "1"}, exitRejected, "dan.kowalski (viewer) may not acknowledge incidents: needs the operator role"},
		{"operator may not escalate", []string{"--as", operatorName, "incident", "escalate", "1"}, exitRejected, "needs the lead role"},
		{"operator may not declare major", []string{"--as", operatorName, "incident", "new", "--service", "orders", "--title", "x", "--impact", "low", "--urgency", "low", "--major"}, exitRejected, "may not declare a major incident"},
		{"close an open incident", []string{"--as", operatorName, "incident", "close", "1"}, exitRejected, "INC-1: cannot move from New to Closed"},
		{"resume one not on hold", []string{"--as", operatorName, "incident", "resume", "1"}, exitRejected, "INC-1 is New: use 'hypercare incident ack'"},
		{"reopen an open one", []string{"--as", operatorName, "incident", "reopen", "1", "--reason", "x"}, exitRejected, "INC-1 is New"},
		{"unknown resolution code", []string{"--as", operatorName, "incident", "resolve", "1", "--code", "magic"}, exitRejected, `resolution code "magic": use one of fixed`},
		{"rating out of range", []string{"--as", operatorName, "incident", "resolve", "1", "--code", "fixed", "--satisfaction", "9"}, exitRejected, "satisfaction 9: use 1 (poor) to 5"},
		{"unknown service", []string{"--as", operatorName, "incident", "new", "--service", "nope", "--title", "x", "--impact", "low", "--urgency", "low"}, exitRejected, `service "nope": not in the plan`},
		{"no such incident", []string{"--as", operatorName, "incident", "ack", "99"}, exitRejected, "INC-99 does not exist"},
		{"unknown operator", []string{"--as", "nobody", "incident", "ack", "1"}, exitRejected, "--as nobody: no such [[operator]]"},
		{"missing required flag", []string{"incident", "hold", "1"}, exitUsage, "--reason REASON is required"},
		{"bad level", []string{"incident", "priority", "1", "--impact", "huge", "--urgency", "low"}, exitUsage, `--impact "huge": use high, medium or low`},
		{"rating not a number", []string{"incident", "resolve", "1", "--code", "fixed", "--satisfaction", "great"}, exitUsage, `--satisfaction "great"`},
		{"article not an article", []string{"incident", "resolve", "1", "--code", "fixed", "--article", "CHG-1"}, exitUsage, `--article "CHG-1": use KB-n`},
		{"no such article", []string{"--as", operatorName, "incident", "resolve", "1", "--code", "fixed", "--article", "KB-99"}, exitRejected, "article KB-99"},
		{"no ID", []string{"incident", "ack"}, exitUsage, "give one incident ID"},
		{"wrong kind of ID", []string{"incident", "ack", "CHG-1"}, exitUsage, "references start with INC or REQ"},
		{"assign to nobody", []string{"incident", "assign", "1"}, exitUsage, "give --team TEAM, --assignee NAME or both"},
		{"unknown action", []string{"incident", "frob"}, exitUsage, `unknown action "frob"`},
		{"unknown flag", []string{"incident", "ack", "1", "--force"}, exitUsage, "flag provided but not defined: -force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append(base, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) || out != "" {
				t.Fatalf("exit %d (want %d), stdout %q, stderr:\n%s", code, tt.code, out, errOut)
			}
			if tt.code == exitUsage && (!strings.Contains(errOut, "see 'hypercare incident") || strings.Count(errOut, "\n") != 1) {
				t.Errorf("a usage error is one line naming the command's help:\n%s", errOut)
			}
		})
	}
	// Nothing refused changed the incident.
	_, out, _ := cli(t, "--db", db, "show", "incident", "1", "--json")
	if in := incidentJSON(t, out); in.State != model.StateNew || !in.AckAt.IsZero() || in.Escalation != 0 {
		t.Errorf("refused commands changed INC-1: %+v", in)
	}
}

func TestIncidentHelp(t *testing.T) {
	for _, args := range [][]string{{"incident", "--help"}, {"incident", "help"}} {
		code, out, _ := cli(t, args...)
		if code != exitOK || !strings.Contains(out, "Actions:") || !strings.Contains(out, "priority") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	for _, a := range incidentActions {
		code, out, errOut := cli(t, "incident", a.name, "--help")
		if code != exitOK || !strings.HasPrefix(out, "Usage: hypercare incident "+a.name) || errOut != "" {
			t.Errorf("%s --help: exit %d\n%s%s", a.name, code, out, errOut)
		}
		for _, f := range a.flags {
			if !strings.Contains(out, "--"+f.name) {
				t.Errorf("%s --help does not describe --%s", a.name, f.name)
			}
		}
	}
	code, _, errOut := cli(t, "--db", filepath.Join(t.TempDir(), "none.db"), "--plan", "../../examples/plan.toml", "incident", "ack", "1")
	if code != exitRejected || !strings.Contains(errOut, "no database at") {
		t.Errorf("ack without a database: exit %d %s", code, errOut)
	}
}

// TestIncidentRefusesMissingDatabase: every action, "new" too, refuses a
// --db that does not exist rather than create a database nobody looks at.
func TestIncidentRefusesMissingDatabase(t *testing.T) {
	_, planPath := seeded(t)
	missing := filepath.Join(t.TempDir(), "typo.db")
	for _, args := range [][]string{
		{"new", "--service", "orders", "--title", "Orders slow", "--impact", "low", "--urgency", "low"},
		{"ack", "1"},
		{"note", "1", "--text", "still slow"},
	} {
		code, out, errOut := cli(t, append([]string{"--db", missing, "--plan", planPath, "--as", operatorName, "incident"}, args...)...)
		if code != exitRejected || out != "" || !strings.Contains(errOut, "no database at "+missing) || !strings.Contains(errOut, "--demo") {
			t.Errorf("%s: exit %d, want 1 saying how to create a database:\n%s%s", args[0], code, out, errOut)
		}
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a database was created at the mistyped path: %v", err)
	}
}

// TestIncidentGlobalFlagsBeforeAction: global flags go before the action
// as well as after it.
func TestIncidentGlobalFlagsBeforeAction(t *testing.T) {
	db, planPath := seeded(t)
	code, out, errOut := cli(t, "incident", "--db", db, "--plan", planPath, "--as", operatorName,
		"new", "--service", "orders", "--title", "Orders slow", "--impact", "low", "--urgency", "low")
	if code != exitOK || !strings.Contains(out, "INC-2 opened") {
		t.Fatalf("global flags before the action: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "incident", "--db", db, "--plan", planPath, "ack", "2", "--as", operatorName)
	if code != exitOK || !strings.Contains(out, "INC-2 acknowledged") {
		t.Fatalf("global flags on both sides: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = cli(t, "incident", "--json", "ack", "2")
	if code != exitUsage || !strings.Contains(errOut, "flag provided but not defined: -json") || !strings.Contains(errOut, "go after the action") {
		t.Fatalf("an action's flag before the action: exit %d\n%s", code, errOut)
	}
	if code, out, _ := cli(t, "incident", "--plan", planPath, "--help"); code != exitOK || !strings.Contains(out, "Actions:") {
		t.Fatalf("--help after a global flag: exit %d\n%s", code, out)
	}
}

// A major incident run from a shell: declared, roles named (a flag left
// out keeps its role), an update from a template and one from standard
// input, stood down with its review; an operator may post updates but not
// name roles.
func TestMajorIncidentCommands(t *testing.T) {
	db, planPath := seeded(t)
	as := func(who string, args ...string) []string {
		return append([]string{"--db", db, "--plan", planPath, "--as", who, "incident"}, args...)
	}
	code, out, errOut := cli(t, as(operatorName, "new", "--service", "search", "--title", "Search down",
		"--impact", "high", "--urgency", "medium")...)
	if code != exitOK {
		t.Fatalf("new: %d %s", code, errOut)
	}
	for _, step := range []struct {
		who   string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{leadName, []string{"update", "INC-2", "--template", "investigating"}, "", exitRejected, "INC-2 is not a major incident"},
		{operatorName, []string{"major", "INC-2", "--reason", "all shops"}, "", exitRejected, "may not declare a major incident"},
		{leadName, []string{"major", "INC-2", "--reason", "search is down for all shops"}, "", exitOK, "INC-2 declared major: P2 New · search"},
		{operatorName, []string{"roles", "INC-2", "--commander", leadName}, "", exitRejected, "needs the lead role"},
		{leadName, []string{"roles", "INC-2", "--commander", leadName, "--comms", operatorName}, "", exitOK, "roles: IC maya.patel · comms tom.okafor · scribe unassigned"},
		{leadName, []string{"roles", "INC-2", "--scribe", "raj.iyer"}, "", exitOK, "roles: IC maya.patel · comms tom.okafor · scribe raj.iyer"},
		{leadName, []string{"update", "INC-2"}, "", exitUsage, "give --template NAME"},
		{operatorName, []string{"update", "INC-2", "--template", "investigating"}, "", exitOK, "INC-2 status update 1 sent"},
		{operatorName, []string{"update", "INC-2", "--text", "-"}, "Index rebuilt; results back for 9 of 10 shops.", exitOK, "INC-2 status update 2 sent"},
		{leadName, []string{"stand-down", "INC-2", "--reason", "search is back"}, "", exitOK, "INC-2 stood down, review PRB-1 opened"},
	} {
		code, out, errOut = cliIn(t, step.stdin, as(step.who, step.args...)...)
		if code != step.code || !strings.Contains(out+errOut, step.want) {
			t.Fatalf("%s %v: exit %d\n%s%s\nwant exit %d and %q", step.who, step.args, code, out, errOut, step.code, step.want)
		}
	}
	code, out, _ = cli(t, "--db", db, "show", "incident", "INC-2")
	for _, want := range []string{"status update 1 to stakeholders: INC-2 P2 on search: investigating", "status update 2 to stakeholders: Index rebuilt",
		"stood down from major incident: search is back"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("show INC-2 lacks %q:\n%s", want, out)
		}
	}
}
