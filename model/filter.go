package model

import (
	"fmt"
	"slices"
	"strings"
)

// Filter is a filter line as the console's "/" prompt and the CLI's
// --filter read it: terms separated by spaces, every one of which must
// hold (AND):
//
//	checkout        a word: appears in the record's text (ref, title or
//	                name, service, summary, assignee, team)
//	label=value     a label (alerts) or field (incidents) condition, with
//	                the matcher operators =, !=, =~ and !~ as in
//	                Alertmanager; a value with spaces is quoted
//	is:firing       a condition (the feed's and the queue's differ)
//	p1 … p5         priorities (incidents); several mean any of them
//
// Terms are parsed once, here, for the console's feed and queue and for
// `hypercare list`, so they mean the same everywhere.
type Filter struct {
	Words      []string
	Matchers   []Matcher
	Is         []string // lower case, without "is:"
	Priorities []Priority
}

// ParseFilter reads a filter line. An error names the term and what to write.
func ParseFilter(text string) (Filter, error) {
	var f Filter
	terms, err := filterTerms(text)
	if err != nil {
		return f, err
	}
	for _, t := range terms {
		lt := strings.ToLower(t)
		switch {
		case strings.HasPrefix(lt, "is:"):
			if lt == "is:" {
				return f, fmt.Errorf("%s: say which condition, e.g. is:firing", t)
			}
			f.Is = append(f.Is, lt[3:])
		case len(lt) == 2 && lt[0] == 'p' && lt[1] >= '0' && lt[1] <= '9':
			if lt[1] < '1' || lt[1] > '5' {
				return f, fmt.Errorf("%s: priorities are p1 to p5", t)
			}
			f.Priorities = append(f.Priorities, Priority(lt[1]-'0'))
		case isMatcherTerm(t):
			ms, err := ParseMatchers(t)
			if err != nil {
				return f, err
			}
			f.Matchers = append(f.Matchers, ms...)
		default:
			f.Words = append(f.Words, t)
		}
	}
	return f, nil
}

// filterTerms splits a line at spaces, except inside double quotes
// (service="order api"); an unclosed quote is an error.
func filterTerms(text string) ([]string, error) {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\\' && quoted && i+1 < len(text):
			cur.WriteByte(c)
			i++
			c = text[i]
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t' || c == '\n'):
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteByte(c)
	}
	if quoted {
		return nil, fmt.Errorf("%s: the quote is not closed; end it with \"", cur.String())
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, nil
}

// isMatcherTerm reports whether a term is label OP value: a label name
// followed by =, !=, =~ or !~. Anything else ("a=b" inside a URL, "=x")
// stays a word.
func isMatcherTerm(t string) bool {
	end := strings.IndexFunc(t, isReserved)
	if end <= 0 || !isClassicName(t[:end]) {
		return false
	}
	rest := t[end:]
	return strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "!=") || strings.HasPrefix(rest, "!~")
}

// IncidentFields are the incident fields a filter's label terms compare.
var IncidentFields = []string{"service", "category", "team", "assignee", "kind"}

// ParseQueueFilter reads the queue's filter (see Filter) for me, the
// operator asking: words, p1 … p5, field terms on IncidentFields
// (service=checkout, category!=network, team=~"db.*") and
//
//	is:risk  at risk of its SLA       is:major       major incidents
//	is:mine  assigned to me           is:unassigned  nobody assigned
//	is:new, is:progress, is:hold      those states
//
// Several priorities, or several states, mean any of them ("p1 p2");
// every other term must hold. An unknown term is an error that lists the
// known ones.
func ParseQueueFilter(text, me string) (QueueQuery, error) {
	var q QueueQuery
	f, err := ParseFilter(text)
	if err != nil {
		return q, err
	}
	states := map[string]IncidentState{"new": StateNew, "progress": StateInProgress, "hold": StateOnHold}
	for _, c := range f.Is {
		switch {
		case c == "risk":
			q.AtRisk = true
		case c == "major":
			q.Major = true
		case c == "mine":
			if me == "" {
				return q, fmt.Errorf("is:mine: nobody is named here; say who you are (--as NAME)")
			}
			q.Assignee = me
		case c == "unassigned":
			q.Unassigned = true
		case states[c] != "":
			q.States = append(q.States, states[c])
		default:
			return q, fmt.Errorf("is:%s: unknown; use is:risk, is:major, is:mine, is:unassigned, is:new, is:progress or is:hold", c)
		}
	}
	for _, m := range f.Matchers {
		if !slices.Contains(IncidentFields, m.Label) {
			return q, fmt.Errorf("%s: incidents are filtered by %s", m, orList(IncidentFields))
		}
	}
	q.Filter, q.Fields, q.Priorities = strings.Join(f.Words, " "), f.Matchers, f.Priorities
	return q, nil
}

// ParseFeedFilter reads the feed's filter (see Filter): words, label
// terms on the alerts' labels (service compares the alert's service),
// is:firing and the FeedConditions (is:acked, is:silenced, …).
func ParseFeedFilter(text string) (FeedQuery, error) {
	var q FeedQuery
	f, err := ParseFilter(text)
	if err != nil {
		return q, err
	}
	if len(f.Priorities) > 0 {
		return q, fmt.Errorf("%s: alerts have severities, not priorities; filter incidents by priority", f.Priorities[0])
	}
	for _, c := range f.Is {
		switch {
		case c == "firing":
			q.Firing = true
		case slices.Contains(FeedConditions, c):
			if !slices.Contains(q.Only, c) {
				q.Only = append(q.Only, c)
			}
		default:
			return q, fmt.Errorf("is:%s: unknown; use is:firing or is:%s", c, strings.Join(FeedConditions, ", is:"))
		}
	}
	q.Filter, q.Labels = strings.Join(f.Words, " "), f.Matchers
	return q, nil
}
