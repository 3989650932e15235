package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hypercare-ops/hypercare/model"
)

// ms encodes a time as unix milliseconds UTC; the zero time is NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// millis scans a unix-millisecond column into a UTC time; NULL is the zero
// time.
type millis struct{ t *time.Time }

func (m millis) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("time column: got %T, want INTEGER milliseconds", src)
	}
	return nil
}

// jsonMap and jsonList encode labels, annotations and lists for JSON
// columns; nil and empty both store as the empty container. Marshalling
// strings cannot fail.
func jsonMap(m map[string]string) string {
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
		return fmt.Errorf("JSON column: got %T, want TEXT", src)
	}
	switch string(b) {
	case "", "{}", "[]", "null":
		return nil
	}
	if l, ok := j.dst.(*[]string); ok && plainList(b) {
		// The calendar reads hundreds of service lists per week; a list of
		// plain strings splits without the reflection json.Unmarshal costs.
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

// textFilter turns what someone typed into a filter box into query
// arguments: a LIKE pattern for a case-insensitive substring match (nil for
// no filter) and, when the text is a record number such as "42" or
// "INC-42", that id (nil otherwise).
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

// ftsQuery turns free text into an FTS5 query that cannot be a syntax
// error: each word becomes a quoted string (FTS5 operators, column filters
// and stray quotes lose their meaning) and the last word matches as a prefix,
// so results follow the user's typing. Words with no letter or digit carry
// nothing the tokenizer would index and are dropped. It returns "" when
// nothing searchable is left.
func ftsQuery(s string) string { return ftsTerms(s, " ") }

// ftsAnyQuery matches articles with any of the words, best first: how an
// incident's title finds its runbooks. Short words ("on", "a") match too
// much to help and are left out.
func ftsAnyQuery(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		if len([]rune(w)) >= 3 {
			words = append(words, w)
		}
	}
	return ftsTerms(strings.Join(words, " "), " OR ")
}

func ftsTerms(s, join string) string {
	var terms []string
	lastLen := 0
	for _, word := range strings.Fields(s) {
		if !strings.ContainsFunc(word, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		terms = append(terms, `"`+strings.ReplaceAll(word, `"`, `""`)+`"`)
		lastLen = len([]rune(word))
	}
	if len(terms) == 0 {
		return ""
	}
	// The last word is being typed: it matches as a prefix. A prefix of one
	// or two letters starts most words in every body, so it looks only in
	// titles, which is where someone typing "r" is heading, and keeps the
	// filter fast as it is typed.
	last := len(terms) - 1
	if lastLen < 3 {
		terms[last] = "title : " + terms[last]
	}
	terms[last] += "*"
	return strings.Join(terms, join)
}

// limit maps "no limit" (zero or less) to SQLite's -1.
func limit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func offset(n int) int { return max(n, 0) }

// nullInt scans a nullable id column; NULL is 0, which no record has.
type nullInt struct{ v *int64 }

func (n nullInt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.v = 0
	case int64:
		*n.v = v
	default:
		return fmt.Errorf("id column: got %T, want INTEGER", src)
	}
	return nil
}

// durationMillis scans a millisecond count into a duration.
type durationMillis struct{ d *time.Duration }

func (m durationMillis) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("duration column: got %T, want INTEGER milliseconds", src)
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
