package plan

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// Route maps alerts, by their labels, to a service, team and priority.
type Route struct {
	Name         string            `toml:"name"`
	Match        map[string]string `toml:"match"` // label → "value", "!value", "=~regex" or "!~regex"
	Service      string            `toml:"service,omitempty"`
	Impact       string            `toml:"impact,omitempty"`  // high, medium or low
	Urgency      string            `toml:"urgency,omitempty"` // high, medium or low
	Team         string            `toml:"team,omitempty"`
	AutoIncident bool              `toml:"auto_incident,omitempty"`

	matchers        []matcher
	impact, urgency model.Level
}

// matches reports whether every condition of the route holds.
func (r Route) matches(labels map[string]string) bool {
	for _, m := range r.matchers {
		if !m.matches(labels) {
			return false
		}
	}
	return true
}

// Routing is what the plan's routes decide for one alert.
type Routing struct {
	Routes       []string // names of the matching routes that decided something, in plan order
	Service      string
	Team         string
	Impact       model.Level // zero when no route sets it
	Urgency      model.Level
	AutoIncident bool
}

// RouteAlert applies the routes to an alert's labels. Each matching route
// fills the fields it sets that no earlier route has filled, so one route can
// map a label to a service and another a severity to an impact; AutoIncident
// is set when any matching route asks for it.
func (p *Plan) RouteAlert(labels map[string]string) Routing {
	var out Routing
	for _, r := range p.Routes {
		if !r.matches(labels) {
			continue
		}
		before := out
		out.Service = firstSet(out.Service, r.Service)
		out.Team = firstSet(out.Team, r.Team)
		out.Impact = firstSet(out.Impact, r.impact)
		out.Urgency = firstSet(out.Urgency, r.urgency)
		out.AutoIncident = out.AutoIncident || r.AutoIncident
		if out.Service != before.Service || out.Team != before.Team || out.Impact != before.Impact ||
			out.Urgency != before.Urgency || out.AutoIncident != before.AutoIncident {
			out.Routes = append(out.Routes, r.Name)
		}
	}
	return out
}

// firstSet keeps the first value set.
func firstSet[T comparable](have, next T) T {
	var zero T
	if have != zero {
		return have
	}
	return next
}

// matcher is one label condition of a route.
type matcher struct {
	label  string
	value  string
	re     *regexp.Regexp // for =~ and !~
	negate bool
}

// parseMatcher reads a condition: "value" (equal), "!value" (not equal),
// "=~regex" (matches) or "!~regex" (does not match). As in Alertmanager, a
// regex must match the whole value, and an absent label has the value "".
func parseMatcher(label, cond string) (matcher, error) {
	m := matcher{label: label}
	switch {
	case strings.HasPrefix(cond, "=~"), strings.HasPrefix(cond, "!~"):
		m.negate = cond[0] == '!'
		expr := cond[2:]
		if _, err := regexp.Compile(expr); err != nil {
			var se *syntax.Error
			if errors.As(err, &se) {
				err = errors.New(string(se.Code))
			}
			return m, fmt.Errorf("%q is not a valid regular expression (%v); fix it using Go RE2 syntax", expr, err)
		}
		m.re = regexp.MustCompile("^(?:" + expr + ")$")
	case strings.HasPrefix(cond, "!"):
		m.negate, m.value = true, cond[1:]
	default:
		m.value = cond
	}
	return m, nil
}

func (m matcher) matches(labels map[string]string) bool {
	v := labels[m.label]
	ok := v == m.value
	if m.re != nil {
		ok = m.re.MatchString(v)
	}
	return ok != m.negate
}

// routeMatchers parses a route's conditions in label order, so problems
// and evaluation are deterministic.
func (c *checker) routeMatchers(path string, match map[string]string) []matcher {
	var out []matcher
	for _, label := range slices.Sorted(maps.Keys(match)) {
		m, err := parseMatcher(label, match[label])
		if err != nil {
			c.add(join(path, label), "%v", err)
			continue
		}
		out = append(out, m)
	}
	return out
}
