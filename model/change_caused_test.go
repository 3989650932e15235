package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestSuspectChanges(t *testing.T) {
	opened := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in := model.Incident{ID: 1, Service: "checkout", OpenedAt: opened}
	ch := func(id int64, service string, st model.ChangeState, startedAgo time.Duration) model.Change {
		return model.Change{ID: id, Services: []string{service}, State: st, Start: opened.Add(-startedAgo), End: opened.Add(-startedAgo + time.Hour)}
	}
	changes := []model.Change{
		ch(1, "checkout", model.ChangeImplement, time.Hour),       // yes
		ch(2, "payments", model.ChangeClosed, 30*time.Minute),     // related: yes, latest
		ch(3, "search", model.ChangeImplement, time.Hour),         // unrelated
		ch(4, "checkout", model.ChangeAuthorize, time.Hour),       // never started
		ch(5, "checkout", model.ChangeImplement, 5*time.Hour),     // too long ago
		ch(6, "checkout", model.ChangeScheduled, -10*time.Minute), // starts after the incident
		ch(7, "checkout", model.ChangeCancelled, time.Hour),       // cancelled
	}
	got := model.SuspectChanges(in, changes, []string{"payments"}, 4*time.Hour)
	var ids []int64
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if len(ids) != 2 || ids[0] != 2 || ids[1] != 1 {
		t.Fatalf("suspects = %v; want [2 1] (latest first)", ids)
	}
}

func TestComputeChangeMetrics(t *testing.T) {
	since := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	until := since.Add(7 * 24 * time.Hour)
	closed := func(id int64, code string, end time.Time) model.Change {
		return model.Change{ID: id, State: model.ChangeClosed, CloseCode: code, Start: end.Add(-time.Hour), End: end}
	}
	in := since.Add(24 * time.Hour)
	changes := []model.Change{
		closed(1, "successful", in),
		closed(2, "successful_with_issues", in),
		closed(3, "backed_out", in),
		closed(4, "successful", in),                    // caused a P1: counts against it
		closed(5, "successful", since.Add(-time.Hour)), // before the window
		{ID: 6, State: model.ChangeImplement, Start: in, End: in.Add(time.Hour)},
	}
	causes := []model.ChangeCause{
		{ChangeID: 4, IncidentID: 10, Priority: 1, OpenedAt: in},
		{ChangeID: 2, IncidentID: 11, Priority: 3, OpenedAt: since.Add(-time.Hour)}, // before the window
		{ChangeID: 6, IncidentID: 12, Priority: 2, OpenedAt: in.Add(time.Minute)},
	}
	m := model.ComputeChangeMetrics(changes, causes, since, until)
	if m.Closed != 4 || m.Success.N != 2 || m.Success.Of != 4 || m.Caused != 2 || m.CausedP1P2 != 2 {
		t.Fatalf("metrics = %+v; want 4 closed, 2 of 4 successful, 2 caused, 2 P1/P2", m)
	}
}

// An incident on checkout after a change started on payments (checkout
// depends on it) proposes the change; linking it confirms, and the
// change's detail and the metrics then count it.
func TestChangeCausedIncidentOnThePlan(t *testing.T) {
	ctx := t.Context()
	db, desk, _, clk := planDesk(t, london(t, 12, 1, 0, 30))
	start := london(t, 12, 1, 1, 0) // payments' Tuesday window
	c, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "PSP timeout", Services: []string{"payments"}, Type: model.ChangeStandard,
		Impact: model.Low, Probability: model.Low, Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	mustStep(t, desk, tom, c.ID, step(model.ChangeSubmit))
	clk.At = start.Add(5 * time.Minute)
	mustStep(t, desk, tom, c.ID, step(model.ChangeStart))
	clk.At = start.Add(40 * time.Minute)
	in, err := desk.CreateIncident(ctx, tom, model.NewIncident{Title: "Checkout 502s", Service: "checkout", Category: "availability",
		Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	suspects, err := desk.SuspectChanges(ctx, in)
	if err != nil || len(suspects) != 1 || suspects[0].ID != c.ID {
		t.Fatalf("suspects = %+v, %v; want %s", suspects, err, c.Ref())
	}
	if _, err := desk.Link(ctx, tom, in.ID, string(model.LinkCausedBy), c.ID); err != nil {
		t.Fatal(err)
	}
	if suspects, _ := desk.SuspectChanges(ctx, in); len(suspects) != 0 {
		t.Fatalf("a confirmed change is still proposed: %+v", suspects)
	}
	v, err := desk.ViewChange(ctx, c.ID)
	if err != nil || len(v.Incidents) != 1 || v.Incidents[0].Incident.ID != in.ID || v.Incidents[0].Kind != model.LinkCausedBy {
		t.Fatalf("change detail incidents = %+v, %v", v.Incidents, err)
	}
	if len(v.Timeline) != 3 || !strings.Contains(v.Timeline[1].Text, "pre-approved by the standard change") {
		t.Fatalf("timeline = %+v", v.Timeline)
	}
	mustStep(t, desk, tom, c.ID, step(model.ChangeComplete))
	mustStep(t, desk, tom, c.ID, model.ChangeStep{Action: model.ChangeClose, CloseCode: "successful"})
	// A deploy on search that no change covers is unauthorised.
	if _, err := desk.RecordDeploy(ctx, tom, model.Deploy{Service: "search", Version: "3.1.9", Start: start.Add(20 * time.Minute),
		Status: model.DeploySucceeded}); err != nil {
		t.Fatal(err)
	}
	m, err := model.ReadMetrics(ctx, db, start.Add(-time.Hour), start.Add(2*time.Hour), time.UTC)
	if err != nil || m.Changes.Closed != 1 || m.Changes.Success.N != 0 || m.Changes.CausedP1P2 != 1 ||
		m.Changes.Deploys != 1 || m.Changes.Unauthorised != 1 {
		t.Fatalf("change metrics = %+v, %v; want 1 closed, 0 successful (it caused a P1), 1 caused P1/P2, 1 unauthorised deploy", m.Changes, err)
	}
}
