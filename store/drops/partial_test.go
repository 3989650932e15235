package drops

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// One poison alert cannot block its group: the good alerts are taken, the
// bad one is refused with its reason, key and name, and a group larger
// than any old per-file limit is taken whole.
func TestPartialAcceptance(t *testing.T) {
	var alerts []string
	for i := range 12000 {
		alerts = append(alerts, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"PodCrash","pod":"p%d"},"fingerprint":"fp%d"}`, i, i))
	}
	tooMany := make([]string, 70)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf(`"l%d":"v"`, i)
	}
	alerts[5] = `{"status":"firing","labels":{"alertname":"Poison","service":"checkout",` + strings.Join(tooMany, ",") + `},"fingerprint":"poison"}`
	alerts[9] = `{"status":"sideways","labels":{"alertname":"Odd"}}`
	data := `{"version":"4","groupKey":"g","alerts":[` + strings.Join(alerts, ",\n") + `]}`
	b, err := Parse("group.json", []byte(data), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Events) != 11998 || len(b.Refused) != 2 {
		t.Fatalf("%d taken, %d refused; want 11998 and 2", len(b.Events), len(b.Refused))
	}
	poison, odd := b.Refused[0], b.Refused[1]
	if poison.Key != "poison" || poison.Name != "Poison" || poison.Service != "checkout" ||
		poison.Err.Field != "alerts[5].labels" || !strings.Contains(poison.Err.Reason, "MaxLabels") || poison.Err.Line != 6 {
		t.Errorf("poison refusal = %+v %q", poison, poison.Err)
	}
	if odd.Name != "Odd" || odd.Key != Fingerprint(map[string]string{"alertname": "Odd"}) ||
		odd.Err.Field != "alerts[9].status" || odd.Err.Line != 10 {
		t.Errorf("odd refusal = %+v %q", odd, odd.Err)
	}

	// NDJSON: a broken line is refused, the others are taken.
	lines := `{"key":"a","status":"firing"}` + "\n" + `{"key":"b","status":` + "\n" + `{"key":"c","status":"resolved"}`
	b, err = Parse("g.ndjson", []byte(lines), DefaultLimits())
	if err != nil || len(b.Events) != 2 || len(b.Refused) != 1 || b.Refused[0].Err.Line != 2 {
		t.Fatalf("ndjson: %+v %v", b, err)
	}

	// Nothing usable: the drop is rejected whole, with the first reason.
	_, err = Parse("bad.json", []byte(`{"version":"4","alerts":[{"status":"x","labels":{"a":"1"}},{"status":"y","labels":{"a":"2"}}]}`), DefaultLimits())
	if err == nil || !strings.Contains(err.Error(), "alerts[0].status") || !strings.Contains(err.Error(), "none of its 2 alerts") {
		t.Fatalf("all refused: %v", err)
	}
}

// A key repeated in one object is refused with both places, in the alert
// it belongs to or, outside any alert, for the whole payload.
func TestDuplicateKeys(t *testing.T) {
	tests := []struct {
		name, data   string
		refusedField string // a refused alert's field, or the whole drop's error field
		whole        bool
		line         int
	}{
		{"in an alert's labels", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"1"}},` + "\n" +
			`{"status":"firing","labels":{"s":"x","s":"y"}}]}`, "alerts[1].labels", false, 2},
		{"an alert's status twice", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"1"}},` + "\n" +
			`{"status":"firing","labels":{"b":"1"},"status":"resolved"}]}`, "alerts[1]", false, 2},
		{"escaped the same", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"1"}},{"status":"firing","labels":{"k":"1","\u006b":"2"}}]}`,
			"alerts[1].labels", false, 1},
		{"at the top", `{"version":"4","groupKey":"a",` + "\n" + `"groupKey":"b","alerts":[{"status":"firing","labels":{"a":"1"}}]}`, "", true, 2},
		{"pagerduty", `{"routing_key":"r","event_action":"trigger","payload":{"summary":"s","source":"a","source":"b"}}`, "payload", true, 1},
		{"generic line", `{"key":"a","status":"firing"}` + "\n" + `{"key":"b","key":"c","status":"firing"}`, "", false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse("dup.json", []byte(tt.data), DefaultLimits())
			var pe *ParseError
			switch {
			case tt.whole && err != nil:
				pe = err.(*ParseError)
			case !tt.whole && err == nil && len(b.Refused) == 1 && len(b.Events) == 1:
				pe = b.Refused[0].Err
			default:
				t.Fatalf("got %d events, %d refused, error %v", len(b.Events), len(b.Refused), err)
			}
			if pe.Field != tt.refusedField || pe.Line != tt.line || !strings.Contains(pe.Reason, "appears twice") || !strings.Contains(pe.Reason, "first at line") {
				t.Errorf("got %q (field %q line %d)", pe.Error(), pe.Field, pe.Line)
			}
		})
	}
}

// A drop applied in part goes to processed/ with a .error sidecar that
// names each refused alert, its place and its reason.
func TestApplyInPartLeavesASidecar(t *testing.T) {
	ing := newFake()
	in := newIntake(t, ing)
	writeDrop(t, in.Dir, "mixed.ndjson", `{"key":"a","status":"firing"}`+"\n"+`{"key":"b","status":"sideways"}`+"\n"+`{"key":"c","status":"resolved"}`+"\n")
	res, err := in.Apply(t.Context(), "mixed.ndjson")
	if err != nil || res.Rejected != nil || res.Alerts != 2 || len(res.Refused) != 1 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if d := ing.drops(); len(d) != 1 || len(d[0].Events) != 2 || len(d[0].Refused) != 1 || d[0].Refused[0].Key != "b" {
		t.Fatalf("ingested %+v", d)
	}
	mustExist(t, filepath.Join(in.Dir, ProcessedDir, "mixed.ndjson"))
	note := readText(t, filepath.Join(in.Dir, ProcessedDir, "mixed.ndjson.error"))
	for _, want := range []string{
		"mixed.ndjson: 1 alert(s) refused; the rest of the file was applied",
		`mixed.ndjson:2:21: status: "sideways" must be "firing" or "resolved"`,
		"    alert b\n",
		"hypercare formats",
	} {
		if !strings.Contains(note, want) {
			t.Errorf("sidecar lacks %q:\n%s", want, note)
		}
	}
}

// A payload bigger than a part is handed on in parts of MaxBatch alerts,
// each with the payload's group; refusals travel with their part, and a
// payload none of whose alerts can be taken is an error.
func TestParseEachInParts(t *testing.T) {
	var alerts []string
	for i := range 25 {
		status := "firing"
		if i == 12 {
			status = "sideways"
		}
		alerts = append(alerts, fmt.Sprintf(`{"status":%q,"labels":{"alertname":"A","i":"%d"}}`, status, i))
	}
	data := `{"version":"4","groupKey":"g","truncatedAlerts":3,"alerts":[` + strings.Join(alerts, ",") + `]}`
	var parts []Batch
	err := ParseEach("big.json", []byte(data), Limits{MaxBatch: 10}, func(b Batch) error {
		parts = append(parts, b)
		return nil
	})
	if err != nil || len(parts) != 3 {
		t.Fatalf("%d parts, %v; want 3", len(parts), err)
	}
	sizes := []int{}
	for _, p := range parts {
		if p.Group != "g" || p.Truncated != 3 || p.Format != FormatAlertmanager {
			t.Errorf("part %+v lacks the payload's head", p)
		}
		sizes = append(sizes, len(p.Events)+len(p.Refused))
	}
	if fmt.Sprint(sizes) != "[10 10 5]" || len(parts[1].Refused) != 1 || parts[1].Refused[0].Err.Field != "alerts[12].status" {
		t.Errorf("parts of %v, refused %+v", sizes, parts[1].Refused)
	}
	// Parse gathers the parts into one batch.
	b, err := Parse("big.json", []byte(data), Limits{MaxBatch: 10})
	if err != nil || len(b.Events) != 24 || len(b.Refused) != 1 {
		t.Fatalf("Parse: %d events, %d refused, %v", len(b.Events), len(b.Refused), err)
	}
	// An error from emit stops the parse.
	stop := errors.New("stop")
	calls := 0
	if err := ParseEach("big.json", []byte(data), Limits{MaxBatch: 10}, func(Batch) error { calls++; return stop }); err != stop || calls != 1 {
		t.Fatalf("emit error: %v after %d calls", err, calls)
	}
}

// A drop bigger than a part is applied part by part, each under its own
// hash, so the same file dropped again applies nothing twice.
func TestApplyInParts(t *testing.T) {
	ing := newFake()
	in := newIntake(t, ing)
	in.Limits = Limits{MaxBatch: 10}
	var lines strings.Builder
	for i := range 25 {
		fmt.Fprintf(&lines, firing, i, i, i)
	}
	writeDrop(t, in.Dir, "big.ndjson", lines.String())
	res, err := in.Apply(t.Context(), "big.ndjson")
	if err != nil || res.Alerts != 25 || res.Duplicate {
		t.Fatalf("apply: %+v %v", res, err)
	}
	applied := ing.drops()
	if len(applied) != 3 || len(applied[0].Events) != 10 || len(applied[2].Events) != 5 ||
		applied[1].SHA256 != applied[0].SHA256+"/1" || applied[2].SHA256 != applied[0].SHA256+"/2" {
		t.Fatalf("parts: %d, hashes %q %q %q", len(applied), applied[0].SHA256, applied[1].SHA256, applied[2].SHA256)
	}
	writeDrop(t, in.Dir, "again.ndjson", lines.String())
	if res, err := in.Apply(t.Context(), "again.ndjson"); err != nil || !res.Duplicate || len(ing.drops()) != 3 {
		t.Fatalf("the same bytes again: %+v %v, %d applied", res, err, len(ing.drops()))
	}
}
