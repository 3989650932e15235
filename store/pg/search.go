package pg

import (
	"strings"
	"unicode"
)

// The knowledge base search, as the SQLite store's FTS5 search behaves:
// every word must match (or, for suggestions, any word of three letters or
// more), the last word matches as a prefix because it is being typed, and a
// last word of one or two letters looks only in titles. Nothing typed is
// ever a syntax error: each word becomes a quoted lexeme of a tsquery, so
// tsquery's operators lose their meaning, and words with no letter or digit
// are dropped. The text is parsed with the 'simple' configuration, as the
// articles' search column is.

// searchQuery is the tsquery for a search box's text; "" when nothing
// searchable is left.
func searchQuery(s string) string { return tsTerms(s, " & ") }

// searchAnyQuery matches articles with any of the words, best first: how
// an incident's title finds its runbooks. Short words match too much to help.
func searchAnyQuery(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		if len([]rune(w)) >= 3 {
			words = append(words, w)
		}
	}
	return tsTerms(strings.Join(words, " "), " | ")
}

// tsQuoter quotes a word as a tsquery lexeme: inside single quotes a quote
// is doubled and a backslash escaped. NUL cannot be in PostgreSQL text.
var tsQuoter = strings.NewReplacer(`'`, `''`, `\`, `\\`, "\x00", "")

func tsTerms(s, join string) string {
	var terms []string
	lastLen := 0
	for _, word := range strings.Fields(s) {
		if !strings.ContainsFunc(word, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		terms = append(terms, "'"+tsQuoter.Replace(word)+"'")
		lastLen = len([]rune(word))
	}
	if len(terms) == 0 {
		return ""
	}
	// The last word is a prefix; one or two letters start most words of
	// every body, so such a prefix looks only in titles (weight A).
	last := len(terms) - 1
	terms[last] += ":*"
	if lastLen < 3 {
		terms[last] += "A"
	}
	return strings.Join(terms, join)
}
