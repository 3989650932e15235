-- 0012: runs of the plan's scheduled jobs and backups. A run is known by
-- its job and run id (the scheduler's, or its slot's time when heartbeats
-- name none), so a heartbeat sent twice finds the first. scheduled_at is
-- the slot it fills (NULL for a re-run outside the schedule); at is when it
-- belongs on a calendar: its slot, else its start, else its end. alert_key
-- is the alert a failed or missed run raised, alert_open that it still
-- fires as far as the job is concerned.
CREATE TABLE job_runs (
    id           INTEGER PRIMARY KEY,
    job          TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    scheduled_at INTEGER,
    started_at   INTEGER,
    finished_at  INTEGER,
    at           INTEGER NOT NULL,
    status       TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    size         INTEGER NOT NULL DEFAULT 0,
    message      TEXT NOT NULL DEFAULT '',
    alert_key    TEXT NOT NULL DEFAULT '',
    alert_open   INTEGER NOT NULL DEFAULT 0,
    recorded_at  INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
-- One run per job and run id, and one per job and slot.
CREATE UNIQUE INDEX job_runs_key ON job_runs (job, run_id);
CREATE UNIQUE INDEX job_runs_slot ON job_runs (job, scheduled_at) WHERE scheduled_at IS NOT NULL;
-- A job's newest runs (the jobs view), and every job's runs by time (the calendar).
CREATE INDEX job_runs_job_at ON job_runs (job, at);
CREATE INDEX job_runs_at ON job_runs (at, id);
-- The sweep's look at runs still going, and a success's look at open alerts.
CREATE INDEX job_runs_running ON job_runs (job) WHERE status = 'running';
CREATE INDEX job_runs_alerting ON job_runs (job) WHERE alert_open = 1;

-- The sweep's place per job: since when it watches the job (a run due
-- before then is not missed: nobody expected it yet) and up to when it has
-- looked for missed runs.
CREATE TABLE job_watch (
    job      TEXT PRIMARY KEY,
    since    INTEGER NOT NULL,
    swept_to INTEGER NOT NULL
) STRICT;
