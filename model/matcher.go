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
func (m Matcher) Matches(labels map[string]string) bool {
	v := labels[m.Label]
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

// ParseMatchers reads the matcher list people type into a silence form:
// `service=checkout, alertname=~"High.*"`, optionally inside {…}. Values may
// be quoted (needed for commas); operators are =, !=, =~ and !~.
func ParseMatchers(s string) ([]Matcher, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	var out []Matcher
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != '!' && s[i] != ',' {
			i++
		}
		label := strings.TrimSpace(s[start:i])
		var op MatchOp
		switch {
		case strings.HasPrefix(s[i:], "=~"):
			op = MatchRegexp
		case strings.HasPrefix(s[i:], "!~"):
			op = MatchNotRegexp
		case strings.HasPrefix(s[i:], "!="):
			op = MatchNotEqual
		case strings.HasPrefix(s[i:], "="):
			op = MatchEqual
		default:
			return nil, fmt.Errorf("matcher %q: expected =, !=, =~ or !~ after the label", strings.TrimSpace(s[start:]))
		}
		i += len(op)
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var value string
		if i < len(s) && s[i] == '"' {
			end := i + 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, fmt.Errorf("matcher %q: the quoted value is not closed", s[start:])
			}
			v, err := strconv.Unquote(s[i : end+1])
			if err != nil {
				return nil, fmt.Errorf("matcher %q: %v", s[start:end+1], err)
			}
			value, i = v, end+1
		} else {
			vs := i
			for i < len(s) && s[i] != ',' {
				i++
			}
			value = strings.TrimSpace(s[vs:i])
		}
		m, err := NewMatcher(label, op, value)
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
