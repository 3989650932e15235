package drops

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLimits(t *testing.T) {
	am := func(labels, annotations string) string {
		return `{"version":"4","alerts":[{"status":"firing","labels":{` + labels + `},"annotations":{` + annotations + `}}]}`
	}
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
		{"labels", am(`"a":"1","b":"2","c":"3"`, ""), Limits{MaxLabels: 2}, "alerts[0].labels", "has 3 labels, over the limit of 2 (MaxLabels)", 1},
		{"annotations", am(`"a":"1"`, `"a":"1","b":"2","c":"3"`), Limits{MaxLabels: 2}, "alerts[0].annotations", "has 3 annotations, over the limit of 2 (MaxLabels)", 1},
		{"label name", am(`"`+long+`":"a"`, ""), Limits{MaxLabelLen: 10}, "alerts[0].labels", "a name in labels is 11 bytes", 1},
		{"annotation name", am(`"a":"1"`, `"`+long+`":"a"`), Limits{MaxLabelLen: 10}, "alerts[0].annotations", "a name in annotations is 11 bytes", 1},
		{"dedup key", `{"routing_key":"r","event_action":"resolve","dedup_key":"` + long + `"}`, Limits{MaxLabelLen: 10}, "dedup_key", "is 11 bytes, over the limit of 10 (MaxLabelLen)", 1},
		{"pagerduty custom details", `{"routing_key":"r","event_action":"trigger","payload":{"summary":"s","custom_details":{"a":1,"b":2,"c":3}}}`, Limits{MaxLabels: 2}, "payload", "has 3 labels", 1},
		{"generic label names", `{"key":"k","status":"firing","labels":{"` + long + `":"a"}}`, Limits{MaxLabelLen: 10}, "labels", "over the limit of 10 (MaxLabelLen)", 1},
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
	lim := Limits{MaxBytes: len(data), MaxLabels: 3, MaxLabelLen: 16}
	if _, err := Parse("edge.json", []byte(data), lim); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultLimits(t *testing.T) {
	want := Limits{MaxBytes: 16 << 20, MaxLabels: 64, MaxLabelLen: 4096, MaxTextLen: 16 << 10, MaxSummary: 1024, MaxBatch: 2000}
	if DefaultLimits() != want {
		t.Errorf("DefaultLimits() = %+v, want %+v", DefaultLimits(), want)
	}
	if got := (Limits{MaxLabels: 5}).orDefault(); got != (Limits{MaxBytes: 16 << 20, MaxLabels: 5, MaxLabelLen: 4096, MaxTextLen: 16 << 10, MaxSummary: 1024, MaxBatch: 2000}) {
		t.Errorf("zero fields must take their defaults, got %+v", got)
	}
}

// Long free text is cut at its limit with a marker, never refused, and the
// cut falls on a character boundary.
func TestLongTextIsCut(t *testing.T) {
	long := strings.Repeat("é", 3000) // 6000 bytes
	data := `{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"A","big":"` + long + `"},` +
		`"annotations":{"summary":"` + long + `","description":"` + strings.Repeat(long, 4) + `"}}]}`
	b, err := Parse("long.json", []byte(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a := b.Events[0].Alert
	for _, c := range []struct {
		what, got string
		keep      int
	}{
		{"label value", a.Labels["big"], 4096},
		{"summary", a.Summary, 1024},
		{"description", a.Annotations["description"], 16 << 10},
	} {
		kept, marker, ok := strings.Cut(c.got, "…[cut ")
		if !ok || len(kept) > c.keep || len(kept) < c.keep-1 || !utf8.ValidString(kept) || !strings.HasSuffix(marker, " bytes]") {
			t.Errorf("%s: kept %d bytes and %q; want ≤%d whole characters and a cut marker", c.what, len(kept), marker, c.keep)
		}
	}
	// The identity comes from the whole labels, before any cut.
	if a.DedupKey != Fingerprint(map[string]string{"alertname": "A", "big": long}) {
		t.Errorf("dedup key %s is not the fingerprint of the labels as sent", a.DedupKey)
	}
}
