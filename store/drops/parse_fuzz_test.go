package drops

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds reach every format and form even when the shared fixtures are absent.
var fuzzSeeds = []string{
	`{"version":"4","groupKey":"g","truncatedAlerts":1,"alerts":[{"status":"firing","labels":{"alertname":"A","severity":"critical"},"annotations":{"summary":"s"},"startsAt":"2026-11-20T09:14:03.112Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f"}]}`,
	`{"version":"1","orgId":1,"alerts":[{"status":"resolved","labels":{"a":"b"},"values":{"B":1},"dashboardURL":"d"}]}`,
	`{"routing_key":"r","event_action":"trigger","dedup_key":"k","payload":{"summary":"s","severity":"error","custom_details":{"a":[1]}},"links":[{"href":"h"}]}`,
	`{"routing_key":"r","event_action":"acknowledge","dedup_key":"k"}`,
	`{"message":"m","alias":"a","priority":"P1","tags":["t"],"details":{"service":"x"}}`,
	`{"action":"Acknowledge","alert":{"alias":"a","username":"u"}}`,
	`{"key":"k","status":"firing","labels":{"a":"b"},"annotations":{"d":"x\ny"},"at":"2026-11-20T12:00:00Z"}` + "\n" + `{"labels":{"a":"c"},"status":"resolved"}`,
	"{\"key\":\"\\u001b[2J\",\"status\":\"firing\"}",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	if files, err := filepath.Glob(filepath.Join(fixtureDir, "*")); err == nil {
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	lim := Limits{MaxBytes: 1 << 20, MaxLabels: 16, MaxLabelLen: 256, MaxTextLen: 512, MaxSummary: 128}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("fuzz.json", data, lim)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *ParseError", err, err)
			}
			checkText(t, "error message", err.Error(), false)
			if pe.Offset > int64(len(data)) || (pe.Offset >= 0) != (pe.Line > 0) {
				t.Fatalf("error %q: offset %d line %d out of place in %d bytes", err, pe.Offset, pe.Line, len(data))
			}
			return
		}
		switch b.Format {
		case FormatAlertmanager, FormatGrafana, FormatPagerDuty, FormatOpsgenie, FormatGeneric:
		default:
			t.Fatalf("format %q", b.Format)
		}
		if len(b.Events) == 0 && len(b.Refused) > 0 {
			t.Fatalf("nothing usable, %d refused, and no error", len(b.Refused))
		}
		for _, r := range b.Refused {
			if r.Err == nil || r.Err.Offset > int64(len(data)) {
				t.Fatalf("refusal %+v out of place", r)
			}
			checkText(t, "refusal", r.Err.Error()+r.Key+r.Name+r.Service, false)
		}
		const marker = len("…[cut 1000000 bytes]")
		for _, e := range b.Events {
			if len(e.Alert.Summary) > lim.MaxSummary+marker {
				t.Fatalf("summary of %d bytes, over the limit", len(e.Alert.Summary))
			}
			for _, v := range e.Alert.Labels {
				if len(v) > lim.MaxLabelLen+marker {
					t.Fatalf("label value of %d bytes, over the limit", len(v))
				}
			}
		}
		checkBatchClean(t, b)
		// Dedup keys must not depend on map order.
		again, err := Parse("fuzz.json", data, lim)
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		for i := range b.Events {
			if b.Events[i].Alert.DedupKey != again.Events[i].Alert.DedupKey {
				t.Fatalf("event %d: dedup key %q then %q", i, b.Events[i].Alert.DedupKey, again.Events[i].Alert.DedupKey)
			}
		}
	})
}
