package model_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

// planDesk is a desk over a real database governed by the example plan:
// London business hours 08:00-18:00 Mon-Fri, P1/P2 24x7, P3 and below on
// business hours; team web escalates L1 (30m) → L2 (1h) → L3.
func planDesk(t *testing.T, start time.Time) (*store.DB, *model.Desk, *plan.Plan, *modeltest.Clock) {
	t.Helper()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		t.Fatal(err)
	}
	db := openStore(t)
	desk := model.NewDesk(db, p)
	c := &modeltest.Clock{At: start}
	desk.Now = c.Now
	return db, desk, p, c
}

func london(t *testing.T, month time.Month, day, hour, minute int) time.Time {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, month, day, hour, minute, 0, 0, loc).UTC()
}

func TestHoldPausesTheSLA(t *testing.T) {
	ctx := t.Context()
	// Tuesday 16:00: a P3 on business hours, 20h to resolve, 1h to respond.
	_, desk, p, clk := planDesk(t, london(t, 11, 24, 16, 0))
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Search results stale", Service: "search",
		Category: "performance", Impact: model.Medium, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if want := london(t, 11, 26, 16, 0); !in.ResolveDue.Equal(want) {
		t.Fatalf("resolve due %s, want Thursday 16:00 (2h Tue + 10h Wed + 8h Thu)", in.ResolveDue)
	}
	if want := london(t, 11, 24, 17, 0); !in.RespondDue.Equal(want) {
		t.Fatalf("respond due %s, want Tuesday 17:00", in.RespondDue)
	}
	clk.At = london(t, 11, 24, 16, 10)
	if _, err := desk.AckIncident(ctx, bob, in.ID); err != nil {
		t.Fatal(err)
	}
	// On hold needs a reason from the list.
	clk.At = london(t, 11, 24, 17, 0)
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateOnHold}); err == nil || !strings.Contains(err.Error(), "hold reason") {
		t.Fatalf("hold without a reason: %v", err)
	}
	held, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateOnHold, HoldReason: "awaiting_vendor"})
	if err != nil {
		t.Fatal(err)
	}
	clock := p.SLAFor(held.Kind, held.Priority).Clock
	// Overnight the clock stands still with 19h of its 20h left.
	c := model.ResolveClock(held, clock, london(t, 11, 25, 7, 0))
	if !c.Paused || c.Left != 19*time.Hour || c.Stage != model.SLAOK {
		t.Fatalf("on hold: %+v; want paused with 19h left", c)
	}
	// Wednesday 09:00 it resumes: the hold used 1h on Tuesday and 1h on
	// Wednesday of business time, so the due time moves back by 2h.
	clk.At = london(t, 11, 25, 9, 0)
	back, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateInProgress})
	if err != nil {
		t.Fatal(err)
	}
	if back.Paused != 2*time.Hour || !back.HoldSince.IsZero() || back.HoldReason != "" {
		t.Fatalf("after hold: paused %s, hold since %s, reason %q", back.Paused, back.HoldSince, back.HoldReason)
	}
	if want := london(t, 11, 26, 18, 0); !back.ResolveDue.Equal(want) {
		t.Fatalf("resolve due after hold %s, want Thursday 18:00", back.ResolveDue)
	}
	// A second hold adds to the first: Wed 10:00 to 12:30 is 2h30m more.
	clk.At = london(t, 11, 25, 10, 0)
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateOnHold, HoldReason: "awaiting_caller"}); err != nil {
		t.Fatal(err)
	}
	clk.At = london(t, 11, 25, 12, 30)
	// Resolving from hold ends the hold too.
	done, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed", Satisfaction: 4})
	if err != nil {
		t.Fatal(err)
	}
	if done.Paused != 4*time.Hour+30*time.Minute || done.Satisfaction != 4 {
		t.Fatalf("resolved: paused %s, satisfaction %d", done.Paused, done.Satisfaction)
	}
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateInProgress}); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("reopen without a reason: %v", err)
	}
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateClosed, Satisfaction: 9}); err != nil {
		t.Fatalf("close: %v", err)
	}
	bad, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "x", Service: "search", Impact: model.Low, Urgency: model.Low})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Transition(ctx, bob, bad.ID, model.StateChange{To: model.StateResolved, Code: "fixed", Satisfaction: 6}); err == nil || !strings.Contains(err.Error(), "satisfaction") {
		t.Fatalf("satisfaction 6: %v", err)
	}
}

func TestRetriageKeepsElapsedTime(t *testing.T) {
	ctx := t.Context()
	// Tuesday 10:00, a P2 on a tier-1 service: 24x7, 8h to resolve.
	_, desk, p, clk := planDesk(t, london(t, 11, 24, 10, 0))
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout slow", Service: "checkout",
		Category: "performance", Impact: model.High, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if in.Priority != 2 || in.Major || !in.ResolveDue.Equal(london(t, 11, 24, 18, 0)) {
		t.Fatalf("created %s major=%v due %s", in.Priority, in.Major, in.ResolveDue)
	}
	// Two hours in it becomes a P1 (4h): two of its four hours are gone.
	clk.At = london(t, 11, 24, 12, 0)
	up, err := desk.Retriage(ctx, bob, in.ID, model.High, model.High, "every customer affected")
	if err != nil {
		t.Fatal(err)
	}
	if up.Priority != 1 || !up.Major || !up.ResolveDue.Equal(london(t, 11, 24, 14, 0)) || !up.RespondDue.Equal(london(t, 11, 24, 10, 15)) {
		t.Fatalf("P1: major=%v resolve due %s respond due %s", up.Major, up.ResolveDue, up.RespondDue)
	}
	c := model.ResolveClock(up, p.SLAFor(up.Kind, up.Priority).Clock, clk.At)
	if c.Used != 0.5 || c.Stage != model.SLAWatch || c.Left != 2*time.Hour {
		t.Fatalf("P1 clock two hours in: %+v", c)
	}
	// Down to P3 (business hours, 20h): the clock switches to business
	// time counted from the same opening; a major incident stays major.
	clk.At = london(t, 11, 24, 13, 0)
	if _, err := desk.Retriage(ctx, bob, in.ID, model.Medium, model.Medium, "workaround holds"); err == nil {
		t.Fatal("an operator lowered a major incident")
	}
	if _, err := desk.Retriage(ctx, alice, in.ID, model.Medium, model.Medium, ""); err == nil {
		t.Fatal("a priority changed without a reason")
	}
	down, err := desk.Retriage(ctx, alice, in.ID, model.Medium, model.Medium, "workaround holds")
	if err != nil {
		t.Fatal(err)
	}
	if down.Priority != 3 || !down.Major || !down.ResolveDue.Equal(london(t, 11, 26, 10, 0)) {
		t.Fatalf("P3: major=%v resolve due %s, want Thursday 10:00", down.Major, down.ResolveDue)
	}
	if _, err := desk.Retriage(ctx, alice, in.ID, model.Medium, model.Medium, "again"); err == nil {
		t.Fatal("retriage to the same impact and urgency accepted")
	}
	if _, err := desk.Retriage(ctx, model.Actor{Name: "v", Role: model.RoleViewer}, in.ID, model.High, model.High, ""); err == nil {
		t.Fatal("a viewer changed a priority")
	}
}

func TestSweepRaisesSLAEventsOnce(t *testing.T) {
	ctx := t.Context()
	opened := london(t, 11, 24, 10, 0)
	db, desk, _, clk := planDesk(t, opened)
	// A P1 on checkout (team web: L1 30m, L2 1h, L3), nobody acknowledges it.
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout down", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	// A P2 that is acknowledged at once: no level timeouts for it.
	acked, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout slow", Service: "checkout",
		Category: "performance", Impact: model.High, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AckIncident(ctx, bob, acked.ID); err != nil {
		t.Fatal(err)
	}
	// A quiet sweep commits nothing, so it wakes no session.
	woken, stop := db.Subscribe()
	defer stop()
	if n, err := desk.SweepSLA(ctx, opened.Add(time.Minute)); n != 0 || err != nil {
		t.Fatalf("quiet sweep: %d, %v", n, err)
	}
	select {
	case <-woken:
		t.Fatal("a sweep that raised nothing notified the sessions")
	default:
	}
	steps := []struct {
		after  time.Duration
		raised int
		level  int
		flags  model.SLAFlags
		text   string // in the newest timeline entry when raised
	}{
		{14 * time.Minute, 1, 0, model.SLARespondWarned, "93% of the respond target used"},
		{15 * time.Minute, 1, 0, model.SLARespondWarned | model.SLARespondBreached, "respond target breached"},
		{29 * time.Minute, 0, 0, model.SLARespondWarned | model.SLARespondBreached, ""},
		{30 * time.Minute, 1, 1, model.SLARespondWarned | model.SLARespondBreached, "escalated to L2 (Priya Shah): not acknowledged within 30m at L1 (Web on-call)"},
		{89 * time.Minute, 0, 1, model.SLARespondWarned | model.SLARespondBreached, ""},
		{90 * time.Minute, 1, 2, model.SLARespondWarned | model.SLARespondBreached, "escalated to L3 (Marcus Bell)"},
		{179 * time.Minute, 0, 2, model.SLARespondWarned | model.SLARespondBreached, ""},
		{180 * time.Minute, 1, 2, model.SLARespondWarned | model.SLARespondBreached | model.SLAWarned, "75% of the resolve target used"},
		{181 * time.Minute, 0, 2, model.SLARespondWarned | model.SLARespondBreached | model.SLAWarned, ""},
		{240 * time.Minute, 1, 2, model.SLARespondWarned | model.SLARespondBreached | model.SLAWarned | model.SLAResolveBreached, "resolve target breached"},
		{300 * time.Minute, 0, 2, model.SLARespondWarned | model.SLARespondBreached | model.SLAWarned | model.SLAResolveBreached, ""},
	}
	for _, st := range steps {
		clk.At = opened.Add(st.after)
		raised, err := desk.SweepSLA(ctx, clk.At)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Incident(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if raised != st.raised || got.Escalation != st.level || got.SLAFlags != st.flags {
			t.Fatalf("+%s: raised %d, level %d, flags %b; want %d, %d, %b", st.after, raised, got.Escalation, got.SLAFlags, st.raised, st.level, st.flags)
		}
		if st.text != "" {
			tl, err := db.Timeline(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if last := tl[len(tl)-1]; !strings.Contains(last.Text, st.text) || last.Actor != "hypercare" {
				t.Fatalf("+%s: last timeline entry %+v, want %q", st.after, last, st.text)
			}
		}
	}
	// The acknowledged P2 (8h) was never escalated; at +5h it is only watched.
	other, err := db.Incident(ctx, acked.ID)
	if err != nil {
		t.Fatal(err)
	}
	if other.Escalation != 0 || other.SLAFlags != 0 {
		t.Fatalf("acknowledged P2: level %d flags %b", other.Escalation, other.SLAFlags)
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts.SLAAtRisk != 1 {
		t.Fatalf("SLA at risk = %d, want 1", counts.SLAAtRisk)
	}
	// Resolving takes it out of the count.
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed"}); err != nil {
		t.Fatal(err)
	}
	if counts, _ = db.Counts(ctx); counts.SLAAtRisk != 0 {
		t.Fatalf("SLA at risk after resolve = %d", counts.SLAAtRisk)
	}
	// An incident first swept long after its due time (hypercare was
	// down) gets the breach, not a "300% used" warning before it.
	late, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Late", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AckIncident(ctx, bob, late.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.SweepSLA(ctx, clk.At.Add(12*time.Hour)); err != nil {
		t.Fatal(err)
	}
	tl, _ := db.Timeline(ctx, late.ID)
	var sla []string
	for _, e := range tl {
		if e.Kind == "sla" {
			sla = append(sla, e.Text)
		}
	}
	if len(sla) != 1 || !strings.HasPrefix(sla[0], "resolve target breached (was due ") || !strings.Contains(sla[0], "escalated to L2") {
		t.Fatalf("late sweep wrote %q", sla)
	}
}

func TestLinkAndMerge(t *testing.T) {
	ctx := t.Context()
	db, desk, _, clk := planDesk(t, london(t, 11, 24, 10, 0))
	newInc := func(title string) model.Incident {
		in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: title, Service: "checkout",
			Category: "availability", Impact: model.Medium, Urgency: model.High})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	keep, dup := newInc("Checkout 502s"), newInc("Customers cannot pay")
	chg, _, err := desk.CreateChange(ctx, bob, model.Change{Title: "Deploy checkout 4.2", Services: []string{"checkout"},
		Impact: model.Medium, Probability: model.Medium, Start: clk.At.Add(-time.Hour), End: clk.At.Add(-30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	earlier, _, err := desk.CreateChange(ctx, bob, model.Change{Title: "Yesterday's patch", Services: []string{"checkout"},
		Impact: model.Low, Probability: model.Medium, Start: clk.At.Add(-25 * time.Hour), End: clk.At.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	later, _, err := desk.CreateChange(ctx, bob, model.Change{Title: "Tomorrow's patch", Services: []string{"checkout"},
		Impact: model.Low, Probability: model.Medium, Start: clk.At.Add(24 * time.Hour), End: clk.At.Add(25 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	kb, err := desk.SaveArticle(ctx, bob, model.Article{Slug: "checkout-502", Title: "Checkout 502 runbook", Kind: model.ArticleRunbook, Body: "restart"})
	if err != nil {
		t.Fatal(err)
	}
	al, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: "k1", Name: "Checkout5xx", State: model.AlertFiring, Service: "checkout", Severity: model.SevWarning})
	if err != nil {
		t.Fatal(err)
	}
	links := []struct {
		id     int64
		kind   string
		target int64
		errs   string
	}{
		{keep.ID, "caused_by", chg.ID, ""},
		{keep.ID, "article", kb.ID, ""},
		{dup.ID, "alert", al.ID, ""},
		{dup.ID, "resolved_by", later.ID, ""},
		{keep.ID, "caused_by", 999, "CHG-999: not found"},
		{keep.ID, "article", 999, "KB-999: not found"},
		{keep.ID, "blamed_on", chg.ID, "link kind"},
		{dup.ID, "alert", al.ID, "already linked"},
		{keep.ID, "caused_by", chg.ID, "is already caused by CHG-"},
		{keep.ID, "resolved_by", chg.ID, "a change is either the cause or the fix"},
		{keep.ID, "caused_by", later.ID, "a change can only cause what follows it"},
		{keep.ID, "resolved_by", earlier.ID, "a change can only fix what came before it"},
	}
	for _, l := range links {
		_, err := desk.Link(ctx, bob, l.id, l.kind, l.target)
		if (l.errs == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), l.errs)) {
			t.Fatalf("link INC-%d %s %d: %v, want %q", l.id, l.kind, l.target, err, l.errs)
		}
	}
	got, err := db.Links(ctx, keep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Label() != "caused by CHG-"+itoa(chg.ID) || got[0].Title != "Deploy checkout 4.2" || got[1].Title != "Checkout 502 runbook" {
		t.Fatalf("links = %+v", got)
	}
	// Merge the duplicate: it resolves as a duplicate, its alert and its
	// link move to the survivor.
	if _, err := desk.Merge(ctx, bob, dup.ID, dup.ID); err == nil {
		t.Fatal("merged into itself")
	}
	if _, err := desk.Merge(ctx, bob, dup.ID, keep.ID); err != nil {
		t.Fatal(err)
	}
	d, _ := db.Incident(ctx, dup.ID)
	if d.State != model.StateResolved || d.Resolution != "duplicate" || d.MergedInto != keep.ID {
		t.Fatalf("duplicate after merge: %+v", d)
	}
	alerts, err := db.IncidentAlerts(ctx, keep.ID, 10)
	if err != nil || len(alerts) != 1 || alerts[0].ID != al.ID {
		t.Fatalf("survivor's alerts = %v, %v", alerts, err)
	}
	if got, _ := db.Links(ctx, keep.ID); len(got) != 3 {
		t.Fatalf("survivor's links after merge = %+v", got)
	}
	tl, _ := db.Timeline(ctx, keep.ID)
	if last := tl[len(tl)-1]; last.Kind != "merge" || !strings.Contains(last.Text, dup.Ref()+" merged in") {
		t.Fatalf("survivor's last timeline entry: %+v", last)
	}
	if _, err := desk.Merge(ctx, bob, dup.ID, keep.ID); err == nil || !strings.Contains(err.Error(), "only an open incident") {
		t.Fatalf("merging a resolved duplicate again: %v", err)
	}
	if _, err := desk.Link(ctx, model.Actor{Name: "v", Role: model.RoleViewer}, keep.ID, "article", kb.ID); err == nil {
		t.Fatal("a viewer linked an article")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A missed respond target puts an incident on the at-risk list until
// someone acknowledges it.
func TestRespondBreachIsAtRiskUntilAck(t *testing.T) {
	ctx := t.Context()
	opened := london(t, 11, 24, 10, 0)
	db, desk, _, _ := planDesk(t, opened)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout down", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	atRisk := func() int {
		t.Helper()
		c, err := db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		q, err := db.Queue(ctx, model.QueueQuery{AtRisk: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != c.SLAAtRisk {
			t.Fatalf("at-risk queue has %d, count says %d", len(q), c.SLAAtRisk)
		}
		return c.SLAAtRisk
	}
	if _, err := desk.SweepSLA(ctx, opened.Add(16*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := atRisk(); n != 1 {
		t.Fatalf("respond breached, not acked: at risk %d", n)
	}
	if _, err := desk.AckIncident(ctx, bob, in.ID); err != nil {
		t.Fatal(err)
	}
	if n := atRisk(); n != 0 {
		t.Fatalf("acknowledged: at risk %d", n)
	}
}

// Moving a new incident on (not cancelling it) is its first response.
func TestTakingUpIsAResponse(t *testing.T) {
	ctx := t.Context()
	_, desk, _, clk := planDesk(t, london(t, 11, 24, 10, 0))
	newInc := func() model.Incident {
		in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "x", Service: "checkout", Impact: model.High, Urgency: model.High})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	clk.At = clk.At.Add(5 * time.Minute)
	for _, tt := range []struct {
		c       model.StateChange
		respond bool
	}{
		{model.StateChange{To: model.StateInProgress}, true},
		{model.StateChange{To: model.StateResolved, Code: "no_fault_found"}, true},
		{model.StateChange{To: model.StateCancelled, Reason: "logged twice"}, false},
	} {
		got, err := desk.Transition(ctx, alice, newInc().ID, tt.c) // a lead: cancelling a P1 needs one
		if err != nil {
			t.Fatal(err)
		}
		if responded := got.AckAt.Equal(clk.At); responded != tt.respond || (tt.respond && got.Assignee != "alice") {
			t.Errorf("New → %s: ack at %s, assignee %q", tt.c.To, got.AckAt, got.Assignee)
		}
	}
}

// Assignments name a team and a person the plan knows; repeating one is refused.
func TestAssignChecksNames(t *testing.T) {
	ctx := t.Context()
	_, desk, _ := newDesk(t)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "x", Service: "checkout", Impact: model.Low, Urgency: model.Low})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ team, who, want string }{
		{"nope", "", `team "nope": not in the plan`},
		{"", "nobody.here", `assignee "nobody.here": not an operator or team member`},
		{"payments", "carol", ""},
		{"payments", "carol", "is already assigned to carol (payments)"},
		{"", "carol", "is already assigned to carol (payments)"},
	} {
		_, err := desk.Assign(ctx, bob, in.ID, tt.team, tt.who)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("assign %q %q: %v, want %q", tt.team, tt.who, err, tt.want)
		}
	}
	p, err := desk.CreateProblem(ctx, bob, model.NewProblem{Title: "p", Service: "checkout", Category: "availability"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AssignProblem(ctx, bob, p.ID, "nobody.here"); err == nil {
		t.Error("a problem was given to an unknown owner")
	}
	if _, err := desk.AddProblemAction(ctx, bob, p.ID, model.ProblemAction{Text: "t", Owner: "nobody.here"}); err == nil {
		t.Error("an action was given to an unknown owner")
	}
}

func TestMajorIsALeadsCall(t *testing.T) {
	ctx := t.Context()
	_, desk, _ := newDesk(t)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "x", Service: "orders", Impact: model.Medium, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.CreateIncident(ctx, alice, model.NewIncident{Kind: model.KindRequest, Title: "r", Service: "orders", Impact: model.Low, Urgency: model.Low, Major: true}); err == nil {
		t.Error("a request was declared major")
	}
	steps := []struct {
		who    model.Actor
		major  bool
		reason string
		want   string
	}{
		{bob, true, "all stores down", "needs the lead role"},
		{alice, true, "", "reason"},
		{alice, true, "all stores down", ""},
		{alice, true, "again", "already a major incident"},
		{alice, false, "only one store after all", ""},
		{alice, false, "again", "not a major incident"},
	}
	for _, st := range steps {
		got, err := desk.SetMajor(ctx, st.who, in.ID, st.major, st.reason)
		if (st.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), st.want)) {
			t.Fatalf("SetMajor(%s, %v, %q): %v, want %q", st.who.Name, st.major, st.reason, err, st.want)
		}
		if err == nil && got.Major != st.major {
			t.Fatalf("major = %v after SetMajor(%v)", got.Major, st.major)
		}
	}
}

// Lowering the priority of a breached incident does not unmake the breach:
// the flag stays and the metrics count it as missed.
func TestBreachSurvivesRetriage(t *testing.T) {
	ctx := t.Context()
	opened := london(t, 11, 24, 10, 0)
	_, desk, _, clk := planDesk(t, opened)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "slow", Service: "search", Impact: model.High, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	clk.At = opened.Add(9 * time.Hour) // P2: 8h to resolve
	if _, err := desk.SweepSLA(ctx, clk.At); err != nil {
		t.Fatal(err)
	}
	low, err := desk.Retriage(ctx, bob, in.ID, model.Low, model.Low, "turned out cosmetic")
	if err != nil {
		t.Fatal(err)
	}
	if low.SLAFlags&model.SLAResolveBreached == 0 {
		t.Fatalf("flags after the downgrade: %b", low.SLAFlags)
	}
	done, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed"})
	if err != nil {
		t.Fatal(err)
	}
	m := model.ComputeMetrics([]model.Incident{done}, opened.Add(-time.Hour), clk.At.Add(time.Hour), time.UTC)
	for _, a := range m.Attainment {
		if a.Group == model.AttainmentAll && (a.Met.N != 0 || a.Met.Of != 1) {
			t.Fatalf("attainment of a breached, downgraded incident: %+v", a.Met)
		}
	}
}

// The more urgent incident carries on: merging a P1 into a P3 is refused.
func TestMergeKeepsTheUrgentOne(t *testing.T) {
	ctx := t.Context()
	_, desk, _, _ := planDesk(t, london(t, 11, 24, 10, 0))
	p1, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "down", Service: "checkout", Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	p3, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "slow", Service: "checkout", Impact: model.Medium, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Merge(ctx, bob, p1.ID, p3.ID); err == nil || !strings.Contains(err.Error(), "more urgent") {
		t.Fatalf("P1 into P3: %v", err)
	}
	if _, err := desk.Merge(ctx, bob, p3.ID, p1.ID); err != nil {
		t.Fatalf("P3 into P1: %v", err)
	}
}

// Escalating to a level with a rota hands the incident to whoever is on
// call there: platform's L2 rota (example plan) turns every two weeks from
// 16 November, Claire Dubois then Ben Hughes; a level without a rota (L3)
// leaves the assignee as it was.
func TestEscalationGoesToWhoIsOnCall(t *testing.T) {
	ctx := t.Context()
	db, desk, _, clk := planDesk(t, london(t, 12, 1, 10, 0))
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Orders API slow", Service: "orders",
		Category: "performance", Impact: model.Medium, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	up, err := desk.Escalate(ctx, alice, in.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Assignee != "ben.hughes" {
		t.Fatalf("escalated to L2 on 1 Dec: assignee %q, want ben.hughes (on call)", up.Assignee)
	}
	tl, err := db.Timeline(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := tl[len(tl)-1].Text; !strings.Contains(last, "assigned to ben.hughes, on call") {
		t.Fatalf("timeline says %q", last)
	}
	clk.At = clk.At.Add(time.Hour)
	if top, err := desk.Escalate(ctx, alice, in.ID, ""); err != nil || top.Assignee != "ben.hughes" {
		t.Fatalf("L3 (no rota): assignee %q, %v; want it unchanged", top.Assignee, err)
	}
}

// The exit scorecard's history: each day's 24 hours on their own, read
// from the store once. A P1 outage on checkout two days ago counts on its
// day and not since, so "no open P1 for 3 days" holds two of three.
func TestMetricsHistoryOnAFakeClock(t *testing.T) {
	ctx := t.Context()
	start := london(t, 11, 24, 10, 0)
	db, desk, p, clk := planDesk(t, start)
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "Checkout down", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	clk.At = start.Add(3 * time.Hour)
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed"}); err != nil {
		t.Fatal(err)
	}
	now := start.Add(50 * time.Hour) // the first day ends two hours after it opened
	history, err := model.ReadMetricsHistory(ctx, db, 3, now, p.Location())
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != 3 || !history[2].Until.Equal(now) || !history[0].Since.Equal(now.Add(-72*time.Hour)) {
		t.Fatalf("windows %v", history)
	}
	for i, want := range []int{1, 0, 0} {
		if got := history[i].Open.Priority(1); got != want {
			t.Errorf("day %d: open P1 %d, want %d", i, got, want)
		}
	}
	if d := history[0].Downtime["checkout"]; d != 2*time.Hour {
		t.Errorf("day 0: checkout down %s, want 2h (opened 2h before the day's end)", d)
	}
	if d := history[1].Downtime["checkout"]; d != time.Hour {
		t.Errorf("day 1: checkout down %s, want the last hour of the outage", d)
	}
	scores := p.ScoreExit(history)
	for _, sc := range scores {
		if sc.Metric == "open_p1" && (sc.Met || sc.Held != 2 || sc.Status() != "held 2 of 3 days") {
			t.Errorf("open P1 criterion: %+v, %s", sc, sc.Status())
		}
	}
}
