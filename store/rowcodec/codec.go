// Package rowcodec is how model values are written to columns and read back
// from rows, for both stores: the SQLite store (store) and the PostgreSQL
// store (store/pg) keep the same columns with the same encodings, so that a
// database copies between them column for column. Times are unix
// milliseconds UTC (NULL for the zero time), durations milliseconds, lists
// and maps JSON text, ids NULL for none.
//
// It imports no database driver: a row is anything with Scan(dest ...any),
// as *sql.Row(s) and pgx.Row(s) are, and each column decoder here is a
// database/sql Scanner, which both drivers hand the column's plain Go value
// (int64, float64, bool, string or []byte, nil for NULL). What the stores
// read differently (an alert's storm figures: two integers in SQLite, an
// array in PostgreSQL) stays in the store, after the columns shared here.
package rowcodec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/plainjson"
)

// Row is one result row: a *sql.Row or *sql.Rows, a pgx.Row or pgx.Rows.
type Row interface{ Scan(dest ...any) error }

// Column decodes one column into a model field; it is a database/sql
// Scanner, which both drivers call.
type Column interface{ Scan(src any) error }

// Millis encodes a time as unix milliseconds UTC; the zero time is NULL.
func Millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// Time decodes a unix-millisecond column into a UTC time; NULL is the zero
// time.
func Time(dst *time.Time) Column { return timeColumn{dst} }

type timeColumn struct{ t *time.Time }

func (m timeColumn) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("time column: got %T, want integer milliseconds", src)
	}
	return nil
}

// Duration decodes a millisecond count into a duration.
func Duration(dst *time.Duration) Column { return durationColumn{dst} }

type durationColumn struct{ d *time.Duration }

func (m durationColumn) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("duration column: got %T, want integer milliseconds", src)
	}
	*m.d = time.Duration(v) * time.Millisecond
	return nil
}

// NullID encodes an id for a nullable column: 0 is NULL.
func NullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// NullInt decodes a nullable id column; NULL is 0, which no record has.
func NullInt(dst *int64) Column { return nullInt{dst} }

type nullInt struct{ v *int64 }

func (n nullInt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.v = 0
	case int64:
		*n.v = v
	default:
		return fmt.Errorf("id column: got %T, want an integer", src)
	}
	return nil
}

// JSONMap and JSONList encode labels, annotations and lists for JSON
// columns; nil and empty both store as the empty container. Marshalling
// strings cannot fail.
func JSONMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	// Labels are mostly plain: written here, sorted as json.Marshal sorts
	// them and byte for byte what it writes, without its reflection, which
	// every alert of every drop would pay for.
	keys := make([]string, 0, len(m))
	size := 2
	for k, v := range m {
		if !plainJSON(k) || !plainJSON(v) {
			b, _ := json.Marshal(m)
			return string(b)
		}
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':', '"')
		b = append(b, m[k]...)
		b = append(b, '"')
	}
	return string(append(b, '}'))
}

// plainJSON reports whether json.Marshal writes s as it is, in quotes:
// printable ASCII without the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

func JSONList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// JSON decodes a JSON text column into dst (a pointer to a map or slice).
// Empty JSON values leave dst nil, so a record round-trips with the nil it
// was stored with.
func JSON(dst any) Column { return jsonColumn{dst} }

type jsonColumn struct{ dst any }

func (j jsonColumn) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		text = v
	case []byte:
		text = string(v) // the driver may reuse v; what is decoded keeps parts of text
	default:
		return fmt.Errorf("JSON column: got %T, want text", src)
	}
	switch text {
	case "", "{}", "[]", "null":
		return nil
	}
	if l, ok := j.dst.(*[]string); ok && plainList(text) {
		// The calendar reads hundreds of service lists per week; a list of
		// plain strings splits without the reflection json.Unmarshal costs.
		*l = strings.Split(text[2:len(text)-2], `","`)
		return nil
	}
	if m, ok := j.dst.(*map[string]string); ok {
		// Every feed row has two maps, read again at every commit: one of
		// plain strings, as JSONMap writes labels, is read without
		// encoding/json's reflection.
		plain, end, ok := plainjson.StringMap(text, plainjson.SkipSpace(text, 0))
		if ok && plainjson.SkipSpace(text, end) == len(text) {
			*m = plain
			return nil
		}
	}
	if err := json.Unmarshal([]byte(text), j.dst); err != nil {
		return fmt.Errorf("JSON column: %w", err)
	}
	return nil
}

// plainList reports whether s is a JSON list of strings with nothing
// escaped in them, as JSONList writes ids and names: ["a","b"].
func plainList(s string) bool {
	return len(s) >= 4 && s[0] == '[' && s[1] == '"' && s[len(s)-2] == '"' && s[len(s)-1] == ']' &&
		!strings.ContainsAny(s, "\\\n ")
}

// EncodeMatchers stores a silence's matchers as JSON; DecodeMatchers
// compiles their regular expressions again on the way out, through
// model.NewMatcher, so a stored matcher is a checked one.
func EncodeMatchers(ms []model.Matcher) string {
	b, _ := json.Marshal(ms)
	return string(b)
}

func DecodeMatchers(s string) ([]model.Matcher, error) {
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
