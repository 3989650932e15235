package demo

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// warRoom is the live demo on a fake clock: the seeded week, the alert
// stream applied through the intake every 3 s, and the staff every 20 s,
// as the console runs them.
type warRoom struct {
	t       *testing.T
	p       *plan.Plan
	db      *store.DB
	desk    *model.Desk
	clock   time.Time
	live    time.Time
	stream  *stream
	w       dropWriter
	in      drops.Intake
	staff   *staff
	console string
}

func newWarRoom(t *testing.T, console string) *warRoom {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	p, err := Plan(now)
	if err != nil {
		t.Fatal(err)
	}
	db, desk := openDesk(t, p)
	if err := Seed(t.Context(), desk, p, now); err != nil {
		t.Fatal(err)
	}
	if err := desk.SyncRoster(t.Context(), model.System, p.Roster()); err != nil {
		t.Fatal(err)
	}
	wr := &warRoom{t: t, p: p, db: db, desk: desk, clock: now, live: now, console: console}
	desk.Now = func() time.Time { return wr.clock }
	if wr.stream, err = newStream(p, rand.New(rand.NewPCG(16, 9))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wr.w = dropWriter{dir: dir}
	wr.in = drops.Intake{Dir: dir, Ingester: desk, Now: desk.Now}
	if wr.staff, err = newStaff(desk, p, now, console); err != nil {
		t.Fatal(err)
	}
	return wr
}

// run plays d of the war room, calling each after every staff round.
func (wr *warRoom) run(d time.Duration, each func()) {
	t := wr.t
	next := wr.clock.Add(20 * time.Second)
	for end := wr.clock.Add(d); wr.clock.Before(end); {
		wr.clock = wr.clock.Add(3 * time.Second)
		dr := wr.stream.next(wr.clock)
		if err := wr.w.write(dr, wr.clock); err != nil {
			t.Fatal(err)
		}
		if _, err := wr.in.Apply(t.Context(), dropName(wr.clock, dr, wr.w.seq)); err != nil {
			t.Fatal(err)
		}
		if !wr.clock.Before(next) {
			next = next.Add(20 * time.Second)
			if err := wr.staff.tick(t.Context(), wr.clock); err != nil {
				t.Fatal(err)
			}
			each()
		}
	}
}

// exitMet counts the exit criteria met now, as the header's "exit m/n".
func (wr *warRoom) exitMet() int {
	history, err := model.ReadMetricsHistory(wr.t.Context(), wr.db, plan.ExitDays, wr.clock, wr.p.Location())
	if err != nil {
		wr.t.Fatal(err)
	}
	met := 0
	for _, sc := range wr.p.ScoreExit(history) {
		if sc.Met {
			met++
		}
	}
	return met
}

// An hour of the live demo is a calm but busy war room: a P1 now and then,
// never a pile of them; the staff take, hand over, write on and resolve
// incidents, open one for a warning that keeps firing, and do their
// reading; the exit scorecard moves; the operator at the console is left
// their own work.
func TestWarRoomOverAnHour(t *testing.T) {
	const console = "maya.patel"
	wr := newWarRoom(t, console)
	ctx := t.Context()
	before := wr.exitMet()
	trainingBefore := training(t, wr.desk)
	maxP1, rounds := 0, 0
	wr.run(time.Hour, func() {
		rounds++
		p1, err := wr.db.Queue(ctx, model.QueueQuery{Priorities: []model.Priority{1}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		maxP1 = max(maxP1, len(p1))
	})
	if rounds != 180 {
		t.Fatalf("%d staff rounds in an hour; want 180", rounds)
	}
	all, err := wr.db.Queue(ctx, model.QueueQuery{All: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var p1s, liveOpened, liveResolved, openNow int
	for _, in := range all {
		if in.OpenedAt.Before(wr.live) {
			continue
		}
		liveOpened++
		if in.Priority == 1 {
			p1s++
		}
		if in.State == model.StateResolved {
			liveResolved++
		}
		if in.State.Open() {
			openNow++
		}
	}
	if p1s < 1 || p1s > 6 {
		t.Errorf("%d P1 incidents in an hour; want one now and then (1 to 6)", p1s)
	}
	if maxP1 > 3 {
		t.Errorf("up to %d P1 incidents open at once; the wall should not stay red", maxP1)
	}
	if liveResolved == 0 || liveResolved < liveOpened/2 {
		t.Errorf("%d of %d live incidents resolved; the staff should close most of what they take", liveResolved, liveOpened)
	}

	// What the staff did, from the audit log, by whom.
	log, err := wr.db.Audit(ctx, model.AuditQuery{Since: wr.live, Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	did := map[string]int{}
	for _, e := range log {
		if e.Actor == model.System.Name {
			continue
		}
		if e.Actor == console {
			t.Errorf("the staff acted as the operator at the console: %s %s", e.Action, e.Entity)
		}
		did[e.Action]++
	}
	for _, action := range []string{"incident.ack", "incident.assign", "incident.note", "incident.state", "article.read"} {
		if did[action] == 0 {
			t.Errorf("no %s by the staff in an hour: %v", action, did)
		}
	}
	if did["incident.ack"] < 5 || did["incident.state"] < 3 {
		t.Errorf("the staff took %d and resolved %d incidents in an hour; want a busy war room: %v", did["incident.ack"], did["incident.state"], did)
	}
	// The seeded week's backlog is worked down too.
	seededResolved := 0
	for _, in := range all {
		if in.OpenedAt.Before(wr.live) && in.State == model.StateResolved && in.ResolvedAt.After(wr.live) {
			seededResolved++
		}
	}
	if seededResolved == 0 {
		t.Error("none of the week's open incidents was resolved in an hour")
	}
	if after := training(t, wr.desk); after <= trainingBefore {
		t.Errorf("required reading done %.2f → %.2f; the staff read nothing", trainingBefore, after)
	}
	if after := wr.exitMet(); after == before {
		t.Errorf("exit %d/9 before and after an hour; the scorecard should move", before)
	} else {
		t.Logf("exit %d/9 → %d/9; %d live incidents (%d P1, at most %d open at once; %d resolved, %d open), %d of the week's resolved; staff: %v",
			before, after, liveOpened, p1s, maxP1, liveResolved, openNow, seededResolved, did)
	}
	// The console's own work stays theirs.
	if unread, err := wr.desk.Unread(ctx, model.Actor{Name: console, Role: model.RoleLead}); err != nil || len(unread) == 0 {
		t.Errorf("the staff did %s's reading: %d left, %v", console, len(unread), err)
	}
}

// training is the share of required reading done.
func training(t *testing.T, desk *model.Desk) float64 {
	tr, err := desk.Training(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := tr.Completion.Value()
	return v
}

// A new live incident is taken by the desk after a minute (a P1), handed
// to the team's engineer, written on, and resolved by them only once its
// alert has cleared; one the console's operator holds is left to them.
func TestStaffTakeHandOverAndClose(t *testing.T) {
	ctx := t.Context()
	// tom.okafor is at the desk; orders-db belongs to platform.
	now := time.Date(2026, 6, 10, 2, 30, 0, 0, time.UTC)
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
	const console = "maya.patel"
	st, err := newStaff(desk, p, now, console)
	if err != nil {
		t.Fatal(err)
	}
	fire := func(key string, state model.AlertState) model.Alert {
		t.Helper()
		a, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: key, Source: "alertmanager", Name: "DiskFull",
			Service: "orders-db", Severity: model.SevCritical, State: state, StartsAt: now.Add(time.Minute), EndsAt: map[bool]time.Time{true: clock}[state == model.AlertResolved],
			Labels: map[string]string{"alertname": "DiskFull", "service": "orders-db", "severity": "critical", "env": "prod", "instance": "db-1"}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	clock = now.Add(time.Minute)
	al := fire("demo-1", model.AlertFiring)
	in, err := desk.IncidentForAlert(ctx, model.System, al.ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.Priority != 1 || in.Team != "platform" {
		t.Fatalf("the alert opened %s for %s; want a P1 for platform", in.Priority, in.Team)
	}
	mine, err := desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "the console's own", Service: "orders-db", Category: "availability",
		Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	if mine, err = desk.Assign(ctx, model.Actor{Name: console, Role: model.RoleLead}, mine.ID, "platform", console); err != nil {
		t.Fatal(err)
	}
	// Rounds every 20 s until the staff have done what is asked, or an hour.
	until := func(what string, done func(model.Incident, []model.TimelineEntry) bool) {
		t.Helper()
		for end := clock.Add(time.Hour); clock.Before(end); clock = clock.Add(20 * time.Second) {
			if err := st.tick(ctx, clock); err != nil {
				t.Fatal(err)
			}
			got, _ := db.Incident(ctx, in.ID)
			tl, _ := db.Timeline(ctx, in.ID)
			if done(got, tl) {
				return
			}
		}
		got, _ := db.Incident(ctx, in.ID)
		t.Fatalf("after an hour of rounds, %s has not happened: %+v", what, got)
	}
	opened := clock
	until("the ack", func(got model.Incident, _ []model.TimelineEntry) bool { return got.State == model.StateInProgress })
	if got, _ := db.Incident(ctx, in.ID); clock.Sub(opened) < ackUrgent || !slices.ContainsFunc(st.c.desk, func(a model.Actor) bool { return a.Name == got.Assignee }) {
		t.Fatalf("taken after %s by %q; want the desk, after %s", clock.Sub(opened), got.Assignee, ackUrgent)
	}
	if got, _ := db.Incident(ctx, in.ID); got.Assignee != "tom.okafor" {
		t.Fatalf("taken by %s; want tom.okafor, at the desk", got.Assignee)
	}
	until("the hand-over", func(got model.Incident, _ []model.TimelineEntry) bool { return got.Assignee != "tom.okafor" })
	if got, _ := db.Incident(ctx, in.ID); got.Team != "platform" || !slices.ContainsFunc(st.c.teams["platform"], func(a model.Actor) bool { return a.Name == got.Assignee }) {
		t.Fatalf("handed to %s (%s); want platform's engineer on shift", got.Assignee, got.Team)
	}
	until("a note", func(got model.Incident, tl []model.TimelineEntry) bool {
		return slices.ContainsFunc(tl, func(e model.TimelineEntry) bool { return e.Kind == "note" && e.Actor == got.Assignee })
	})
	// However long it is worked, it stays open while its alert fires.
	clock = clock.Add(30 * time.Minute)
	for range 10 {
		if err := st.tick(ctx, clock); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(20 * time.Second)
	}
	if got, _ := db.Incident(ctx, in.ID); got.State != model.StateInProgress {
		t.Fatalf("resolved while its alert fires: %s", got.State.Label())
	}
	fire("demo-1", model.AlertResolved)
	until("the resolve", func(got model.Incident, _ []model.TimelineEntry) bool { return got.State == model.StateResolved })
	if got, _ := db.Incident(ctx, in.ID); got.Resolution != "fixed" || got.Satisfaction < 4 {
		t.Fatalf("resolved %s with satisfaction %d", got.Resolution, got.Satisfaction)
	}
	if got, _ := db.Incident(ctx, mine.ID); got.Assignee != console || got.State != mine.State || !got.UpdatedAt.Equal(mine.UpdatedAt) {
		t.Fatalf("the console's incident was touched: %s, %s", got.State.Label(), got.Assignee)
	}
}
