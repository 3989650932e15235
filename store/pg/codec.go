package pg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hypercare-ops/hypercare/model"
)

// The encodings mirror store/codec.go, so that a database copies between
// the two stores column for column: times are unix milliseconds UTC (NULL
// for the zero time), lists and maps JSON text, durations milliseconds.

// ms encodes a time as unix milliseconds UTC; the zero time is NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// millis scans a millisecond column into a UTC time; NULL is the zero time.
// pgx hands database/sql scanners the column as int64 or nil.
type millis struct{ t *time.Time }

func (m millis) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("time column: got %T, want bigint milliseconds", src)
	}
	return nil
}

// jsonMap and jsonList encode labels, annotations and lists for JSON
// columns; nil and empty both store as the empty container.
func jsonMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// jsonColumn scans a JSON text column into dst (a pointer to a map or
// slice). Empty JSON values leave dst nil, so a record round-trips with the
// nil it was stored with.
type jsonColumn struct{ dst any }

func (j jsonColumn) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("JSON column: got %T, want text", src)
	}
	switch string(b) {
	case "", "{}", "[]", "null":
		return nil
	}
	if l, ok := j.dst.(*[]string); ok && plainList(b) {
		*l = strings.Split(string(b[2:len(b)-2]), `","`)
		return nil
	}
	if err := json.Unmarshal(b, j.dst); err != nil {
		return fmt.Errorf("JSON column: %w", err)
	}
	return nil
}

// plainList reports whether b is a JSON list of strings with nothing
// escaped in them, as jsonList writes ids and names: ["a","b"].
func plainList(b []byte) bool {
	return len(b) >= 4 && b[0] == '[' && b[1] == '"' && b[len(b)-2] == '"' && b[len(b)-1] == ']' &&
		!bytes.ContainsAny(b, "\\\n ")
}

// nullInt scans a nullable id column; NULL is 0, which no record has.
type nullInt struct{ v *int64 }

func (n nullInt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.v = 0
	case int64:
		*n.v = v
	default:
		return fmt.Errorf("id column: got %T, want bigint", src)
	}
	return nil
}

// durationMillis scans a millisecond count into a duration.
type durationMillis struct{ d *time.Duration }

func (m durationMillis) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("duration column: got %T, want bigint milliseconds", src)
	}
	*m.d = time.Duration(v) * time.Millisecond
	return nil
}

// nullID encodes an id for a nullable column: 0 is NULL.
func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// textFilter turns what someone typed into a filter box into query
// arguments: an ILIKE pattern for a case-insensitive substring match (nil
// for no filter) and, when the text is a record number such as "42" or
// "INC-42", that id (nil otherwise). As store's textFilter.
func textFilter(s string) (pattern, id any) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	pattern = "%" + likeEscaper.Replace(s) + "%"
	num := s
	if i := strings.IndexByte(s, '-'); i > 0 && isLetters(s[:i]) {
		num = s[i+1:]
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil && n > 0 {
		id = n
	}
	return pattern, id
}

// likeEscaper escapes LIKE's wildcards; the queries say ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// limit maps "no limit" (zero or less) to NULL, which LIMIT reads as none.
func limit(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

func offset(n int) int { return max(n, 0) }

// Matchers are stored as JSON; regular expressions are compiled again on
// the way out, through model.NewMatcher, so a stored matcher is a checked one.
func encodeMatchers(ms []model.Matcher) string {
	b, _ := json.Marshal(ms)
	return string(b)
}

func decodeMatchers(s string) ([]model.Matcher, error) {
	var raw []model.Matcher
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("silence matchers: %w", err)
	}
	out := make([]model.Matcher, len(raw))
	for i, m := range raw {
		var err error
		if out[i], err = model.NewMatcher(m.Label, m.Op, m.Value); err != nil {
			return nil, fmt.Errorf("silence matcher %s: %w", m, err)
		}
	}
	return out, nil
}
