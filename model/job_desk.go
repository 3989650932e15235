package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// maxRunID bounds a run id, in bytes: it is a key, shown in lists.
const maxRunID = 200

// JobFuture is how far ahead of our clock a heartbeat's time may be:
// schedulers' clocks differ from ours, but not by hours.
const JobFuture = 5 * time.Minute

// jobSpec finds a job of the plan.
func (s *Desk) jobSpec(id string) (JobSpec, bool) {
	i := slices.IndexFunc(s.pol().JobSpecs(), func(j JobSpec) bool { return j.ID == id })
	if i < 0 {
		return JobSpec{}, false
	}
	return s.pol().JobSpecs()[i], true
}

// validateHeartbeat cleans and checks a heartbeat and finds its job.
func (s *Desk) validateHeartbeat(hb *Heartbeat) (JobSpec, error) {
	hb.Job = strings.TrimSpace(Clean(hb.Job, false))
	hb.Run = strings.TrimSpace(Clean(hb.Run, false))
	hb.Message = strings.TrimSpace(Clean(hb.Message, false))
	if hb.Job == "" {
		return JobSpec{}, fmt.Errorf("job: required: name the job by its id in the plan's [[job]]")
	}
	spec, ok := s.jobSpec(hb.Job)
	if !ok {
		var ids []string
		for _, j := range s.pol().JobSpecs() {
			ids = append(ids, j.ID)
		}
		if len(ids) == 0 {
			return JobSpec{}, fmt.Errorf("job %q: the plan has no [[job]]; add the job to the plan first", hb.Job)
		}
		return JobSpec{}, fmt.Errorf("job %q: not in the plan; use one of %s, or add it as a [[job]]", hb.Job, strings.Join(ids, ", "))
	}
	status, err := ParseHeartbeatStatus(string(hb.Status))
	if err != nil {
		return JobSpec{}, err
	}
	hb.Status = status
	now := s.Now().UTC()
	switch {
	case len(hb.Run) > maxRunID:
		return JobSpec{}, fmt.Errorf("run: %d bytes, over the limit of %d; use a shorter run id", len(hb.Run), maxRunID)
	case hb.Duration < 0:
		return JobSpec{}, fmt.Errorf("duration %s: negative; give how long the run took", hb.Duration)
	case hb.Size < 0:
		return JobSpec{}, fmt.Errorf("size %d: negative; give the bytes written", hb.Size)
	case hb.At.IsZero():
		hb.At = now
	case hb.At.After(now.Add(JobFuture)):
		return JobSpec{}, fmt.Errorf("at %s: in the future (it is %s here); send the time the run started or ended, or none", s.stamp(hb.At), s.stamp(now))
	}
	// Stored to the millisecond, so a repeat compares equal to the first.
	hb.At = hb.At.Truncate(time.Millisecond).UTC()
	hb.Duration = hb.Duration.Truncate(time.Millisecond)
	return spec, nil
}

// RecordHeartbeat records one heartbeat of a job's run (Heartbeat), in one
// transaction with its audit row. A heartbeat starts or ends a run and the
// run is judged ok, failed or late (ApplyHeartbeat); a repeat of one
// already recorded (the same job and run id, or the same slot when it
// names no run) changes nothing. A failed run raises an alert through the
// normal alert path (JobAlert: routes, silences and storms apply, and the
// plan's on_miss may open an incident); a run that succeeds resolves the
// job's alerts.
func (s *Desk) RecordHeartbeat(ctx context.Context, a Actor, hb Heartbeat) (JobRun, error) {
	if err := a.Check(PermReportJob); err != nil {
		return JobRun{}, err
	}
	spec, err := s.validateHeartbeat(&hb)
	if err != nil {
		return JobRun{}, err
	}
	var out JobRun
	err = s.store.Write(ctx, func(tx Tx) error {
		j := s.newJobAlerts(tx, a, &IngestResult{})
		var err error
		if out, err = j.heartbeat(spec, hb); err != nil {
			return err
		}
		return j.finish()
	})
	return out, err
}

// ingestHeartbeats records a heartbeat drop's heartbeats in one
// transaction, at most once per content hash like any drop. A heartbeat
// that fails its checks makes the whole drop invalid.
func (s *Desk) ingestHeartbeats(ctx context.Context, a Actor, d Drop) (IngestResult, error) {
	if err := a.Check(PermReportJob); err != nil {
		return IngestResult{}, err
	}
	specs := make([]JobSpec, len(d.Heartbeats))
	beats := slices.Clone(d.Heartbeats)
	for i := range beats {
		spec, err := s.validateHeartbeat(&beats[i])
		if err != nil {
			return IngestResult{}, fmt.Errorf("%s: heartbeat %d (%s): %w: %v", d.Name, i+1, beats[i].Job, ErrInvalidDrop, err)
		}
		specs[i] = spec
	}
	var res IngestResult
	err := s.store.Write(ctx, func(tx Tx) error {
		res = IngestResult{} // the store may run fn again after a busy retry
		if seen, err := dropSeen(tx, d, &res); err != nil || seen {
			return err
		}
		j := s.newJobAlerts(tx, a, &res)
		for i, hb := range beats {
			run, err := j.heartbeat(specs[i], hb)
			if err != nil {
				return fmt.Errorf("%s: heartbeat of %s: %w", d.Name, hb.Job, err)
			}
			res.Runs = append(res.Runs, run)
		}
		if err := j.finish(); err != nil {
			return err
		}
		if d.SHA256 != "" {
			if err := tx.RecordDrop(d, 0); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "drop.ingest", d.Name, nil, struct {
			Format     string `json:"format"`
			Heartbeats int    `json:"heartbeats"`
		}{d.Format, len(beats)})
	})
	return res, err
}

// jobAlerts records runs and raises and resolves their alerts in one
// transaction; the intake that applies the alerts is made on first use.
type jobAlerts struct {
	desk  *Desk
	tx    Tx
	actor Actor
	now   time.Time
	res   *IngestResult
	in    *intake
}

func (s *Desk) newJobAlerts(tx Tx, a Actor, res *IngestResult) *jobAlerts {
	return &jobAlerts{desk: s, tx: tx, actor: a, now: s.Now().UTC(), res: res}
}

func (j *jobAlerts) intake() (*intake, error) {
	if j.in == nil {
		silences, err := j.tx.ActiveSilences(j.now)
		if err != nil {
			return nil, err
		}
		pol := j.desk.pol()
		j.in = newIntake(j.desk, j.tx, j.actor, Drop{Name: "jobs", Format: JobSource}, j.now, pol, silences, j.res)
	}
	return j.in, nil
}

// finish completes the storms the alerts touched.
func (j *jobAlerts) finish() error {
	if j.in == nil {
		return nil
	}
	return j.in.finish()
}

// heartbeat applies one validated heartbeat: its alert is raised or
// resolved first, so the run is written once.
func (j *jobAlerts) heartbeat(spec JobSpec, hb Heartbeat) (JobRun, error) {
	run, found, err := j.findRun(spec, hb)
	if err != nil {
		return JobRun{}, err
	}
	next, changed := ApplyHeartbeat(run, hb, spec)
	if !changed {
		return run, nil
	}
	next.Updated = j.now
	switch {
	case next.Status == JobFailed:
		if err := j.raise(spec, &next); err != nil {
			return JobRun{}, err
		}
	case next.Succeeded():
		if err := j.resolve(spec, &next); err != nil {
			return JobRun{}, err
		}
	}
	if found {
		err = j.tx.UpdateJobRun(next)
	} else {
		next.Recorded = j.now
		err = j.tx.InsertJobRun(&next)
	}
	if err != nil {
		return JobRun{}, err
	}
	var before any
	if found {
		before = run
	}
	return next, j.desk.audit(j.tx, j.actor, "job.run", spec.ID+"/"+next.RunID, before, next)
}

// findRun is the run a heartbeat reports, and whether it is stored:
//   - with a run id, the run of that id; else a new run in the slot its
//     start falls in (slotOf: JobEarly early allowed), taking over
//     the slot's missed run, or outside the schedule when another run
//     holds the slot (a re-run);
//   - without one, an end without a duration ends the run still going;
//     else the run of the slot its start falls in, or when that run ended
//     before this one started, a re-run named by its start.
func (j *jobAlerts) findRun(spec JobSpec, hb Heartbeat) (JobRun, bool, error) {
	start := hb.At
	if hb.Status != HeartbeatStarted && hb.Duration > 0 {
		start = hb.At.Add(-hb.Duration)
	}
	lookup := func(r JobRun, err error) (JobRun, bool, error) {
		if errors.Is(err, ErrNotFound) {
			return JobRun{}, false, nil
		}
		return r, err == nil, err
	}
	slot, err := j.slotOf(spec, start)
	if err != nil {
		return JobRun{}, false, err
	}
	if hb.Run != "" {
		if r, ok, err := lookup(j.tx.JobRunByID(spec.ID, hb.Run)); ok || err != nil {
			return r, ok, err
		}
		fresh := JobRun{Job: spec.ID, RunID: hb.Run}
		if slot.IsZero() {
			return fresh, false, nil
		}
		held, ok, err := lookup(j.tx.JobRunBySlot(spec.ID, slot))
		switch {
		case err != nil:
			return JobRun{}, false, err
		case !ok:
			fresh.Scheduled = slot
			return fresh, false, nil
		case held.Status == JobMissed:
			held.RunID = hb.Run
			return held, true, nil
		}
		return fresh, false, nil
	}
	if hb.Status != HeartbeatStarted && hb.Duration == 0 {
		if r, ok, err := lookup(j.tx.OpenJobRun(spec.ID)); ok || err != nil {
			return r, ok, err
		}
	}
	if !slot.IsZero() {
		r, ok, err := lookup(j.tx.JobRunBySlot(spec.ID, slot))
		switch {
		case err != nil:
			return JobRun{}, false, err
		case !ok:
			return JobRun{Job: spec.ID, RunID: SlotRunID(slot), Scheduled: slot}, false, nil
		case r.Finished.IsZero() || !start.After(r.Finished):
			return r, true, nil
		}
	}
	rerun := "re-" + SlotRunID(start)
	if r, ok, err := lookup(j.tx.JobRunByID(spec.ID, rerun)); ok || err != nil {
		return r, ok, err
	}
	return JobRun{Job: spec.ID, RunID: rerun}, false, nil
}

// slotOf is the scheduled time a run that started at start fills: the
// latest at or before it, unless that one's run is heard of already or
// could no longer be running, and the next is at most JobEarly away (a
// scheduler whose clock runs ahead). So a run that starts late belongs to
// its own time, not to the next, even on a five-minute schedule.
func (j *jobAlerts) slotOf(spec JobSpec, start time.Time) (time.Time, error) {
	prev := spec.SlotAt(start)
	next := time.Time{}
	if spec.Schedule != nil {
		next = spec.Schedule.Next(start)
	}
	if next.IsZero() || next.Sub(start) > JobEarly {
		return prev, nil
	}
	if prev.IsZero() || start.After(spec.FinishBy(JobRun{Scheduled: prev})) {
		return next, nil
	}
	switch r, err := j.tx.JobRunBySlot(spec.ID, prev); {
	case errors.Is(err, ErrNotFound):
		return prev, nil
	case err != nil:
		return time.Time{}, err
	case r.Status != JobMissed:
		return next, nil
	}
	return prev, nil
}

// raise puts a failed or missed run's alert in the feed, through the
// normal alert path, and marks the run as having it open.
func (j *jobAlerts) raise(spec JobSpec, r *JobRun) error {
	in, err := j.intake()
	if err != nil {
		return err
	}
	al := JobAlert(spec, *r, j.now, j.desk.pol().Location())
	in.drop.Group = JobGroup(spec.ID)
	if err := in.apply(AlertEvent{Alert: al, Incident: spec.MissIncident, Team: spec.Owner}); err != nil {
		return fmt.Errorf("alert for run %s of %s: %w", r.RunID, spec.ID, err)
	}
	r.AlertKey, r.AlertOpen = al.DedupKey, true
	return nil
}

// resolve resolves the open alerts of a job's runs, ok being the run that
// succeeded (updated by the caller; the others here).
func (j *jobAlerts) resolve(spec JobSpec, ok *JobRun) error {
	open, err := j.tx.AlertingJobRuns(spec.ID)
	if err != nil {
		return err
	}
	if ok.AlertOpen && !slices.ContainsFunc(open, func(r JobRun) bool { return r.ID == ok.ID }) {
		open = append(open, *ok)
	}
	if len(open) == 0 {
		return nil
	}
	in, err := j.intake()
	if err != nil {
		return err
	}
	in.drop.Group = JobGroup(spec.ID)
	for _, r := range open {
		if err := in.apply(AlertEvent{Alert: Alert{DedupKey: r.AlertKey, State: AlertResolved, EndsAt: j.now}}); err != nil {
			return fmt.Errorf("resolve the alert of run %s of %s: %w", r.RunID, spec.ID, err)
		}
		if r.ID == ok.ID {
			ok.AlertOpen = false
			continue
		}
		r.AlertOpen, r.Updated = false, j.now
		if err := j.tx.UpdateJobRun(r); err != nil {
			return err
		}
	}
	return nil
}

// SweepJobs is the time-driven half of job monitoring, run on the timer of
// SweepSLA: a scheduled run nothing was heard of by its time + grace is
// recorded as missed and raises its alert; a run still going past its time
// + grace + duration is marked late. A job the sweep sees for the first
// time is watched from now on: its runs due before are not missed, since
// nobody expected them. It looks back at most JobLookback, works in one
// transaction, and a tick with nothing due commits nothing.
func (s *Desk) SweepJobs(ctx context.Context, now time.Time) (found int, err error) {
	now = now.UTC()
	specs := s.pol().JobSpecs()
	err = s.store.Write(ctx, func(tx Tx) error {
		found = 0
		wrote := false
		j := &jobAlerts{desk: s, tx: tx, actor: System, now: now, res: &IngestResult{}}
		for _, spec := range specs {
			since, swept, err := tx.JobWatch(spec.ID)
			if errors.Is(err, ErrNotFound) {
				wrote = true
				if err := tx.SetJobWatch(spec.ID, now, now); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			from := later(later(since, swept), now.Add(-JobLookback))
			// The slots whose StartBy is in (from, now].
			slots := spec.Slots(from.Add(-spec.Grace).Add(time.Millisecond), now.Add(-spec.Grace).Add(time.Millisecond))
			if len(slots) == 0 {
				continue
			}
			wrote = true
			for _, slot := range slots {
				n, err := j.miss(spec, slot)
				if err != nil {
					return err
				}
				found += n
			}
			if err := tx.SetJobWatch(spec.ID, since, now); err != nil {
				return err
			}
		}
		running, err := tx.RunningJobRuns()
		if err != nil {
			return err
		}
		for _, r := range running {
			spec, ok := s.jobSpec(r.Job)
			if !ok || !spec.Overdue(r, now) {
				continue
			}
			before := r
			r.Status, r.Updated = JobLate, now
			if err := tx.UpdateJobRun(r); err != nil {
				return err
			}
			found++
			wrote = true
			if err := s.auditAt(tx, now, "job.late", spec.ID+"/"+r.RunID, before, r); err != nil {
				return err
			}
		}
		if !wrote {
			return errQuiet
		}
		return j.finish()
	})
	if errors.Is(err, errQuiet) {
		err = nil
	}
	return found, err
}

// miss records a slot's run as missed when nothing was heard of it,
// raising its alert; it reports 1 when it did.
func (j *jobAlerts) miss(spec JobSpec, slot time.Time) (int, error) {
	switch _, err := j.tx.JobRunBySlot(spec.ID, slot); {
	case err == nil:
		return 0, nil
	case !errors.Is(err, ErrNotFound):
		return 0, err
	}
	r := JobRun{Job: spec.ID, RunID: SlotRunID(slot), Scheduled: slot, Status: JobMissed, Recorded: j.now, Updated: j.now}
	if err := j.raise(spec, &r); err != nil {
		return 0, err
	}
	if err := j.tx.InsertJobRun(&r); err != nil {
		return 0, err
	}
	return 1, j.desk.auditAt(j.tx, j.now, "job.missed", spec.ID+"/"+r.RunID, nil, r)
}

// auditAt appends an audit row by hypercare itself at a given time (the
// sweep's, which may differ from the desk's clock).
func (s *Desk) auditAt(tx Tx, at time.Time, action, entity string, before, after any) error {
	return tx.AppendAudit(AuditEntry{At: at, Actor: System.Name, Action: action, Entity: entity, Before: snapshot(before), After: snapshot(after)})
}

// ReadJobs reads what the jobs view and 'hypercare list jobs' show: each
// of the plan's jobs with its newest runs (up to runs of them) and figures
// (SummariseJob), in plan order.
func ReadJobs(ctx context.Context, r Reader, specs []JobSpec, runs int, now time.Time) ([]JobSummary, error) {
	watched, err := r.JobsWatched(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]JobSummary, 0, len(specs))
	for _, spec := range specs {
		list, err := r.JobRuns(ctx, spec.ID, runs)
		if err != nil {
			return nil, err
		}
		last, err := r.LastGoodRun(ctx, spec.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		out = append(out, SummariseJob(spec, list, last, watched[spec.ID], now))
	}
	return out, nil
}
