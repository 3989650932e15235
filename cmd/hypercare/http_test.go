package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store/drops"
	"github.com/hypercare-ops/hypercare/ui"
)

// httpEnv is the receiver as serve runs it — the real handler on a real
// server, the seeded store, the live plan and the drop folder's watcher.
type httpEnv struct {
	ctx    context.Context
	app    *app
	rc     *receiver
	url    string
	dir    string // drop folder
	plan   string // plan file
	status func() ui.DropStatus
}

// startHTTP serves a receiver with limits lim over a seeded store whose plan
// is the example plan followed by extraPlan.
func startHTTP(t *testing.T, lim drops.Limits, extraPlan string) *httpEnv {
	t.Helper()
	dbPath, planPath := seeded(t)
	if err := os.WriteFile(planPath, append(bytes.Clone(examples.Plan), extraPlan...), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, dbPath, planPath)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	dir := t.TempDir()
	status, wait, err := watchDrops(ctx, a, dir, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	rc := newReceiver(dir, lim, func(format string) model.AlertSource { return a.plan.Plan().AlertSource(format) }, log.New(io.Discard, "", 0))
	rc.knowPlan(a.plan.Plan)
	srv := httptest.NewServer(rc.handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		wait()
		a.db.Close()
	})
	return &httpEnv{ctx: ctx, app: a, rc: rc, url: srv.URL, dir: dir, plan: planPath, status: status}
}

// post sends body to path with the given headers (name, value pairs) and
// returns the status, the headers and the body of the answer.
func (e *httpEnv) post(t *testing.T, path string, body []byte, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(text)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// waitFeed waits until filter finds n alerts in the store.
func (e *httpEnv) waitFeed(t *testing.T, filter string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		feed, err := e.app.db.Feed(e.ctx, model.FeedQuery{Filter: filter, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		// Only what was posted counts: the expiry sweep warns about the
		// example plan's licences as the real clock runs on.
		feed = slices.DeleteFunc(feed, func(a model.Alert) bool { return a.Source == model.ExpirySource })
		if len(feed) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d alert(s) match %q, want %d; drops %+v", len(feed), filter, n, e.status())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// reloadPlan replaces the plan file as an editor saves it (a new file
// renamed over the old) and waits until the live plan satisfies loaded.
func reloadPlan(t *testing.T, a *app, path string, content []byte, loaded func(*plan.Plan) bool) {
	t.Helper()
	changed, stop := a.plan.Subscribe()
	defer stop()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(5 * time.Second)
	for !loaded(a.plan.Plan()) {
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("the plan edit was not loaded: %v", a.plan.Err())
		}
	}
}

func TestHTTPReceiverEndToEnd(t *testing.T) {
	needFixtures(t)
	e := startHTTP(t, drops.Limits{}, "")
	code, header, body := e.post(t, "/alerts/grafana", fixture(t, "grafana.json"))
	if code != http.StatusAccepted || header.Get("Content-Type") != "application/json" {
		t.Fatalf("good payload: %d %s", code, body)
	}
	var got receipt
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Format != "grafana" || got.Alerts != 1 || got.Queued == "" {
		t.Fatalf("receipt %s: %+v, %v", body, got, err)
	}
	e.waitFeed(t, "LoginFailures", 1)
	// The count moves once the file is in processed/, just after the commit.
	deadline := time.Now().Add(5 * time.Second)
	for st := e.status(); st.Processed != 1 || st.Rejected != 0; st = e.status() {
		if time.Now().After(deadline) {
			t.Fatalf("drop status = %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if left, _ := filepath.Glob(filepath.Join(e.dir, ".*")); len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

// TestHTTPSharedFixtures posts every shared fixture to its format's path:
// the good ones are queued and applied, the bad ones refused with a reason.
func TestHTTPSharedFixtures(t *testing.T) {
	needFixtures(t)
	e := startHTTP(t, drops.Limits{}, "")
	good := map[string]string{
		"am-firing.json": "alertmanager", "am-resolved.json": "alertmanager", "am-no-fingerprint-truncated.json": "alertmanager",
		"grafana.json": "grafana", "generic.ndjson": "generic", "hostile-escapes.json": "alertmanager",
		"opsgenie-create.json": "opsgenie", "pagerduty-trigger.json": "pagerduty", "pagerduty-resolve.json": "pagerduty",
	}
	for name, format := range good {
		if code, _, body := e.post(t, "/alerts/"+format, fixture(t, name)); code != http.StatusAccepted {
			t.Errorf("%s to /alerts/%s: %d %s", name, format, code, body)
		}
	}
	for _, name := range []string{"bad-binary.json", "bad-fields.json", "bad-truncated.json", "bad-unknown-format.json"} {
		code, _, body := e.post(t, "/alerts/alertmanager", fixture(t, name))
		if code != http.StatusBadRequest || !strings.Contains(body, "the payload was refused") {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	e.waitFeed(t, "HighErrorRate", 1)
	e.waitFeed(t, "Certificate", 1)
	if st := e.status(); st.Rejected != 0 {
		t.Errorf("a posted payload was accepted but its drop rejected: %+v", st)
	}
}

func TestHTTPPathsAreDocumentedAndChecked(t *testing.T) {
	needFixtures(t)
	e := startHTTP(t, drops.Limits{}, "")
	grafana := fixture(t, "grafana.json")
	for _, path := range []string{"/", "/grafana", "/alerts", "/alerts/prometheus", "/alerts/grafana/extra"} {
		code, _, body := e.post(t, path, grafana)
		if code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, code)
		}
		for _, p := range []string{"/alerts/alertmanager", "/alerts/grafana", "/alerts/pagerduty", "/alerts/opsgenie", "/alerts/generic", "hypercare formats"} {
			if !strings.Contains(body, p) {
				t.Errorf("POST %s: the 404 does not name %s:\n%s", path, p, body)
			}
		}
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/alerts/grafana", nil)
	if code, header, body := do(t, req); code != http.StatusMethodNotAllowed || header.Get("Allow") != "POST" || !strings.Contains(body, "by POST") {
		t.Errorf("GET /alerts/grafana: %d %v %s", code, header, body)
	}
	code, _, body := e.post(t, "/alerts/alertmanager", grafana)
	if code != http.StatusBadRequest || !strings.Contains(body, "it is a grafana payload, posted to /alerts/alertmanager") ||
		!strings.Contains(body, "Post it to /alerts/grafana") {
		t.Errorf("grafana payload to the alertmanager path: %d %s", code, body)
	}
	if code, _, body := e.post(t, "/alerts/generic", nil); code != http.StatusBadRequest || !strings.Contains(body, "no body") {
		t.Errorf("empty post: %d %s", code, body)
	}
	if st := e.status(); st.Processed+st.Rejected != 0 {
		t.Errorf("refused posts were queued: %+v", st)
	}
}

// TestHTTPErrorsSpeakToSenders: a refused payload is explained in terms of
// the request — where in the body, what to fix — never of drop files.
func TestHTTPErrorsSpeakToSenders(t *testing.T) {
	e := startHTTP(t, drops.Limits{MaxBytes: 4096}, "")
	code, _, body := e.post(t, "/alerts/alertmanager", []byte(`{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"not-a-time"}]}`))
	if code != http.StatusBadRequest {
		t.Fatalf("bad time: %d %s", code, body)
	}
	for _, want := range []string{"the payload was refused", "line 1, column", "alerts[0].startsAt", "next send", "hypercare formats"} {
		if !strings.Contains(body, want) {
			t.Errorf("the 400 does not say %q:\n%s", want, body)
		}
	}
	for _, wrong := range []string{".json:", "drop it again", "rename"} {
		if strings.Contains(body, wrong) {
			t.Errorf("the 400 speaks of drop files (%q):\n%s", wrong, body)
		}
	}
	code, _, body = e.post(t, "/alerts/generic", bytes.Repeat([]byte(" "), 5000))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "over 4096 bytes") {
		t.Errorf("oversize: %d %s", code, body)
	}
}

// TestHTTPBearerTokenFollowsThePlan: a [[source]] token is asked for from
// the moment the plan that sets it loads, and only for that format.
func TestHTTPBearerTokenFollowsThePlan(t *testing.T) {
	needFixtures(t)
	e := startHTTP(t, drops.Limits{}, "")
	grafana, generic := fixture(t, "grafana.json"), fixture(t, "generic.ndjson")
	if code, _, body := e.post(t, "/alerts/grafana", grafana); code != http.StatusAccepted {
		t.Fatalf("no token in the plan: %d %s", code, body)
	}
	const token = "s3cret-t0ken"
	withToken := append(bytes.Clone(examples.Plan), fmt.Sprintf("\n[[source]]\nname = \"grafana\"\ntoken = %q\n", token)...)
	reloadPlan(t, e.app, e.plan, withToken, func(p *plan.Plan) bool { return p.AlertSource("grafana").Token == token })

	for _, auth := range []string{"", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
		code, header, body := e.post(t, "/alerts/grafana", grafana, "Authorization", auth)
		if code != http.StatusUnauthorized || !strings.HasPrefix(header.Get("WWW-Authenticate"), "Bearer") ||
			!strings.Contains(body, "Authorization: Bearer") || strings.Contains(body, token) {
			t.Errorf("Authorization %q: %d %v %s", auth, code, header, body)
		}
	}
	for _, auth := range []string{"Bearer " + token, "bearer " + token} {
		if code, _, body := e.post(t, "/alerts/grafana", grafana, "Authorization", auth); code != http.StatusAccepted {
			t.Errorf("Authorization %q: %d %s", auth, code, body)
		}
	}
	if code, _, body := e.post(t, "/alerts/generic", generic); code != http.StatusAccepted {
		t.Errorf("a format without a token: %d %s", code, body)
	}
}

// TestHTTPBusyAnswers503 holds the whole body budget with one slow sender
// and expects the next sender turned away at once, told when to retry, and
// let in once the budget is free again.
func TestHTTPBusyAnswers503(t *testing.T) {
	const limit = 4096
	e := startHTTP(t, drops.Limits{MaxBytes: limit}, "")
	payload := []byte(`{"key":"held","status":"firing","summary":"slow sender"}`)
	padded := append(bytes.Clone(payload), bytes.Repeat([]byte(" "), limit-len(payload))...)

	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /alerts/generic HTTP/1.1\r\nHost: hypercare\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", limit)
	conn.Write(padded[:100])
	deadline := time.Now().Add(5 * time.Second)
	for e.rc.pending.inUse() != limit {
		if time.Now().After(deadline) {
			t.Fatalf("the slow sender's body never took the budget: %d in use", e.rc.pending.inUse())
		}
		time.Sleep(time.Millisecond)
	}

	small := []byte(`{"key":"small","status":"firing","summary":"turned away"}`)
	code, header, body := e.post(t, "/alerts/generic", small)
	if code != http.StatusServiceUnavailable || header.Get("Retry-After") != "5" || !strings.Contains(body, "busy") {
		t.Fatalf("while the budget is held: %d %v %s", code, header, body)
	}

	conn.Write(padded[100:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the slow sender: %s", resp.Status)
	}
	// Its bytes are held until the watcher has applied it.
	e.applied(t, 1)
	if code, _, body := e.post(t, "/alerts/generic", small); code != http.StatusAccepted {
		t.Fatalf("after the held payload was applied: %d %s", code, body)
	}
	e.waitFeed(t, "slow sender", 1)
	e.waitFeed(t, "turned away", 1)
}

// TestHTTPChunkedBodyHoldsTheWholeBudget: a body of unknown length could
// grow to the limit, so while one is read nothing else is.
func TestHTTPChunkedBodyHoldsTheWholeBudget(t *testing.T) {
	e := startHTTP(t, drops.Limits{MaxBytes: 4096}, "")
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/alerts/generic", pr) // no length: chunked
	done := make(chan int, 1)
	go func() {
		code, _, _ := do(t, req)
		done <- code
	}()
	pw.Write([]byte(`{"key":"chunked","status":"firing",`))
	deadline := time.Now().Add(5 * time.Second)
	for e.rc.pending.inUse() != 4096 {
		if time.Now().After(deadline) {
			t.Fatalf("a chunked body holds %d bytes of budget, want all 4096", e.rc.pending.inUse())
		}
		time.Sleep(time.Millisecond)
	}
	if code, _, _ := e.post(t, "/alerts/generic", []byte(`{"key":"k","status":"firing"}`)); code != http.StatusServiceUnavailable {
		t.Errorf("beside a chunked body: %d, want 503", code)
	}
	pw.Write([]byte(`"summary":"chunked"}`))
	pw.Close()
	if code := <-done; code != http.StatusAccepted {
		t.Fatalf("chunked post: %d", code)
	}
}

func TestBearer(t *testing.T) {
	for auth, want := range map[string]bool{"Bearer tok": true, "bearer tok": true, "BEARER  tok ": true,
		"Bearer to": false, "Bearer tokk": false, "tok": false, "Basic tok": false, "": false, "Bearer": false} {
		r := httptest.NewRequest(http.MethodPost, "/alerts/generic", nil)
		r.Header.Set("Authorization", auth)
		if got := bearer(r, "tok"); got != want {
			t.Errorf("bearer(%q) = %v", auth, got)
		}
	}
}

// applied waits until the watcher has applied n drops in all.
func (e *httpEnv) applied(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for st := e.status(); st.Processed < n; st = e.status() {
		if st.Rejected > 0 || time.Now().After(deadline) {
			t.Fatalf("waiting for %d drops applied: %+v", n, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// alertNamed is the one alert whose name (or service, or summary) matches.
func (e *httpEnv) alertNamed(t *testing.T, name string) model.Alert {
	t.Helper()
	feed, err := e.app.db.Feed(e.ctx, model.FeedQuery{Filter: name, Limit: 2})
	if err != nil || len(feed) != 1 {
		t.Fatalf("alerts named %s: %+v, %v; want one", name, feed, err)
	}
	return feed[0]
}

// amAlert is one alert of an Alertmanager notification.
func amAlert(name, status, severity, startsAt, endsAt string) string {
	return fmt.Sprintf(`{"status":%q,"labels":{"alertname":%q,"service":"checkout","severity":%q},"annotations":{"summary":"%s is %s"},"startsAt":%q,"endsAt":%q}`,
		status, name, severity, name, status, startsAt, endsAt)
}

func amNotification(group string, alerts ...string) []byte {
	return []byte(fmt.Sprintf(`{"version":"4","groupKey":%q,"status":"firing","receiver":"hypercare","alerts":[%s]}`, group, strings.Join(alerts, ",")))
}

const noEnd = "0001-01-01T00:00:00Z"

// TestHTTPPartialAcceptance: the valid alerts of a notification are applied
// and answered 202, with each refused one and its reason in the answer, so
// one poison alert cannot block its group.
func TestHTTPPartialAcceptance(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	body := amNotification("partial",
		amAlert("PartialGood", "firing", "critical", "2026-11-20T09:00:00Z", noEnd),
		`{"status":"firing","labels":{},"startsAt":"2026-11-20T09:00:00Z"}`,
		amAlert("PartialBadTime", "firing", "warning", "not-a-time", noEnd))
	code, _, text := e.post(t, "/alerts/alertmanager", body)
	if code != http.StatusAccepted {
		t.Fatalf("a notification with one good alert: %d %s", code, text)
	}
	var got receipt
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatal(err)
	}
	if got.Alerts != 1 || len(got.Refused) != 2 || got.Refused[0].Field != "alerts[1].labels" ||
		got.Refused[1].Field != "alerts[2].startsAt" || got.Refused[1].Name != "PartialBadTime" ||
		got.Refused[1].Line != 1 || got.Refused[1].Column == 0 || !strings.Contains(got.Refused[1].Reason, "RFC 3339") {
		t.Fatalf("receipt = %s", text)
	}
	e.applied(t, 1)
	if a := e.alertNamed(t, "PartialGood"); a.State != model.AlertFiring {
		t.Fatalf("the good alert: %+v", a)
	}
	// Nothing usable at all is a 400 that names the first problem.
	code, _, text = e.post(t, "/alerts/alertmanager", amNotification("bad",
		`{"status":"firing","labels":{},"startsAt":"2026-11-20T09:00:00Z"}`, amAlert("AllBad", "sideways", "warning", "2026-11-20T09:00:00Z", noEnd)))
	if code != http.StatusBadRequest || !strings.Contains(text, "alerts[0].labels") || !strings.Contains(text, "none of its 2 alerts") {
		t.Fatalf("nothing usable: %d %s", code, text)
	}
}

// TestHTTPReplayNeverMovesAlertsBackwards: an older firing copy, posted
// again as the same bytes or re-serialised, does not revive a resolved
// alert; a re-serialised repeat of a firing one is no new firing.
func TestHTTPReplayNeverMovesAlertsBackwards(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	firing := amNotification("replay", amAlert("ReplayMe", "firing", "critical", "2026-11-20T09:00:00Z", noEnd))
	reserialised := bytes.ReplaceAll(firing, []byte(`,"`), []byte(`, "`))
	resolved := amNotification("replay", amAlert("ReplayMe", "resolved", "critical", "2026-11-20T09:00:00Z", "2026-11-20T09:30:00Z"))
	steps := []struct {
		what    string
		body    []byte
		state   model.AlertState
		firings int
	}{
		{"fires", firing, model.AlertFiring, 1},
		{"the same, re-serialised", reserialised, model.AlertFiring, 1},
		{"resolves", resolved, model.AlertResolved, 1},
		{"the old firing bytes again", firing, model.AlertResolved, 1},
		{"the old firing copy re-serialised", append(bytes.Clone(reserialised), '\n'), model.AlertResolved, 1},
	}
	for i, s := range steps {
		if code, _, text := e.post(t, "/alerts/alertmanager", s.body); code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", s.what, code, text)
		}
		e.applied(t, i+1)
		if a := e.alertNamed(t, "ReplayMe"); a.State != s.state || a.Firings != s.firings {
			t.Fatalf("after %q: %s with %d firings; want %s with %d", s.what, a.State, a.Firings, s.state, s.firings)
		}
	}
}

// TestHTTPStormLeaderResolvesFirst: Alertmanager sends a storm's group with
// its first alert resolved and the rest still firing; the storm stays in
// the firing feed on its worst firing member, and the counts agree.
func TestHTTPStormLeaderResolvesFirst(t *testing.T) {
	e := startHTTP(t, drops.Limits{}, "")
	const n = 30
	members := func(leader string) []string {
		out := []string{amAlert("StormPod-00", leader, "warning", "2026-11-20T09:00:00Z", map[string]string{"firing": noEnd, "resolved": "2026-11-20T09:10:00Z"}[leader])}
		for i := 1; i < n; i++ {
			sev := "warning"
			if i == 17 {
				sev = "critical"
			}
			out = append(out, amAlert(fmt.Sprintf("StormPod-%02d", i), "firing", sev, "2026-11-20T09:00:00Z", noEnd))
		}
		return out
	}
	if code, _, text := e.post(t, "/alerts/alertmanager", amNotification("storm", members("firing")...)); code != http.StatusAccepted {
		t.Fatalf("storm: %d %s", code, text)
	}
	e.applied(t, 1)
	if code, _, text := e.post(t, "/alerts/alertmanager", amNotification("storm", members("resolved")...)); code != http.StatusAccepted {
		t.Fatalf("storm, leader resolved: %d %s", code, text)
	}
	e.applied(t, 2)
	firing, err := e.app.db.Feed(e.ctx, model.FeedQuery{Firing: true, Limit: 100})
	warnings := len(firing)
	firing = slices.DeleteFunc(firing, func(a model.Alert) bool { return a.Source == model.ExpirySource }) // as in waitFeed
	warnings -= len(firing)
	if err != nil || len(firing) != 1 {
		t.Fatalf("firing feed: %d rows %v; want the storm as one row", len(firing), err)
	}
	row := firing[0]
	if row.StormSize != n || row.StormFiring != n-1 || row.State != model.AlertFiring || row.Severity != model.SevCritical {
		t.Fatalf("storm row: %s %s %v, %d members, %d firing; want firing, critical, %d and %d", row.Name, row.State, row.Severity, row.StormSize, row.StormFiring, n, n-1)
	}
	members2, err := e.app.db.Feed(e.ctx, model.FeedQuery{Storm: row.StormID, Limit: 100})
	if err != nil || len(members2) != n {
		t.Fatalf("members: %d %v", len(members2), err)
	}
	counts, err := e.app.db.Counts(e.ctx)
	if err != nil || counts.Firing != n-1+warnings {
		t.Fatalf("header counts %d firing, %v; the storm alone has %d, and %d expiry warning(s) fire", counts.Firing, err, n-1, warnings)
	}
}

// TestHTTPQueuedDropsHoldTheBudget: a payload's bytes stay taken until the
// watcher has applied its drop, so a watcher that falls behind turns
// senders away (503) instead of letting drops pile up in memory and on disk.
func TestHTTPQueuedDropsHoldTheBudget(t *testing.T) {
	dir := t.TempDir() // no watcher: drops wait here
	rc := newReceiver(dir, drops.Limits{MaxBytes: 4096}, model.DefaultAlertSource, log.New(io.Discard, "", 0))
	srv := httptest.NewServer(rc.handler())
	defer srv.Close()
	e := &httpEnv{url: srv.URL, rc: rc}
	first := []byte(`{"key":"first","status":"firing","summary":"` + strings.Repeat("x", 3000) + `"}`)
	code, _, text := e.post(t, "/alerts/generic", first)
	if code != http.StatusAccepted {
		t.Fatalf("first: %d %s", code, text)
	}
	var got receipt
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatal(err)
	}
	second := []byte(`{"key":"second","status":"firing","summary":"` + strings.Repeat("y", 2000) + `"}`)
	if code, header, text := e.post(t, "/alerts/generic", second); code != http.StatusServiceUnavailable || header.Get("Retry-After") == "" {
		t.Fatalf("while the first waits for the watcher: %d %s", code, text)
	}
	// The watcher moves a drop out of the folder once it is applied.
	if err := os.Rename(filepath.Join(dir, got.Queued), filepath.Join(t.TempDir(), got.Queued)); err != nil {
		t.Fatal(err)
	}
	if code, _, text := e.post(t, "/alerts/generic", second); code != http.StatusAccepted {
		t.Fatalf("once the first was applied: %d %s", code, text)
	}
	if n := rc.pending.inUse(); n != int64(len(second)) {
		t.Fatalf("%d bytes held; want the second payload's %d", n, len(second))
	}
	// A refused payload gives its bytes back at once.
	if code, _, _ := e.post(t, "/alerts/generic", []byte(`{"key":"bad","status":"sideways"}`)); code != http.StatusBadRequest {
		t.Fatalf("bad payload: %d", code)
	}
	if n := rc.pending.inUse(); n != int64(len(second)) {
		t.Fatalf("%d bytes held after a refused payload; want %d", n, len(second))
	}
}
