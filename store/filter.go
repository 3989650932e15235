package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/hypercare-ops/hypercare/model"
	"modernc.org/sqlite"
)

// The list queries take a filter's terms as JSON arrays, so one constant
// query (and one cached statement, one plan) serves any number of terms:
// a NOT EXISTS over json_each says "every term holds". A word is
// {"p": LIKE pattern, "id": record id or null}; a matcher is {"l": label,
// "path": its JSON path, "op": operator, "v": value}, compared by
// hc_match, the matcher rules of model.Matcher.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("hc_match", 3, hcMatch)
}

// compiledMatchers caches compiled matchers by operator and value: the function
// runs once per row and term.
var compiledMatchers sync.Map

// hcMatch is hc_match(op, value, subject): 1 when subject satisfies the
// matcher, as model.Matcher.MatchValue decides (a regular expression
// matches the whole value; NULL is "").
func hcMatch(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	op, _ := args[0].(string)
	value, _ := args[1].(string)
	var subject string
	switch v := args[2].(type) {
	case string:
		subject = v
	case []byte:
		subject = string(v)
	case nil:
	default:
		subject = fmt.Sprint(v)
	}
	k := op + "\x00" + value
	m, ok := compiledMatchers.Load(k)
	if !ok {
		mm, err := model.NewMatcher("label", model.MatchOp(op), value)
		if err != nil {
			return nil, err
		}
		m, _ = compiledMatchers.LoadOrStore(k, mm)
	}
	return int64(btoi(m.(model.Matcher).MatchValue(subject))), nil
}

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

// feedWords splits a filter's words for the feed's statements: the first
// two, each as its LIKE pattern and the record id it may name, are tested
// inline (?10 to ?13); the rest go as wordTerms' JSON (?1). Reading the
// JSON for every row walked cost six times the LIKEs themselves: a word
// no storm member holds took 139 ms through 60,000 of them, 22 ms inline.
func feedWords(filter string) (inline [4]any, rest any) {
	words := strings.Fields(filter)
	for i, w := range words[:min(len(words), 2)] {
		inline[2*i], inline[2*i+1] = textFilter(w)
	}
	if len(words) > 2 {
		rest = wordTerms(strings.Join(words[2:], " "))
	}
	return inline, rest
}

// matcherTerms encodes matchers, NULL for none.
func matcherTerms(ms []model.Matcher) any {
	type term struct {
		Label string `json:"l"`
		Path  string `json:"path"`
		Op    string `json:"op"`
		Value string `json:"v"`
	}
	if len(ms) == 0 {
		return nil
	}
	out := make([]term, len(ms))
	for i, m := range ms {
		out[i] = term{m.Label, `$."` + strings.ReplaceAll(m.Label, `"`, `\"`) + `"`, string(m.Op), m.Value}
	}
	b, _ := json.Marshal(out)
	return string(b)
}
