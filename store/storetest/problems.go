package storetest

import (
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func testProblemForeignKeys(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "x", Service: "orders", Category: "data", Impact: model.Low, Urgency: model.Low})
	if err != nil {
		t.Fatal(err)
	}
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "x", Service: "orders", Incidents: []int64{in.ID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE incidents SET problem_id = 999",
		"DELETE FROM problems",
		"INSERT INTO problem_actions (problem_id, text, created_at) VALUES (999, 'x', 0)",
		"UPDATE problems SET rca_whys = '[1,2,3,4,5,6]'",
		"UPDATE problems SET state = 'pondering'",
	} {
		if err := db.Exec(ctx, q); err == nil {
			t.Errorf("%s was accepted", q)
		}
	}
	if linked, _ := db.ProblemIncidents(ctx, p.ID); len(linked) != 1 {
		t.Fatalf("linked = %+v", linked)
	}
}

// The recurrence rule's answer is worked out again only when an incident
// changes in a way that can change it, or the window has moved on.
func testProblemSuggestionsCache(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, clk := h.desk(t)
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
		v, err := db.Int(ctx, "SELECT value FROM counters WHERE name = 'incidents_changed'")
		if err != nil {
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
	if err := db.Exec(ctx, "UPDATE incidents SET category = 'data' WHERE id = $1", incs[1].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At); len(got) != 0 {
		t.Fatalf("suggestions after a recategorisation = %+v", got)
	}
	if err := db.Exec(ctx, "UPDATE incidents SET category = 'availability' WHERE id = $1", incs[1].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At); len(got) != 1 {
		t.Fatalf("suggestions after undoing it = %+v", got)
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At.Add(8*24*time.Hour)); len(got) != 0 {
		t.Fatalf("suggestions a week on = %+v", got)
	}
}
