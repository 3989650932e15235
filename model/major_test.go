package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
)

// The countdown to a war room's next status update, on a fake clock: the
// plan's cadence for its priority after the last update, or after it was
// declared; none without a cadence or once it is no longer open.
func TestNextUpdate(t *testing.T) {
	declared := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	pol := model.MajorPolicy{Cadence: map[model.Priority]time.Duration{1: 30 * time.Minute, 2: time.Hour}}
	room := func(p model.Priority, state model.IncidentState, last time.Time) model.WarRoom {
		return model.WarRoom{DeclaredAt: declared, LastUpdate: last, Incident: model.Incident{Priority: p, State: state}}
	}
	for _, tc := range []struct {
		name    string
		w       model.WarRoom
		now     time.Time
		due     time.Time // zero: no countdown
		left    time.Duration
		overdue bool
	}{
		{"P1 just declared", room(1, model.StateInProgress, time.Time{}), declared, declared.Add(30 * time.Minute), 30 * time.Minute, false},
		{"P1 twelve minutes in", room(1, model.StateNew, time.Time{}), declared.Add(12 * time.Minute), declared.Add(30 * time.Minute), 18 * time.Minute, false},
		{"P1 due now", room(1, model.StateInProgress, time.Time{}), declared.Add(30 * time.Minute), declared.Add(30 * time.Minute), 0, true},
		{"P1 overdue", room(1, model.StateOnHold, time.Time{}), declared.Add(41 * time.Minute), declared.Add(30 * time.Minute), -11 * time.Minute, true},
		{"counted from the last update", room(1, model.StateInProgress, declared.Add(25*time.Minute)), declared.Add(41 * time.Minute), declared.Add(55 * time.Minute), 14 * time.Minute, false},
		{"P2 hourly", room(2, model.StateInProgress, time.Time{}), declared.Add(41 * time.Minute), declared.Add(time.Hour), 19 * time.Minute, false},
		{"P3 has no cadence", room(3, model.StateInProgress, time.Time{}), declared.Add(5 * time.Hour), time.Time{}, 0, false},
		{"resolved: no more updates due", room(1, model.StateResolved, time.Time{}), declared.Add(5 * time.Hour), time.Time{}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := model.NextUpdate(tc.w, pol, tc.now)
			if !c.Due.Equal(tc.due) || c.Left != tc.left || c.Overdue() != tc.overdue {
				t.Fatalf("NextUpdate = due %s, left %s, overdue %v; want %s, %s, %v", c.Due, c.Left, c.Overdue(), tc.due, tc.left, tc.overdue)
			}
		})
	}
}

// Templates fill the incident's fields; the plan's replace built-ins of
// the same name; a field that does not exist is an error naming it.
func TestStatusTemplates(t *testing.T) {
	pol := model.MajorPolicy{Templates: []model.StatusTemplate{{Name: "investigating", Text: "{{.Ref}}: looking into {{.Title}}"},
		{Name: "customer", Text: "Dear customers, {{.Service}} is affected."}}}
	names := []string{}
	for _, tpl := range pol.AllTemplates() {
		names = append(names, tpl.Name)
	}
	if strings.Join(names, " ") != "investigating customer identified monitoring resolved" {
		t.Fatalf("templates: %v", names)
	}
	tpl, err := pol.Template("investigating")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tpl.Fill(model.SampleStatusFields); err != nil || got != "INC-1: looking into Checkout returns 502" {
		t.Fatalf("filled: %q, %v", got, err)
	}
	if _, err := pol.Template("nope"); err == nil || !strings.Contains(err.Error(), "investigating, customer") {
		t.Fatalf("unknown template: %v", err)
	}
	bad := model.StatusTemplate{Name: "bad", Text: "{{.Owner}}"}
	if _, err := bad.Fill(model.SampleStatusFields); err == nil || !strings.Contains(err.Error(), "Owner") {
		t.Fatalf("unknown field: %v", err)
	}
	for _, b := range model.BuiltinTemplates {
		if _, err := b.Fill(model.SampleStatusFields); err != nil {
			t.Fatalf("built-in %s: %v", b.Name, err)
		}
	}
}

// notifyPolicy is the test plan with every event told to one webhook.
type notifyPolicy struct{ modeltest.Policy }

func (notifyPolicy) NotifyPolicy() model.NotifyPolicy {
	return model.NotifyPolicy{Rules: []model.NotifyRule{
		{Name: "all", Events: model.EventKinds, Channel: model.ChannelWebhook, Targets: []string{"https://hooks.example/all"}},
		{Name: "p1-only", Events: []model.EventKind{model.EventSLABreach}, Priorities: []model.Priority{1}, Channel: model.ChannelEmail,
			Targets: []string{"leads@example.com", "duty@example.com"}},
	}}
}

func outboxOf(t *testing.T, r model.Reader) []model.Notification {
	t.Helper()
	list, err := r.Notifications(t.Context(), model.NotificationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func events(list []model.Notification) string {
	var out []string
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		out = append(out, string(list[i].Event)+"→"+list[i].Rule)
	}
	return strings.Join(out, " ")
}

// A major incident from declaration to stand-down: its war room opens with
// the declaration (and the plan's rules are told), roles are assigned,
// the update falls due and is reminded once, an update from a template is
// logged and sent, and standing down writes the summary, opens the
// post-incident review with the timeline and closes the war room.
func TestMajorIncidentMode(t *testing.T) {
	ctx := t.Context()
	db := openStore(t)
	desk := model.NewDesk(db, notifyPolicy{})
	clk := &modeltest.Clock{At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	desk.Now = clk.Now

	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Orders lag", Service: "orders", Category: "performance",
		Impact: model.High, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if in.Priority != 2 || in.Major {
		t.Fatalf("opened %s major=%v", in.Priority, in.Major)
	}
	if _, err := desk.SetMajor(ctx, bob, in.ID, true, "orders stuck"); err == nil {
		t.Fatal("an operator declared a major incident")
	}
	if _, err := desk.SetMajor(ctx, alice, in.ID, true, "orders stuck for every shop"); err != nil {
		t.Fatal(err)
	}
	rooms, err := db.WarRooms(ctx)
	if err != nil || len(rooms) != 1 || rooms[0].DeclaredBy != "alice" || !rooms[0].DeclaredAt.Equal(clk.At) {
		t.Fatalf("war rooms: %+v, %v", rooms, err)
	}
	if got := events(outboxOf(t, db)); got != "major_declared→all" {
		t.Fatalf("outbox after declaring: %s", got)
	}

	if _, err := desk.AssignMajorRoles(ctx, bob, in.ID, model.MajorRoles{Commander: "alice"}); err == nil {
		t.Fatal("an operator assigned the roles")
	}
	if _, err := desk.AssignMajorRoles(ctx, alice, in.ID, model.MajorRoles{Commander: "nobody.here"}); err == nil ||
		!strings.Contains(err.Error(), `commander "nobody.here"`) {
		t.Fatalf("unknown commander: %v", err)
	}
	w, err := desk.AssignMajorRoles(ctx, alice, in.ID, model.MajorRoles{Commander: "alice", Comms: "bob", Scribe: "carol"})
	if err != nil || w.Roles() != "IC alice · comms bob · scribe carol" {
		t.Fatalf("roles: %q, %v", w.Roles(), err)
	}

	// P2: an update every hour. 59 minutes in nothing is due; at the hour
	// the reminder is raised, once.
	for _, tc := range []struct {
		at       time.Duration
		reminded int
	}{{59 * time.Minute, 0}, {time.Hour, 1}, {time.Hour + 10*time.Minute, 0}} {
		n, err := desk.SweepMajor(ctx, clk.At.Add(tc.at))
		if err != nil || n != tc.reminded {
			t.Fatalf("sweep at +%s: %d reminded, %v; want %d", tc.at, n, err, tc.reminded)
		}
	}
	firing, err := db.Feed(ctx, model.FeedQuery{Firing: true})
	if err != nil || len(firing) != 1 || firing[0].Name != "StatusUpdateDue" {
		t.Fatalf("feed after the reminder: %+v, %v", firing, err)
	}

	clk.At = clk.At.Add(70 * time.Minute)
	draft, err := desk.DraftStatusUpdate(ctx, in.ID, "identified")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(draft, "INC-1 P2 on orders: cause identified") || !strings.Contains(draft, "Incident commander: alice") ||
		!strings.Contains(draft, "Next update by Sat 01 Mar 11:10 UTC") {
		t.Fatalf("draft:\n%s", draft)
	}
	if _, err := desk.PostStatusUpdate(ctx, bob, in.ID, "  "); err == nil {
		t.Fatal("an empty update was posted")
	}
	w, err = desk.PostStatusUpdate(ctx, bob, in.ID, draft)
	if err != nil || w.Updates != 1 || !w.LastUpdate.Equal(clk.At) {
		t.Fatalf("posted: %+v, %v", w, err)
	}
	if firing, _ := db.Feed(ctx, model.FeedQuery{Firing: true}); len(firing) != 0 {
		t.Fatalf("the reminder still fires after the update: %+v", firing)
	}
	if next := model.NextUpdate(w, modeltest.Policy{}.MajorPolicy(), clk.At); !next.Due.Equal(clk.At.Add(time.Hour)) {
		t.Fatalf("after the update the next is due %s", next.Due)
	}

	clk.At = clk.At.Add(20 * time.Minute)
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed"}); err != nil {
		t.Fatal(err)
	}
	stood, err := desk.SetMajor(ctx, alice, in.ID, false, "orders flow again")
	if err != nil {
		t.Fatal(err)
	}
	if !stood.Major || stood.ProblemID == 0 {
		t.Fatalf("a resolved major stood down stays major on the record and links its review: %+v", stood)
	}
	if rooms, _ := db.WarRooms(ctx); len(rooms) != 0 {
		t.Fatalf("open war rooms after standing down: %+v", rooms)
	}
	tl, err := db.Timeline(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	var summary string
	for _, e := range tl {
		if e.Kind == "major" && strings.HasPrefix(e.Text, "stood down") {
			summary = e.Text
		}
	}
	for _, want := range []string{"orders flow again", "Major for 1h30m", "declared Sat 01 Mar 09:00 UTC by alice",
		"IC alice · comms bob · scribe carol", "1 status update(s)", "state Resolved"} {
		if !strings.Contains(summary, want) {
			t.Fatalf("summary lacks %q:\n%s", want, summary)
		}
	}
	review, err := db.Problem(ctx, stood.ProblemID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(review.Title, "Post-incident review: INC-1") || review.Owner != "alice" || review.Incidents != 1 ||
		!strings.Contains(review.RCA.Timeline, "status update 1 to stakeholders") || !strings.Contains(review.RCA.Timeline, "stood down") {
		t.Fatalf("review: %+v", review)
	}
	w, err = db.WarRoom(ctx, in.ID)
	if err != nil || w.Review != review.ID || w.StoodDownAt.IsZero() {
		t.Fatalf("war room after standing down: %+v, %v", w, err)
	}
	want := "major_declared→all update_due→all status_update→all major_stood_down→all"
	if got := events(outboxOf(t, db)); got != want {
		t.Fatalf("outbox:\n got %s\nwant %s", got, want)
	}
	if _, err := desk.PostStatusUpdate(ctx, bob, in.ID, "late news"); err == nil || !strings.Contains(err.Error(), "war room is closed") {
		t.Fatalf("an update after standing down: %v", err)
	}
}

// An open incident stood down is no longer major: it was not one after all.
func TestStandDownOpenIncident(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout 5xx", Service: "checkout", Category: "availability",
		Impact: model.High, Urgency: model.High})
	if err != nil || !in.Major {
		t.Fatalf("P1 on tier 1: %+v, %v", in, err)
	}
	if rooms, _ := db.WarRooms(ctx); len(rooms) != 1 || rooms[0].DeclaredBy != "bob" {
		t.Fatalf("a P1 on tier 1 opens its war room: %+v", rooms)
	}
	after, err := desk.SetMajor(ctx, alice, in.ID, false, "one shop only")
	if err != nil || after.Major {
		t.Fatalf("stood down: %+v, %v", after, err)
	}
	if _, err := desk.SetMajor(ctx, alice, in.ID, false, "again"); err == nil {
		t.Fatal("stood down twice")
	}
}

// Who is told what: a P1 opened, the breach of its respond and resolve
// targets (each once, to both rules, the e-mail rule to both addresses),
// nothing for a P3.
func TestIncidentEventsToRules(t *testing.T) {
	ctx := t.Context()
	db := openStore(t)
	desk := model.NewDesk(db, notifyPolicy{})
	clk := &modeltest.Clock{At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	desk.Now = clk.Now
	if _, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Orders slow", Service: "orders", Category: "performance",
		Impact: model.Low, Urgency: model.Medium}); err != nil {
		t.Fatal(err)
	}
	if got := events(outboxOf(t, db)); got != "" {
		t.Fatalf("a P4 told: %s", got)
	}
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout 5xx", Service: "checkout", Category: "availability",
		Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := desk.SweepSLA(ctx, clk.At.Add(5*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	want := "p1_opened→all major_declared→all sla_breach→all sla_breach→p1-only sla_breach→p1-only sla_breach→all sla_breach→p1-only sla_breach→p1-only"
	if got := events(outboxOf(t, db)); got != want {
		t.Fatalf("outbox:\n got %s\nwant %s", got, want)
	}
	list, _ := db.Notifications(ctx, model.NotificationQuery{Entity: in.Ref()})
	for _, n := range list {
		if n.State != model.NotifyPending || n.MaxAttempts != model.DefaultNotifyAttempts || !strings.HasPrefix(n.Subject, in.Ref()+" P1") {
			t.Fatalf("message: %+v", n)
		}
	}
}
