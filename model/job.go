package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// JobSource is the Source of the alerts hypercare raises for scheduled jobs
// (a failed or missed run). It never repeats them, so they never go stale:
// they resolve when a run of their job succeeds.
const JobSource = "jobs"

// JobEarly is how long before its scheduled time a run may start and still
// be that slot's run: schedulers' clocks differ from ours.
const JobEarly = 2 * time.Minute

// JobLookback bounds how far back the sweep looks for missed runs, so a
// console started after weeks away raises one week of misses, not months.
const JobLookback = 7 * 24 * time.Hour

// Job kinds, as the plan names them.
const (
	JobBatch   = "batch"
	JobBackup  = "backup"
	JobExtract = "extract"
	JobFeed    = "feed"
)

// Schedule is when a job is expected to start: a cron schedule in the
// plan's timezone. Next is the first start strictly after a time.
type Schedule interface {
	Next(after time.Time) time.Time
}

// JobSpec is a scheduled job or backup as the plan describes it.
type JobSpec struct {
	ID, Name, Service string
	Owner             string // team id that fixes it
	Kind              string // batch, backup, extract or feed
	Schedule          Schedule
	// Duration is how long a run is expected to take; Grace how late its
	// first heartbeat may be. A run must have started by its time + Grace
	// and finished by its time + Grace + Duration.
	Duration, Grace time.Duration
	// RPO, for backups, is the longest the newest good backup may be old.
	RPO time.Duration
	// MissSeverity is the severity of the alert a failed or missed run
	// raises; MissIncident, when set, opens an incident of that priority.
	MissSeverity Severity
	MissIncident Priority
}

// Slots lists the scheduled starts in [from, to).
func (j JobSpec) Slots(from, to time.Time) []time.Time {
	var out []time.Time
	if j.Schedule == nil {
		return nil
	}
	for t := j.Schedule.Next(from.Add(-time.Nanosecond)); !t.IsZero() && t.Before(to); t = j.Schedule.Next(t) {
		out = append(out, t)
	}
	return out
}

// SlotAt is the latest scheduled start at or before t, zero when there is
// none within a year. It looks back in growing steps, so an every-minute
// job does not walk a week of starts.
func (j JobSpec) SlotAt(t time.Time) time.Time {
	if j.Schedule == nil {
		return time.Time{}
	}
	for _, back := range []time.Duration{time.Hour, 25 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 366 * 24 * time.Hour} {
		first := j.Schedule.Next(t.Add(-back))
		if first.IsZero() || first.After(t) {
			continue
		}
		for next := j.Schedule.Next(first); !next.IsZero() && !next.After(t); next = j.Schedule.Next(next) {
			first = next
		}
		return first
	}
	return time.Time{}
}

// StartBy is when a run scheduled at slot must have reported.
func (j JobSpec) StartBy(slot time.Time) time.Time { return slot.Add(j.Grace) }

// FinishBy is when a run must have finished: from its scheduled time, or
// for a run outside the schedule from its start; zero when neither is known.
func (j JobSpec) FinishBy(r JobRun) time.Time {
	base := r.Scheduled
	if base.IsZero() {
		base = r.Started
	}
	if base.IsZero() {
		return time.Time{}
	}
	return base.Add(j.Grace + j.Duration)
}

// SlotRunID is the run id of a scheduled run whose heartbeats name none,
// and of a missed run: its time in UTC, which a DST change cannot repeat.
func SlotRunID(slot time.Time) string { return slot.UTC().Format("2006-01-02T15:04Z") }

// JobStatus is how a run went.
type JobStatus string

const (
	JobRunning JobStatus = "running" // started, on time so far
	JobOK      JobStatus = "ok"
	JobFailed  JobStatus = "failed"
	// JobLate is a run that started after its time + grace, or finished
	// (or is still running) after its time + grace + duration.
	JobLate JobStatus = "late"
	// JobMissed is a scheduled run nothing was heard of by its time + grace.
	JobMissed JobStatus = "missed"
)

// Mark is the status as one character, for the runs strip.
func (s JobStatus) Mark() string {
	switch s {
	case JobOK:
		return "✓"
	case JobFailed:
		return "✗"
	case JobLate:
		return "◷"
	case JobMissed:
		return "∅"
	}
	return "▶"
}

// HeartbeatStatus is what a heartbeat reports.
type HeartbeatStatus string

const (
	HeartbeatStarted HeartbeatStatus = "started"
	HeartbeatOK      HeartbeatStatus = "ok"
	HeartbeatFailed  HeartbeatStatus = "failed"
)

// ParseHeartbeatStatus reads a heartbeat's status in any letter case.
func ParseHeartbeatStatus(s string) (HeartbeatStatus, error) {
	for _, st := range []HeartbeatStatus{HeartbeatStarted, HeartbeatOK, HeartbeatFailed} {
		if strings.EqualFold(strings.TrimSpace(s), string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("status %q: use started, ok or failed", s)
}

// Heartbeat is one report of a job's run: from a drop, an HTTP post or
// 'hypercare job report'.
type Heartbeat struct {
	Job string `json:"job"`
	// Run is the scheduler's id for the run; empty means the scheduled
	// run the heartbeat's time belongs to (SlotRunID), or for a finish,
	// the run of the job still going.
	Run      string          `json:"run,omitzero"`
	Status   HeartbeatStatus `json:"status"`
	At       time.Time       `json:"at,omitzero"` // when it happened; zero: when received
	Duration time.Duration   `json:"duration,omitzero"`
	Size     int64           `json:"size,omitzero"` // bytes written, for backups and extracts
	Message  string          `json:"message,omitzero"`
}

// JobRun is one run of a job: reported by its heartbeats, or missed.
type JobRun struct {
	ID    int64  `json:"id,omitzero"`
	Job   string `json:"job"`
	RunID string `json:"run"`
	// Scheduled is the slot the run fills; zero for a run outside the
	// schedule (a re-run).
	Scheduled time.Time     `json:"scheduled,omitzero"`
	Started   time.Time     `json:"started,omitzero"`
	Finished  time.Time     `json:"finished,omitzero"`
	Status    JobStatus     `json:"status"`
	Duration  time.Duration `json:"duration,omitzero"`
	Size      int64         `json:"size,omitzero"`
	Message   string        `json:"message,omitzero"`
	// AlertKey is the dedup key of the alert the run raised; AlertOpen
	// says it still fires as far as the job is concerned.
	AlertKey  string    `json:"alert,omitzero"`
	AlertOpen bool      `json:"-"`
	Recorded  time.Time `json:"recorded"`
	Updated   time.Time `json:"updated"`
}

// At is when the run belongs on a calendar: its slot, else its start,
// else its end.
func (r JobRun) At() time.Time {
	switch {
	case !r.Scheduled.IsZero():
		return r.Scheduled
	case !r.Started.IsZero():
		return r.Started
	}
	return r.Finished
}

// Describe is the run in a few words: "ok in 41m12s, 70 MiB", "failed
// after 22m: disk full", "missed", "running since Fri 02:31".
func (r JobRun) Describe(loc *time.Location) string {
	var b strings.Builder
	b.WriteString(string(r.Status))
	switch {
	case r.Status == JobMissed:
		return b.String()
	case r.Finished.IsZero():
		if !r.Started.IsZero() {
			b.WriteString(", running since " + r.Started.In(loc).Format("Mon 15:04"))
		}
	case r.Duration > 0:
		b.WriteString(" in " + r.Duration.Round(time.Second).String())
	}
	if r.Size > 0 {
		b.WriteString(", " + humanize.IBytes(uint64(r.Size)))
	}
	if r.Message != "" {
		b.WriteString(": " + r.Message)
	}
	return b.String()
}

// Done reports whether the run has ended, well or not, or was missed.
func (r JobRun) Done() bool { return !r.Finished.IsZero() || r.Status == JobMissed }

// Succeeded reports whether the run finished without failing (on time or late).
func (r JobRun) Succeeded() bool { return !r.Finished.IsZero() && r.Status != JobFailed }

// ApplyHeartbeat is what a heartbeat makes of a run (new or stored): it
// starts it, or ends it, and judges it. The first end reported stands, and
// a report that tells nothing new (a repeat, a start after the end)
// changes nothing: changed is false.
func ApplyHeartbeat(r JobRun, hb Heartbeat, j JobSpec) (out JobRun, changed bool) {
	if !r.Finished.IsZero() {
		return r, false
	}
	wasLate := r.Status == JobMissed || r.Status == JobLate
	switch hb.Status {
	case HeartbeatStarted:
		if !r.Started.IsZero() {
			return r, false
		}
		r.Started = hb.At
	default:
		r.Finished = hb.At
		switch {
		case hb.Duration > 0:
			r.Duration = hb.Duration
			if r.Started.IsZero() {
				r.Started = hb.At.Add(-hb.Duration)
			}
		case !r.Started.IsZero():
			r.Duration = max(r.Finished.Sub(r.Started), 0)
		}
		if hb.Size > 0 {
			r.Size = hb.Size
		}
	}
	if hb.Message != "" {
		r.Message = hb.Message
	}
	r.Status = j.judge(r, hb.Status == HeartbeatFailed, wasLate)
	return r, true
}

// judge says how a heard-of run stands: failed as reported; late when it
// was missed or overdue before, started after its time + grace, or
// finished after FinishBy; otherwise running or ok.
func (j JobSpec) judge(r JobRun, failed, wasLate bool) JobStatus {
	if failed {
		return JobFailed
	}
	late := wasLate
	if !r.Scheduled.IsZero() && r.Started.After(j.StartBy(r.Scheduled)) {
		late = true
	}
	if due := j.FinishBy(r); !due.IsZero() && r.Finished.After(due) {
		late = true
	}
	switch {
	case late:
		return JobLate
	case r.Finished.IsZero():
		return JobRunning
	}
	return JobOK
}

// Overdue reports whether a run still going at now has passed FinishBy:
// the sweep marks it late.
func (j JobSpec) Overdue(r JobRun, now time.Time) bool {
	due := j.FinishBy(r)
	return r.Status == JobRunning && r.Finished.IsZero() && !due.IsZero() && now.After(due)
}

// JobAlert is the alert a failed or missed run raises: keyed by the run,
// grouped by the job (so a storm of misses is one storm, and an incident
// the job opened takes its later alerts), labelled so silences and routes
// can match it.
func JobAlert(j JobSpec, r JobRun, now time.Time, loc *time.Location) Alert {
	name, summary := "JobFailed", fmt.Sprintf("%s failed", j.Name)
	if r.Status == JobMissed {
		name = "JobMissed"
		summary = fmt.Sprintf("%s did not report by %s (scheduled %s)", j.Name, slaStamp(j.StartBy(r.Scheduled), loc), slaStamp(r.Scheduled, loc))
	} else if r.Message != "" {
		summary += ": " + r.Message
	}
	sev := j.MissSeverity
	if sev == 0 {
		sev = SevWarning
	}
	return Alert{
		DedupKey: "job:" + j.ID + ":" + r.RunID, Source: JobSource, Name: name, Severity: sev, State: AlertFiring,
		Service: j.Service, Summary: summary, StartsAt: now,
		Labels: map[string]string{"alertname": name, "job": j.ID, "kind": j.Kind, "service": j.Service, "severity": sev.String(), "team": j.Owner},
		Annotations: map[string]string{"run": r.RunID,
			"what to do": "see the job's runs with :jobs (or hypercare list jobs); the alert resolves when a run of " + j.ID + " succeeds"},
	}
}

// JobGroup is the alert group of a job's alerts.
func JobGroup(job string) string { return "job:" + job }

// PriorityLevels are the impact and urgency that make a priority.
func PriorityLevels(p Priority) (Level, Level) {
	switch p {
	case 1:
		return High, High
	case 2:
		return High, Medium
	case 3:
		return Medium, Medium
	case 4:
		return Medium, Low
	}
	return Low, Low
}

// JobSummary is a job with its recent runs, as the jobs view and
// 'hypercare list jobs' show it.
type JobSummary struct {
	Spec JobSpec `json:"-"`
	// Runs are the newest runs, newest first.
	Runs []JobRun `json:"runs"`
	// Rate is the share of the ended runs among Runs that succeeded (late
	// ones too); -1 when none has ended.
	Rate float64 `json:"success_rate"`
	// Durations are the durations of the ended runs that had one, oldest first.
	Durations []time.Duration `json:"-"`
	Next      time.Time       `json:"next,omitzero"` // the next scheduled start
	// LastOK is when the newest good run finished; zero when none.
	LastOK time.Time `json:"last_ok,omitzero"`
	// RPOBreach, for a backup with an RPO, is how much longer than the RPO
	// it has been since the newest good backup (or since the job was
	// first watched, when there is none); zero when within it.
	RPOBreach time.Duration `json:"rpo_breach,omitzero"`
}

// SummariseJob works out a job's figures from its newest runs (newest
// first), its newest good run (zero when none) and when hypercare started
// watching it.
func SummariseJob(j JobSpec, runs []JobRun, lastOK JobRun, watched, now time.Time) JobSummary {
	s := JobSummary{Spec: j, Runs: runs, Rate: -1, LastOK: lastOK.Finished}
	ended, good := 0, 0
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if !r.Done() {
			continue
		}
		ended++
		if r.Succeeded() {
			good++
		}
		if r.Duration > 0 {
			s.Durations = append(s.Durations, r.Duration)
		}
	}
	if ended > 0 {
		s.Rate = float64(good) / float64(ended)
	}
	if j.Schedule != nil {
		s.Next = j.Schedule.Next(now)
	}
	if j.Kind == JobBackup && j.RPO > 0 {
		since := s.LastOK
		if since.IsZero() {
			since = watched
		}
		if !since.IsZero() && now.Sub(since) > j.RPO {
			s.RPOBreach = now.Sub(since) - j.RPO
		}
	}
	return s
}
