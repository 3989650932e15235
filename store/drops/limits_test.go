package drops

import (
	"fmt"
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	am := func(labels, annotations string) string {
		return `{"version":"4","alerts":[{"status":"firing","labels":{` + labels + `},"annotations":{` + annotations + `}}]}`
	}
	generic := strings.Repeat(`{"key":"k","status":"firing"}`+"\n", 3)
	long := strings.Repeat("x", 11)
	tests := []struct {
		name   string
		data   string
		lim    Limits
		field  string
		reason string
		line   int
	}{
		{"file size", am(`"a":"b"`, ""), Limits{MaxBytes: 20}, "", "the file is 82 bytes, over the limit of 20 (MaxBytes)", 0},
		{"alerts", `{"version":"4","alerts":[{},{}]}`, Limits{MaxAlerts: 1}, "alerts", "holds 2 alerts, over the limit of 1 (MaxAlerts)", 1},
		{"NDJSON lines", generic, Limits{MaxAlerts: 2}, "", "more than 2 objects, the limit per file (MaxAlerts)", 3},
		{"labels", am(`"a":"1","b":"2","c":"3"`, ""), Limits{MaxLabels: 2}, "alerts[0].labels", "has 3 labels, over the limit of 2 (MaxLabels)", 1},
		{"annotations", am(`"a":"1"`, `"a":"1","b":"2","c":"3"`), Limits{MaxLabels: 2}, "alerts[0].annotations", "has 3 annotations, over the limit of 2 (MaxLabels)", 1},
		{"label value", am(`"a":"`+long+`"`, ""), Limits{MaxLabelLen: 10}, "alerts[0].labels", `label "a" has a 11-byte value, over the limit of 10 (MaxLabelLen)`, 1},
		{"label name", am(`"`+long+`":"a"`, ""), Limits{MaxLabelLen: 10}, "alerts[0].labels", "a name in labels is 11 bytes", 1},
		{"annotation name", am(`"a":"1"`, `"`+long+`":"a"`), Limits{MaxLabelLen: 10}, "alerts[0].annotations", "a name in annotations is 11 bytes", 1},
		{"dedup key", `{"routing_key":"r","event_action":"resolve","dedup_key":"` + long + `"}`, Limits{MaxLabelLen: 10}, "dedup_key", "is 11 bytes, over the limit of 10 (MaxLabelLen)", 1},
		{"pagerduty custom details", `{"routing_key":"r","event_action":"trigger","payload":{"summary":"s","custom_details":{"a":1,"b":2,"c":3}}}`, Limits{MaxLabels: 2}, "payload", "has 3 labels", 1},
		{"generic labels", `{"key":"k","status":"firing","labels":{"a":"` + long + `"}}`, Limits{MaxLabelLen: 10}, "labels", "over the limit of 10 (MaxLabelLen)", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := mustFail(t, "big.json", []byte(tt.data), tt.lim)
			if pe.Field != tt.field || !strings.Contains(pe.Reason, tt.reason) || pe.Line != tt.line {
				t.Errorf("got %q (field %q line %d), want field %q line %d and %q", pe.Error(), pe.Field, pe.Line, tt.field, tt.line, tt.reason)
			}
		})
	}
}

// TestLimitsAtTheEdge: exactly at every limit is fine, and annotation values
// are free text, not bound by MaxLabelLen.
func TestLimitsAtTheEdge(t *testing.T) {
	var labels []string
	for i := range 3 {
		labels = append(labels, fmt.Sprintf(`"l%d":"%s"`, i, strings.Repeat("v", 8)))
	}
	data := `{"version":"4","alerts":[{"status":"firing","labels":{` + strings.Join(labels, ",") + `},"annotations":{"description":"` + strings.Repeat("d", 100) + `"}}]}`
	lim := Limits{MaxBytes: len(data), MaxAlerts: 1, MaxLabels: 3, MaxLabelLen: 16}
	if _, err := Parse("edge.json", []byte(data), lim); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultLimits(t *testing.T) {
	want := Limits{MaxBytes: 16 << 20, MaxAlerts: 10000, MaxLabels: 64, MaxLabelLen: 4096}
	if DefaultLimits() != want {
		t.Errorf("DefaultLimits() = %+v, want %+v", DefaultLimits(), want)
	}
	if got := (Limits{MaxAlerts: 5}).orDefault(); got != (Limits{MaxBytes: 16 << 20, MaxAlerts: 5, MaxLabels: 64, MaxLabelLen: 4096}) {
		t.Errorf("zero fields must take their defaults, got %+v", got)
	}
}
