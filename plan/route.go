package plan

import (
	"maps"
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

	matchers        []model.Matcher
	impact, urgency model.Level
}

// matches reports whether every condition of the route holds.
func (r Route) matches(labels map[string]string) bool { return model.MatchAll(r.matchers, labels) }

// Routing is model.Routing: the service layer applies it.
type Routing = model.Routing

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

// parseMatcher reads a route condition: "value" (equal), "!value" (not
// equal), "=~regex" (matches) or "!~regex" (does not match). The rules are
// model.Matcher's, shared with silences.
func parseMatcher(label, cond string) (model.Matcher, error) {
	switch {
	case strings.HasPrefix(cond, "=~"):
		return model.NewMatcher(label, model.MatchRegexp, cond[2:])
	case strings.HasPrefix(cond, "!~"):
		return model.NewMatcher(label, model.MatchNotRegexp, cond[2:])
	case strings.HasPrefix(cond, "!"):
		return model.NewMatcher(label, model.MatchNotEqual, cond[1:])
	}
	return model.NewMatcher(label, model.MatchEqual, cond)
}

// routeMatchers parses a route's conditions in label order, so problems
// and evaluation are deterministic.
func (c *checker) routeMatchers(path string, match map[string]string) []model.Matcher {
	var out []model.Matcher
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
