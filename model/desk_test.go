package model_test

// The desk's tests run on a real SQLite file in t.TempDir(): the desk's
// rules are written for the transactions the store gives them.

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/store"
)

// openStore opens a fresh database for one test. The desk's tests run in
// one process, so the poll for other processes' commits is all but off:
// every wake-up a test sees is one its own writes sent.
func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "hypercare.db"), store.Options{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// newDesk is a desk under the two-service test policy, its clock at
// 1 March 2025 09:00 UTC.
func newDesk(t *testing.T) (*store.DB, *model.Desk, *modeltest.Clock) {
	t.Helper()
	db := openStore(t)
	desk := model.NewDesk(db, modeltest.Policy{})
	c := &modeltest.Clock{At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	desk.Now = c.Now
	return db, desk, c
}

var (
	alice = model.Actor{Name: "alice", Role: model.RoleLead}
	bob   = model.Actor{Name: "bob", Role: model.RoleOperator}
)

func TestIncidentLifecycle(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)

	created, err := desk.CreateIncident(ctx, alice, model.NewIncident{Title: "Checkout 5xx", Description: "spike\nafter deploy",
		Service: "checkout", Category: "availability", Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || !created.Major || created.ResolveDue.IsZero() {
		t.Fatalf("created = %+v; want an id, major (P1 on tier 1) and a due time", created)
	}
	got, err := db.Incident(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, created) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, created)
	}

	steps := []struct {
		name string
		do   func() (model.Incident, error)
		want func(model.Incident) bool
	}{
		{"ack", func() (model.Incident, error) { return desk.AckIncident(ctx, bob, created.ID) },
			func(in model.Incident) bool {
				return in.State == model.StateInProgress && in.Assignee == "bob" && in.AckAt.Equal(clk.At)
			}},
		{"assign", func() (model.Incident, error) { return desk.Assign(ctx, alice, created.ID, "payments", "carol") },
			func(in model.Incident) bool { return in.Team == "payments" && in.Assignee == "carol" }},
		{"note", func() (model.Incident, error) {
			return model.Incident{}, desk.AddNote(ctx, bob, created.ID, "rolled back 1.4.2")
		}, nil},
		{"resolve", func() (model.Incident, error) {
			return desk.Transition(ctx, bob, created.ID, model.StateChange{To: model.StateResolved, Code: "fixed"})
		}, func(in model.Incident) bool {
			return in.State == model.StateResolved && in.Resolution == "fixed" && in.ResolvedAt.Equal(clk.At)
		}},
		{"reopen", func() (model.Incident, error) {
			return desk.Transition(ctx, alice, created.ID, model.StateChange{To: model.StateInProgress, Reason: "came back"})
		}, func(in model.Incident) bool {
			return in.State == model.StateInProgress && in.Reopens == 1 && in.ResolvedAt.IsZero() && in.Resolution == ""
		}},
	}
	for _, st := range steps {
		clk.Tick()
		want, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := db.Incident(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.want == nil {
			continue
		}
		if !reflect.DeepEqual(got, want) || !st.want(got) {
			t.Fatalf("%s: stored %+v\nservice returned %+v", st.name, got, want)
		}
		if !got.UpdatedAt.Equal(clk.At) {
			t.Errorf("%s: updated_at = %v, want %v", st.name, got.UpdatedAt, clk.At)
		}
	}

	tl, err := db.Timeline(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range tl {
		kinds = append(kinds, e.Kind)
		if e.IncidentID != created.ID || e.ID == 0 || e.At.IsZero() || e.Actor == "" {
			t.Errorf("timeline entry %+v incomplete", e)
		}
	}
	if want := "created ack assign note state state"; strings.Join(kinds, " ") != want {
		t.Errorf("timeline kinds = %v, want %s", kinds, want)
	}

	audit, err := db.Audit(ctx, model.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 6 || audit[0].Action != "incident.state" || audit[5].Action != "incident.create" {
		t.Fatalf("audit newest first = %+v", audit)
	}
	if audit[5].Before != "" || !strings.Contains(audit[5].After, "Checkout 5xx") || audit[0].Before == "" {
		t.Errorf("audit snapshots wrong: %+v", audit[5])
	}
	if !audit[0].At.Equal(clk.At) || audit[0].Entity != created.Ref() || audit[0].Actor != "alice" {
		t.Errorf("audit entry = %+v", audit[0])
	}

	if _, err := desk.AckIncident(ctx, bob, 999); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("ack of a missing incident = %v; want ErrNotFound", err)
	}
}

func TestEscalate(t *testing.T) {
	ctx := t.Context()
	_, desk, _ := newDesk(t)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "x", Service: "orders", Impact: model.High, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Escalate(ctx, bob, in.ID, ""); err == nil {
		t.Fatal("an operator escalated; leads escalate")
	}
	for _, want := range []int{1, 2} {
		got, err := desk.Escalate(ctx, alice, in.ID, "no answer")
		if err != nil || got.Escalation != want {
			t.Fatalf("escalation %d: %+v %v", want, got.Escalation, err)
		}
	}
	if _, err := desk.Escalate(ctx, alice, in.ID, ""); err == nil || !strings.Contains(err.Error(), "last level") {
		t.Fatalf("escalating past the vendor: %v", err)
	}
}
