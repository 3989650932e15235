package demo

import (
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// The demo's staff take a new live incident, resolve it once its alerts
// have cleared, and leave the seeded week's incidents alone.
func TestStaffTakeAndClose(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 6, 10, 14, 30, 0, 0, time.UTC)
	p, err := Plan(now)
	if err != nil {
		t.Fatal(err)
	}
	db, desk := openDesk(t, p)
	clock := now
	desk.Now = func() time.Time { return clock }
	if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
		t.Fatal(err)
	}
	c, err := newCast(p)
	if err != nil {
		t.Fatal(err)
	}
	old, err := desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "seeded", Service: "checkout", Category: "availability",
		Impact: model.Medium, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	live := now.Add(time.Minute)
	clock = live.Add(time.Minute)
	al, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: "demo-1", Source: "alertmanager", Name: "HighErrorRate",
		Service: "checkout", Severity: model.SevCritical, State: model.AlertFiring, StartsAt: clock,
		Labels: map[string]string{"alertname": "HighErrorRate", "service": "checkout"}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := desk.IncidentForAlert(ctx, model.System, al.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := staffTick(ctx, desk, c, live, clock); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Incident(ctx, in.ID)
	if got.State != model.StateInProgress || got.Assignee == "" {
		t.Fatalf("after a tick: %s, assignee %q; want taken", got.State.Label(), got.Assignee)
	}
	if still, _ := db.Incident(ctx, old.ID); still.State != model.StateNew {
		t.Fatalf("the seeded incident was touched: %s", still.State.Label())
	}
	if err := staffTick(ctx, desk, c, live, clock); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Incident(ctx, in.ID); got.State != model.StateInProgress {
		t.Fatalf("resolved while its alert fires: %s", got.State.Label())
	}
	clock = clock.Add(10 * time.Minute)
	if _, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: "demo-1", Source: "alertmanager", Name: "HighErrorRate",
		Service: "checkout", Severity: model.SevCritical, State: model.AlertResolved, StartsAt: live.Add(time.Minute), EndsAt: clock,
		Labels: map[string]string{"alertname": "HighErrorRate", "service": "checkout"}}); err != nil {
		t.Fatal(err)
	}
	if err := staffTick(ctx, desk, c, live, clock); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Incident(ctx, in.ID); got.State != model.StateResolved || got.Resolution != "fixed" {
		t.Fatalf("after its alert cleared: %s %s; want resolved, fixed", got.State.Label(), got.Resolution)
	}
}
