package drops

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hypercare-ops/hypercare/model"
)

// fixtureDir holds the shared sample drops (see shared/fixtures/README.md).
var fixtureDir = filepath.Join("..", "..", "..", "shared", "fixtures", "drops")

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	if _, err := os.Stat(fixtureDir); err != nil {
		t.Skipf("fixtures not available: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t *testing.T, name string, data []byte) Batch {
	t.Helper()
	b, err := Parse(name, data, DefaultLimits())
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	checkBatchClean(t, b)
	return b
}

func mustFail(t *testing.T, name string, data []byte, lim Limits) *ParseError {
	t.Helper()
	_, err := Parse(name, data, lim)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse(%s) = %v (%T), want a *ParseError", name, err, err)
	}
	checkText(t, "error message", err.Error(), false)
	return pe
}

// checkBatchClean asserts what the console relies on: every text is valid
// UTF-8 without ESC or control characters (annotation values may keep \n and
// \t), and every event has a dedup key.
func checkBatchClean(t testing.TB, b Batch) {
	t.Helper()
	checkText(t, "group", b.Group, false)
	for i, ev := range b.Events {
		a := ev.Alert
		if strings.TrimSpace(a.DedupKey) == "" {
			t.Errorf("event %d: empty dedup key", i)
		}
		if ev.Ack == (a.State != "") {
			t.Errorf("event %d: ack=%v with state %q", i, ev.Ack, a.State)
		}
		for what, s := range map[string]string{"dedup key": a.DedupKey, "source": a.Source, "name": a.Name, "service": a.Service, "summary": a.Summary, "ack by": a.AckBy} {
			checkText(t, what, s, false)
		}
		for k, v := range a.Labels {
			checkText(t, "label name", k, false)
			checkText(t, "label value", v, false)
		}
		for k, v := range a.Annotations {
			checkText(t, "annotation name", k, false)
			checkText(t, "annotation value", v, true)
		}
	}
}

func checkText(t testing.TB, what, s string, multiline bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s %q: invalid UTF-8", what, s)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if r == 0x1b || unicode.IsControl(r) || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' {
			t.Errorf("%s %q: holds control character %U", what, s, r)
			return
		}
	}
}

func TestFixtures(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		file   string
		format string
		check  func(t *testing.T, b Batch)
	}{
		{"am-firing.json", FormatAlertmanager, func(t *testing.T, b Batch) {
			wantEvents(t, b, "a3f1c2d4e5b60718", "0b9e8d7c6a5f4e3d")
			a := b.Events[0].Alert
			if a.State != model.AlertFiring || a.Name != "HighErrorRate" || a.Service != "checkout" || a.Severity != model.SevCritical ||
				a.Summary != "5xx rate above 5% for 10m" || a.Source != FormatAlertmanager {
				t.Errorf("first alert = %+v", a)
			}
			if !a.StartsAt.Equal(ts("2026-11-20T09:14:03.112Z")) || !a.EndsAt.IsZero() {
				t.Errorf("times = %v, %v: want the start and no end (0001-01-01 is zero)", a.StartsAt, a.EndsAt)
			}
			if a.Annotations["runbook_url"] == "" || a.Annotations["generator_url"] == "" {
				t.Errorf("annotations = %v, want runbook_url and generator_url", a.Annotations)
			}
			if b.Events[1].Alert.Severity != model.SevWarning {
				t.Errorf("second severity = %v", b.Events[1].Alert.Severity)
			}
			if b.Group != `{}:{service="checkout"}` || b.Truncated != 0 {
				t.Errorf("group %q truncated %d", b.Group, b.Truncated)
			}
		}},
		{"am-resolved.json", FormatAlertmanager, func(t *testing.T, b Batch) {
			wantEvents(t, b, "a3f1c2d4e5b60718")
			if a := b.Events[0].Alert; a.State != model.AlertResolved || !a.EndsAt.Equal(ts("2026-11-20T09:41:10Z")) {
				t.Errorf("alert = %s ends %v, want resolved at 09:41:10", a.State, a.EndsAt)
			}
		}},
		{"am-no-fingerprint-truncated.json", FormatAlertmanager, func(t *testing.T, b Batch) {
			a := b.Events[0].Alert
			if want := Fingerprint(a.Labels); a.DedupKey != want || len(want) != 16 {
				t.Errorf("dedup key %q, want the label fingerprint %q", a.DedupKey, want)
			}
			if b.Truncated != 37 {
				t.Errorf("truncated = %d, want 37", b.Truncated)
			}
			if a.Summary != "Only 2% left on /dev/sda1" || a.Service != "orders-db" {
				t.Errorf("summary %q service %q: want the description and orders-db", a.Summary, a.Service)
			}
		}},
		{"grafana.json", FormatGrafana, func(t *testing.T, b Batch) {
			wantEvents(t, b, "5c1d0e9f8a7b6c5d")
			a := b.Events[0].Alert
			for k, want := range map[string]string{
				"dashboard_url": "https://grafana.example/d/auth",
				"panel_url":     "https://grafana.example/d/auth?viewPanel=4",
				"silence_url":   "https://grafana.example/alerting/silence/new",
				"generator_url": "https://grafana.example/alerting/grafana/abc123/view",
				"values":        "B=312 C=1",
			} {
				if a.Annotations[k] != want {
					t.Errorf("annotation %s = %q, want %q", k, a.Annotations[k], want)
				}
			}
			if a.Source != FormatGrafana || a.State != model.AlertFiring || a.Service != "identity" {
				t.Errorf("alert = %+v", a)
			}
		}},
		{"pagerduty-trigger.json", FormatPagerDuty, func(t *testing.T, b Batch) {
			wantEvents(t, b, "batch-nightly-settlement-2026-11-20")
			a := b.Events[0].Alert
			if a.State != model.AlertFiring || a.Severity != model.SevCritical || a.Service != "settlement" || a.Name != "job_missed" ||
				a.Summary != "Nightly settlement batch did not finish by 04:00" || !a.StartsAt.Equal(ts("2026-11-20T04:00:05Z")) {
				t.Errorf("alert = %+v", a)
			}
			if a.Labels["job"] != "nightly-settlement" || a.Labels["source"] != "batch-scheduler-1" || a.Labels["group"] != "batch" {
				t.Errorf("labels = %v, want custom_details and payload fields", a.Labels)
			}
			if !strings.Contains(a.Annotations["links"], "https://scheduler.example/jobs/nightly-settlement/runs/812") {
				t.Errorf("links annotation = %q", a.Annotations["links"])
			}
		}},
		{"pagerduty-resolve.json", FormatPagerDuty, func(t *testing.T, b Batch) {
			wantEvents(t, b, "batch-nightly-settlement-2026-11-20")
			if a := b.Events[0].Alert; a.State != model.AlertResolved || b.Events[0].Ack {
				t.Errorf("event = %+v, want a resolve", b.Events[0])
			}
		}},
		{"opsgenie-create.json", FormatOpsgenie, func(t *testing.T, b Batch) {
			wantEvents(t, b, "cert-api-example")
			a := b.Events[0].Alert
			if a.Severity != model.SevWarning || a.Labels["priority"] != "P3" || a.Service != "api-gateway" || a.State != model.AlertFiring {
				t.Errorf("alert = %+v, want P3 → warning on api-gateway", a)
			}
			if a.Name != "Certificate for api.example expires in 6 days" || a.Labels["tags"] != "tls,expiry" || a.Labels["entity"] != "api.example" {
				t.Errorf("alert = %+v", a)
			}
			if !strings.Contains(a.Annotations["description"], "CN=api.example") {
				t.Errorf("description = %q", a.Annotations["description"])
			}
		}},
		{"generic.ndjson", FormatGeneric, func(t *testing.T, b Batch) {
			wantEvents(t, b, "probe-login-eu", "probe-login-us", "backup-orders-db-2026-11-20")
			states := []model.AlertState{model.AlertFiring, model.AlertFiring, model.AlertResolved}
			for i, ev := range b.Events {
				if ev.Alert.State != states[i] {
					t.Errorf("event %d state %s, want %s", i, ev.Alert.State, states[i])
				}
			}
			first, last := b.Events[0].Alert, b.Events[2].Alert
			if first.Source != "synthetic" || first.Service != "identity" || first.Severity != model.SevCritical || !first.StartsAt.Equal(ts("2026-11-20T12:00:00Z")) {
				t.Errorf("first = %+v", first)
			}
			if last.Source != "backup" || last.Severity != model.SevInfo || !last.EndsAt.Equal(ts("2026-11-20T02:18:00Z")) || !last.StartsAt.IsZero() {
				t.Errorf("resolved = %+v: want its time as the end", last)
			}
		}},
		{"hostile-escapes.json", FormatAlertmanager, func(t *testing.T, b Batch) {
			a := b.Events[0].Alert
			if a.Name != "EvilRED" || a.Labels["title"] != "window title" {
				t.Errorf("name %q title %q: want the escape sequences removed", a.Name, a.Labels["title"])
			}
			if want := "line one\nline twoup"; a.Annotations["summary"] != want {
				t.Errorf("summary annotation %q, want %q", a.Annotations["summary"], want)
			}
			if !strings.Contains(a.Labels["unicode"], "日本語 \"quotes\" back\\slash <b>html</b> &amp;") {
				t.Errorf("unicode label %q: printable text must survive as it is", a.Labels["unicode"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := mustParse(t, tt.file, readFixture(t, tt.file))
			if b.Format != tt.format {
				t.Fatalf("format %q, want %q", b.Format, tt.format)
			}
			tt.check(t, b)
		})
	}
}

func wantEvents(t *testing.T, b Batch, keys ...string) {
	t.Helper()
	if len(b.Events) != len(keys) {
		t.Fatalf("%d events, want %d", len(b.Events), len(keys))
	}
	for i, k := range keys {
		if b.Events[i].Alert.DedupKey != k {
			t.Errorf("event %d dedup key %q, want %q", i, b.Events[i].Alert.DedupKey, k)
		}
	}
}

func TestBadFixtures(t *testing.T) {
	tests := []struct {
		file, field, reason string
		line                int
	}{
		{"bad-truncated.json", "", "truncated", 1},
		{"bad-binary.json", "", "binary data (byte 0x00)", 1},
		{"bad-unknown-format.json", "", `not a known alert format: expected Alertmanager, Grafana, PagerDuty, Opsgenie or generic NDJSON, a deploy or a heartbeat (run 'hypercare formats' to see them); its top-level keys are "hello", "nothing"`, 1},
		{"bad-fields.json", "alerts[0].labels", "is empty", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, tt.file)
			pe := mustFail(t, tt.file, data, DefaultLimits())
			if pe.Field != tt.field || !strings.Contains(pe.Reason, tt.reason) || pe.Line != tt.line || pe.File != tt.file {
				t.Errorf("got %q (field %q line %d), want field %q, line %d, reason with %q", pe.Error(), pe.Field, pe.Line, tt.field, tt.line, tt.reason)
			}
		})
	}
	t.Run("truncated points at the end", func(t *testing.T) {
		data := readFixture(t, "bad-truncated.json")
		if pe := mustFail(t, "t.json", data, DefaultLimits()); pe.Offset != int64(len(data)) || pe.Column != len(data)+1 {
			t.Errorf("offset %d column %d, want the end of the file (%d)", pe.Offset, pe.Column, len(data))
		}
	})
	t.Run("binary points at the NUL", func(t *testing.T) {
		data := readFixture(t, "bad-binary.json")
		if pe := mustFail(t, "b.json", data, DefaultLimits()); pe.Offset != int64(strings.IndexByte(string(data), 0)) {
			t.Errorf("offset %d, want the first NUL", pe.Offset)
		}
	})
}

// firstProblem is the error of a rejected drop or, for a drop applied in
// part, the reason of its first refused alert: either must name its place.
func firstProblem(t *testing.T, name string, data []byte) *ParseError {
	t.Helper()
	b, err := Parse(name, data, DefaultLimits())
	if err == nil && len(b.Refused) > 0 {
		if len(b.Events) == 0 {
			t.Fatalf("nothing usable in %s, but no error", name)
		}
		return b.Refused[0].Err
	}
	return mustFail(t, name, data, DefaultLimits())
}

// TestErrors covers the problems the fixtures do not: every one must name
// its place and say what is expected. Where the problem is in one alert
// among good ones, that alert alone is refused, with the same reason.
func TestErrors(t *testing.T) {
	const amHead = `{"version":"4","status":"firing","alerts":[`
	tests := []struct {
		name, data  string
		field       string
		reason      string
		line        int
		at          string // the error points at the first occurrence of this text
		wantNoPlace bool
	}{
		{"bad time", amHead + `{"status":"firing","labels":{"a":"b"},"startsAt":"not-a-time"}]}`,
			"alerts[0].startsAt", `"not-a-time" is not an RFC 3339 time`, 1, `"not-a-time"`, false},
		{"label of the wrong type", amHead + `{"status":"firing","labels":{"a":"b"}},` + "\n" + `{"status":"firing","labels":{"severity":3}}]}`,
			"alerts[1].labels.severity", "is a number, expected a string", 2, "3}", false},
		{"odd label name in a path", amHead + `{"status":"firing","labels":{"a b\u001b":1}}]}`,
			`alerts[0].labels["a b\x1b"]`, "is a number, expected a string", 1, "1}", false},
		{"bad status", amHead + `{"status":"burning","labels":{"a":"b"}}]}`,
			"alerts[0].status", `"burning" must be "firing" or "resolved"`, 1, `"burning"`, false},
		{"missing status", amHead + `{"labels":{"a":"b"}}]}`, "alerts[0].status", "is missing", 1, "", false},
		{"labels missing", amHead + `{"status":"firing"}]}`, "alerts[0].labels", "no identity", 1, `{"status"`, false},
		{"labels missing after deep nesting", `{"version":"4","junk":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,"x":[1,{"y":2}],"alerts":[{"status":"firing","labels":{"a":"1"}},{"status":"firing"}]}`,
			"alerts[1].labels", "no identity", 1, `{"status":"firing"}]`, false},
		{"negative truncatedAlerts", `{"version":"4","alerts":[],"truncatedAlerts":-2}`, "truncatedAlerts", "cannot be negative", 1, "-2", false},
		{"unsupported version", `{"version":"3","alerts":[]}`, "", `with version "3": hypercare reads`, 1, "", false},
		{"missing version", `{"alerts":[]}`, "", "without a version", 1, "", false},
		{"array", `[{"version":"4"}]`, "", "JSON array", 1, "", false},
		{"not JSON", "alert: disk full\n", "", "found 'a'", 1, "", false},
		{"empty", " \n\t", "", "empty", 0, "", true},
		{"syntax", `{"version":"4",,"alerts":[]}`, "", "invalid JSON: invalid character ','", 1, `,"alerts"`, false},
		{"invalid UTF-8", "{\"message\":\"caf\xe9\"}", "", "invalid UTF-8 (byte 0xe9)", 1, "\xe9", false},
		{"garbage after the object", `{"version":"4","alerts":[]} x`, "", "unexpected 'x'", 1, "x", false},
		{"garbage after a generic object", `{"key":"k","status":"firing"} ]`, "", "invalid character ']' after top-level value", 1, "]", false},
		{"two AM payloads", amHead + `]}` + "\n" + amHead + `]}`, "", "first is alertmanager payload", 1, "", false},
		{"label names collide once cleaned", amHead + `{"status":"firing","labels":{"ab":"1","a\u0007b":"2"}}]}`,
			"alerts[0].labels", "the same once control characters are removed", 1, `{"ab"`, false},
		{"empty label name", amHead + `{"status":"firing","labels":{"":"x"}}]}`, "alerts[0].labels", "is empty once control characters are removed", 1, "", false},
		{"unprintable fingerprint", amHead + `{"status":"firing","labels":{"a":"b"},"fingerprint":"\u0007"}]}`,
			"alerts[0].fingerprint", "dedup key must be printable", 1, `"\u0007"`, false},
		{"pagerduty resolve without key", `{"routing_key":"r","event_action":"resolve"}`, "dedup_key", "required to resolve", 1, "", false},
		{"pagerduty unknown action", `{"routing_key":"r","event_action":"snooze","dedup_key":"k"}`, "event_action", `"snooze" must be`, 1, `"snooze"`, false},
		{"pagerduty trigger without payload", `{"routing_key":"r","event_action":"trigger"}`, "", "payload is required", 1, "", false},
		{"pagerduty trigger without summary", `{"routing_key":"r","event_action":"trigger","payload":{"source":"s"}}`, "payload.summary", "required", 1, "", false},
		{"pagerduty bad timestamp", `{"routing_key":"r","event_action":"trigger","payload":{"summary":"s","timestamp":"yesterday"}}`, "payload.timestamp", "RFC 3339", 1, `"yesterday"`, false},
		{"opsgenie close without alias", `{"action":"close","message":"m"}`, "alias", "required to close", 1, "", false},
		{"opsgenie webhook ack without alias", `{"action":"Acknowledge","alert":{"message":"m"}}`, "alert.alias", "required to acknowledge", 1, "", false},
		{"opsgenie unknown action", `{"action":"AddNote","alert":{"alias":"a"}}`, "action", `"addnote" is not handled`, 1, `"AddNote"`, false},
		{"opsgenie bad priority", `{"message":"m","priority":"P9"}`, "priority", `"P9" is not a priority`, 1, `"P9"`, false},
		{"opsgenie details not an object", `{"message":"m","details":"x"}`, "details", "must be an object", 1, `"x"`, false},
		{"opsgenie create without message", `{"alias":"a"}`, "message", "required to create", 1, "", false},
		{"generic without key or labels", `{"status":"firing","key":""}`, "", "key is missing", 1, "", false},
		{"generic bad status on line 2", `{"key":"a","status":"firing"}` + "\n" + `{"key":"b","status":"ok"}`, "status", `"ok" must be`, 2, `"ok"`, false},
		{"generic line not an object", `{"key":"a","status":"firing"}` + "\n" + `["b"]`, "", "each line of a generic NDJSON drop holds one JSON object", 2, `["b"]`, false},
		{"generic truncated last line", `{"key":"a","status":"firing"}` + "\n" + `{"key":"b","status":"fir`, "", "truncated", 2, "", false},
		{"generic object over two lines", `{"key":"a","status":"firing"}` + "\n" + "{\"key\":\"b\",\n\"status\":\"firing\"}", "", "the line ends before its JSON object is complete", 2, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := firstProblem(t, "x.json", []byte(tt.data))
			if pe.Field != tt.field || !strings.Contains(pe.Reason, tt.reason) || pe.Line != tt.line {
				t.Fatalf("got %q\n(field %q, line %d), want field %q, line %d, reason with %q", pe.Error(), pe.Field, pe.Line, tt.field, tt.line, tt.reason)
			}
			if tt.wantNoPlace && (pe.Offset != -1 || pe.Line != 0 || !strings.HasPrefix(pe.Error(), "x.json: ")) {
				t.Errorf("got %q at %d, want no position", pe.Error(), pe.Offset)
			}
			if tt.at != "" {
				if want := strings.Index(tt.data, tt.at); pe.Offset != int64(want) {
					t.Errorf("got %q at offset %d, want %d (%q)", pe.Error(), pe.Offset, want, tt.at)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	data := `{"version":"4","alerts":[{"labels":{"a":"b"},"status":"firing","startsAt":"not-a-time"}]}`
	_, err := Parse("am-bad.json", []byte(data), DefaultLimits())
	want := `am-bad.json:1:75: alerts[0].startsAt: "not-a-time" is not an RFC 3339 time (like 2026-11-20T09:14:03Z)`
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	pe := &ParseError{File: "big.json", Offset: -1, Reason: "too big"}
	if pe.Error() != "big.json: too big" {
		t.Errorf("whole-file error = %q", pe.Error())
	}
	if _, err := Parse("\x1b]0;evil\x07.json", []byte("x"), DefaultLimits()); err == nil || strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("error %q must not carry the file name's escapes", err)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name, data string
		format     string
		check      func(t *testing.T, evs []Event)
	}{
		{"alertmanager with BOM, CRLF and unknown fields", "\uFEFF\r\n" + `{"version":"4","futureField":{"x":[1,2]},"notification_reason":"new","routeLabels":{"t":"x"},"alerts":[{"status":"firing","labels":{"alertname":"A"},"newThing":true}]}` + "\r\n",
			FormatAlertmanager, func(t *testing.T, evs []Event) {
				if evs[0].Alert.Name != "A" || evs[0].Alert.DedupKey != Fingerprint(map[string]string{"alertname": "A"}) {
					t.Errorf("alert = %+v", evs[0].Alert)
				}
			}},
		{"grafana by orgId", `{"version":"4","orgId":1,"alerts":[{"status":"resolved","labels":{"a":"b"}}]}`, FormatGrafana, nil},
		{"pagerduty acknowledge", `{"routing_key":"r","event_action":"acknowledge","dedup_key":"k","whatever":1}`, FormatPagerDuty, func(t *testing.T, evs []Event) {
			if !evs[0].Ack || evs[0].Alert.State != "" || evs[0].Alert.DedupKey != "k" {
				t.Errorf("event = %+v, want an ack of k", evs[0])
			}
		}},
		{"pagerduty trigger without dedup_key", `{"routing_key":"r","event_action":"trigger","payload":{"summary":"Disk full","source":"db-1","severity":"warning","custom_details":"free text"}}`, FormatPagerDuty, func(t *testing.T, evs []Event) {
			a := evs[0].Alert
			if a.DedupKey != derivedKey(map[string]string{"source": "db-1", "severity": "warning"}, "Disk full") || a.Name != "Disk full" || a.Annotations["details"] != "free text" {
				t.Errorf("alert = %+v", a)
			}
		}},
		{"opsgenie close", `{"action":"close","alias":"cert-api-example","user":"jane"}`, FormatOpsgenie, func(t *testing.T, evs []Event) {
			if a := evs[0].Alert; a.State != model.AlertResolved || a.DedupKey != "cert-api-example" || evs[0].Ack {
				t.Errorf("event = %+v, want a resolve of cert-api-example", evs[0])
			}
		}},
		{"opsgenie webhook close", `{"action":"Close","alert":{"alias":"cert-api-example","message":"m","createdAt":1},"source":{"name":"","type":"web"},"integrationName":"hc"}`, FormatOpsgenie, func(t *testing.T, evs []Event) {
			if evs[0].Alert.State != model.AlertResolved || evs[0].Alert.DedupKey != "cert-api-example" {
				t.Errorf("event = %+v", evs[0])
			}
		}},
		{"opsgenie webhook acknowledge", `{"action":"Acknowledge","alert":{"alias":"a1","username":"jane@example.com"}}`, FormatOpsgenie, func(t *testing.T, evs []Event) {
			if !evs[0].Ack || evs[0].Alert.AckBy != "jane@example.com" {
				t.Errorf("event = %+v, want an ack by jane", evs[0])
			}
		}},
		{"opsgenie webhook create", `{"action":"Create","alert":{"alias":"a1","message":"Disk full","priority":"P1","details":{"n":2}},"source":{"name":"x"}}`, FormatOpsgenie, func(t *testing.T, evs []Event) {
			if a := evs[0].Alert; a.Severity != model.SevCritical || a.Labels["n"] != "2" || a.State != model.AlertFiring {
				t.Errorf("alert = %+v", a)
			}
		}},
		{"opsgenie P4 without alias", `{"message":"Disk 80%","priority":"p4","entity":"db-1"}`, FormatOpsgenie, func(t *testing.T, evs []Event) {
			if a := evs[0].Alert; a.Severity != model.SevInfo || a.DedupKey != derivedKey(map[string]string{"priority": "p4", "entity": "db-1"}, "Disk 80%") {
				t.Errorf("alert = %+v", a)
			}
		}},
		{"generic single object keyed by labels", `{"status":"FIRING","labels":{"alertname":"Probe","service":"web","severity":"critical"},"annotations":{"description":"two\nlines"}}`, FormatGeneric, func(t *testing.T, evs []Event) {
			a := evs[0].Alert
			if a.DedupKey != Fingerprint(a.Labels) || a.Name != "Probe" || a.Service != "web" || a.Severity != model.SevCritical || a.Source != FormatGeneric || a.Summary != "two lines" {
				t.Errorf("alert = %+v", a)
			}
		}},
		{"generic single object over several lines", "{\n  \"key\": \"k\",\n  \"status\": \"resolved\"\n}\n", FormatGeneric, func(t *testing.T, evs []Event) {
			if len(evs) != 1 || evs[0].Alert.State != model.AlertResolved {
				t.Errorf("events = %+v", evs)
			}
		}},
		{"generic with blank lines", "\n" + `{"key":"a","status":"resolved"}` + "\n\n   \n" + `{"key":"b","status":"firing","name":"B"}` + "\n", FormatGeneric, func(t *testing.T, evs []Event) {
			if len(evs) != 2 || evs[1].Alert.Name != "B" {
				t.Errorf("events = %+v", evs)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustParse(t, "x", []byte(tt.data))
			if b.Format != tt.format {
				t.Fatalf("format %q, want %q", b.Format, tt.format)
			}
			if tt.check != nil {
				tt.check(t, b.Events)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	// The values of Prometheus' own label-set fingerprint tests, which
	// Alertmanager sends as "fingerprint".
	for _, tt := range []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{}, "cbf29ce484222325"},
		{map[string]string{"name": "garland, briggs", "fear": "love is not enough"}, "507a62d79ee76c9a"},
	} {
		if got := Fingerprint(tt.labels); got != tt.want {
			t.Errorf("Fingerprint(%v) = %s, want %s", tt.labels, got, tt.want)
		}
	}
	// The same labels in another order, and with one value changed.
	a := `{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"DiskFull","device":"/dev/sda1","instance":"db-1"}}]}`
	b := `{"version":"4","alerts":[{"status":"firing","labels":{"instance":"db-1","device":"/dev/sda1","alertname":"DiskFull"}}]}`
	c := `{"version":"4","alerts":[{"status":"firing","labels":{"instance":"db-2","device":"/dev/sda1","alertname":"DiskFull"}}]}`
	ka := mustParse(t, "a", []byte(a)).Events[0].Alert.DedupKey
	kb := mustParse(t, "b", []byte(b)).Events[0].Alert.DedupKey
	kc := mustParse(t, "c", []byte(c)).Events[0].Alert.DedupKey
	if ka != kb || ka == kc {
		t.Errorf("keys %s %s %s: want the first two equal and the third different", ka, kb, kc)
	}
}

func TestLocate(t *testing.T) {
	data := []byte(`{"a":[1,{"b":true},[null,"x\"]"]],"c d":{"e":-1.5e3}, "f" : "g","h":[{"i":2}]}`)
	for _, tt := range []struct{ path, at string }{
		{"", `{"a"`},
		{"a", `[1,`},
		{"a[0]", `1,`},
		{"a[1]", `{"b"`},
		{"a[1].b", `true`},
		{"a[2][0]", `null`},
		{"a[2][1]", `"x\"]"`},
		{`["c d"].e`, `-1.5e3`},
		{"f", `"g"`},
		{"h[0].i", `2}`},
		{"a[1].missing", `{"b"`}, // the closest parent that exists
		{"zz", `{"a"`},
	} {
		if got, want := locate(data, tt.path), strings.Index(string(data), tt.at); got != want {
			t.Errorf("locate(%s) = %d, want %d", tt.path, got, want)
		}
		if tt.path == "" || strings.Contains(tt.path, "missing") || tt.path == "zz" {
			continue
		}
		start := strings.Index(string(data), tt.at)
		if path, at := pathAt(data, int64(start+1)); path != tt.path || at != start {
			t.Errorf("pathAt(%d) = %s at %d, want %s", start+1, path, at, tt.path)
		}
	}
}
