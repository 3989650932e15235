package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// Staff is the live demo's other people at work, so the console looks like
// a calm but busy war room rather than a wall that only ever turns red:
// the desk takes new incidents after a minute or a few and hands them to
// the team's engineer on shift, engineers write what they find, resolve
// what they fixed once its alerts have cleared and work down the week's
// backlog, the desk opens an incident now and then for a warning that does
// not go away, and people do their required reading — all through the
// desk, as the operators would, so the queue, the audit log and the exit
// scorecard move over the session.
//
// Staff acts every interval until ctx ends; since is when the demo went
// live. console is the operator at the console: the staff never act as
// them, nor on what they hold, nor read for them.
func Staff(ctx context.Context, dk *model.Desk, p *plan.Plan, since time.Time, every time.Duration, console string) error {
	st, err := newStaff(dk, p, since, console)
	if err != nil {
		return err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := st.tick(ctx, dk.Now()); err != nil && ctx.Err() == nil {
			return err
		}
	}
}

// The staff's pace. Each of their kinds of work is done at most once a
// round, so a burst of alerts is taken over a few minutes, as people would.
const (
	ackUrgent   = time.Minute      // a new P1 or P2 is taken after this …
	ackOther    = 3 * time.Minute  // … and anything else after this
	assignAfter = 2 * time.Minute  // after the desk took it, it goes to the team
	noteAfter   = 4 * time.Minute  // an engineer writes after this long without a word
	fixAfter    = 4 * time.Minute  // a live incident is worked this long before it is resolved
	backlogGap  = 10 * time.Minute // one of the week's incidents is closed this often
	settleAfter = 6 * time.Minute  // … this long after an engineer's note in this session
	openGap     = 6 * time.Minute  // the desk opens an incident for a warning at most this often
	warnFor     = 3 * time.Minute  // … one that has fired this long
	readGap     = 45 * time.Second // someone reads a required article this often
	busy        = 3                // the desk opens no incident while this many live ones are open
)

// staff is the people at work and what they did last.
type staff struct {
	dk      *model.Desk
	p       *plan.Plan
	c       cast
	since   time.Time
	console string
	readers []model.Actor // who does required reading, in turn
	next    int           // the next reader

	lastBacklog, lastOpen, lastRead time.Time
}

func newStaff(dk *model.Desk, p *plan.Plan, since time.Time, console string) (*staff, error) {
	c, err := newCast(p)
	if err != nil {
		return nil, fmt.Errorf("demo staff: %w", err)
	}
	st := &staff{dk: dk, p: p, c: c, since: since, console: console}
	for _, op := range p.Operators {
		if op.Name != console && op.Role >= model.RoleOperator {
			st.readers = append(st.readers, model.Actor{Name: op.Name, Role: op.Role})
		}
	}
	return st, nil
}

// tick does one round of the staff's work at now. A write the desk
// refuses (the operator at the console got there first) is left; only a
// failed read stops the staff.
func (st *staff) tick(ctx context.Context, now time.Time) error {
	r := st.dk.Reader()
	open, err := r.Queue(ctx, model.QueueQuery{Limit: 500})
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	// Oldest first: the desk takes what waited longest.
	slices.SortFunc(open, func(a, b model.Incident) int { return a.OpenedAt.Compare(b.OpenedAt) })
	var taken, handed, noted, fixed bool
	for _, in := range open {
		if in.Assignee == st.console && st.console != "" {
			continue // theirs to work
		}
		switch {
		case in.State == model.StateNew && !taken && now.Sub(in.OpenedAt) >= ackWait(in):
			taken = true
			st.dk.AckIncident(ctx, st.c.actor(desk, "", now), in.ID)
			continue
		case in.State != model.StateInProgress:
			continue
		case !st.inTeam(in):
			// Taken by the desk (or by nobody), not by its team: a
			// while after, the desk hands it to the team's engineer.
			if eng, ok := st.c.engineer(in.Team, now); ok && eng.Name != st.console && !handed && now.Sub(in.AckAt) >= assignAfter {
				handed = true
				st.dk.Assign(ctx, st.c.actor(desk, "", now), in.ID, in.Team, eng.Name)
			}
			continue
		}
		worker, ok := st.person(in.Assignee)
		if !ok {
			continue
		}
		tl, err := r.Timeline(ctx, in.ID)
		if err != nil {
			return fmt.Errorf("demo staff: %w", err)
		}
		notes, note, last := st.notes(tl)
		switch {
		case !noted && notes == 0 && now.Sub(last) >= noteAfter:
			// A first look at a live incident; where the week's work
			// stands on an old one.
			noted = true
			st.dk.AddNote(ctx, worker, in.ID, progressNote(in, st.live(in)))
		case !noted && notes == 1 && st.live(in) && now.Sub(note) >= 3*noteAfter:
			noted = true
			st.dk.AddNote(ctx, worker, in.ID, progressNote(in, false))
		case !fixed && st.live(in) && !note.IsZero() && now.Sub(in.AckAt) >= fixAfter:
			done, err := alertsResolved(ctx, r, in.ID)
			if err != nil {
				return err
			}
			if done {
				fixed = true
				st.dk.Transition(ctx, worker, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed",
					Satisfaction: satisfaction(in), Reason: "Alerts cleared and the dashboards are back to normal; watched it for a few minutes."})
			}
		case !fixed && st.settles(in, note, now):
			fixed = true
			st.lastBacklog = now
			st.dk.Transition(ctx, worker, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed",
				Satisfaction: satisfaction(in), Reason: "Confirmed with the people who reported it: back to normal since the last note."})
		}
	}
	if err := st.openForWarning(ctx, open, now); err != nil {
		return err
	}
	return st.read(ctx, now)
}

// ackWait is how long a new incident waits for the desk.
func ackWait(in model.Incident) time.Duration {
	if in.Priority <= 2 {
		return ackUrgent
	}
	return ackOther
}

// live reports whether the incident was opened since the demo went live.
func (st *staff) live(in model.Incident) bool { return !in.OpenedAt.Before(st.since) }

// inTeam reports whether someone of the incident's team holds it (a team
// without operators in the plan, a vendor, is held by whoever took it).
func (st *staff) inTeam(in model.Incident) bool {
	members := st.c.teams[in.Team]
	if len(members) == 0 {
		return in.Assignee != ""
	}
	return slices.ContainsFunc(members, func(a model.Actor) bool { return a.Name == in.Assignee })
}

// person is the plan's operator of that name, unless it is the console's.
func (st *staff) person(name string) (model.Actor, bool) {
	op, ok := st.p.Operator(name)
	if !ok || name == st.console || op.Role < model.RoleOperator {
		return model.Actor{}, false
	}
	return model.Actor{Name: op.Name, Role: op.Role}, true
}

// notes counts the notes the staff wrote on a timeline in this session
// and says when the last was written (zero when none was), and when
// anything last happened.
func (st *staff) notes(tl []model.TimelineEntry) (n int, note, last time.Time) {
	for _, e := range tl {
		if e.At.After(last) {
			last = e.At
		}
		if e.Kind == "note" && !e.At.Before(st.since) && e.Actor != st.console {
			n++
			if e.At.After(note) {
				note = e.At
			}
		}
	}
	return n, note, last
}

// settles reports whether one of the week's incidents is closed now: one
// every backlogGap, not major, not waiting on a problem, a while after an
// engineer wrote on it in this session.
func (st *staff) settles(in model.Incident, note, now time.Time) bool {
	return !st.live(in) && !in.Major && in.ProblemID == 0 && !note.IsZero() && now.Sub(note) >= settleAfter &&
		now.Sub(st.lastBacklog) >= backlogGap
}

// openForWarning has the desk open an incident, now and then, for a
// warning that keeps firing with nobody on it, while the live queue is
// quiet enough to take one more.
func (st *staff) openForWarning(ctx context.Context, open []model.Incident, now time.Time) error {
	liveOpen := 0
	for _, in := range open {
		if st.live(in) {
			liveOpen++
		}
	}
	if liveOpen >= busy || now.Sub(st.lastOpen) < openGap {
		return nil
	}
	r := st.dk.Reader()
	firing, err := r.Feed(ctx, model.FeedQuery{Firing: true, Limit: 500})
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	var pick *model.Alert
	for i, a := range firing {
		if a.Severity != model.SevWarning || a.IncidentID != 0 || a.SilencedBy != 0 || a.StormID != 0 || a.Flapping ||
			a.StartsAt.Before(st.since) || now.Sub(a.StartsAt) < warnFor {
			continue
		}
		if pick == nil || a.StartsAt.Before(pick.StartsAt) {
			pick = &firing[i]
		}
	}
	if pick == nil {
		return nil
	}
	st.lastOpen = now
	st.dk.IncidentForAlert(ctx, st.c.actor(desk, "", now), pick.ID)
	return nil
}

// read has the next person with required reading left read one article.
func (st *staff) read(ctx context.Context, now time.Time) error {
	if now.Sub(st.lastRead) < readGap || len(st.readers) == 0 {
		return nil
	}
	st.lastRead = now
	for range st.readers {
		who := st.readers[st.next%len(st.readers)]
		st.next++
		unread, err := st.dk.Unread(ctx, who)
		if err != nil {
			return fmt.Errorf("demo staff: %w", err)
		}
		if len(unread) > 0 {
			st.dk.ReadArticle(ctx, who, unread[0].ID)
			return nil
		}
	}
	return nil
}

// satisfaction is the caller's rating: mostly good, as the exit criterion
// asks, and not all the same.
func satisfaction(in model.Incident) int { return 4 + int(in.ID%2) }

// progressNote is what an engineer writes on an incident: a first look,
// then how it goes.
func progressNote(in model.Incident, first bool) string {
	lines := map[string][2]string{
		"availability": {"Looking at it: errors started with the last pods rescheduled; checking the upstreams and the ingress logs.",
			"Traffic moved off the bad nodes; error rate falling, watching the dashboards."},
		"performance": {"Looking at it: latency is up on the slowest endpoints only; profiling the hot path and the database calls.",
			"Scaled the consumers out and the queue is draining; latency back towards baseline."},
		"data": {"Looking at it: comparing the affected records with yesterday's export to see what changed.",
			"Found the records affected and corrected them; checking the next batch runs clean."},
		"batch": {"Looking at it: reading the job's log from the failed step.",
			"Re-ran the job from the failed step; it finished inside its window."},
	}
	l, ok := lines[in.Category]
	if !ok {
		l = [2]string{"Looking at it: reproducing what was reported and collecting the logs.",
			"Applied the fix from the runbook; waiting to confirm it holds."}
	}
	if first {
		return l[0]
	}
	return l[1]
}

// alertsResolved reports whether an incident has alerts and none fires.
func alertsResolved(ctx context.Context, r model.Reader, id int64) (bool, error) {
	alerts, err := r.IncidentAlerts(ctx, id, 100)
	if err != nil {
		return false, fmt.Errorf("demo staff: %w", err)
	}
	for _, a := range alerts {
		if a.State == model.AlertFiring {
			return false, nil
		}
	}
	return len(alerts) > 0, nil
}
