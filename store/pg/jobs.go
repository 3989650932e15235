package pg

import (
	"context"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// Runs of the plan's scheduled jobs (migration 0012), as store/jobs.go.
const (
	jobRunColumns = `id, job, run_id, scheduled_at, started_at, finished_at, status, duration_ms, size, message,
	alert_key, alert_open, recorded_at, updated_at`

	jobRunByIDSQL   = `SELECT ` + jobRunColumns + ` FROM job_runs WHERE job = $1 AND run_id = $2`
	jobRunBySlotSQL = `SELECT ` + jobRunColumns + ` FROM job_runs WHERE job = $1 AND scheduled_at = $2`
	openJobRunSQL   = `SELECT ` + jobRunColumns + ` FROM job_runs
WHERE job = $1 AND started_at IS NOT NULL AND finished_at IS NULL ORDER BY at DESC, id DESC LIMIT 1`
	runningJobRunsSQL  = `SELECT ` + jobRunColumns + ` FROM job_runs WHERE status = 'running' ORDER BY at, id`
	alertingJobRunsSQL = `SELECT ` + jobRunColumns + ` FROM job_runs WHERE job = $1 AND alert_open ORDER BY at, id`

	insertJobRunSQL = `INSERT INTO job_runs (job, run_id, scheduled_at, started_at, finished_at, at, status, duration_ms,
	size, message, alert_key, alert_open, recorded_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id`
	updateJobRunSQL = `UPDATE job_runs SET run_id = $2, scheduled_at = $3, started_at = $4, finished_at = $5, at = $6,
	status = $7, duration_ms = $8, size = $9, message = $10, alert_key = $11, alert_open = $12, updated_at = $13
WHERE id = $1`

	jobWatchSQL    = `SELECT since, swept_to FROM job_watch WHERE job = $1`
	setJobWatchSQL = `INSERT INTO job_watch (job, since, swept_to) VALUES ($1, $2, $3)
ON CONFLICT (job) DO UPDATE SET since = excluded.since, swept_to = excluded.swept_to`

	jobRunsSQL        = `SELECT ` + jobRunColumns + ` FROM job_runs WHERE job = $1 ORDER BY at DESC, id DESC LIMIT $2`
	jobRunsBetweenSQL = `SELECT ` + jobRunColumns + ` FROM job_runs WHERE at >= $1 AND at < $2 ORDER BY at, id`
	lastGoodRunSQL    = `SELECT ` + jobRunColumns + ` FROM job_runs
WHERE job = $1 AND finished_at IS NOT NULL AND status <> 'failed' ORDER BY finished_at DESC, id DESC LIMIT 1`
	jobsWatchedSQL = `SELECT job, since FROM job_watch`
)

// JobRuns lists a job's newest runs, newest first.
func (db *DB) JobRuns(ctx context.Context, job string, limit int) ([]model.JobRun, error) {
	rows, err := db.query(ctx, jobRunsSQL, job, limit)
	return collect(rows, err, "runs of "+job, rowcodec.ScanJobRun)
}

// JobRunsBetween lists every job's runs whose time is in [from, to), by time.
func (db *DB) JobRunsBetween(ctx context.Context, from, to time.Time) ([]model.JobRun, error) {
	rows, err := db.query(ctx, jobRunsBetweenSQL, from.UnixMilli(), to.UnixMilli())
	return collect(rows, err, "job runs", rowcodec.ScanJobRun)
}

// LastGoodRun is a job's newest run that finished without failing.
func (db *DB) LastGoodRun(ctx context.Context, job string) (model.JobRun, error) {
	return one(db.queryRow(ctx, lastGoodRunSQL, job), "last good run of "+job, rowcodec.ScanJobRun)
}

// JobsWatched says since when the sweep has watched each job.
func (db *DB) JobsWatched(ctx context.Context) (map[string]time.Time, error) {
	type watch struct {
		job   string
		since time.Time
	}
	rows, err := db.query(ctx, jobsWatchedSQL)
	list, err := collect(rows, err, "watched jobs", func(s scanner) (watch, error) {
		var w watch
		return w, s.Scan(&w.job, rowcodec.Time(&w.since))
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(list))
	for _, w := range list {
		out[w.job] = w.since
	}
	return out, nil
}

func (t *tx) jobRun(query, what string, args ...any) (model.JobRun, error) {
	r, err := rowcodec.ScanJobRun(t.queryRow(query, args...))
	return r, found(err, "read %s", what)
}

func (t *tx) JobRunByID(job, runID string) (model.JobRun, error) {
	return t.jobRun(jobRunByIDSQL, fmt.Sprintf("run %s of %s", runID, job), job, runID)
}

func (t *tx) JobRunBySlot(job string, slot time.Time) (model.JobRun, error) {
	return t.jobRun(jobRunBySlotSQL, fmt.Sprintf("run of %s at %s", job, slot.Format(time.RFC3339)), job, slot.UnixMilli())
}

func (t *tx) OpenJobRun(job string) (model.JobRun, error) {
	return t.jobRun(openJobRunSQL, "open run of "+job, job)
}

func (t *tx) InsertJobRun(r *model.JobRun) error {
	err := t.queryRow(insertJobRunSQL, r.Job, r.RunID, ms(r.Scheduled), ms(r.Started), ms(r.Finished),
		r.At().UnixMilli(), string(r.Status), r.Duration.Milliseconds(), r.Size, r.Message, r.AlertKey, r.AlertOpen,
		ms(r.Recorded), ms(r.Updated)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("insert run %s of %s: %w", r.RunID, r.Job, unreachable(err))
	}
	return nil
}

func (t *tx) UpdateJobRun(r model.JobRun) error {
	return t.execOne(fmt.Sprintf("run %s of %s", r.RunID, r.Job), updateJobRunSQL, r.ID, r.RunID, ms(r.Scheduled), ms(r.Started),
		ms(r.Finished), r.At().UnixMilli(), string(r.Status), r.Duration.Milliseconds(), r.Size, r.Message, r.AlertKey,
		r.AlertOpen, ms(r.Updated))
}

func (t *tx) jobRuns(query, what string, args ...any) ([]model.JobRun, error) {
	rows, err := t.query(query, args...)
	return collect(rows, err, what, rowcodec.ScanJobRun)
}

func (t *tx) RunningJobRuns() ([]model.JobRun, error) {
	return t.jobRuns(runningJobRunsSQL, "running job runs")
}

func (t *tx) AlertingJobRuns(job string) ([]model.JobRun, error) {
	return t.jobRuns(alertingJobRunsSQL, "alerting runs of "+job, job)
}

func (t *tx) JobWatch(job string) (since, sweptTo time.Time, err error) {
	err = t.queryRow(jobWatchSQL, job).Scan(rowcodec.Time(&since), rowcodec.Time(&sweptTo))
	return since, sweptTo, found(err, "read the watch of %s", job)
}

func (t *tx) SetJobWatch(job string, since, sweptTo time.Time) error {
	if _, err := t.exec(setJobWatchSQL, job, since.UnixMilli(), sweptTo.UnixMilli()); err != nil {
		return fmt.Errorf("save the watch of %s: %w", job, err)
	}
	return nil
}
