package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// waitRuns waits until the job has n runs and returns them, newest first.
func (e *httpEnv) waitRuns(t *testing.T, job string, n int, done func([]model.JobRun) bool) []model.JobRun {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runs, err := e.app.db.JobRuns(e.ctx, job, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == n && done(runs) {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs of %s: %+v; drops %+v", job, runs, e.status())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHeartbeatOverHTTP: a backup script posts when it starts and when it
// ends; the run is recorded once, ok, with its size; the same post again
// changes nothing; a job the plan lacks is refused to the sender.
func TestHeartbeatOverHTTP(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	started := []byte(`{"heartbeat":{"job":"backup-orders-db","run":"pgbackrest-881","status":"started"}}`)
	code, _, body := e.post(t, "/heartbeats", started)
	var got receipt
	if code != http.StatusAccepted || json.Unmarshal([]byte(body), &got) != nil || got.Format != drops.FormatHeartbeat || got.Heartbeats != 1 {
		t.Fatalf("started: %d %s", code, body)
	}
	e.waitRuns(t, "backup-orders-db", 1, func(r []model.JobRun) bool { return r[0].Status != "" })

	ended := []byte(`{"heartbeat":{"job":"backup-orders-db","run":"pgbackrest-881","status":"ok","duration":2472,"size":73400320}}`)
	for range 2 {
		if code, _, body := e.post(t, "/heartbeats", ended); code != http.StatusAccepted {
			t.Fatalf("ended: %d %s", code, body)
		}
	}
	e.applied(t, 3)
	runs := e.waitRuns(t, "backup-orders-db", 1, func(r []model.JobRun) bool { return !r[0].Finished.IsZero() })
	if r := runs[0]; r.RunID != "pgbackrest-881" || r.Size != 73400320 || r.Duration != 2472*time.Second || !r.Succeeded() {
		t.Fatalf("run = %+v", r)
	}

	for _, tc := range []struct{ path, body, want string }{
		{"/heartbeats", `{"heartbeat":{"job":"backup-orders","status":"ok"}}`, `job "backup-orders" is not in the support plan`},
		{"/heartbeats", `{"heartbeat":{"job":"backup-orders-db","status":"done"}}`, `heartbeat.status: "done" must be "started", "ok" or "failed"`},
		{"/heartbeats", `{"heartbeat":{"job":"backup-orders-db","status":"ok","duration":"forty"}}`, `heartbeat.duration: "\"forty\"" is not a duration`},
		{"/deploys", string(ended), "it is a heartbeat payload, posted to /deploys. Post it to /heartbeats"},
	} {
		if code, _, body := e.post(t, tc.path, []byte(tc.body)); code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %s: %d %s\nwant 400 saying %q", tc.path, tc.body, code, body, tc.want)
		}
	}
}

// TestHeartbeatDropInTheWatchedFolder: a heartbeat file renamed into the
// drop folder records the run; a failed run puts a JobFailed alert in the
// feed; a broken file goes to rejected/ with why.
func TestHeartbeatDropInTheWatchedFolder(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	e.drop(t, "settlement.json", []byte(`{"heartbeat":[
  {"job":"nightly-settlement","run":"settle-77","status":"started"},
  {"job":"nightly-settlement","run":"settle-77","status":"failed","at":"`+at+`","message":"unbalanced batch: diff=0.01"}
]}`))
	waitFile(t, filepath.Join(e.dir, drops.ProcessedDir, "settlement.json"))
	runs := e.waitRuns(t, "nightly-settlement", 1, func(r []model.JobRun) bool { return r[0].Status == model.JobFailed })
	al := e.alertNamed(t, "JobFailed")
	if al.DedupKey != runs[0].AlertKey || al.Source != model.JobSource || al.Labels["job"] != "nightly-settlement" ||
		!strings.Contains(al.Summary, "unbalanced batch") || al.IncidentID == 0 {
		t.Errorf("alert = %+v; want JobFailed for the run, with the P2 incident the plan asks for", al)
	}

	e.drop(t, "no-job.json", []byte(`{"heartbeat":{"status":"ok"}}`))
	sidecar := waitSidecar(t, e.dir, "no-job.json")
	if !strings.Contains(sidecar, "heartbeat.job: is missing") {
		t.Errorf("sidecar:\n%s", sidecar)
	}
}

// TestJobReport: a script reports its run with 'hypercare job report';
// the same report again is the same run; 'list jobs' shows it.
func TestJobReport(t *testing.T) {
	db, planPath := seeded(t)
	report := []string{"--db", db, "--plan", planPath, "--as", "tom.okafor", "job", "report", "backup-orders-db",
		"--status", "ok", "--duration", "41m", "--size", "73400320", "--run", "pgbackrest-881", "--at", "2026-11-20T02:41:00Z"}
	for range 2 {
		code, out, errOut := cli(t, report...)
		if code != exitOK || out != "backup-orders-db run pgbackrest-881: ok in 41m0s, 70 MiB\n" {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	}
	code, out, errOut := cli(t, "--db", db, "--plan", planPath, "list", "jobs")
	if code != exitOK || !strings.Contains(out, "backup-orders-db    backup") || !strings.Contains(out, "100%") ||
		!strings.Contains(out, "BREACHED by") || strings.Count(out, "\n") != 6 {
		t.Fatalf("list jobs: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "--db", db, "--plan", planPath, "list", "jobs", "--json")
	var jobs []jobView
	if code != exitOK || json.Unmarshal([]byte(out), &jobs) != nil || len(jobs) != 5 {
		t.Fatalf("list jobs --json: exit %d\n%s", code, out)
	}
	if b := jobs[1]; b.ID != "backup-orders-db" || len(b.Runs) != 1 || b.Runs[0].Duration != "41m0s" || b.Rate == nil || *b.Rate != 1 ||
		b.RPO != "26h" || b.OnMiss != "critical" || b.Schedule != "0 2 * * *" {
		t.Errorf("backup = %+v", b)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"job", "report", "backup-orders-db", "--status", "done"}, exitUsage, `status "done": use started, ok or failed`},
		{[]string{"job", "report", "backup-orders-db", "--status", "ok", "--duration", "long"}, exitUsage, `--duration "long"`},
		{[]string{"job", "report", "--status", "ok"}, exitUsage, "name one JOB"},
		{[]string{"job", "report", "backups", "--status", "ok"}, exitRejected, `job "backups": not in the plan; use one of nightly-settlement, backup-orders-db`},
		{[]string{"--as", "dan.kowalski", "job", "report", "backup-orders-db", "--status", "ok"}, exitRejected, "may not report job runs"},
	} {
		code, _, errOut := cli(t, append([]string{"--db", db, "--plan", planPath}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %s\nwant %d saying %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
