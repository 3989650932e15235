package store

import (
	"encoding/json"
	"testing"
)

// jsonMap writes plain labels itself; whatever it writes must be what
// json.Marshal writes, byte for byte, for plain and awkward text alike.
func TestJSONMapIsMarshal(t *testing.T) {
	for _, m := range []map[string]string{
		{"alertname": "HighLatency", "service": "checkout", "env": "prod", "instance": "web-1:8080"},
		{"b": "2", "a": "1", "c": ""},
		{"quote": `say "hi"`, "back": `C:\temp`},
		{"html": "<b>&</b>"},
		{"unicode": "café ☕", "tab": "a\tb"},
		{"": "empty key"},
	} {
		want, _ := json.Marshal(m)
		if got := jsonMap(m); got != string(want) {
			t.Errorf("jsonMap(%v) = %s, want %s", m, got, want)
		}
	}
	if got := jsonMap(nil); got != "{}" {
		t.Errorf("jsonMap(nil) = %s", got)
	}
}
