package rowcodec

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// JSONMap writes plain labels itself; whatever it writes must be what
// json.Marshal writes, byte for byte, for plain and awkward text alike:
// both stores hold these bytes, and PostgreSQL's used to be json.Marshal's.
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
		if got := JSONMap(m); got != string(want) {
			t.Errorf("JSONMap(%v) = %s, want %s", m, got, want)
		}
	}
	if got := JSONMap(nil); got != "{}" {
		t.Errorf("JSONMap(nil) = %s", got)
	}
}

// A list or map comes back as it was stored, through either form a driver
// hands a text column in (SQLite's string, a []byte), and empty ones come
// back nil, as records are written with them.
func TestJSONRoundTrip(t *testing.T) {
	lists := [][]string{
		nil,
		{"checkout"},
		{"checkout", "payments", "orders-db"},
		{`say "hi"`, `C:\temp`, "two words", "line\nbreak", "café"},
	}
	for _, want := range lists {
		for _, src := range []any{JSONList(want), []byte(JSONList(want))} {
			var got []string
			if err := JSON(&got).Scan(src); err != nil {
				t.Fatalf("JSON(%q): %v", src, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("JSONList %q came back %q", want, got)
			}
		}
	}
	for _, want := range []map[string]string{nil, {"a": "1", "quote": `"`}} {
		var got map[string]string
		if err := JSON(&got).Scan(JSONMap(want)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("JSONMap %v came back %v", want, got)
		}
	}
	var got []string
	if err := JSON(&got).Scan(nil); err != nil || got != nil {
		t.Errorf("NULL: %q, %v", got, err)
	}
	if err := JSON(&got).Scan(int64(1)); err == nil {
		t.Error("an integer scanned as JSON")
	}
	if err := JSON(&got).Scan(`["a",`); err == nil {
		t.Error("broken JSON scanned")
	}
}

// Times and ids that mean "none" are NULL, and NULL reads back as none.
func TestNullableRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.FixedZone("x", 3600))
	for _, want := range []time.Time{{}, at} {
		got := time.Now()
		if err := Time(&got).Scan(Millis(want)); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || (!want.IsZero() && got.Location() != time.UTC) {
			t.Errorf("time %v came back %v", want, got)
		}
	}
	for _, want := range []int64{0, 42} {
		got := int64(-1)
		if err := NullInt(&got).Scan(NullID(want)); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("id %d came back %d", want, got)
		}
	}
	var d time.Duration
	if err := Duration(&d).Scan((90 * time.Minute).Milliseconds()); err != nil || d != 90*time.Minute {
		t.Errorf("duration: %v, %v", d, err)
	}
	for _, c := range []Column{Time(new(time.Time)), NullInt(new(int64)), Duration(new(time.Duration))} {
		if err := c.Scan("12"); err == nil {
			t.Errorf("%T read text as a number", c)
		}
	}
}

func TestMatchersRoundTrip(t *testing.T) {
	var want []model.Matcher
	for _, m := range [][3]string{{"service", "=", "checkout"}, {"alertname", "=~", "High.*"}} {
		mt, err := model.NewMatcher(m[0], model.MatchOp(m[1]), m[2])
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, mt)
	}
	got, err := DecodeMatchers(EncodeMatchers(want))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i].String() {
			t.Errorf("matcher %d: got %s, want %s", i, got[i], want[i])
		}
	}
	// The expression is compiled again: the decoded matcher matches.
	if !got[1].MatchValue("HighLatency") || got[1].MatchValue("LowLatency") {
		t.Errorf("decoded %s does not match as it should", got[1])
	}
	if _, err := DecodeMatchers(`[{"label":"a","op":"=~","value":"("}]`); err == nil {
		t.Error("a stored matcher with a broken expression decoded")
	}
}

// A row scanner maps each column to its field, whatever the row is.
func TestScanIncident(t *testing.T) {
	opened := time.UnixMilli(1_700_000_000_000).UTC()
	row := fakeRow{int64(7), "incident", "Checkout down", "", "checkout", "app", 1, 1, 1, "new", true, "web", "ann",
		0, Millis(opened), Millis(opened), nil, nil, nil, "", 0, nil, "", nil, int64(60_000), 0,
		nil, NullID(3), 0, nil}
	in, err := ScanIncident(row)
	if err != nil {
		t.Fatal(err)
	}
	if in.ID != 7 || in.Title != "Checkout down" || !in.Major || !in.OpenedAt.Equal(opened) || !in.AckAt.IsZero() ||
		in.Paused != time.Minute || in.MergedInto != 0 || in.ProblemID != 3 {
		t.Errorf("scanned %+v", in)
	}
	if _, err := ScanIncident(fakeRow{int64(7)}); err == nil {
		t.Error("a short row scanned")
	}
}

// fakeRow hands each destination its value as database/sql would: Columns
// scan themselves, other destinations are set by reflection.
type fakeRow []any

func (r fakeRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return errors.New("wrong number of columns")
	}
	for i, d := range dest {
		if c, ok := d.(Column); ok {
			if err := c.Scan(r[i]); err != nil {
				return err
			}
			continue
		}
		v := reflect.ValueOf(d).Elem()
		v.Set(reflect.ValueOf(r[i]).Convert(v.Type()))
	}
	return nil
}

func TestTextFilter(t *testing.T) {
	for _, tc := range []struct {
		in      string
		pattern any
		id      any
	}{
		{"", nil, nil},
		{"   ", nil, nil},
		{"disk", "%disk%", nil},
		{" 42 ", "%42%", int64(42)},
		{"INC-42", "%INC-42%", int64(42)},
		{"alr-7", "%alr-7%", int64(7)},
		{"0", "%0%", nil},
		{"-3", "%-3%", nil},
		{"v1-2", "%v1-2%", nil},
		{`50%_\`, `%50\%\_\\%`, nil},
	} {
		pattern, id := TextFilter(tc.in)
		if pattern != tc.pattern || id != tc.id {
			t.Errorf("TextFilter(%q) = %v, %v; want %v, %v", tc.in, pattern, id, tc.pattern, tc.id)
		}
	}
}

// A labels column read through plainjson's short cut decodes as
// json.Unmarshal decodes it, and anything it cannot read is
// left to json.Unmarshal: same map, or same failure.
func TestJSONMapColumnIsUnmarshal(t *testing.T) {
	for _, in := range []string{
		`{"a":"b"}`,
		`{"alertname":"DiskFull","env":"prod","instance":"db-1:9100","severity":"critical"}`,
		`{"":""}`,
		`{"a":"","b":"c d, e:f"}`,
		`{"a":"b","a":"c"}`,     // the last one wins
		`{"a": "b"}`,            // spaces: json.Unmarshal
		`{"a":"b\"c"}`,          // an escape
		`{"a":"\u00e9"}`,        // another
		`{"café":"x"}`,          // not ASCII
		`{"a":"b",}`,            // broken
		`{"a":"b"}}`,            // broken
		`{"a":"b""c":"d"}`,      // broken
		`{"a":1}`,               // not a string
		`{"a":{"b":"c"}}`,       // nested
		`{"a":"b` + "\n" + `"}`, // a raw newline
		`{"a":"b","c"}`,         // a key without a value
		`{"a":"b"`,              // cut short
	} {
		var want map[string]string
		wantErr := json.Unmarshal([]byte(in), &want)
		var got map[string]string
		gotErr := JSON(&got).Scan(in)
		if (gotErr != nil) != (wantErr != nil) || !maps.Equal(got, want) {
			t.Errorf("Scan(%s) = %v, %v; json.Unmarshal: %v, %v", in, got, gotErr, want, wantErr)
		}
	}
}
