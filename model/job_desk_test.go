package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

// jobsPlan runs in Europe/Berlin, where 2026's clocks go forward at 02:00
// on Sunday 29 March and back at 03:00 on Sunday 25 October.
const jobsPlan = `
[hypercare]
service  = "Test shop"
start    = 2026-01-01
end      = 2026-12-31
timezone = "Europe/Berlin"

[[contact]]
name  = "On call"
phone = "+49 30 900110"

[[team]]
id         = "web"
escalation = [{ level = "L1", contact = "On call" }]

[[team]]
id         = "dba"
escalation = [{ level = "L1", contact = "On call" }]

[[service]]
id    = "shop"
tier  = 1
owner = "web"

[[service]]
id    = "db"
tier  = 2
owner = "web"

[sla]
P1 = { respond = "15m", resolve = "4h" }
P2 = { respond = "30m", resolve = "8h" }
P3 = { respond = "1h", resolve = "1d" }
P4 = { respond = "4h", resolve = "3d" }
P5 = { respond = "1d", resolve = "10d" }

[[job]]
id       = "backup"
name     = "db backup"
service  = "db"
owner    = "dba"
schedule = "30 2 * * *"
grace    = "30m"
duration = "40m"
kind     = "backup"
rpo      = "26h"
on_miss  = "incident P2"

[[job]]
id       = "feed"
service  = "shop"
schedule = "15 * * * *"
grace    = "10m"
duration = "5m"
kind     = "feed"

[[job]]
id       = "nightly"
service  = "shop"
schedule = "50 23 * * *"
grace    = "20m"
duration = "30m"

[[job]]
id       = "tick"
service  = "shop"
schedule = "*/5 * * * *"
grace    = "2m"
duration = "1m"
`

var jobsZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// bt is a wall-clock time in Berlin in 2026.
func bt(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, jobsZone)
}

// jobsDesk is a desk on jobsPlan with its clock at t.
func jobsDesk(t *testing.T, at time.Time) (*store.DB, *model.Desk, *modeltest.Clock, *plan.Plan) {
	t.Helper()
	p, err := plan.Parse("plan.toml", []byte(jobsPlan))
	if err != nil {
		t.Fatal(err)
	}
	db := openStore(t)
	desk := model.NewDesk(db, p)
	clk := &modeltest.Clock{At: at}
	desk.Now = clk.Now
	return db, desk, clk, p
}

// jobStep is a heartbeat arriving, or with beat nil the sweep running, at a moment.
type jobStep struct {
	at   time.Time
	beat *model.Heartbeat
}

func hb(job, run string, st model.HeartbeatStatus, at time.Time, d time.Duration) jobStep {
	return jobStep{at: at, beat: &model.Heartbeat{Job: job, Run: run, Status: st, At: at, Duration: d}}
}

func sweepAt(at time.Time) jobStep { return jobStep{at: at} }

// wantRun is a run as the test expects it: its slot (zero for a run
// outside the schedule), run id when it matters, and status.
type wantRun struct {
	slot   time.Time
	run    string
	status model.JobStatus
}

func runSteps(t *testing.T, desk *model.Desk, clk *modeltest.Clock, steps []jobStep) {
	t.Helper()
	for _, s := range steps {
		clk.At = s.at
		if s.beat == nil {
			if _, err := desk.SweepJobs(t.Context(), s.at); err != nil {
				t.Fatalf("sweep at %s: %v", s.at, err)
			}
			continue
		}
		if _, err := desk.RecordHeartbeat(t.Context(), bob, *s.beat); err != nil {
			t.Fatalf("heartbeat %+v: %v", *s.beat, err)
		}
	}
}

// TestJobRuns plays heartbeats and sweeps on a fake clock and checks each
// job's runs: on time, late, failed and missed, across midnight and both
// DST changes. Every case starts the watch with a sweep.
func TestJobRuns(t *testing.T) {
	const started, ok, failed = model.HeartbeatStarted, model.HeartbeatOK, model.HeartbeatFailed
	// cest and cet are the two passes of 02:xx on 25 October.
	cest := func(minute int) time.Time { return time.Date(2026, 10, 25, 0, minute, 0, 0, time.UTC) }
	cet := func(minute int) time.Time { return time.Date(2026, 10, 25, 1, minute, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		job   string
		steps []jobStep
		want  []wantRun // the job's runs, newest first
	}{
		{"on time", "backup", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			hb("backup", "", started, bt(11, 20, 2, 31), 0),
			sweepAt(bt(11, 20, 3, 1)),
			hb("backup", "", ok, bt(11, 20, 3, 5), 0),
			sweepAt(bt(11, 20, 4, 0)),
		}, []wantRun{{bt(11, 20, 2, 30), "2026-11-20T01:30Z", model.JobOK}}},
		{"one heartbeat at the end, with its duration", "backup", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			hb("backup", "b-881", ok, bt(11, 20, 3, 9), 38*time.Minute),
		}, []wantRun{{bt(11, 20, 2, 30), "b-881", model.JobOK}}},
		{"missed at time + grace", "backup", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			sweepAt(bt(11, 20, 2, 59)),
			sweepAt(bt(11, 20, 3, 0)),
		}, []wantRun{{bt(11, 20, 2, 30), "2026-11-20T01:30Z", model.JobMissed}}},
		{"missed, then heard of: late", "backup", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			sweepAt(bt(11, 20, 3, 1)),
			hb("backup", "b-882", started, bt(11, 20, 3, 10), 0),
			hb("backup", "b-882", ok, bt(11, 20, 3, 45), 0),
		}, []wantRun{{bt(11, 20, 2, 30), "b-882", model.JobLate}}},
		{"overdue while running: late", "backup", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			hb("backup", "", started, bt(11, 20, 2, 30), 0),
			sweepAt(bt(11, 20, 3, 40)), // time + grace + duration: not yet
			sweepAt(bt(11, 20, 3, 41)),
		}, []wantRun{{bt(11, 20, 2, 30), "", model.JobLate}}},
		{"finished after time + grace + duration: late", "backup", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			hb("backup", "", started, bt(11, 20, 2, 35), 0),
			hb("backup", "", ok, bt(11, 20, 3, 42), 0),
		}, []wantRun{{bt(11, 20, 2, 30), "", model.JobLate}}},
		{"failed, then a re-run", "backup", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			hb("backup", "", started, bt(11, 20, 2, 30), 0),
			hb("backup", "", failed, bt(11, 20, 2, 52), 0),
			hb("backup", "", ok, bt(11, 20, 9, 40), 20*time.Minute),
		}, []wantRun{{time.Time{}, "re-2026-11-20T08:20Z", model.JobOK}, {bt(11, 20, 2, 30), "", model.JobFailed}}},
		{"across midnight", "nightly", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			hb("nightly", "", started, bt(11, 19, 23, 51), 0),
			sweepAt(bt(11, 20, 0, 5)),
			hb("nightly", "", ok, bt(11, 20, 0, 15), 0), // ends the run still going
			sweepAt(bt(11, 21, 0, 10)),                  // 20 November's run: missed at 00:10 on the 21st
		}, []wantRun{{bt(11, 20, 23, 50), "", model.JobMissed}, {bt(11, 19, 23, 50), "", model.JobOK}}},
		{"across midnight, reported after it", "nightly", []jobStep{
			sweepAt(bt(11, 19, 12, 0)),
			hb("nightly", "", ok, bt(11, 20, 0, 35), 40*time.Minute), // started 23:55, due by 00:40
		}, []wantRun{{bt(11, 19, 23, 50), "2026-11-19T22:50Z", model.JobOK}}},
		{"the night the clocks go forward", "backup", []jobStep{
			sweepAt(bt(3, 28, 12, 0)),
			sweepAt(bt(3, 30, 1, 0)), // 02:30 on the 29th does not exist: nothing missed
			hb("backup", "", ok, bt(3, 30, 3, 0), 30*time.Minute),
		}, []wantRun{{bt(3, 30, 2, 30), "", model.JobOK}}},
		{"the night the clocks go back: one fixed-hour run", "backup", []jobStep{
			sweepAt(bt(10, 24, 12, 0)),
			sweepAt(bt(10, 25, 4, 0)), // after both passes of 02:30
		}, []wantRun{{cest(30), "2026-10-25T00:30Z", model.JobMissed}}},
		{"the night the clocks go back: hourly runs in both passes", "feed", []jobStep{
			sweepAt(bt(10, 25, 1, 50)),
			hb("feed", "", ok, cest(19), 4*time.Minute),
			sweepAt(bt(10, 25, 3, 30)), // the second 02:15 was not heard of
		}, []wantRun{{bt(10, 25, 3, 15), "", model.JobMissed}, {cet(15), "2026-10-25T01:15Z", model.JobMissed}, {cest(15), "2026-10-25T00:15Z", model.JobOK}}},
		{"a run that starts early is the coming slot's", "feed", []jobStep{
			sweepAt(bt(11, 20, 8, 0)),
			hb("feed", "", ok, bt(11, 20, 8, 19), 4*time.Minute),
			hb("feed", "", started, bt(11, 20, 9, 13), 0),
		}, []wantRun{{bt(11, 20, 9, 15), "", model.JobRunning}, {bt(11, 20, 8, 15), "", model.JobOK}}},
		{"a run that starts late is its own slot's, on a five-minute schedule too", "tick", []jobStep{
			sweepAt(bt(11, 20, 10, 0)),
			sweepAt(bt(11, 20, 10, 7)), // 10:05 missed
			hb("tick", "", ok, bt(11, 20, 10, 8), 40*time.Second),
			hb("tick", "", ok, bt(11, 20, 10, 10), 25*time.Second),
			// 10:00 was due at 10:02 and not heard of; 10:10's run began 25s early.
		}, []wantRun{{bt(11, 20, 10, 10), "", model.JobOK}, {bt(11, 20, 10, 5), "", model.JobLate}, {bt(11, 20, 10, 0), "", model.JobMissed}}},
		{"a watch started late does not look back", "feed", []jobStep{
			sweepAt(bt(11, 20, 12, 40)), // 12:15's run was due at 12:25, before the watch
			sweepAt(bt(11, 20, 13, 25)),
		}, []wantRun{{bt(11, 20, 13, 15), "", model.JobMissed}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, desk, clk, _ := jobsDesk(t, tt.steps[0].at)
			runSteps(t, desk, clk, tt.steps)
			runs, err := db.JobRuns(t.Context(), tt.job, 50)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != len(tt.want) {
				t.Fatalf("%d runs, want %d: %+v", len(runs), len(tt.want), runs)
			}
			for i, w := range tt.want {
				r := runs[i]
				if !r.Scheduled.Equal(w.slot) || r.Status != w.status || w.run != "" && r.RunID != w.run {
					t.Errorf("run %d = %s %s %s, want %s %s %s", i, r.Scheduled.In(jobsZone), r.RunID, r.Status, w.slot.In(jobsZone), w.run, w.status)
				}
			}
		})
	}
}

// TestHeartbeatIdempotent sends the same heartbeats again: a run id seen
// before is the same run, and a repeat changes nothing, not even its
// audit trail.
func TestHeartbeatIdempotent(t *testing.T) {
	ctx := t.Context()
	db, desk, clk, _ := jobsDesk(t, bt(11, 20, 3, 10))
	beats := []model.Heartbeat{
		{Job: "backup", Run: "b-1", Status: model.HeartbeatStarted, At: bt(11, 20, 2, 31)},
		{Job: "backup", Run: "b-1", Status: model.HeartbeatOK, At: bt(11, 20, 3, 5), Size: 7 << 30},
	}
	var first model.JobRun
	for round := range 3 {
		for _, b := range beats {
			clk.Tick()
			run, err := desk.RecordHeartbeat(ctx, bob, b)
			if err != nil {
				t.Fatal(err)
			}
			if round == 0 {
				first = run
			}
		}
	}
	runs, err := db.JobRuns(ctx, "backup", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != model.JobOK || runs[0].Size != 7<<30 || runs[0].Duration != 34*time.Minute || !runs[0].Updated.Equal(first.Updated) {
		t.Fatalf("runs = %+v, want one ok run of 34m and 7 GiB, last changed by the first end", runs)
	}
	audit, err := db.Audit(ctx, model.AuditQuery{Filter: "job.run", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 2 {
		t.Errorf("%d job.run audit rows, want 2 (start and end; repeats write nothing)", len(audit))
	}

	// Without a run id, the slot is the run: the same report twice is one run.
	clk.At = bt(11, 20, 9, 20)
	for range 2 {
		if _, err := desk.RecordHeartbeat(ctx, bob, model.Heartbeat{Job: "feed", Status: model.HeartbeatOK, At: bt(11, 20, 9, 19), Duration: 3 * time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if runs, _ := db.JobRuns(ctx, "feed", 10); len(runs) != 1 || runs[0].RunID != "2026-11-20T08:15Z" {
		t.Errorf("feed runs = %+v, want one, named by its slot", runs)
	}
}

// TestJobAlerts: a missed run raises its alert through the normal alert
// path, here opening the P2 incident the plan asks for, for the job's
// owner; a silence mutes the next job's alert; a run that succeeds
// resolves them.
func TestJobAlerts(t *testing.T) {
	ctx := t.Context()
	db, desk, clk, _ := jobsDesk(t, bt(11, 19, 12, 0))
	runSteps(t, desk, clk, []jobStep{sweepAt(bt(11, 19, 12, 0)), sweepAt(bt(11, 20, 3, 0))})
	alerts, err := db.Feed(ctx, model.FeedQuery{Firing: true, Labels: []model.Matcher{{Label: "job", Op: model.MatchEqual, Value: "backup"}}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Name != "JobMissed" || alerts[0].Source != model.JobSource || alerts[0].Severity != model.SevCritical ||
		alerts[0].IncidentID == 0 || !strings.Contains(alerts[0].Summary, "did not report by Fri 20 Nov 03:00 CET") {
		t.Fatalf("firing = %+v, want one critical JobMissed with an incident", alerts)
	}
	inc, err := db.Incident(ctx, alerts[0].IncidentID)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Priority != 2 || inc.Team != "dba" || inc.Service != "db" {
		t.Errorf("incident = %s %s %s, want P2 for dba on db", inc.Priority, inc.Team, inc.Service)
	}

	// The feed's run fails under a silence: its alert is muted, with no incident.
	clk.At = bt(11, 20, 9, 0)
	if _, err := desk.CreateSilence(ctx, alice, []model.Matcher{{Label: "job", Op: model.MatchEqual, Value: "feed"}}, 2*time.Hour, "feed vendor maintenance"); err != nil {
		t.Fatal(err)
	}
	runSteps(t, desk, clk, []jobStep{hb("feed", "", model.HeartbeatFailed, bt(11, 20, 9, 18), time.Minute)})
	failedRun, _ := db.JobRuns(ctx, "feed", 1)
	al, err := db.Alert(ctx, mustKey(t, db, failedRun[0].AlertKey))
	if err != nil {
		t.Fatal(err)
	}
	if al.Name != "JobFailed" || al.SilencedBy == 0 || al.IncidentID != 0 {
		t.Errorf("feed alert = %+v, want a silenced JobFailed", al)
	}

	// The backup's next run succeeds: its alert resolves; the feed's stays.
	runSteps(t, desk, clk, []jobStep{hb("backup", "", model.HeartbeatOK, bt(11, 21, 3, 0), 30*time.Minute)})
	if alerts, _ = db.Feed(ctx, model.FeedQuery{Firing: true, Labels: []model.Matcher{{Label: "job", Op: model.MatchEqual, Value: "backup"}}, Limit: 10}); len(alerts) != 0 {
		t.Errorf("backup alerts firing after a good backup: %+v", alerts)
	}
	if al, _ := db.Alert(ctx, al.ID); al.State != model.AlertFiring {
		t.Errorf("the feed's alert is %s, want still firing", al.State)
	}
	runs, _ := db.JobRuns(ctx, "backup", 5)
	for _, r := range runs {
		if r.AlertOpen {
			t.Errorf("run %s still has its alert open", r.RunID)
		}
	}
}

// mustKey finds an alert's id by its dedup key.
func mustKey(t *testing.T, db *store.DB, key string) int64 {
	t.Helper()
	list, err := db.Feed(t.Context(), model.FeedQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.DedupKey == key {
			return a.ID
		}
	}
	t.Fatalf("no alert %q", key)
	return 0
}

func TestHeartbeatRefused(t *testing.T) {
	_, desk, _, _ := jobsDesk(t, bt(11, 20, 12, 0))
	viewer := model.Actor{Name: "vic", Role: model.RoleViewer}
	for _, tt := range []struct {
		name string
		a    model.Actor
		hb   model.Heartbeat
		want string
	}{
		{"unknown job", bob, model.Heartbeat{Job: "backups", Status: "ok"}, `job "backups": not in the plan; use one of backup, feed, nightly, tick`},
		{"bad status", bob, model.Heartbeat{Job: "backup", Status: "done"}, `status "done": use started, ok or failed`},
		{"in the future", bob, model.Heartbeat{Job: "backup", Status: "ok", At: bt(11, 20, 13, 0)}, "in the future"},
		{"negative size", bob, model.Heartbeat{Job: "backup", Status: "ok", Size: -1}, "size -1: negative"},
		{"a viewer", viewer, model.Heartbeat{Job: "backup", Status: "ok"}, "may not report job runs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := desk.RecordHeartbeat(t.Context(), tt.a, tt.hb)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReadJobs: the jobs view's figures, the RPO breach among them.
func TestReadJobs(t *testing.T) {
	ctx := t.Context()
	db, desk, clk, p := jobsDesk(t, bt(11, 18, 12, 0))
	runSteps(t, desk, clk, []jobStep{
		sweepAt(bt(11, 18, 12, 0)),
		hb("backup", "", model.HeartbeatOK, bt(11, 19, 3, 0), 30*time.Minute),
		hb("backup", "", model.HeartbeatFailed, bt(11, 20, 3, 0), 20*time.Minute),
		sweepAt(bt(11, 21, 3, 0)),
	})
	now := bt(11, 21, 9, 0)
	jobs, err := model.ReadJobs(ctx, db, p.JobSpecs(), 30, now)
	if err != nil {
		t.Fatal(err)
	}
	b := jobs[0]
	if b.Spec.ID != "backup" || len(b.Runs) != 3 || b.Rate < 0.33 || b.Rate > 0.34 || !b.LastOK.Equal(bt(11, 19, 3, 0)) {
		t.Fatalf("backup = %+v", b)
	}
	// The newest good backup ended 54 hours ago: 28 hours over its RPO.
	if b.RPOBreach != 28*time.Hour {
		t.Errorf("RPO breach = %s, want 28h", b.RPOBreach)
	}
	if len(b.Durations) != 2 || b.Durations[0] != 30*time.Minute {
		t.Errorf("durations = %v, want oldest first", b.Durations)
	}
	if !b.Next.Equal(bt(11, 22, 2, 30)) {
		t.Errorf("next = %s", b.Next)
	}
}
