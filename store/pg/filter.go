package pg

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// The list queries take a filter's terms as JSON arrays, as the SQLite
// store's do (store/filter.go): one constant query serves any number of
// terms, and a NOT EXISTS over jsonb_array_elements says "every term
// holds". A word is {"p": ILIKE pattern, "id": record id or null}; a
// matcher is {"l": label, "op": operator, "v": value, "re": its regular
// expression as PostgreSQL reads it}, compared as model.Matcher does.

// wordTerms encodes a filter's words, NULL for none.
func wordTerms(filter string) any {
	type word struct {
		Pattern any `json:"p"`
		ID      any `json:"id"`
	}
	var words []word
	for _, w := range strings.Fields(filter) {
		p, id := textFilter(w)
		words = append(words, word{p, id})
	}
	if len(words) == 0 {
		return nil
	}
	b, _ := json.Marshal(words)
	return string(b)
}

// matcherTerms encodes matchers, NULL for none.
func matcherTerms(ms []model.Matcher) any {
	type term struct {
		Label string `json:"l"`
		Op    string `json:"op"`
		Value string `json:"v"`
		RE    string `json:"re,omitempty"`
	}
	if len(ms) == 0 {
		return nil
	}
	out := make([]term, len(ms))
	for i, m := range ms {
		out[i] = term{Label: m.Label, Op: string(m.Op), Value: m.Value}
		if m.Op == model.MatchRegexp || m.Op == model.MatchNotRegexp {
			out[i].RE = anchored(m.Value)
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// leadingFlags is a regular expression's flag group at its start, (?i).
var leadingFlags = regexp.MustCompile(`^\(\?([a-zA-Z]+)\)`)

// anchored makes a matcher's regular expression match the whole value, as
// model.NewMatcher does for Go: ^(?:value)$. PostgreSQL takes flags only
// at the very start of an expression, so a leading (?i) moves before the
// anchor; s (dot matches newline) is PostgreSQL's default and goes. The
// syntax the two engines share (classes, groups, alternation, repetition,
// \d \w \s) means the same on both; an expression only Go reads is
// refused by PostgreSQL with an error the pane shows.
func anchored(value string) string {
	flags := ""
	if m := leadingFlags.FindStringSubmatch(value); m != nil {
		flags = strings.ReplaceAll(m[1], "s", "")
		value = value[len(m[0]):]
	}
	if flags != "" {
		flags = "(?" + flags + ")"
	}
	return flags + "^(?:" + value + ")$"
}
