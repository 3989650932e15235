package drops

import (
	"encoding/json"
	"reflect"
	"testing"
)

// amAlertSamples are alerts as senders write them, and the awkward cases
// decodeAMAlert leaves to json.Unmarshal (fast false).
var amAlertSamples = []struct {
	in   string
	fast bool
}{
	{`{"status":"firing","labels":{"alertname":"DiskFull","severity":"critical","instance":"db-1:9100"},"annotations":{"summary":"disk full"},"startsAt":"2026-11-20T09:14:03.112Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph?g0.expr=up","fingerprint":"a1b2c3"}`, true},
	{` { "status" : "resolved" , "labels" : { "a" : "b" } , "annotations" : { } } `, true},
	{`{}`, true},
	{`{"labels":{}}`, true},
	{`{"status":"firing","receiver":"team","extra":{"x":[1,2,{"y":"z"}],"n":null},"n":12.5,"t":true,"labels":{"a":"b"}}`, true},
	{`{"labels":{"a":"b","a":"c"}}`, true},                // the last value stands
	{`{"labels":{"café":"thé"},"status":"firing"}`, true}, // UTF-8
	{`{"silenceURL":"s","dashboardURL":"d","panelURL":"p","imageURL":"i"}`, true},
	{`{"annotations":{"description":"line\nnext"}}`, false}, // an escape
	{`{"status":"fir\u0069ng"}`, false},
	{`{"Status":"firing"}`, false}, // matched regardless of case
	{`{"LABELS":{"a":"b"}}`, false},
	{`{"status":null}`, false},
	{`{"labels":null}`, false},
	{`{"labels":{"a":1}}`, false}, // json.Unmarshal's type error
	{`{"labels":"a"}`, false},
	{`{"status":1}`, false},
	{`{"status":"a","status":"b"}`, false},
	{`{"values":{"B":1}}`, false},
	{`[]`, false},
	{`"x"`, false},
}

func TestDecodeAMAlertIsUnmarshal(t *testing.T) {
	for _, tc := range amAlertSamples {
		var fast amAlert
		ok := decodeAMAlert([]byte(tc.in), &fast)
		if ok != tc.fast {
			t.Errorf("decodeAMAlert(%s) = %v, want %v", tc.in, ok, tc.fast)
		}
		checkSameAsUnmarshal(t, []byte(tc.in))
	}
}

// checkSameAsUnmarshal fails when decodeAMAlert decodes valid JSON
// otherwise than json.Unmarshal, or where json.Unmarshal fails.
func checkSameAsUnmarshal(t *testing.T, in []byte) {
	t.Helper()
	if !json.Valid(in) { // the payload is checked whole before any alert is decoded
		return
	}
	var fast amAlert
	if !decodeAMAlert(in, &fast) {
		return
	}
	var want amAlert
	if err := json.Unmarshal(in, &want); err != nil {
		t.Fatalf("decodeAMAlert(%s) decoded what json.Unmarshal refuses: %v", in, err)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("decodeAMAlert(%s) = %+v, json.Unmarshal: %+v", in, fast, want)
	}
}

func FuzzDecodeAMAlert(f *testing.F) {
	for _, tc := range amAlertSamples {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkSameAsUnmarshal(t, in)
	})
}
