package store

import (
	"strings"
	"time"
	"unicode"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// The column encodings and row scanners both stores share are in
// store/rowcodec. The write path (tx.go), the filters and the reads name
// these by the short names below; what is SQLite's own (FTS5 queries, -1
// for no limit) follows them.

func ms(t time.Time) any                       { return rowcodec.Millis(t) }
func jsonMap(m map[string]string) string       { return rowcodec.JSONMap(m) }
func jsonList(l []string) string               { return rowcodec.JSONList(l) }
func nullID(v int64) any                       { return rowcodec.NullID(v) }
func encodeMatchers(ms []model.Matcher) string { return rowcodec.EncodeMatchers(ms) }
func textFilter(s string) (pattern, id any)    { return rowcodec.TextFilter(s) }

func scanIncident(s scanner) (model.Incident, error) { return rowcodec.ScanIncident(s) }
func scanSilence(s scanner) (model.Silence, error)   { return rowcodec.ScanSilence(s) }

// nullInt is rowcodec.NullInt in the composite-literal form the write
// path's scans use (nullInt{&id}).
type nullInt struct{ v *int64 }

func (n nullInt) Scan(src any) error { return rowcodec.NullInt(n.v).Scan(src) }

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
