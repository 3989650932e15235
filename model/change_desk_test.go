package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// The example plan's change board and emergency board: maya.patel,
// ben.hughes, claire.dubois; high risk needs two of the
// board, medium one, low one lead. tom.okafor is an operator.
var (
	tom   = model.Actor{Name: "tom.okafor", Role: model.RoleOperator}
	maya  = model.Actor{Name: "maya.patel", Role: model.RoleLead}
	ben   = model.Actor{Name: "ben.hughes", Role: model.RoleLead}
	sofia = model.Actor{Name: "sofia.lindqvist", Role: model.RoleOperator}
)

func mustStep(t *testing.T, desk *model.Desk, a model.Actor, id int64, step model.ChangeStep) model.Change {
	t.Helper()
	c, _, err := desk.StepChange(t.Context(), a, id, step)
	if err != nil {
		t.Fatalf("%s by %s: %v", step.Action, a.Name, err)
	}
	return c
}

func refused(t *testing.T, desk *model.Desk, a model.Actor, id int64, step model.ChangeStep, want string) {
	t.Helper()
	if _, _, err := desk.StepChange(t.Context(), a, id, step); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s by %s = %v; want a refusal containing %q", step.Action, a.Name, err, want)
	}
}

func step(act model.ChangeAction) model.ChangeStep { return model.ChangeStep{Action: act} }

func TestChangeBoardFlow(t *testing.T) {
	ctx := t.Context()
	db, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	// Sunday 6 Dec 02:00–03:00, inside storefront's Sunday window, before
	// the Christmas freeze.
	c, cs, err := desk.CreateChange(ctx, tom, model.Change{Title: "Storefront 2.0", Services: []string{"storefront"},
		Impact: model.High, Probability: model.Medium, Implementer: "sofia.lindqvist",
		Start: london(t, 12, 6, 2, 0), End: london(t, 12, 6, 3, 0), Backout: "helm rollback", TestPlan: "smoke tests"})
	if err != nil || len(cs) != 0 {
		t.Fatalf("create: %+v %v, conflicts %+v", c, err, cs)
	}
	if c.State != model.ChangeNew || c.Risk != model.High || c.Requester != "tom.okafor" || c.Round != 1 {
		t.Fatalf("created %+v", c)
	}
	refused(t, desk, tom, c.ID, step(model.ChangeStart), "only a scheduled change starts")
	mustStep(t, desk, tom, c.ID, step(model.ChangeSubmit))
	refused(t, desk, tom, c.ID, step(model.ChangeApprove), "needs the lead role")
	if got := mustStep(t, desk, maya, c.ID, model.ChangeStep{Action: model.ChangeApprove, Comment: "backout is sound"}); got.State != model.ChangeAuthorize {
		t.Fatalf("after assessment: %s", got.State)
	}
	if got := mustStep(t, desk, maya, c.ID, step(model.ChangeApprove)); got.State != model.ChangeAuthorize {
		t.Fatalf("one of two approvals authorised it: %s", got.State)
	}
	refused(t, desk, maya, c.ID, step(model.ChangeApprove), "already answered")
	v, err := desk.ViewChange(ctx, c.ID)
	if err != nil || v.Authorisation.Met || len(v.Authorisation.Have) != 1 || strings.Join(v.Authorisation.Waiting, ",") != "ben.hughes,claire.dubois" {
		t.Fatalf("view after one approval: %+v %v", v.Authorisation, err)
	}
	if got := mustStep(t, desk, ben, c.ID, step(model.ChangeApprove)); got.State != model.ChangeScheduled {
		t.Fatalf("two of the board did not authorise it: %s", got.State)
	}
	mustStep(t, desk, sofia, c.ID, step(model.ChangeStart))
	mustStep(t, desk, sofia, c.ID, step(model.ChangeComplete))
	refused(t, desk, sofia, c.ID, model.ChangeStep{Action: model.ChangeClose, CloseCode: "fine"}, "close code \"fine\": use successful, successful_with_issues")
	refused(t, desk, sofia, c.ID, model.ChangeStep{Action: model.ChangeCancel, Comment: "too late"}, "cancelled before its review")
	closed := mustStep(t, desk, sofia, c.ID, model.ChangeStep{Action: model.ChangeClose, CloseCode: "successful_with_issues"})
	if closed.State != model.ChangeClosed || closed.CloseCode != "successful_with_issues" {
		t.Fatalf("closed: %+v", closed)
	}

	events, err := db.ChangeTimeline(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind+" "+e.Actor)
	}
	want := "created tom.okafor|submit tom.okafor|approve maya.patel|approve maya.patel|approve ben.hughes|start sofia.lindqvist|complete sofia.lindqvist|close sofia.lindqvist"
	if strings.Join(kinds, "|") != want {
		t.Fatalf("timeline:\n%s\nwant\n%s", strings.Join(kinds, "|"), want)
	}
	if !strings.Contains(events[2].Text, "assessed") || !strings.Contains(events[4].Text, "approved (2 of 2); authorised (authorize → scheduled)") {
		t.Fatalf("timeline texts: %q, %q", events[2].Text, events[4].Text)
	}
	audit, err := db.Audit(ctx, model.AuditQuery{Filter: c.Ref()})
	if err != nil || len(audit) != len(events) {
		t.Fatalf("audit: %d entries, %v; want %d", len(audit), err, len(events))
	}
}

func TestChangeRejectStartsANewRound(t *testing.T) {
	ctx := t.Context()
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	c, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "Search reindex", Services: []string{"search"},
		Impact: model.High, Probability: model.Medium, Start: london(t, 12, 2, 3, 0), End: london(t, 12, 2, 4, 0)})
	if err != nil {
		t.Fatal(err)
	}
	mustStep(t, desk, tom, c.ID, step(model.ChangeSubmit))
	mustStep(t, desk, maya, c.ID, step(model.ChangeApprove))
	mustStep(t, desk, maya, c.ID, step(model.ChangeApprove))
	refused(t, desk, ben, c.ID, step(model.ChangeReject), "reason: say why")
	back := mustStep(t, desk, ben, c.ID, model.ChangeStep{Action: model.ChangeReject, Comment: "no rollback for the index"})
	if back.State != model.ChangeNew || back.Round != 2 {
		t.Fatalf("after rejection: %s round %d", back.State, back.Round)
	}
	mustStep(t, desk, tom, c.ID, step(model.ChangeSubmit))
	mustStep(t, desk, ben, c.ID, step(model.ChangeApprove)) // assessment
	// maya's approval was in round 1: she answers again, and one is not enough.
	if got := mustStep(t, desk, maya, c.ID, step(model.ChangeApprove)); got.State != model.ChangeAuthorize {
		t.Fatalf("round 1's approval still counted: %s", got.State)
	}
	if got := mustStep(t, desk, ben, c.ID, step(model.ChangeApprove)); got.State != model.ChangeScheduled {
		t.Fatalf("round 2 with two approvals: %s", got.State)
	}
	// A new time goes back to the approvers.
	moved := mustStep(t, desk, tom, c.ID, model.ChangeStep{Action: model.ChangeSchedule, Start: london(t, 12, 9, 3, 0), End: london(t, 12, 9, 4, 0)})
	if moved.State != model.ChangeAuthorize || moved.Round != 3 {
		t.Fatalf("rescheduled: %s round %d", moved.State, moved.Round)
	}
}

func TestChangeFreezes(t *testing.T) {
	ctx := t.Context()
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	// Saturday 28 Nov: inside the hard Black Friday freeze on storefront.
	frozen := model.Change{Title: "Sessions to Redis", Services: []string{"storefront"}, Impact: model.High,
		Probability: model.Medium, Start: london(t, 11, 28, 2, 0), End: london(t, 11, 28, 3, 0)}
	c, cs, err := desk.CreateChange(ctx, tom, frozen)
	if err != nil {
		t.Fatalf("a draft in a freeze is kept, marked: %v", err)
	}
	if len(cs) == 0 || cs[0].Kind != model.ConflictFreeze || !cs[0].Blocks {
		t.Fatalf("conflicts %+v; want the hard freeze first", cs)
	}
	refused(t, desk, tom, c.ID, step(model.ChangeSubmit), `inside the hard freeze "Black Friday to Cyber Monday"`)

	// An emergency with a reason may go ahead, with the emergency board.
	frozen.Type, frozen.Reason = model.ChangeEmergency, "carts are being lost at peak"
	e, _, err := desk.CreateChange(ctx, tom, frozen)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustStep(t, desk, tom, e.ID, step(model.ChangeSubmit)); got.State != model.ChangeAuthorize {
		t.Fatalf("emergency submit: %s", got.State)
	}
	refused(t, desk, sofia, e.ID, step(model.ChangeApprove), "needs the lead role")
	if got := mustStep(t, desk, maya, e.ID, step(model.ChangeApprove)); got.State != model.ChangeScheduled {
		t.Fatalf("emergency approval: %s", got.State)
	}
	if _, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "x", Services: []string{"storefront"}, Type: model.ChangeEmergency,
		Impact: model.Low, Probability: model.Low, Start: frozen.Start, End: frozen.End}); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("an emergency without a reason: %v", err)
	}

	// The soft Christmas freeze asks one more approval: a low-risk change
	// needs two leads instead of one.
	soft, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "CDN cache rule", Services: []string{"cdn"}, Impact: model.Low,
		Probability: model.Low, Start: london(t, 12, 16, 0, 0).Add(-24 * time.Hour), End: london(t, 12, 16, 0, 30).Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	mustStep(t, desk, tom, soft.ID, step(model.ChangeSubmit))
	mustStep(t, desk, maya, soft.ID, step(model.ChangeApprove))
	if got := mustStep(t, desk, maya, soft.ID, step(model.ChangeApprove)); got.State != model.ChangeAuthorize {
		t.Fatalf("one lead approved a change in a soft freeze: %s", got.State)
	}
	if got := mustStep(t, desk, ben, soft.ID, step(model.ChangeApprove)); got.State != model.ChangeScheduled {
		t.Fatalf("two leads: %s", got.State)
	}
}

func TestStandardChanges(t *testing.T) {
	ctx := t.Context()
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	start := london(t, 11, 29, 4, 0) // identity's Sunday window
	c, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "Rotate the signing key", Services: []string{"identity"},
		Type: model.ChangeStandard, Impact: model.Low, Probability: model.Low, Start: start, End: start.Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustStep(t, desk, tom, c.ID, step(model.ChangeSubmit)); got.State != model.ChangeScheduled {
		t.Fatalf("a standard change is pre-approved: %s", got.State)
	}
	_, _, err = desk.CreateChange(ctx, tom, model.Change{Title: "Re-platform storefront", Services: []string{"storefront"},
		Type: model.ChangeStandard, Impact: model.High, Probability: model.High, Start: start, End: start.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "no entry in the plan's standard change catalogue") {
		t.Fatalf("a high-risk standard change: %v", err)
	}
}

func TestChangeConflictsFromTheStore(t *testing.T) {
	ctx := t.Context()
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	win := london(t, 12, 6, 2, 0) // Sunday: storefront, checkout and api-gateway windows
	first, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "Gateway TLS", Services: []string{"api-gateway"},
		Impact: model.Low, Probability: model.Low, Implementer: "sofia.lindqvist", Start: win, End: win.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := desk.CheckChange(ctx, model.Change{Services: []string{"storefront"}, Implementer: "sofia.lindqvist",
		Start: win.Add(30 * time.Minute), End: win.Add(90 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range cs {
		kinds = append(kinds, string(c.Kind)+" "+c.With)
	}
	want := "dependency " + first.Ref() + "|implementer " + first.Ref()
	if strings.Join(kinds, "|") != want {
		t.Fatalf("conflicts %q; want %q", strings.Join(kinds, "|"), want)
	}
	// Outside the window, and the nightly backup on orders-db.
	cs, err = desk.CheckChange(ctx, model.Change{Services: []string{"orders-db"}, Start: london(t, 12, 2, 1, 30), End: london(t, 12, 2, 2, 30)})
	if err != nil || len(cs) != 2 || cs[0].Kind != model.ConflictWindow || cs[1].Kind != model.ConflictJob {
		t.Fatalf("orders-db at 01:30: %+v %v", cs, err)
	}
}

func TestNextSlotOnThePlan(t *testing.T) {
	ctx := t.Context()
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	// orders-db's window is Sunday 03:00–05:00; the Black Friday freeze
	// covers it through Monday 30 Nov, so the first free Sunday is 6 Dec.
	got, err := desk.NextSlot(ctx, []string{"orders-db"}, "", 2*time.Hour, london(t, 11, 24, 10, 0))
	if err != nil || !got.Start.Equal(london(t, 12, 6, 3, 0)) {
		t.Fatalf("next slot = %v, %v; want Sun 6 Dec 03:00", got, err)
	}
	if _, err := desk.NextSlot(ctx, []string{"orders-db"}, "", 3*time.Hour, london(t, 11, 24, 10, 0)); err == nil || !strings.Contains(err.Error(), "no free slot of 3h0m0s") {
		t.Fatalf("a change longer than any window: %v", err)
	}
	if _, err := desk.NextSlot(ctx, []string{"nope"}, "", time.Hour, london(t, 11, 24, 10, 0)); err == nil {
		t.Fatal("an unknown service found a slot")
	}
}

func TestChangeViewListsDeploys(t *testing.T) {
	ctx := t.Context()
	_, desk, _, clk := planDesk(t, london(t, 12, 1, 0, 30))
	start := london(t, 12, 1, 1, 0) // payments' Tuesday window
	c, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "PSP timeout", Services: []string{"payments"}, Type: model.ChangeStandard,
		Impact: model.Low, Probability: model.Low, Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	mustStep(t, desk, tom, c.ID, step(model.ChangeSubmit))
	clk.At = start.Add(2 * time.Minute)
	if _, err := desk.RecordDeploy(ctx, tom, model.Deploy{Service: "payments", Version: "2.4.2", By: "ci", Start: start.Add(time.Minute),
		Status: model.DeployStarted}); err != nil {
		t.Fatal(err)
	}
	v, err := desk.ViewChange(ctx, c.ID)
	if err != nil || v.State != model.ChangeImplement || len(v.Deploys) != 1 || v.Deploys[0].Version != "2.4.2" || v.Deploys[0].Unauthorised {
		t.Fatalf("view = %s, deploys %+v, %v; want implement with the deploy", v.State, v.Deploys, err)
	}
}

func TestChangeFixesARecord(t *testing.T) {
	ctx := t.Context()
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	in, err := desk.CreateIncident(ctx, tom, model.NewIncident{Title: "Search stale", Service: "search", Category: "data",
		Impact: model.Medium, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	base := model.Change{Title: "Reindex", Services: []string{"search"}, Impact: model.Low, Probability: model.Low,
		Start: london(t, 12, 2, 3, 0), End: london(t, 12, 2, 4, 0)}
	fix := base
	fix.Incident = in.ID
	c, _, err := desk.CreateChange(ctx, tom, fix)
	if err != nil || c.Incident != in.ID {
		t.Fatalf("a change fixing %s: %+v, %v", in.Ref(), c, err)
	}
	bad := base
	bad.Problem = 99
	if _, _, err := desk.CreateChange(ctx, tom, bad); err == nil || !strings.Contains(err.Error(), "fixes PRB-99") {
		t.Fatalf("a change fixing a missing problem: %v", err)
	}
}
