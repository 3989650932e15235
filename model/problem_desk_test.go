package model_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
)

// newIncidents opens n incidents on one service and category, a minute apart.
func newIncidents(t *testing.T, desk *model.Desk, clk *modeltest.Clock, n int, service, category string, impact model.Level) []model.Incident {
	t.Helper()
	var out []model.Incident
	for i := 0; i < n; i++ {
		clk.Tick()
		in, err := desk.CreateIncident(t.Context(), bob, model.NewIncident{Title: "basket empties " + string(rune('a'+i)),
			Service: service, Category: category, Impact: impact, Urgency: model.Low})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

func ids(list []model.Incident) []int64 {
	out := make([]int64, len(list))
	for i, in := range list {
		out[i] = in.ID
	}
	return out
}

func TestProblemFromRecurrence(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	recurring := newIncidents(t, desk, clk, 3, "orders", "availability", model.Medium)
	newIncidents(t, desk, clk, 2, "orders", "data", model.Medium) // two are no recurrence
	p1, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout down", Service: "checkout", Category: "availability",
		Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.ProblemSuggestions(ctx, clk.At)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.ProblemSuggestion{
		{Service: "orders", Category: "availability", Incidents: ids(recurring)},
		{Service: "checkout", Category: "availability", Incidents: []int64{p1.ID}, P1: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("suggestions:\n got %+v\nwant %+v", got, want)
	}
	// A week later, without the P1, the recurrence has aged out.
	if later, err := db.ProblemSuggestions(ctx, clk.At.Add(8*24*time.Hour)); err != nil || len(later) != 1 || !later[0].P1 {
		t.Fatalf("suggestions a week later = %+v, %v; want only the P1, still open", later, err)
	}

	clk.Tick()
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "Orders API drops connections", Service: "orders",
		Category: "availability", Description: "three outages \x1b[31mthis week\x1b[0m", Incidents: append(ids(recurring), recurring[0].ID)})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.State != model.ProblemNew || p.Owner != "bob" || p.Incidents != 3 || p.Description != "three outages this week" {
		t.Fatalf("created %+v", p)
	}
	stored, err := db.Problem(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, p) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", stored, p)
	}
	linked, err := db.ProblemIncidents(ctx, p.ID)
	if err != nil || !reflect.DeepEqual(ids(linked), ids(recurring)) {
		t.Fatalf("linked incidents = %v, %v", ids(linked), err)
	}
	tl, _ := db.Timeline(ctx, recurring[1].ID)
	if last := tl[len(tl)-1]; last.Kind != "problem" || last.Text != "linked to PRB-1: Orders API drops connections" || last.Actor != "bob" {
		t.Fatalf("timeline entry = %+v", last)
	}
	got, _ = db.ProblemSuggestions(ctx, clk.At)
	if len(got) != 1 || !got[0].P1 {
		t.Fatalf("suggestions after the problem = %+v; want only the P1", got)
	}

	// Link the P1 by hand; again is refused; a request never is linked.
	if _, err := desk.LinkProblem(ctx, bob, p.ID, p1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.LinkProblem(ctx, bob, p.ID, p1.ID); err == nil || !strings.Contains(err.Error(), "already linked to PRB-1") {
		t.Fatalf("linking twice: %v", err)
	}
	req, err := desk.CreateIncident(ctx, bob, model.NewIncident{Kind: model.KindRequest, Title: "access", Service: "orders", Impact: model.Low, Urgency: model.Low})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.LinkProblem(ctx, bob, p.ID, req.ID); err == nil || !strings.Contains(err.Error(), "is a request") {
		t.Fatalf("linking a request: %v", err)
	}
	if _, err := desk.LinkProblem(ctx, bob, p.ID, 999); err == nil || !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("linking a missing incident: %v", err)
	}
	if _, err := desk.LinkProblem(ctx, bob, 999, p1.ID); err == nil || !strings.Contains(err.Error(), "PRB-999: not found") {
		t.Fatalf("linking to a missing problem: %v", err)
	}
	if got, _ := db.ProblemSuggestions(ctx, clk.At); len(got) != 0 {
		t.Fatalf("suggestions after linking everything = %+v", got)
	}
	// A second problem takes the P1 over, and says so.
	other, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "Checkout outage", Service: "checkout", Incidents: []int64{p1.ID}})
	if err != nil {
		t.Fatal(err)
	}
	tl, _ = db.Timeline(ctx, p1.ID)
	if last := tl[len(tl)-1]; !strings.Contains(last.Text, "linked to PRB-2: Checkout outage (moved from PRB-1)") {
		t.Fatalf("move entry = %+v", last)
	}
	list, err := db.Problems(ctx, model.ProblemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != other.ID || list[0].Incidents != 1 || list[1].Incidents != 3 {
		t.Fatalf("problems = %+v", list)
	}
	if list, _ := db.Problems(ctx, model.ProblemQuery{Filter: "PRB-1"}); len(list) != 1 || list[0].ID != p.ID {
		t.Fatalf("filter PRB-1 = %+v", list)
	}
	if list, _ := db.Problems(ctx, model.ProblemQuery{Filter: "checkout"}); len(list) != 1 || list[0].ID != other.ID {
		t.Fatalf("filter checkout = %+v", list)
	}

	for _, bad := range []struct {
		n    model.NewProblem
		want string
	}{
		{model.NewProblem{Service: "orders"}, "title: required"},
		{model.NewProblem{Title: "x", Service: "nowhere"}, `service "nowhere": not in the plan`},
		{model.NewProblem{Title: "x", Service: "orders", Category: "weather"}, `category "weather": use one of`},
		{model.NewProblem{Title: "x", Service: "orders", Incidents: []int64{req.ID}}, "is a request"},
	} {
		if _, err := desk.CreateProblem(ctx, bob, bad.n); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("CreateProblem(%+v) = %v, want %q", bad.n, err, bad.want)
		}
	}
	if list, _ := db.Problems(ctx, model.ProblemQuery{}); len(list) != 2 {
		t.Fatalf("a refused problem was stored, or half of one: %+v", list)
	}
	viewer := model.Actor{Name: "v", Role: model.RoleViewer}
	if _, err := desk.CreateProblem(ctx, viewer, model.NewProblem{Title: "x", Service: "orders"}); !errors.As(err, new(model.ErrForbidden)) {
		t.Fatalf("a viewer opened a problem: %v", err)
	}
	audit, _ := db.Audit(ctx, model.AuditQuery{Filter: "problem."})
	actions := map[string]int{}
	for _, e := range audit {
		actions[e.Action]++
	}
	if actions["problem.create"] != 2 || actions["problem.link"] != 5 {
		t.Fatalf("audit actions = %v", actions)
	}
}

func TestProblemFlowRCAAndKnownError(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "Cart lost on deploy", Service: "checkout", Category: "availability"})
	if err != nil {
		t.Fatal(err)
	}
	move := func(a model.Actor, to model.ProblemState, reason string) (model.Problem, error) {
		clk.Tick()
		return desk.ProblemTransition(ctx, a, p.ID, model.ProblemChange{To: to, Reason: reason})
	}
	if _, err := move(bob, model.ProblemRCA, ""); err == nil || !strings.Contains(err.Error(), "it can go to Assess") {
		t.Fatalf("New → RCA: %v", err)
	}
	for _, to := range []model.ProblemState{model.ProblemAssess, model.ProblemRCA} {
		if _, err := move(bob, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := move(bob, model.ProblemFixing, ""); err == nil || !strings.Contains(err.Error(), "no root cause on record") {
		t.Fatalf("fixing without a root cause: %v", err)
	}

	// The RCA: escapes stripped, empty whys dropped, six refused.
	whys := []string{"baskets live in pod memory", "", "deploys restart pods\x1b]0;pwned\x07", "no session store", "it was cheaper", "nobody asked"}
	if _, err := desk.SaveRCA(ctx, bob, p.ID, model.RCA{Whys: append(whys, "six")}); err == nil || !strings.Contains(err.Error(), "at most 5") {
		t.Fatalf("six whys: %v", err)
	}
	clk.Tick()
	got, err := desk.SaveRCA(ctx, bob, p.ID, model.RCA{Timeline: "09:00 deploy\n09:05 complaints\x1b[2J", Whys: whys, Factors: "no canary"})
	if err != nil {
		t.Fatal(err)
	}
	wantRCA := model.RCA{Timeline: "09:00 deploy\n09:05 complaints", Whys: []string{"baskets live in pod memory", "deploys restart pods",
		"no session store", "it was cheaper", "nobody asked"}, Factors: "no canary"}
	if !reflect.DeepEqual(got.RCA, wantRCA) {
		t.Fatalf("RCA = %+v", got.RCA)
	}
	if stored, _ := db.Problem(ctx, p.ID); !reflect.DeepEqual(stored.RCA, wantRCA) || !stored.UpdatedAt.Equal(clk.At) {
		t.Fatalf("stored RCA = %+v at %v", stored.RCA, stored.UpdatedAt)
	}

	// The known error: the symptom is required; publishing takes a lead
	// and a workaround.
	if _, err := desk.SaveKnownError(ctx, bob, p.ID, model.KnownError{RootCause: "in-memory sessions"}); err == nil || !strings.HasPrefix(err.Error(), "symptom: required") {
		t.Fatalf("known error without symptom: %v", err)
	}
	if _, err := desk.SaveKnownError(ctx, bob, p.ID, model.KnownError{Symptom: "Baskets empty after a deploy", RootCause: "in-memory sessions"}); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.PublishKnownError(ctx, bob, p.ID); !errors.As(err, new(model.ErrForbidden)) {
		t.Fatalf("an operator published: %v", err)
	}
	if _, err := desk.PublishKnownError(ctx, alice, p.ID); err == nil || !strings.Contains(err.Error(), "workaround: required to publish") {
		t.Fatalf("published without a workaround: %v", err)
	}
	if _, err := desk.SaveKnownError(ctx, bob, p.ID, model.KnownError{Symptom: "Baskets empty after a deploy", RootCause: "in-memory sessions",
		Workaround: "Drain sessions before a deploy."}); err != nil {
		t.Fatal(err)
	}
	ar, err := desk.PublishKnownError(ctx, alice, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ar.Slug != "known-error-prb-1" || ar.Kind != model.ArticleKnownError || ar.State != model.ArticlePublished || ar.Author != "alice" {
		t.Fatalf("article = %+v", ar)
	}
	stored, _ := db.Article(ctx, ar.ID)
	if !strings.Contains(stored.Body, "## Workaround\n\nDrain sessions before a deploy.") {
		t.Fatalf("article body:\n%s", stored.Body)
	}
	if hits, _ := db.Articles(ctx, model.ArticleQuery{Search: "drain sessions"}); len(hits) != 1 || hits[0].ID != ar.ID {
		t.Fatalf("the known error is not found in the knowledge base: %+v", hits)
	}
	// Editing keeps the article; publishing again updates it in place.
	if _, err := desk.SaveKnownError(ctx, bob, p.ID, model.KnownError{Symptom: "Baskets empty after a deploy", RootCause: "in-memory sessions",
		Workaround: "Drain sessions, then deploy one pod at a time."}); err != nil {
		t.Fatal(err)
	}
	if again, err := desk.PublishKnownError(ctx, alice, p.ID); err != nil || again.ID != ar.ID {
		t.Fatalf("publishing again = %+v, %v; want the same article", again, err)
	}
	if pr, _ := db.Problem(ctx, p.ID); pr.KnownError.Article != ar.ID || pr.KnownError.Workaround != "Drain sessions, then deploy one pod at a time." {
		t.Fatalf("problem's known error = %+v", pr.KnownError)
	}

	for _, to := range []model.ProblemState{model.ProblemFixing, model.ProblemResolved} {
		if _, err := move(bob, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	if pr, _ := db.Problem(ctx, p.ID); !pr.ResolvedAt.Equal(clk.At) {
		t.Fatalf("resolved at %v, want %v", pr.ResolvedAt, clk.At)
	}
	if _, err := move(bob, model.ProblemRCA, ""); err == nil || !strings.Contains(err.Error(), "needs a reason") {
		t.Fatalf("reopening without a reason: %v", err)
	}
	if pr, err := move(bob, model.ProblemRCA, "came back on Tuesday"); err != nil || !pr.ResolvedAt.IsZero() {
		t.Fatalf("reopen = %+v, %v", pr, err)
	}
	for _, to := range []model.ProblemState{model.ProblemFixing, model.ProblemResolved} {
		if _, err := move(bob, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := move(bob, model.ProblemClosed, ""); !errors.As(err, new(model.ErrForbidden)) {
		t.Fatalf("an operator closed: %v", err)
	}
	if _, err := move(alice, model.ProblemClosed, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.SaveRCA(ctx, bob, p.ID, wantRCA); err == nil || !strings.Contains(err.Error(), "closed problem's record is final") {
		t.Fatalf("editing a closed problem: %v", err)
	}
	if list, _ := db.Problems(ctx, model.ProblemQuery{}); len(list) != 0 {
		t.Fatalf("closed problems listed without All: %+v", list)
	}
	if list, _ := db.Problems(ctx, model.ProblemQuery{All: true}); len(list) != 1 || list[0].State != model.ProblemClosed {
		t.Fatalf("problems with All = %+v", list)
	}
	audit, _ := db.Audit(ctx, model.AuditQuery{Filter: "PRB-1"})
	if len(audit) == 0 || audit[0].Action != "problem.state" || !strings.Contains(audit[0].After, `"state":"closed"`) || !strings.Contains(audit[0].Before, `"state":"resolved"`) {
		t.Fatalf("newest audit entry = %+v", audit[0])
	}
}

func TestProblemActions(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "Cart lost on deploy", Service: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	due := clk.At.Add(72 * time.Hour)
	for _, bad := range []struct {
		a    model.ProblemAction
		want string
	}{
		{model.ProblemAction{Owner: "carol"}, "action: required"},
		{model.ProblemAction{Text: "add a session store"}, "owner: required"},
	} {
		if _, err := desk.AddProblemAction(ctx, bob, p.ID, bad.a); err == nil || !strings.HasPrefix(err.Error(), bad.want) {
			t.Errorf("AddProblemAction(%+v) = %v, want %q", bad.a, err, bad.want)
		}
	}
	first, err := desk.AddProblemAction(ctx, bob, p.ID, model.ProblemAction{Text: "add a session store", Owner: "carol", Due: due})
	if err != nil {
		t.Fatal(err)
	}
	second, err := desk.AddProblemAction(ctx, bob, p.ID, model.ProblemAction{Text: "canary deploys", Owner: "dave"})
	if err != nil {
		t.Fatal(err)
	}
	if pr, _ := db.Problem(ctx, p.ID); pr.OpenActions != 2 {
		t.Fatalf("open actions = %d", pr.OpenActions)
	}
	clk.Tick()
	done, err := desk.SetProblemActionDone(ctx, bob, p.ID, first.ID, true)
	if err != nil || !done.Done || !done.DoneAt.Equal(clk.At) {
		t.Fatalf("done = %+v, %v", done, err)
	}
	if _, err := desk.SetProblemActionDone(ctx, bob, p.ID, first.ID, true); err == nil || !strings.Contains(err.Error(), "already done") {
		t.Fatalf("done twice: %v", err)
	}
	other, _ := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "other", Service: "orders"})
	if _, err := desk.SetProblemActionDone(ctx, bob, other.ID, second.ID, true); err == nil || !strings.Contains(err.Error(), "has no action") {
		t.Fatalf("another problem's action: %v", err)
	}
	list, err := db.ProblemActions(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.ProblemAction{done, second}
	if !reflect.DeepEqual(list, want) {
		t.Fatalf("actions:\n got %+v\nwant %+v", list, want)
	}
	if !list[0].Due.Equal(due) || list[1].Overdue(clk.At.Add(1000*time.Hour)) || !list[1].Due.IsZero() {
		t.Fatalf("due dates = %v, %v", list[0].Due, list[1].Due)
	}
	if pr, _ := db.Problem(ctx, p.ID); pr.OpenActions != 1 {
		t.Fatalf("open actions after one done = %d", pr.OpenActions)
	}
	if undone, err := desk.SetProblemActionDone(ctx, bob, p.ID, first.ID, false); err != nil || undone.Done || !undone.DoneAt.IsZero() {
		t.Fatalf("undone = %+v, %v", undone, err)
	}
}

func TestResolveWaitingIncidents(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	incs := newIncidents(t, desk, clk, 3, "orders", "availability", model.Medium)
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "Orders API drops connections", Service: "orders", Incidents: ids(incs)})
	if err != nil {
		t.Fatal(err)
	}
	hold := func(id int64, reason string) {
		t.Helper()
		if _, err := desk.AckIncident(ctx, bob, id); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.Transition(ctx, bob, id, model.StateChange{To: model.StateOnHold, HoldReason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	hold(incs[0].ID, "awaiting_problem")
	hold(incs[1].ID, "awaiting_vendor")
	hold(incs[2].ID, "awaiting_problem")

	if _, err := desk.ResolveWaitingIncidents(ctx, bob, p.ID, "fixed"); err == nil || !strings.Contains(err.Error(), "resolve it first") {
		t.Fatalf("fixed while the problem is open: %v", err)
	}
	if _, err := desk.ResolveWaitingIncidents(ctx, bob, p.ID, "known_error"); err == nil || !strings.Contains(err.Error(), "no workaround on record") {
		t.Fatalf("known_error without a workaround: %v", err)
	}
	if _, err := desk.ResolveWaitingIncidents(ctx, bob, p.ID, "duplicate"); err == nil || !strings.Contains(err.Error(), "use fixed or known_error") {
		t.Fatalf("code duplicate: %v", err)
	}
	if _, err := desk.SaveRCA(ctx, bob, p.ID, model.RCA{Whys: []string{"pool too small"}}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []model.ProblemState{model.ProblemAssess, model.ProblemRCA, model.ProblemFixing, model.ProblemResolved} {
		if _, err := desk.ProblemTransition(ctx, bob, p.ID, model.ProblemChange{To: to}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Tick()
	done, err := desk.ResolveWaitingIncidents(ctx, bob, p.ID, "fixed")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(done); !reflect.DeepEqual(got, []int64{incs[0].ID, incs[2].ID}) {
		t.Fatalf("resolved %v", got)
	}
	for i, want := range []model.IncidentState{model.StateResolved, model.StateOnHold, model.StateResolved} {
		in, _ := db.Incident(ctx, incs[i].ID)
		if in.State != want || (want == model.StateResolved && (in.Resolution != "fixed" || !in.ResolvedAt.Equal(clk.At))) {
			t.Errorf("INC-%d after resolving = %+v", in.ID, in)
		}
	}
	tl, _ := db.Timeline(ctx, incs[0].ID)
	if last := tl[len(tl)-1]; !strings.Contains(last.Text, "On Hold → Resolved (fixed)") || !strings.Contains(last.Text, "PRB-1 resolved: Orders API drops connections") {
		t.Fatalf("timeline = %+v", last)
	}
	if again, err := desk.ResolveWaitingIncidents(ctx, bob, p.ID, "fixed"); err != nil || len(again) != 0 {
		t.Fatalf("nothing left to resolve: %v, %v", again, err)
	}
}

// A problem's moves are noted on the timeline of each incident linked to it
// when the move is made, and a refused move notes nothing.
func TestProblemMoveNotesLinkedIncidents(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	incs := newIncidents(t, desk, clk, 3, "orders", "availability", model.Medium)
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "Orders API drops connections", Service: "orders", Incidents: ids(incs[:2])})
	if err != nil {
		t.Fatal(err)
	}
	last := func(id int64) model.TimelineEntry {
		t.Helper()
		tl, err := db.Timeline(ctx, id)
		if err != nil || len(tl) == 0 {
			t.Fatalf("timeline of INC-%d: %v, %v", id, tl, err)
		}
		return tl[len(tl)-1]
	}
	move := func(to model.ProblemState, reason string) error {
		clk.Tick()
		_, err := desk.ProblemTransition(ctx, bob, p.ID, model.ProblemChange{To: to, Reason: reason})
		return err
	}
	for _, to := range []model.ProblemState{model.ProblemAssess, model.ProblemRCA} {
		if err := move(to, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range incs[:2] {
		got := last(in.ID)
		want := model.TimelineEntry{ID: got.ID, IncidentID: in.ID, At: clk.At, Actor: "bob", Kind: "problem", Text: "PRB-1 moved to RCA"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("INC-%d's last entry = %+v, want %+v", in.ID, got, want)
		}
	}
	if got := last(incs[2].ID); got.Kind == "problem" {
		t.Errorf("an incident not linked was told: %+v", got)
	}

	// A refused move rolls back with the problem: nothing is noted.
	before := last(incs[0].ID)
	if err := move(model.ProblemFixing, ""); err == nil || !strings.Contains(err.Error(), "no root cause on record") {
		t.Fatalf("fixing without a root cause: %v", err)
	}
	if got := last(incs[0].ID); got.ID != before.ID {
		t.Fatalf("a refused move was noted: %+v", got)
	}

	// Incidents linked since hear of later moves, with the reason given.
	if _, err := desk.LinkProblem(ctx, bob, p.ID, incs[2].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.SaveRCA(ctx, bob, p.ID, model.RCA{Whys: []string{"pool too small"}}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []model.ProblemState{model.ProblemFixing, model.ProblemResolved} {
		if err := move(to, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := move(model.ProblemRCA, "dropped again on Friday"); err != nil {
		t.Fatal(err)
	}
	for _, in := range incs {
		if got := last(in.ID); got.Text != "PRB-1 moved to RCA: dropped again on Friday" || !got.At.Equal(clk.At) {
			t.Errorf("INC-%d's last entry = %+v", in.ID, got)
		}
	}
	tl, _ := db.Timeline(ctx, incs[0].ID)
	var moves []string
	for _, e := range tl {
		if strings.HasPrefix(e.Text, "PRB-1 moved to") {
			moves = append(moves, strings.TrimPrefix(e.Text, "PRB-1 moved to "))
		}
	}
	if want := []string{"Assess", "RCA", "Fix in progress", "Resolved", "RCA: dropped again on Friday"}; !reflect.DeepEqual(moves, want) {
		t.Fatalf("INC-%d's moves = %q, want %q", incs[0].ID, moves, want)
	}
}
