package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// deployNight is Sunday 6 December 2026 02:00 London (GMT): inside
// checkout's maintenance window, clear of every freeze of the example plan.
var deployNight = time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)

// scheduleChange puts a standard (pre-approved) change on checkout on the
// calendar for deployNight, 02:00–03:00, and submits it: it is scheduled.
func (e *httpEnv) scheduleChange(t *testing.T) model.Change {
	t.Helper()
	tom := model.Actor{Name: "tom.okafor", Role: model.RoleOperator}
	c, _, err := e.app.desk.CreateChange(e.ctx, tom, model.Change{Title: "Raise the checkout pool size", Services: []string{"checkout"},
		Type: model.ChangeStandard, Impact: model.Low, Probability: model.Low, Start: deployNight, End: deployNight.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if c, _, err = e.app.desk.StepChange(e.ctx, tom, c.ID, model.ChangeStep{Action: model.ChangeSubmit}); err != nil || c.State != model.ChangeScheduled {
		t.Fatalf("submit: %s, %v", c.State, err)
	}
	return c
}

// deployJSON is a deploy drop of one deploy of checkout 2.14.0 started 5
// minutes into deployNight, with extra fields (`"status":"succeeded"`).
func deployJSON(fields ...string) []byte {
	body := `"service":"checkout","version":"2.14.0","by":"ci@gitlab","start":"2026-12-06T02:05:00Z","url":"https://ci.example/p/1"`
	for _, f := range fields {
		body += "," + f
	}
	return []byte(`{"deploy":{` + body + `}}`)
}

// waitChange waits until the change is in state.
func (e *httpEnv) waitChange(t *testing.T, id int64, state model.ChangeState) model.Change {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := e.app.db.Change(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == state {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("CHG-%d is %s, want %s; drops %+v", id, c.State, state, e.status())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *httpEnv) deploys(t *testing.T) []model.Deploy {
	t.Helper()
	list, err := e.app.db.DeploysBetween(e.ctx, deployNight.Add(-24*time.Hour), deployNight.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestDeployOverHTTP: a pipeline posts a deploy of a scheduled change when
// it starts and again when it has finished; the change goes to implement,
// then review, each step on its timeline; a repeated post changes nothing.
func TestDeployOverHTTP(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	c := e.scheduleChange(t)

	started := deployJSON(`"status":"started"`, fmt.Sprintf(`"change":"CHG-%d"`, c.ID), `"id":"gitlab-88412"`)
	code, header, body := e.post(t, "/deploys", started)
	var got receipt
	if code != http.StatusAccepted || header.Get("Content-Type") != "application/json" ||
		json.Unmarshal([]byte(body), &got) != nil || got.Format != drops.FormatDeploy || got.Deploys != 1 || got.Alerts != 0 {
		t.Fatalf("deploy started: %d %s", code, body)
	}
	e.waitChange(t, c.ID, model.ChangeImplement)
	e.applied(t, 1)

	// The pipeline retries the same post: applied, nothing changes.
	if code, _, body := e.post(t, "/deploys", started); code != http.StatusAccepted {
		t.Fatalf("repeat: %d %s", code, body)
	}
	e.applied(t, 2)
	timeline, err := e.app.db.ChangeTimeline(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A report that differs in bytes but not in meaning changes nothing either.
	if code, _, body := e.post(t, "/deploys", deployJSON(`"status":"STARTED"`, `"id":"gitlab-88412"`)); code != http.StatusAccepted {
		t.Fatalf("repeat with other bytes: %d %s", code, body)
	}
	e.applied(t, 3)
	if again, _ := e.app.db.ChangeTimeline(e.ctx, c.ID); len(again) != len(timeline) {
		t.Fatalf("repeated reports wrote the timeline: %d entries, had %d", len(again), len(timeline))
	}

	finished := deployJSON(`"status":"succeeded"`, `"end":"2026-12-06T02:11:40Z"`, `"id":"gitlab-88412"`)
	if code, _, body := e.post(t, "/deploys", finished); code != http.StatusAccepted {
		t.Fatalf("deploy finished: %d %s", code, body)
	}
	e.waitChange(t, c.ID, model.ChangeReview)

	timeline, err = e.app.db.ChangeTimeline(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, ev := range timeline {
		steps = append(steps, ev.Kind+": "+ev.Text)
	}
	text := strings.Join(steps, "\n")
	for _, want := range []string{
		"start: implementation started: deploy 2.14.0 of checkout by ci@gitlab (started), DEP-1 (scheduled → implement)",
		"complete: implementation complete; in review: deploy 2.14.0 of checkout by ci@gitlab (succeeded), DEP-1 (implement → review)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline lacks %q:\n%s", want, text)
		}
	}
	list := e.deploys(t)
	if len(list) != 1 || list[0].ChangeID != c.ID || list[0].Unauthorised || list[0].Status != model.DeploySucceeded ||
		list[0].Key != "gitlab-88412" || list[0].By != "ci@gitlab" {
		t.Fatalf("deploys: %+v", list)
	}
}

// TestDeployPathsAndTokens: /deploys takes deploys only, by POST, with the
// plan's token for the source "deploy"; a deploy of a service the plan
// lacks is refused to its sender.
func TestDeployPathsAndTokens(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	generic := []byte(`{"key":"probe","status":"firing","service":"checkout","summary":"probe failing"}`)
	for _, tc := range []struct {
		path string
		body []byte
		want string
	}{
		{"/deploys", generic, "it is a generic payload, posted to /deploys. Post it to /alerts/generic"},
		{"/alerts/generic", deployJSON(`"status":"started"`), "it is a deploy payload, posted to /alerts/generic. Post it to /deploys"},
		{"/deploys", bytes.Replace(deployJSON(`"status":"started"`), []byte(`"checkout"`), []byte(`"chekout"`), 1), `service "chekout" is not in the support plan`},
		{"/deploys", deployJSON(`"status":"done"`), `deploy.status: "done" must be "started", "succeeded", "failed" or "rolled_back"`},
		{"/deploys", []byte(`{"deploy":[]}`), "deploy: is an empty array"},
		{"/deploys", deployJSON(`"status":"started"`, `"change":"INC-4"`), `deploy.change: "INC-4": use CHG-n`},
	} {
		code, _, body := e.post(t, tc.path, tc.body)
		if code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %s: %d %s\nwant 400 saying %q", tc.path, tc.body, code, body, tc.want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/deploys", nil)
	if code, header, body := do(t, req); code != http.StatusMethodNotAllowed || header.Get("Allow") != "POST" || !strings.Contains(body, "/deploys") {
		t.Errorf("GET /deploys: %d %v %s", code, header, body)
	}
	if code, _, body := e.post(t, "/alerts/deploy", deployJSON(`"status":"started"`)); code != http.StatusNotFound || !strings.Contains(body, "/deploys") {
		t.Errorf("POST /alerts/deploy: %d %s", code, body)
	}

	const token = "d3ploy-t0ken"
	withToken := append(bytes.Clone(examples.Plan), fmt.Sprintf("\n[[source]]\nname = \"deploy\"\ntoken = %q\n", token)...)
	reloadPlan(t, e.app, e.plan, withToken, func(p *plan.Plan) bool { return p.AlertSource("deploy").Token == token })
	if code, _, body := e.post(t, "/deploys", deployJSON(`"status":"started"`)); code != http.StatusUnauthorized || !strings.Contains(body, `name = "deploy"`) {
		t.Errorf("no token: %d %s", code, body)
	}
	if code, _, body := e.post(t, "/deploys", deployJSON(`"status":"started"`), "Authorization", "Bearer "+token); code != http.StatusAccepted {
		t.Errorf("with the token: %d %s", code, body)
	}
	e.applied(t, 1)
	if list := e.deploys(t); len(list) != 1 || !list[0].Unauthorised || !strings.Contains(list[0].Note, "no change on checkout") {
		t.Fatalf("a deploy with no change: %+v", list)
	}
	if st := e.status(); st.Rejected != 0 {
		t.Errorf("refused posts reached the folder: %+v", st)
	}
}

// drop writes data elsewhere and renames it into the drop folder, as
// FORMATS.md asks of senders.
func (e *httpEnv) drop(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(e.dir, name)); err != nil {
		t.Fatal(err)
	}
}

// waitFile waits until path exists and returns its content.
// waitSidecar waits for a rejected drop and returns its .error sidecar. The
// intake writes the sidecar first and then renames the drop beside it, so
// the drop's arrival (not the sidecar's) says the sidecar is whole.
func waitSidecar(t *testing.T, dir, name string) string {
	t.Helper()
	waitFile(t, filepath.Join(dir, drops.RejectedDir, name))
	data, err := os.ReadFile(filepath.Join(dir, drops.RejectedDir, name+".error"))
	if err != nil {
		t.Fatalf("rejected drop %s has no sidecar: %v", name, err)
	}
	return string(data)
}

func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear: %v", path, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDeployDropInTheWatchedFolder: a deploy file renamed into the drop
// folder moves its change; a broken one goes to rejected/ with why.
func TestDeployDropInTheWatchedFolder(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	c := e.scheduleChange(t)
	// Both reports in one file: the change starts and completes.
	e.drop(t, "deploy-88412.json", []byte(`{"deploy":[
  {"service":"checkout","version":"2.14.0","start":"2026-12-06T01:50:00Z","status":"started"},
  {"service":"checkout","version":"2.14.0","start":"2026-12-06T01:50:00Z","status":"failed","end":"2026-12-06T01:58:00Z"}
]}`))
	e.waitChange(t, c.ID, model.ChangeReview)
	waitFile(t, filepath.Join(e.dir, drops.ProcessedDir, "deploy-88412.json"))
	if list := e.deploys(t); len(list) != 1 || list[0].Status != model.DeployFailed || list[0].ChangeID != c.ID {
		t.Fatalf("deploys: %+v", list)
	}

	for name, tc := range map[string]struct {
		body string
		want string
	}{
		"no-version.json": {`{"deploy":{"service":"checkout","start":"2026-12-06T02:00:00Z","status":"started"}}`, "deploy.version: is missing"},
		"second-is-bad.json": {`{"deploy":[{"service":"checkout","version":"1","start":"2026-12-06T02:00:00Z","status":"started"},
  {"service":"checkout","version":"2","start":"yesterday","status":"started"}]}`, `deploy[1].start: "yesterday" is not an RFC 3339 time`},
		"unknown-service.json": {`{"deploy":{"service":"nope","version":"1","start":"2026-12-06T02:00:00Z","status":"started"}}`, `service "nope": not in the plan`},
	} {
		e.drop(t, name, []byte(tc.body))
		sidecar := waitSidecar(t, e.dir, name)
		if !strings.Contains(sidecar, tc.want) || !strings.Contains(sidecar, "What to do: fix the payload") {
			t.Errorf("%s: the sidecar does not say %q:\n%s", name, tc.want, sidecar)
		}
	}
	if list := e.deploys(t); len(list) != 1 {
		t.Fatalf("a rejected drop recorded a deploy: %+v", list)
	}
}

// TestIngestDeployFile: `hypercare ingest` applies a deploy file by the
// watcher's path and says what became of each deploy.
func TestIngestDeployFile(t *testing.T) {
	db, planPath := seeded(t)
	file := filepath.Join(t.TempDir(), "deploy.json")
	if err := os.WriteFile(file, deployJSON(`"status":"started"`, `"change":"CHG-42"`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "--db", db, "--plan", planPath, "ingest", file)
	want := "deploy.json: ok, deploy, DEP-1 deploy 2.14.0 of checkout by ci@gitlab (started): unauthorised: it names CHG-42, which does not exist"
	if code != exitOK || !strings.Contains(out, want) {
		t.Fatalf("exit %d\n%s%s\nwant %s", code, out, errOut, want)
	}
	if code, out, _ := cli(t, "--db", db, "--plan", planPath, "ingest", file); code != exitOK || !strings.Contains(out, "already applied") {
		t.Fatalf("again: exit %d\n%s", code, out)
	}
}
