package model

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
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

func (m Matcher) String() string { return fmt.Sprintf("%s%s%q", m.Label, m.Op, m.Value) }

// MatchAll reports whether every matcher holds.
func MatchAll(ms []Matcher, labels map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// ParseMatchers reads matchers the way Alertmanager and amtool write them:
// `alertname=HighLatency service!~"noti.*"`, `{service="checkout",
// env="prod"}`. Matchers are separated by commas or spaces; the operators
// are =, !=, =~ and !~; a value is quoted (Go string escapes) or runs to
// the next comma, space or closing brace; `label=` matches an absent or
// empty label. An error names the matcher by its place and what to fix.
func ParseMatchers(s string) ([]Matcher, error) {
	p := matcherParser{s: strings.TrimSpace(s)}
	if strings.HasPrefix(p.s, "{") {
		if !strings.HasSuffix(p.s, "}") {
			return nil, errors.New(`matchers: "{" is not closed; end the list with "}"`)
		}
		p.s = p.s[1 : len(p.s)-1]
	}
	var out []Matcher
	for {
		p.skip(" \t\n,")
		if p.done() {
			break
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

func (p *matcherParser) skip(chars string) {
	for p.i < len(p.s) && strings.IndexByte(chars, p.s[p.i]) >= 0 {
		p.i++
	}
}

// rest is what is left of the input from start, cut short for messages.
func (p *matcherParser) rest(start int) string {
	r := p.s[start:]
	if end := strings.IndexAny(r, " ,"); end > 0 && end < 40 {
		r = r[:end]
	}
	if len(r) > 40 {
		r = r[:40] + "…"
	}
	return r
}

func (p *matcherParser) matcher(n int) (Matcher, error) {
	start := p.i
	fail := func(format string, args ...any) (Matcher, error) {
		return Matcher{}, fmt.Errorf("matcher %d (%s): %s", n, p.rest(start), fmt.Sprintf(format, args...))
	}
	for p.i < len(p.s) && isLabelByte(p.s[p.i], p.i == start) {
		p.i++
	}
	label := p.s[start:p.i]
	if label == "" {
		return fail("expected a label name (letters, digits and _, not starting with a digit)")
	}
	p.skip(" \t")
	var op MatchOp
	for _, o := range []MatchOp{MatchRegexp, MatchNotRegexp, MatchNotEqual, MatchEqual} {
		if strings.HasPrefix(p.s[p.i:], string(o)) {
			op = o
			break
		}
	}
	if op == "" {
		return fail("expected =, !=, =~ or !~ after %q", label)
	}
	p.i += len(op)
	afterOp := p.i
	p.skip(" \t")
	var value string
	if p.i < len(p.s) && p.s[p.i] == '"' {
		end := p.i + 1
		for end < len(p.s) && p.s[end] != '"' {
			if p.s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(p.s) {
			return fail("the quoted value is not closed; end it with \"")
		}
		v, err := strconv.Unquote(p.s[p.i : end+1])
		if err != nil {
			return fail("the quoted value: %v", err)
		}
		value, p.i = v, end+1
	} else {
		vs := p.i
		for p.i < len(p.s) && strings.IndexByte(" \t\n,", p.s[p.i]) < 0 {
			if p.s[p.i] == '"' {
				return fail("a quote inside an unquoted value; quote the whole value")
			}
			p.i++
		}
		value = p.s[vs:p.i]
		if vs > afterOp && strings.ContainsAny(value, "=~") {
			// `team= env=prod`: the next matcher, not a value
			value, p.i = "", afterOp
		}
	}
	m, err := NewMatcher(label, op, value)
	if err != nil {
		return fail("%v", err)
	}
	return m, nil
}

// isLabelByte reports whether b may appear in a label name (Prometheus:
// [a-zA-Z_][a-zA-Z0-9_]*).
func isLabelByte(b byte, first bool) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (!first && b >= '0' && b <= '9')
}
