package model_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

func TestCovers(t *testing.T) {
	start := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	change := func(state model.ChangeState) model.Change {
		return model.Change{ID: 4, Services: []string{"checkout", "orders"}, State: state, Start: start, End: start.Add(time.Hour)}
	}
	at := func(service string, d time.Duration) model.Deploy {
		return model.Deploy{Service: service, Version: "2.14.0", Start: start.Add(d), Status: model.DeployStarted}
	}
	for _, tc := range []struct {
		name   string
		change model.Change
		deploy model.Deploy
		want   string // "" covers; otherwise part of why not
	}{
		{"in the window", change(model.ChangeScheduled), at("checkout", 10*time.Minute), ""},
		{"its second service", change(model.ChangeScheduled), at("orders", 0), ""},
		{"at the early margin", change(model.ChangeScheduled), at("checkout", -model.DeployEarly), ""},
		{"before the early margin", change(model.ChangeScheduled), at("checkout", -model.DeployEarly-time.Millisecond), "outside CHG-4's planned window"},
		{"the last millisecond", change(model.ChangeScheduled), at("checkout", time.Hour-time.Millisecond), ""},
		{"as the window ends", change(model.ChangeScheduled), at("checkout", time.Hour), "outside CHG-4's planned window"},
		{"being implemented, past its window", change(model.ChangeImplement), at("checkout", 3*time.Hour), ""},
		{"another service", change(model.ChangeScheduled), at("search", 0), "a change to checkout, orders, not search"},
		{"a draft", change(model.ChangeNew), at("checkout", 0), "CHG-4 is new"},
		{"waiting for approval", change(model.ChangeAuthorize), at("checkout", 0), "CHG-4 is authorize"},
		{"in review", change(model.ChangeReview), at("checkout", 0), "CHG-4 is review"},
		{"cancelled", change(model.ChangeCancelled), at("checkout", 0), "CHG-4 is cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := model.Covers(tc.change, tc.deploy)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("Covers = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDeployCandidatesPreferTheRunningChange(t *testing.T) {
	start := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	c := func(id int64, state model.ChangeState, from time.Duration) model.Change {
		return model.Change{ID: id, Services: []string{"checkout"}, State: state, Start: start.Add(from), End: start.Add(2 * time.Hour)}
	}
	changes := []model.Change{
		c(1, model.ChangeScheduled, 0),
		c(2, model.ChangeScheduled, 30*time.Minute),
		c(3, model.ChangeImplement, -time.Hour),
		c(4, model.ChangeAuthorize, 0),
		c(5, model.ChangeScheduled, 2*time.Hour), // opens after the deploy
	}
	d := model.Deploy{Service: "checkout", Start: start.Add(40 * time.Minute), Status: model.DeployStarted}
	var ids []int64
	for _, c := range model.DeployCandidates(d, changes) {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []int64{3, 2, 1}) {
		t.Fatalf("candidates %v, want [3 2 1]: the one being implemented, then the latest start", ids)
	}
}

func TestDeploySteps(t *testing.T) {
	for _, tc := range []struct {
		state  model.ChangeState
		status model.DeployStatus
		want   []model.ChangeAction
	}{
		{model.ChangeScheduled, model.DeployStarted, []model.ChangeAction{model.ChangeStart}},
		{model.ChangeScheduled, model.DeploySucceeded, []model.ChangeAction{model.ChangeStart, model.ChangeComplete}},
		{model.ChangeScheduled, model.DeployFailed, []model.ChangeAction{model.ChangeStart, model.ChangeComplete}},
		{model.ChangeImplement, model.DeployStarted, nil},
		{model.ChangeImplement, model.DeploySucceeded, []model.ChangeAction{model.ChangeComplete}},
		{model.ChangeImplement, model.DeployRolledBack, []model.ChangeAction{model.ChangeComplete}},
		{model.ChangeReview, model.DeploySucceeded, nil},
		{model.ChangeClosed, model.DeployStarted, nil},
	} {
		if got := model.DeploySteps(tc.state, tc.status); !slices.Equal(got, tc.want) {
			t.Errorf("DeploySteps(%s, %s) = %v, want %v", tc.state, tc.status, got, tc.want)
		}
	}
}

// scheduledChange is a standard (pre-approved) change on checkout, Sunday
// 6 December 02:00–03:00 London, inside its maintenance window: submitted,
// it is scheduled.
func scheduledChange(t *testing.T, desk *model.Desk) model.Change {
	t.Helper()
	c, _, err := desk.CreateChange(t.Context(), tom, model.Change{Title: "Raise the checkout pool size", Services: []string{"checkout"},
		Type: model.ChangeStandard, Impact: model.Low, Probability: model.Low,
		Start: london(t, 12, 6, 2, 0), End: london(t, 12, 6, 3, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if c = mustStep(t, desk, tom, c.ID, step(model.ChangeSubmit)); c.State != model.ChangeScheduled {
		t.Fatalf("standard change after submit: %s", c.State)
	}
	return c
}

// ci is the pipeline's actor: deploys arrive through the intake.
var ci = model.Actor{Name: "gitlab", Role: model.RoleOperator}

func mustDeploy(t *testing.T, desk *model.Desk, d model.Deploy) model.Deploy {
	t.Helper()
	got, err := desk.RecordDeploy(t.Context(), ci, d)
	if err != nil {
		t.Fatalf("record %+v: %v", d, err)
	}
	return got
}

func timeline(t *testing.T, db *store.DB, id int64) []model.ChangeEvent {
	t.Helper()
	events, err := db.ChangeTimeline(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestDeployMovesItsChangeToImplementThenReview(t *testing.T) {
	ctx := t.Context()
	db, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	c := scheduledChange(t, desk)

	started := model.Deploy{Service: "checkout", Version: "2.14.0", By: "ci-bot", Status: model.DeployStarted,
		Start: london(t, 12, 6, 1, 50), URL: "https://ci.example/pipelines/8841"} // 10 minutes early
	d := mustDeploy(t, desk, started)
	if d.ID == 0 || d.ChangeID != c.ID || d.Unauthorised || d.Key != "2.14.0@"+started.Start.Format(time.RFC3339Nano) {
		t.Fatalf("recorded %+v", d)
	}
	if got, _ := db.Change(ctx, c.ID); got.State != model.ChangeImplement {
		t.Fatalf("after the deploy started the change is %s, want implement", got.State)
	}
	events := timeline(t, db, c.ID)
	last := events[len(events)-1]
	if last.Kind != "start" || last.Actor != "gitlab" ||
		last.Text != "implementation started: deploy 2.14.0 of checkout by ci-bot (started), DEP-1 (scheduled → implement)" {
		t.Fatalf("timeline: %+v", last)
	}

	// The same report again, and again with another pipeline clock's
	// fractions of a millisecond: nothing changes.
	audit, _ := db.Audit(ctx, model.AuditQuery{})
	again := started
	again.Start = again.Start.Add(300 * time.Microsecond)
	for _, r := range []model.Deploy{started, again} {
		if got := mustDeploy(t, desk, r); got != d {
			t.Fatalf("repeat returned %+v, want the stored %+v", got, d)
		}
	}
	if n := len(timeline(t, db, c.ID)); n != len(events) {
		t.Fatalf("a repeated report wrote %d timeline entries", n-len(events))
	}
	if after, _ := db.Audit(ctx, model.AuditQuery{}); len(after) != len(audit) {
		t.Fatalf("a repeated report wrote %d audit entries", len(after)-len(audit))
	}

	finished := started
	finished.Status, finished.End = model.DeploySucceeded, london(t, 12, 6, 2, 20)
	d = mustDeploy(t, desk, finished)
	if d.Status != model.DeploySucceeded || !d.End.Equal(finished.End) || d.ChangeID != c.ID {
		t.Fatalf("finished %+v", d)
	}
	if got, _ := db.Change(ctx, c.ID); got.State != model.ChangeReview {
		t.Fatalf("after the deploy finished the change is %s, want review", got.State)
	}
	last = timeline(t, db, c.ID)[len(events)]
	if last.Kind != "complete" || !strings.Contains(last.Text, "deploy 2.14.0 of checkout by ci-bot (succeeded), DEP-1 (implement → review)") {
		t.Fatalf("timeline: %+v", last)
	}

	// A late copy of the start report moves nothing back.
	if got := mustDeploy(t, desk, started); got.Status != model.DeploySucceeded {
		t.Fatalf("a late start report: %+v", got)
	}
	list, err := db.Deploys(ctx, c.ID)
	if err != nil || len(list) != 1 || list[0] != d {
		t.Fatalf("Deploys(CHG-%d) = %+v, %v; want the one deploy", c.ID, list, err)
	}
	audit, _ = db.Audit(ctx, model.AuditQuery{Filter: "deploy."})
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "deploy.update deploy.record" {
		t.Fatalf("deploy audit newest first: %v", actions)
	}
}

func TestDeployMatching(t *testing.T) {
	for _, tc := range []struct {
		name   string
		deploy func(c model.Change) model.Deploy
		// want: the change it moves, and its state after; or, when
		// unauthorised, part of the note.
		covered bool
		state   model.ChangeState
		note    string
	}{
		{"named, in the window", func(c model.Change) model.Deploy {
			return model.Deploy{Named: c.ID, Start: c.Start.Add(5 * time.Minute), Status: model.DeployStarted}
		}, true, model.ChangeImplement, "covered by CHG-1"},
		{"reported only when it succeeded", func(c model.Change) model.Deploy {
			return model.Deploy{Start: c.Start, End: c.Start.Add(10 * time.Minute), Status: model.DeploySucceeded}
		}, true, model.ChangeReview, "covered by CHG-1"},
		{"too early", func(c model.Change) model.Deploy {
			return model.Deploy{Start: c.Start.Add(-20 * time.Minute), Status: model.DeployStarted}
		}, false, model.ChangeScheduled, "no change on checkout is being implemented or scheduled for Sun 06 Dec 01:40 GMT"},
		{"named, too early", func(c model.Change) model.Deploy {
			return model.Deploy{Named: c.ID, Start: c.Start.Add(-20 * time.Minute), Status: model.DeployStarted}
		}, false, model.ChangeScheduled, "unauthorised: the deploy started outside CHG-1's planned window"},
		{"names a change that does not exist", func(c model.Change) model.Deploy {
			return model.Deploy{Named: 99, Start: c.Start, Status: model.DeployStarted}
		}, false, model.ChangeScheduled, "it names CHG-99, which does not exist"},
		{"another service in the window", func(c model.Change) model.Deploy {
			return model.Deploy{Service: "search", Start: c.Start, Status: model.DeployStarted}
		}, false, model.ChangeScheduled, "no change on search"},
		{"names the change for another service", func(c model.Change) model.Deploy {
			return model.Deploy{Service: "search", Named: c.ID, Start: c.Start, Status: model.DeployStarted}
		}, false, model.ChangeScheduled, "CHG-1 is a change to checkout, not search"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
			c := scheduledChange(t, desk)
			d := tc.deploy(c)
			d.Service = cmpOr(d.Service, "checkout")
			d.Version = "2.14.0"
			got := mustDeploy(t, desk, d)
			if got.Unauthorised == tc.covered || (got.ChangeID == c.ID) != tc.covered || !strings.Contains(got.Note, tc.note) {
				t.Fatalf("recorded %+v; want covered=%v, note containing %q", got, tc.covered, tc.note)
			}
			if after, _ := db.Change(t.Context(), c.ID); after.State != tc.state {
				t.Fatalf("change is %s, want %s", after.State, tc.state)
			}
			audit, _ := db.Audit(t.Context(), model.AuditQuery{Filter: got.Ref()})
			want := "deploy.record"
			if !tc.covered {
				want = "deploy.unauthorised"
			}
			if len(audit) != 1 || audit[0].Action != want {
				t.Fatalf("audit of %s: %+v, want one %s", got.Ref(), audit, want)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestUnauthorisedDeployOnTheNamedChangesTimeline(t *testing.T) {
	ctx := t.Context()
	db, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	draft, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "Checkout 3.0", Services: []string{"checkout"},
		Impact: model.High, Probability: model.Medium, Start: london(t, 12, 6, 2, 0), End: london(t, 12, 6, 3, 0)})
	if err != nil {
		t.Fatal(err)
	}
	d := mustDeploy(t, desk, model.Deploy{Service: "checkout", Version: "3.0.0", By: "ana", Named: draft.ID,
		Start: london(t, 12, 6, 2, 5), Status: model.DeployStarted})
	if !d.Unauthorised || d.ChangeID != 0 || d.Named != draft.ID || !strings.Contains(d.Note, "CHG-1 is new") {
		t.Fatalf("deploy of a draft: %+v", d)
	}
	events := timeline(t, db, draft.ID)
	last := events[len(events)-1]
	if last.Kind != "deploy" || !strings.HasPrefix(last.Text, "DEP-1: deploy 3.0.0 of checkout by ana (started), unauthorised: CHG-1 is new") {
		t.Fatalf("timeline: %+v", last)
	}
	if got, _ := db.Change(ctx, draft.ID); got.State != model.ChangeNew {
		t.Fatalf("an unauthorised deploy moved the draft to %s", got.State)
	}
}

func TestDeployIntoAHardFreezeIsUnauthorised(t *testing.T) {
	ctx := t.Context()
	db, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	c := scheduledChange(t, desk)
	// The plan gains a hard freeze over the change's night after it was
	// authorised: its deploy may not start it.
	frozen, err := plan.Parse("plan.toml", append(slices.Clone(examples.Plan), []byte(`
[[freeze]]
name     = "Payments audit"
start    = 2026-12-05
end      = 2026-12-07
hard     = true
services = ["checkout"]
reason   = "External PCI audit."
`)...))
	if err != nil {
		t.Fatal(err)
	}
	desk.SetPolicy(frozen)
	d := mustDeploy(t, desk, model.Deploy{Service: "checkout", Version: "2.14.0", Start: c.Start, Status: model.DeployStarted})
	if !d.Unauthorised || d.ChangeID != 0 || !strings.Contains(d.Note, "Payments audit") {
		t.Fatalf("deploy into a hard freeze: %+v", d)
	}
	if got, _ := db.Change(ctx, c.ID); got.State != model.ChangeScheduled {
		t.Fatalf("the change moved to %s", got.State)
	}
}

func TestDeployIdentity(t *testing.T) {
	ctx := t.Context()
	db, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	start := london(t, 11, 24, 9, 0)
	first := mustDeploy(t, desk, model.Deploy{Key: "pipeline-8841", Service: "search", Version: "1.2.0", Start: start, Status: model.DeployStarted})
	// The pipeline's id is the identity: a report of the same run that
	// says another start is the same deploy.
	same := mustDeploy(t, desk, model.Deploy{Key: "pipeline-8841", Service: "search", Version: "1.2.0", Start: start.Add(time.Second), Status: model.DeployFailed})
	if same.ID != first.ID || same.Status != model.DeployFailed || !same.Start.Equal(start) {
		t.Fatalf("second report of pipeline-8841: %+v", same)
	}
	// Rolled back after it failed: a later stage.
	if got := mustDeploy(t, desk, model.Deploy{Key: "pipeline-8841", Service: "search", Version: "1.2.0", Start: start, Status: model.DeployRolledBack}); got.Status != model.DeployRolledBack {
		t.Fatalf("rollback: %+v", got)
	}
	// Without an id, service, version and start tell deploys apart.
	other := mustDeploy(t, desk, model.Deploy{Service: "search", Version: "1.2.0", Start: start, Status: model.DeployStarted})
	if other.ID == first.ID {
		t.Fatal("a deploy without an id took the id'd one's record")
	}
	list, err := db.DeploysBetween(ctx, start, start.Add(time.Minute))
	if err != nil || len(list) != 2 || !list[0].Unauthorised {
		t.Fatalf("DeploysBetween = %+v, %v", list, err)
	}
}

func TestDeployChecks(t *testing.T) {
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	start := london(t, 11, 24, 9, 0)
	ok := model.Deploy{Service: "search", Version: "1.2.0", Start: start, Status: model.DeployStarted}
	for _, tc := range []struct {
		name  string
		edit  func(*model.Deploy)
		actor model.Actor
		want  string
	}{
		{"unknown service", func(d *model.Deploy) { d.Service = "nope" }, ci, `service "nope": not in the plan`},
		{"no version", func(d *model.Deploy) { d.Version = " \x1b[2J" }, ci, "version: required"},
		{"no start", func(d *model.Deploy) { d.Start = time.Time{} }, ci, "start: required"},
		{"bad status", func(d *model.Deploy) { d.Status = "done" }, ci, `status "done": use started, succeeded, failed or rolled_back`},
		{"ends before it starts", func(d *model.Deploy) { d.End = start.Add(-time.Minute) }, ci, "before start"},
		{"a viewer", func(*model.Deploy) {}, model.Actor{Name: "v", Role: model.RoleViewer}, "may not record deploys"},
	} {
		d := ok
		tc.edit(&d)
		if _, err := desk.RecordDeploy(context.Background(), tc.actor, d); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Status in any case, text cleaned of escapes.
	got, err := desk.RecordDeploy(t.Context(), ci, model.Deploy{Service: "search", Version: "1.3.0\x1b[31m", By: "ana\n", Start: start, Status: "Succeeded"})
	if err != nil || got.Status != model.DeploySucceeded || got.Version != "1.3.0" || got.By != "ana" {
		t.Fatalf("cleaned: %+v, %v", got, err)
	}
}
