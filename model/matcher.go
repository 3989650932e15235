package model

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MatchOp is how a matcher compares a label, as in Alertmanager.
type MatchOp string

// Matcher operators.
const (
	MatchEqual     MatchOp = "="
	MatchNotEqual  MatchOp = "!="
	MatchRegexp    MatchOp = "=~"
	MatchNotRegexp MatchOp = "!~"
)

// Matcher is one label condition, used by plan routes and by silences. As
// in Alertmanager, a regular expression must match the whole value and an
// absent label has the value "".
type Matcher struct {
	Label string  `json:"label"`
	Op    MatchOp `json:"op"`
	Value string  `json:"value"`
	re    *regexp.Regexp
}

// NewMatcher validates and compiles a matcher.
func NewMatcher(label string, op MatchOp, value string) (Matcher, error) {
	m := Matcher{Label: strings.TrimSpace(label), Op: op, Value: value}
	if m.Label == "" {
		return m, errors.New("matcher needs a label name")
	}
	switch op {
	case MatchEqual, MatchNotEqual:
	case MatchRegexp, MatchNotRegexp:
		if _, err := regexp.Compile(value); err != nil {
			var se *syntax.Error
			if errors.As(err, &se) {
				err = errors.New(string(se.Code))
			}
			return m, fmt.Errorf("%q is not a valid regular expression (%v); fix it using Go RE2 syntax", value, err)
		}
		m.re = regexp.MustCompile("^(?:" + value + ")$")
	default:
		return m, fmt.Errorf("operator %q: use =, !=, =~ or !~", op)
	}
	return m, nil
}

// Matches reports whether the labels satisfy the condition.
func (m Matcher) Matches(labels map[string]string) bool { return m.MatchValue(labels[m.Label]) }

// MatchValue reports whether a label's value satisfies the condition.
func (m Matcher) MatchValue(v string) bool {
	switch m.Op {
	case MatchNotEqual:
		return v != m.Value
	case MatchRegexp, MatchNotRegexp:
		re := m.re
		if re == nil { // a matcher decoded from JSON: compile on first use
			re = regexp.MustCompile("^(?:" + m.Value + ")$")
		}
		return re.MatchString(v) == (m.Op == MatchRegexp)
	}
	return v == m.Value
}

// String writes the matcher as Alertmanager does, so that ParseMatchers
// reads it back the same: a Prometheus label name bare and the value
// quoted with \" \\ and \n escaped; any other label name and its value
// quoted as Go strings.
func (m Matcher) String() string {
	if !isClassicName(m.Label) {
		return strconv.Quote(m.Label) + string(m.Op) + strconv.Quote(m.Value)
	}
	return m.Label + string(m.Op) + `"` + valueEscaper.Replace(m.Value) + `"`
}

var valueEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// MatchAll reports whether every matcher holds.
func MatchAll(ms []Matcher, labels map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// ParseMatchers reads matchers as Alertmanager and amtool read them, so a
// line copied from either means the same here:
//
//   - Matchers are separated by commas, as in Alertmanager's configuration
//     (`{service="checkout", env="prod"}`), or by spaces, as amtool takes
//     them as arguments (`alertname=HighLatency service!~"noti.*"`). The
//     braces are optional, each on its own, as Alertmanager trims them.
//   - The operators are =, !=, =~ and !~; a regular expression is RE2 and
//     matches the whole value.
//   - A label name is a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*). A value
//     is double-quoted, with the escapes \" \\ and \n (any other backslash
//     stays, so "db\d+" is a regular expression), or unquoted up to the next
//     space or comma; `label=` is the empty value, which an absent label
//     has. These are Alertmanager's classic matchers, which its default
//     parser prefers.
//   - Other label names (`"service.name"="x"`, `k8s-app=web`) are read as
//     Alertmanager's UTF-8 matchers, as its default parser falls back to:
//     a label quoted or made of any characters but spaces and {}!=~,\"'`,
//     a value required, Go escapes in quotes (\t, \u00e9) and valid UTF-8.
//   - As amtool's first argument, a first word without an operator is the
//     alert's name: `HighLatency service=checkout`.
//
// An error names the matcher by its place and says what to fix.
func ParseMatchers(s string) ([]Matcher, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}"))
	p := matcherParser{s: s}
	var out []Matcher
	for {
		p.skip(isSeparator)
		if p.done() {
			break
		}
		if len(out) == 0 {
			if name, ok := p.bareName(); ok {
				m, err := NewMatcher("alertname", MatchEqual, name)
				if err != nil {
					return nil, err
				}
				out = append(out, m)
				continue
			}
		}
		m, err := p.matcher(len(out) + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, errors.New("no matchers: write at least one, e.g. service=checkout")
	}
	return out, nil
}

type matcherParser struct {
	s string
	i int
}

func (p *matcherParser) done() bool { return p.i >= len(p.s) }

// peek is the rune at the parser's place, and its size.
func (p *matcherParser) peek() (rune, int) { return utf8.DecodeRuneInString(p.s[p.i:]) }

func (p *matcherParser) skip(ok func(rune) bool) {
	for !p.done() {
		r, n := p.peek()
		if !ok(r) {
			return
		}
		p.i += n
	}
}

// isSeparator: what separates matchers, amtool's spaces or Alertmanager's
// commas.
func isSeparator(r rune) bool { return r == ',' || unicode.IsSpace(r) }

// isReserved is what Alertmanager's UTF-8 matchers do not allow outside
// quotes.
func isReserved(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("{}!=~,\\\"'`", r) }

// isClassicName reports whether a label name is a Prometheus name, as
// Alertmanager's classic matchers have them.
func isClassicName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return s != ""
}

// rest is the input from start to the next separator, cut short, to name
// a matcher in a message.
func (p *matcherParser) rest(start int) string {
	r := p.s[start:]
	if end := strings.IndexAny(r, " ,"); end > 0 {
		r = r[:end]
	}
	if utf8.RuneCountInString(r) > 40 {
		r = string([]rune(r)[:40]) + "…"
	}
	return r
}

// quoted reads a double-quoted string at the parser's place: its text
// between the quotes, escapes undone by the caller, and whether it closed.
func (p *matcherParser) quoted() (raw string, closed bool) {
	start := p.i // at the opening quote
	for j := start + 1; j < len(p.s); j++ {
		switch p.s[j] {
		case '\\':
			j++
		case '"':
			p.i = j + 1
			return p.s[start : j+1], true
		}
	}
	p.i = len(p.s)
	return p.s[start:], false
}

// bareName is amtool's first argument without an operator, the alert's
// name; the parser moves past it only when it is one.
func (p *matcherParser) bareName() (string, bool) {
	start := p.i
	end := start
	for end < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[end:])
		if isReserved(r) {
			break
		}
		end += n
	}
	if end == start || (end < len(p.s) && !isSeparator(rune(p.s[end]))) {
		return "", false // a label followed by an operator, or a quote
	}
	if next := strings.TrimLeftFunc(p.s[end:], unicode.IsSpace); strings.HasPrefix(next, "=") || strings.HasPrefix(next, "!") {
		return "", false // `alertname = x`
	}
	p.i = end
	return p.s[start:end], true
}

func (p *matcherParser) matcher(n int) (Matcher, error) {
	start := p.i
	fail := func(format string, args ...any) (Matcher, error) {
		return Matcher{}, fmt.Errorf("matcher %d (%s): %s", n, p.rest(start), fmt.Sprintf(format, args...))
	}
	// The label: a Prometheus name (classic), else a UTF-8 one.
	var label string
	utf8Rules := false
	if r, _ := p.peek(); r == '"' {
		raw, closed := p.quoted()
		if !closed {
			return fail(`the quoted label is not closed; end it with "`)
		}
		l, err := strconv.Unquote(raw)
		if err != nil || !utf8.ValidString(l) || l == "" {
			return fail("the quoted label is not valid: use Go escapes such as \\\" and \\u00e9")
		}
		label, utf8Rules = l, true
	} else {
		p.skip(func(r rune) bool { return !isReserved(r) })
		label = p.s[start:p.i]
		if label == "" {
			return fail("expected a label name, such as service")
		}
		utf8Rules = !isClassicName(label)
	}
	p.skip(unicode.IsSpace)
	var op MatchOp
	for _, o := range []MatchOp{MatchRegexp, MatchNotRegexp, MatchNotEqual, MatchEqual} {
		if strings.HasPrefix(p.s[p.i:], string(o)) {
			op = o
			break
		}
	}
	if op == "" {
		return fail("expected =, !=, =~ or !~ after %q; quote a value that has spaces", label)
	}
	p.i += len(op)
	afterOp := p.i
	p.skip(unicode.IsSpace)

	// The value.
	var value string
	switch r, _ := p.peek(); {
	case p.done() || r == ',' || (p.i > afterOp && !utf8Rules && p.looksLikeMatcher()):
		// `team=` or `team= env=prod`: the empty value, and the next matcher
		if utf8Rules {
			return fail("a value is needed after %s; write \"\" for the empty value", op)
		}
		p.i = afterOp
	case r == '"':
		raw, closed := p.quoted()
		if !closed {
			return fail(`the quoted value is not closed; end it with "`)
		}
		if next, _ := p.peek(); !p.done() && !isSeparator(next) {
			return fail("text after the closing quote; put the whole value inside the quotes")
		}
		if utf8Rules {
			v, err := strconv.Unquote(raw)
			if err != nil || !utf8.ValidString(v) {
				return fail("the quoted value is not valid: use Go escapes such as \\\" \\\\ \\t and valid UTF-8")
			}
			value = v
		} else {
			value = unescapeValue(raw[1 : len(raw)-1])
		}
	default:
		vs := p.i
		p.skip(func(r rune) bool { return !isSeparator(r) })
		raw := p.s[vs:p.i]
		if utf8Rules {
			if i := strings.IndexFunc(raw, isReserved); i >= 0 {
				return fail("%q may not appear unquoted here; quote the value", raw[i:i+1])
			}
			value = raw
		} else {
			if unescapedQuote(raw) {
				return fail(`a quote inside an unquoted value; quote the whole value, writing \" for a quote`)
			}
			value = unescapeValue(raw)
		}
	}
	if !utf8.ValidString(value) {
		return fail("the value is not valid UTF-8")
	}
	m, err := NewMatcher(label, op, value)
	if err != nil {
		return fail("%v", err)
	}
	return m, nil
}

// looksLikeMatcher reports whether the text at the parser's place starts
// with a label and an operator: after `team= ` it is the next matcher, not
// team's value.
func (p *matcherParser) looksLikeMatcher() bool {
	rest := p.s[p.i:]
	end := strings.IndexFunc(rest, isReserved)
	if end <= 0 || !isClassicName(rest[:end]) {
		return false
	}
	rest = strings.TrimLeftFunc(rest[end:], unicode.IsSpace)
	return strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "!=") || strings.HasPrefix(rest, "!~")
}

// unescapeValue undoes a classic value's escapes as Alertmanager does
// (OpenMetrics): \" a quote, \\ a backslash, \n a line feed; any other
// backslash is itself.
func unescapeValue(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			switch raw[i+1] {
			case '"', '\\':
				b.WriteByte(raw[i+1])
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}

// unescapedQuote reports whether an unquoted value has a " not escaped by
// a backslash.
func unescapedQuote(raw string) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return true
		}
	}
	return false
}
