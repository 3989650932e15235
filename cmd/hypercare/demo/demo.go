// Package demo builds the world of "hypercare --demo": the example plan
// moved so that today is day 7 of hypercare, a week of history written
// through the service layer as operators would have written it, and live
// alerts written as drop files (WriteDrops). The history goes through
// model.Desk and the live alerts through the drop folder's watcher, so the
// demo exercises the same intake, rules, validation and audit as real use.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/kb"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// today is the day of hypercare the demo shows: far enough in for a week of
// history, early enough for the exit criteria to be still open.
const today = 7

// Plan returns the example plan shifted so that today is day 7 of hypercare.
func Plan(now time.Time) (*plan.Plan, error) {
	p, err := plan.Parse("examples/plan.toml", examples.Plan)
	if err != nil {
		return nil, fmt.Errorf("demo plan: %w", err)
	}
	days := calendarDays(p.Hypercare.Start, now, p.Location()) - (today - 1)
	// Whole days keep every window, job and freeze at its time of day.
	return p.Shifted(time.Duration(days) * 24 * time.Hour), nil
}

// calendarDays counts the dates from a's to b's in loc.
func calendarDays(a, b time.Time, loc *time.Location) int {
	date := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(date(b).Sub(date(a)) / (24 * time.Hour))
}

// Seed fills a fresh store with a realistic week of hypercare ending at now:
// the plan's services, the knowledge base, about forty incidents and
// requests in every state, the problems behind some of them, changes before
// and after now, and the alerts of the week. p should come from Plan(now).
// The result depends only on now.
//
// Each step is written with desk.Now set to the moment it happened, so
// timelines, SLA clocks and the audit log read as they would have; desk.Now
// is restored before Seed returns. Do not write through desk meanwhile.
func Seed(ctx context.Context, desk *model.Desk, p *plan.Plan, now time.Time) error {
	s, err := newSeeder(desk, p, now)
	if err != nil {
		return err
	}
	for _, add := range []func() error{s.addArticles, s.addStories, s.addProblems, s.addChanges, s.addDeploys, s.addCertificateChecks, s.addJobs} {
		if err := add(); err != nil {
			return fmt.Errorf("demo seed: %w", err)
		}
	}
	s.addAlerts()
	// The week's incidents are scripted above; the week's alerts must not
	// open more through the plan's routes or its jobs' on_miss, so they
	// stay quiet while the history is replayed and act on the live alerts
	// after it.
	desk.SetPolicy(historyPolicy{p})
	defer desk.SetPolicy(p)
	return s.run(ctx)
}

// historyPolicy is the plan without auto-opened incidents, those the
// jobs' on_miss would open included.
type historyPolicy struct{ *plan.Plan }

func (h historyPolicy) JobSpecs() []model.JobSpec {
	specs := h.Plan.JobSpecs()
	for i := range specs {
		specs[i].MissIncident = 0
	}
	return specs
}

func (h historyPolicy) Route(labels map[string]string) model.Routing {
	r := h.Plan.Route(labels)
	r.AutoIncident = false
	return r
}

// seeder collects the week's events, then plays them in time order, so IDs
// and the audit log grow the way they would have in real life.
type seeder struct {
	desk   *model.Desk
	plan   *plan.Plan
	now    time.Time
	rnd    *rand.Rand
	cast   cast
	feed   *feed
	events []event
	// incidents holds each story's incident by title, for the problems
	// that link them.
	incidents map[string]*incidentRun
}

type event struct {
	at   time.Time
	what string // named in errors
	run  func(context.Context) error
}

func newSeeder(desk *model.Desk, p *plan.Plan, now time.Time) (*seeder, error) {
	c, err := newCast(p)
	if err != nil {
		return nil, fmt.Errorf("demo seed: %w", err)
	}
	y, m, d := now.In(p.Location()).Date()
	rnd := rand.New(rand.NewPCG(uint64(y*10000+int(m)*100+d), 0x6879706572636172)) // "hypercar"
	f, err := newFeed(deskSink(desk), p, rnd)
	if err != nil {
		return nil, err
	}
	s := &seeder{desk: desk, plan: p, now: now, rnd: rnd, cast: c, feed: f, incidents: map[string]*incidentRun{}}
	// The catalogue of services comes first: everything else refers to it.
	s.schedule(p.Hypercare.Start.Add(-7*24*time.Hour), "services", func(ctx context.Context) error {
		if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
			return err
		}
		// The roster is who the knowledge base's training counts.
		return desk.SyncRoster(ctx, model.System, p.Roster())
	})
	return s, nil
}

func (s *seeder) schedule(at time.Time, what string, run func(context.Context) error) {
	s.events = append(s.events, event{at: at, what: what, run: run})
}

// when is a moment of the demo. Most are pinned to a day of hypercare and
// a wall-clock time, because their text speaks of peaks and nightly
// batches; today's are placed relative to now, which may be any hour.
type when struct {
	day, hour, minute int           // day 1 is go-live; 0 and less are before it
	ago               time.Duration // when set, this long before now instead (negative: after)
}

func on(day, hour, minute int) when { return when{day: day, hour: hour, minute: minute} }

func ago(hour, minute int) when { return when{ago: hm(hour, minute)} }

func ahead(hour, minute int) when { return when{ago: -hm(hour, minute)} }

func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

// Levels of impact, urgency and risk, short for the tables of stories and changes.
const high, medium, low = model.High, model.Medium, model.Low

// time places a moment of the demo week.
func (s *seeder) time(w when) time.Time {
	if w.ago != 0 {
		return s.now.Add(-w.ago)
	}
	loc := s.plan.Location()
	y, m, d := s.plan.Hypercare.Start.In(loc).Date()
	return time.Date(y, m, d+w.day-1, w.hour, w.minute, 0, 0, loc)
}

func (s *seeder) run(ctx context.Context) error {
	saved := s.desk.Now
	defer func() { s.desk.Now = saved }()
	slices.SortStableFunc(s.events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, e := range s.events {
		if e.at.After(s.now) {
			// The stories are written so this cannot happen at any hour.
			return fmt.Errorf("demo seed: %s would happen at %s, after now", e.what, e.at.Format(time.RFC3339))
		}
		s.desk.Now = func() time.Time { return e.at }
		if err := e.run(ctx); err != nil {
			return fmt.Errorf("demo seed: %s: %w", e.what, err)
		}
	}
	return nil
}

//go:embed kb/*.md
var kbFiles embed.FS

// written pins the articles whose text says when they were written; the
// others were written in the days before go-live.
var written = map[string]when{
	"handover-go-live":           on(1, 6, 10),
	"retired-restart-checkout":   on(2, 11, 30),
	"handover-midweek":           on(4, 7, 45),
	"howto-redis-sessions-draft": on(6, 15, 20),
	"handover-week-1":            ago(1, 30),
}

func (s *seeder) addArticles() error {
	entries, err := fs.ReadDir(kbFiles, "kb")
	if err != nil {
		return fmt.Errorf("knowledge base: %w", err)
	}
	for i, e := range entries {
		name := path.Join("kb", e.Name())
		data, err := kbFiles.ReadFile(name)
		if err != nil {
			return fmt.Errorf("knowledge base: %w", err)
		}
		ar, err := kb.Parse(name, data)
		if err != nil {
			return err
		}
		w, ok := written[ar.Slug]
		if !ok {
			w = on(-i%4, 9+i%9, i*7%60)
		}
		at := s.time(w)
		// The service's engineer wrote it; the lead imported the folder,
		// the way a team brings its runbooks in.
		importer := s.cast.actor(lead, "", at)
		ar.Author = importer.Name
		if len(ar.Services) > 0 {
			if sv, ok := s.plan.Service(ar.Services[0]); ok {
				if eng, ok := s.cast.engineer(sv.Owner, at); ok {
					ar.Author = eng.Name
				}
			}
		}
		s.schedule(at, "article "+ar.Slug, func(ctx context.Context) error {
			res, err := s.desk.ImportArticles(ctx, importer, []model.ImportItem{{Source: name, Article: ar}})
			if err == nil && res[0].Err != nil {
				err = res[0].Err
			}
			return err
		})
	}
	return nil
}

// storyAlertLead is how long monitoring fires before an incident is opened
// from it, and before the incident is resolved once the alert clears.
const storyAlertLead = 3 * time.Minute

// addStories schedules each incident's creation and steps, and the alerts
// that accompanied it.
func (s *seeder) addStories() error {
	for _, st := range stories {
		opened := s.time(st.opened)
		if opened.Before(s.plan.Hypercare.Start) {
			return fmt.Errorf("incident %q: opened before go-live", st.title)
		}
		if _, dup := s.incidents[st.title]; dup {
			return fmt.Errorf("incident %q: two stories have this title", st.title)
		}
		inc := &incidentRun{team: s.plan.OwnerTeam(st.service)}
		s.incidents[st.title] = inc
		keys, err := s.storyAlerts(st, opened.Add(-storyAlertLead))
		if err != nil {
			return err
		}
		s.schedule(opened, st.title, func(ctx context.Context) error {
			in, err := s.desk.CreateIncident(ctx, s.cast.actor(st.by, inc.team, opened), model.NewIncident{
				Kind: st.kind, Title: st.title, Description: st.desc, Service: st.service,
				Category: st.category, Impact: st.impact, Urgency: st.urgency,
			})
			inc.id = in.ID
			return err
		})
		for _, stp := range st.steps {
			at := opened.Add(stp.after)
			if stp.kind == stateStep && (stp.to == model.StateResolved || stp.to == model.StateCancelled) && len(keys) > 0 {
				clear := at.Add(-storyAlertLead)
				if clear.Before(opened) {
					clear = opened
				}
				s.clearAlerts(keys, clear)
				keys = nil
			}
			s.schedule(at, st.title, func(ctx context.Context) error { return s.step(ctx, inc, stp, at) })
		}
	}
	return nil
}

// storyAlerts schedules the alerts that led to an incident; they stay firing
// until the incident is resolved.
func (s *seeder) storyAlerts(st story, at time.Time) ([]string, error) {
	var keys []string
	for _, ref := range st.alerts {
		service, name := st.service, ref
		if sv, n, ok := strings.Cut(ref, "/"); ok {
			service, name = sv, n
		}
		rule, ok := s.feed.cat.find(service, name)
		if !ok {
			return nil, fmt.Errorf("incident %q: no alert rule %s on %s", st.title, name, service)
		}
		a := rule.Firing(rule.Instances[0], rule.value(s.rnd), at)
		keys = append(keys, a.DedupKey)
		s.schedule(at, "alert "+name, func(ctx context.Context) error { return s.feed.fire(ctx, untilCleared, a) })
	}
	return keys, nil
}

func (s *seeder) clearAlerts(keys []string, at time.Time) {
	s.schedule(at, "alerts clear", func(ctx context.Context) error {
		for _, k := range keys {
			if err := s.feed.resolve(ctx, k, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// incidentRun is what later steps of a story need to know about its incident.
type incidentRun struct {
	id       int64
	team     string
	engineer model.Actor // who the incident is assigned to; zero for vendors
}

func (s *seeder) step(ctx context.Context, inc *incidentRun, st step, at time.Time) error {
	actor := s.cast.actor(st.by, inc.team, at)
	if st.by == engineer && inc.engineer.Name != "" {
		actor = inc.engineer
	}
	var err error
	switch st.kind {
	case ackStep:
		_, err = s.desk.AckIncident(ctx, actor, inc.id)
	case noteStep:
		err = s.desk.AddNote(ctx, actor, inc.id, st.text)
	case assignStep:
		inc.team = st.team
		inc.engineer, _ = s.cast.engineer(st.team, at)
		cur, rerr := s.desk.Reader().Incident(ctx, inc.id)
		if rerr != nil {
			return rerr
		}
		if cur.Team == st.team && cur.Assignee == inc.engineer.Name {
			return nil // already there: the desk refuses an assignment that changes nothing
		}
		_, err = s.desk.Assign(ctx, actor, inc.id, st.team, inc.engineer.Name)
	case stateStep:
		c := model.StateChange{To: st.to, Code: st.code, HoldReason: st.hold, Reason: st.text}
		if st.code == "fixed" || st.code == "workaround" {
			// Callers rate most resolutions well and a few poorly, so the
			// metrics view has a believable CSAT to show.
			c.Satisfaction = 3 + int(inc.id%3)
		}
		_, err = s.desk.Transition(ctx, actor, inc.id, c)
	}
	return err
}

// addAlerts schedules the monitoring of the week: a round every 40 to 100
// minutes from go-live to now, as the live generator does every few seconds.
func (s *seeder) addAlerts() {
	for at := s.plan.Hypercare.Start.Add(20 * time.Minute); at.Before(s.now); {
		tickAt := at
		s.schedule(tickAt, "alerts", func(ctx context.Context) error { return s.feed.tick(ctx, tickAt) })
		at = at.Add(time.Duration(40+s.rnd.IntN(60)) * time.Minute)
	}
}
