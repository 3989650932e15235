package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

func TestListAndShowProblems(t *testing.T) {
	ctx, a := openSeeded(t)
	lead := model.Actor{Name: "claire", Role: model.RoleLead}
	p, err := a.desk.CreateProblem(ctx, lead, model.NewProblem{Title: "Checkout \x1b[31m502s\x1b[0m keep coming back", Service: "checkout",
		Category: "availability", Incidents: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.desk.AddProblemAction(ctx, lead, p.ID, model.ProblemAction{Text: "add a canary stage", Owner: "tom.okafor"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.desk.SaveKnownError(ctx, lead, p.ID, model.KnownError{Symptom: "502 on pay", Workaround: "retry the payment"}); err != nil {
		t.Fatal(err)
	}
	db := a.where

	code, out, errOut := cli(t, "--db", db, "list", "problems", "--json")
	if code != exitOK {
		t.Fatalf("list problems: %d %s", code, errOut)
	}
	var list []model.Problem
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("list problems --json: %v %q", err, out)
	}
	if !strings.Contains(out, `"ref": "PRB-1"`) {
		t.Errorf("list problems --json lacks the reference:\n%s", out)
	}
	if got := list[0]; got.Title != "Checkout 502s keep coming back" || got.Incidents != 1 || got.OpenActions != 1 || got.Owner != "claire" {
		t.Fatalf("problem = %+v", got)
	}
	code, out, _ = cli(t, "--db", db, "list", "prb")
	if code != exitOK || !strings.Contains(out, "PRB-1") || !strings.Contains(out, "New") || !strings.Contains(out, "OPEN ACTIONS") {
		t.Fatalf("list prb: %d\n%s", code, out)
	}

	code, out, _ = cli(t, "--db", db, "show", "problem", "PRB-1", "--json")
	if code != exitOK {
		t.Fatalf("show problem: %d %s", code, out)
	}
	var shown struct {
		model.Problem
		Actions []model.ProblemAction `json:"actions"`
		Linked  []string              `json:"linked"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.KnownError.Workaround != "retry the payment" || len(shown.Actions) != 1 || shown.Actions[0].Owner != "tom.okafor" ||
		len(shown.Linked) != 1 || shown.Linked[0] != "INC-1" {
		t.Fatalf("show problem --json = %+v", shown)
	}
	if !strings.Contains(out, `"ref": "PRB-1"`) {
		t.Errorf("show problem --json lacks the reference:\n%s", out)
	}
	code, out, _ = cli(t, "--db", db, "show", "problem", "1")
	if code != exitOK || !strings.Contains(out, "known_error:") || !strings.Contains(out, `linked:`) || !strings.Contains(out, "INC-1") {
		t.Fatalf("show problem: %d\n%s", code, out)
	}
	for _, want := range []string{"[ ] add a canary stage · tom.okafor", "workaround: retry the payment"} {
		if !strings.Contains(out, want) || strings.Contains(out, `"text"`) {
			t.Errorf("show problem lacks %q or prints raw JSON:\n%s", want, out)
		}
	}
	if code, _, errOut := cli(t, "--db", db, "show", "problem", "PRB-9"); code != exitRejected || !strings.Contains(errOut, "PRB-9 does not exist") {
		t.Fatalf("show missing problem: %d %s", code, errOut)
	}
	if code, _, errOut := cli(t, "--db", db, "show", "problem", "INC-1"); code != exitUsage || !strings.Contains(errOut, "start with PRB") {
		t.Fatalf("show problem INC-1: %d %s", code, errOut)
	}
}
