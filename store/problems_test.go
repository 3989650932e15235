package store

import (
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestProblemForeignKeys(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "x", Service: "orders", Category: "data", Impact: model.Low, Urgency: model.Low})
	if err != nil {
		t.Fatal(err)
	}
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "x", Service: "orders", Incidents: []int64{in.ID}})
	if err != nil {
		t.Fatal(err)
	}
	raw := rawOpen(t, db.Path())
	for _, q := range []string{
		"UPDATE incidents SET problem_id = 999",
		"DELETE FROM problems",
		"INSERT INTO problem_actions (problem_id, text, created_at) VALUES (999, 'x', 0)",
		"UPDATE problems SET rca_whys = '[1,2,3,4,5,6]'",
		"UPDATE problems SET state = 'pondering'",
	} {
		if _, err := raw.ExecContext(ctx, "PRAGMA foreign_keys = ON; "+q); err == nil {
			t.Errorf("%s was accepted", q)
		}
	}
	if linked, _ := db.ProblemIncidents(ctx, p.ID); len(linked) != 1 {
		t.Fatalf("linked = %+v", linked)
	}
}

// The recurrence rule's answer is worked out again only when an incident
// changes in a way that can change it, or the window has moved on.
func TestProblemSuggestionsCache(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	var incs []model.Incident
	for range 3 {
		in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "basket empties", Service: "orders", Category: "availability",
			Impact: model.Medium, Urgency: model.Low})
		if err != nil {
			t.Fatal(err)
		}
		incs = append(incs, in)
	}
	changed := func() int64 {
		t.Helper()
		var v int64
		if err := db.readers.QueryRowContext(ctx, incidentsChangedSQL).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At); len(got) != 1 {
		t.Fatalf("suggestions = %+v", got)
	}
	before := changed()
	if err := desk.AddNote(ctx, bob, incs[0].ID, "still happening"); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AckIncident(ctx, bob, incs[0].ID); err != nil {
		t.Fatal(err)
	}
	if after := changed(); after != before+1 { // the ack moved it to In Progress; the note changed nothing the rule reads
		t.Fatalf("incidents_changed went %d → %d", before, after)
	}
	// A change made behind the desk's back is seen too.
	raw := rawOpen(t, db.Path())
	if _, err := raw.ExecContext(ctx, "UPDATE incidents SET category = 'data' WHERE id = ?", incs[1].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At); len(got) != 0 {
		t.Fatalf("suggestions after a recategorisation = %+v", got)
	}
	if _, err := raw.ExecContext(ctx, "UPDATE incidents SET category = 'availability' WHERE id = ?", incs[1].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At); len(got) != 1 {
		t.Fatalf("suggestions after undoing it = %+v", got)
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At.Add(8*24*time.Hour)); len(got) != 0 {
		t.Fatalf("suggestions a week on = %+v", got)
	}
}
