package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// scheduler is the demo platform's batch scheduler: what each run of the
// plan's jobs does is decided by the job and its scheduled time alone (a
// hash, and the stories' nights written out), so the seeded week and the
// live heartbeats (WriteHeartbeats) tell one story, whenever the demo
// starts. It runs the plan's jobs as their owners would: mostly on time,
// now and then failed, slow or not at all.
type scheduler struct {
	plan  *plan.Plan
	start time.Time // day 1 of hypercare, midnight in the plan timezone
}

func newScheduler(p *plan.Plan) scheduler {
	loc := p.Location()
	y, m, d := p.Hypercare.Start.In(loc).Date()
	return scheduler{plan: p, start: time.Date(y, m, d, 0, 0, 0, 0, loc)}
}

// beat is one heartbeat the scheduler sends.
type beat struct {
	at time.Time
	hb model.Heartbeat
}

// simRun is how one run went: when it started and ended (zero start: it
// never ran), failed or not, with what it wrote and said.
type simRun struct {
	run        string // the scheduler's run id; "" for schedulers that give none
	start, end time.Time
	failed     bool
	size       int64
	message    string
	endOnly    bool // reports only its end, with its duration (the stock feed)
}

// day is the day of hypercare t falls on, 1 on go-live.
func (s scheduler) day(t time.Time) int {
	y, m, d := t.In(s.plan.Location()).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(s.start.Year(), s.start.Month(), s.start.Day(), 0, 0, 0, 0, time.UTC))/(24*time.Hour)) + 1
}

// roll is a number in [0, n) that depends only on the job, the slot and what is rolled for.
func roll(job string, slot time.Time, what string, n int) int {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%s", job, slot.Unix(), what)
	return int(h.Sum64() % uint64(n))
}

// runs says what happened to the run of job j scheduled at slot: usually
// one run, none when it was missed, and sometimes a re-run after it.
func (s scheduler) runs(j model.JobSpec, slot time.Time) []simRun {
	day, clock := s.day(slot), slot.In(s.plan.Location()).Format("15:04")
	at := func(d time.Duration) time.Time { return slot.Add(d) }
	spread := func(base, plus time.Duration) time.Duration {
		return base + time.Duration(roll(j.ID, slot, "took", 1000))*plus/1000
	}
	switch j.ID {
	case "nightly-settlement":
		switch day {
		case 2: // the first real run: unbalanced by 0.01, re-run with the agreed tolerance
			return []simRun{{start: at(0), end: at(31 * time.Minute), failed: true, message: "unbalanced batch: diff=0.01"},
				{start: at(100 * time.Minute), end: at(115 * time.Minute)}}
		case 6: // AcmePay's file came at 04:48; the re-run started at 04:55
			return []simRun{{start: at(145 * time.Minute), end: at(171 * time.Minute), message: "started late: the AcmePay file arrived at 04:48"}}
		}
		return []simRun{{start: at(time.Duration(roll(j.ID, slot, "start", 3)) * time.Minute), end: at(spread(40*time.Minute, 15*time.Minute))}}
	case "backup-orders-db":
		size := int64(68<<30) + int64(day)*(300<<20) + int64(roll(j.ID, slot, "size", 200))<<20
		r := simRun{run: "pgbackrest-" + slot.In(s.plan.Location()).Format("20060102"), start: at(time.Minute), size: size}
		switch {
		case day == 5: // a slow night: the repository was being pruned
			r.end = at(86 * time.Minute)
		case day >= 6: // the backup volume is full since day 6
			r.end, r.failed, r.size = at(14*time.Minute), true, 0
			r.message = "pgbackrest: [039]: no space left on device /backup"
		default:
			r.end = at(spread(35*time.Minute, 9*time.Minute))
		}
		return []simRun{r}
	case "reporting-extract":
		size := int64(40<<20) + int64(roll(j.ID, slot, "size", 20))<<20
		if day == 4 { // started while db-3 lagged; done at 07:55, re-run at 08:50 for the missing orders
			return []simRun{{start: at(0), end: at(175 * time.Minute), size: size},
				{start: at(230 * time.Minute), end: at(250 * time.Minute), size: size}}
		}
		return []simRun{{start: at(0), end: at(spread(12*time.Minute, 6*time.Minute)), size: size}}
	case "price-feed":
		r := simRun{start: at(time.Minute), end: at(spread(3*time.Minute, 3*time.Minute)), size: int64(1<<20) + int64(roll(j.ID, slot, "size", 2048))<<10}
		switch {
		case day == 2 && clock == "07:15": // the ERP's price 0 export
			r.failed, r.size, r.message = true, 0, "2,140 rows rejected: price 0 on promotional items"
		case roll(j.ID, slot, "fail", 50) == 0:
			r.failed, r.size, r.message = true, 0, "ERP export not found on sftp"
		}
		return []simRun{r}
	case "stock-feed":
		r := simRun{start: at(5 * time.Second), endOnly: true, size: int64(200<<10) + int64(roll(j.ID, slot, "size", 100))<<10}
		r.end = r.start.Add(spread(20*time.Second, 30*time.Second))
		switch n := roll(j.ID, slot, "outcome", 1000); {
		case n < 10: // the warehouse system was down: nothing ran
			return nil
		case n < 25:
			r.failed, r.size, r.message = true, 0, "warehouse API answered 503"
		case n < 50: // queued behind a big delta: started late
			r.start = at(3 * time.Minute)
			r.end = r.start.Add(spread(40*time.Second, 60*time.Second))
		}
		return []simRun{r}
	}
	return []simRun{{start: at(0), end: at(max(j.Duration, time.Minute))}}
}

// beats lists every heartbeat the scheduler sends in (from, to], by time:
// a run's start (for the jobs that report it) and its end.
func (s scheduler) beats(from, to time.Time) []beat {
	var out []beat
	for _, j := range s.plan.JobSpecs() {
		// Runs that began up to a day before from may still end after it.
		for _, slot := range j.Slots(from.Add(-24*time.Hour), to.Add(time.Nanosecond)) {
			for _, r := range s.runs(j, slot) {
				hb := model.Heartbeat{Job: j.ID, Run: r.run}
				if !r.endOnly {
					start := hb
					start.Status, start.At = model.HeartbeatStarted, r.start
					out = append(out, beat{r.start, start})
				}
				end := hb
				end.Status, end.At, end.Duration, end.Size, end.Message = model.HeartbeatOK, r.end, r.end.Sub(r.start), r.size, r.message
				if r.failed {
					end.Status = model.HeartbeatFailed
				}
				out = append(out, beat{r.end, end})
			}
		}
	}
	out = slices.DeleteFunc(out, func(b beat) bool { return !b.at.After(from) || b.at.After(to) })
	slices.SortStableFunc(out, func(a, b beat) int { return a.at.Compare(b.at) })
	return out
}

// addJobs replays the week of the plan's jobs through the desk: every
// quarter of an hour, the scheduler's heartbeats of that quarter as one
// heartbeat drop, as a scheduler that batches its reports would send them,
// then the sweep, which records the runs nothing was heard of and those
// still going too long, as the console's timer does. Hypercare watches the
// jobs from go-live.
func (s *seeder) addJobs() error {
	sch := newScheduler(s.plan)
	for from := sch.start; from.Before(s.now); from = from.Add(15 * time.Minute) {
		to := from.Add(15 * time.Minute)
		if to.After(s.now) {
			to = s.now
		}
		s.schedule(to, "job heartbeats and sweep", func(ctx context.Context) error {
			if beats := sch.beats(from, to); len(beats) > 0 {
				d := model.Drop{Name: "scheduler " + to.Format(time.RFC3339), Format: drops.FormatHeartbeat, Received: to}
				for _, b := range beats {
					d.Heartbeats = append(d.Heartbeats, b.hb)
				}
				if _, err := s.desk.Ingest(ctx, model.System, d); err != nil {
					return err
				}
			}
			_, err := s.desk.SweepJobs(ctx, to)
			return err
		})
	}
	return nil
}

// WriteHeartbeats is the demo's batch scheduler, live: until ctx ends it
// writes the heartbeats due since the last tick, from since on, as one
// heartbeat drop into dir every interval, with the producer protocol
// (a dotfile renamed in), so they take the watcher's path like a real
// scheduler's. The runs are those Seed's week would have had (scheduler):
// mostly ok, now and then failed, late or missed.
func WriteHeartbeats(ctx context.Context, dir string, p *plan.Plan, since time.Time, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("demo heartbeats: interval %v: must be positive", every)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo heartbeats: %w", err)
	}
	sch, w := newScheduler(p), dropWriter{dir: dir}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for last := since; ctx.Err() == nil; {
		now := time.Now()
		if d, ok := heartbeatDrop(sch.beats(last, now)); ok {
			if err := w.write(d, now); err != nil {
				if ctx.Err() != nil {
					return nil // the demo is ending and its folder may be gone
				}
				return err
			}
		}
		last = now
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	return nil
}

// heartbeatDrop is the heartbeat drop (FORMATS.md) of some beats; false
// when there are none.
func heartbeatDrop(beats []beat) (drop, bool) {
	if len(beats) == 0 {
		return drop{}, false
	}
	reports := make([]drops.HeartbeatReport, len(beats))
	for i, b := range beats {
		r := drops.HeartbeatReport{Job: b.hb.Job, Run: b.hb.Run, Status: string(b.hb.Status), At: b.at.UTC().Format(time.RFC3339), Message: b.hb.Message}
		if b.hb.Duration > 0 {
			r.Duration = json.RawMessage(fmt.Sprintf("%q", b.hb.Duration.Round(time.Second).String()))
		}
		if b.hb.Size > 0 {
			r.Size = &b.hb.Size
		}
		reports[i] = r
	}
	data, err := json.Marshal(struct {
		Heartbeat []drops.HeartbeatReport `json:"heartbeat"`
	}{reports})
	if err != nil {
		panic(err) // plain strings and numbers always marshal
	}
	return drop{sender: "heartbeat", ext: ".json", data: data, what: fmt.Sprintf("%d heartbeat(s)", len(beats))}, true
}
