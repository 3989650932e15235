package model

import (
	"reflect"
	"strings"
	"testing"
)

// The one filter grammar, as the console's feed and queue and `hypercare
// list --filter` read it: every term must hold.
func TestParseFilter(t *testing.T) {
	m := func(l string, op MatchOp, v string) Matcher { return Matcher{Label: l, Op: op, Value: v} }
	tests := []struct {
		in   string
		want Filter
		err  string
	}{
		{"", Filter{}, ""},
		{"HighLatency checkout", Filter{Words: []string{"HighLatency", "checkout"}}, ""},
		{"  disk   full ", Filter{Words: []string{"disk", "full"}}, ""},
		{"env=prod team=web", Filter{Matchers: []Matcher{m("env", MatchEqual, "prod"), m("team", MatchEqual, "web")}}, ""},
		{`env!=prod pod=~"api-.*" team!~db`, Filter{Matchers: []Matcher{m("env", MatchNotEqual, "prod"), m("pod", MatchRegexp, "api-.*"), m("team", MatchNotRegexp, "db")}}, ""},
		{`summary="disk full" orders`, Filter{Words: []string{"orders"}, Matchers: []Matcher{m("summary", MatchEqual, "disk full")}}, ""},
		{"is:Firing is:acked", Filter{Is: []string{"firing", "acked"}}, ""},
		{"P1 p3", Filter{Priorities: []Priority{1, 3}}, ""},
		{"pa p", Filter{Words: []string{"pa", "p"}}, ""},
		{"https://x?a=b =x", Filter{Words: []string{"https://x?a=b", "=x"}}, ""},
		{"INC-42 service=orders is:risk p2 slow", Filter{Words: []string{"INC-42", "slow"}, Matchers: []Matcher{m("service", MatchEqual, "orders")}, Is: []string{"risk"}, Priorities: []Priority{2}}, ""},
		{"p0", Filter{}, "p0: priorities are p1 to p5"},
		{"is:", Filter{}, "say which condition"},
		{`env="prod`, Filter{}, "quote is not closed"},
		{`pod=~"(" x`, Filter{}, "not a valid regular expression"},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseFilter(%q) = %+v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		for i := range got.Matchers {
			got.Matchers[i].re = nil // compiled form, not compared
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseFeedFilter(t *testing.T) {
	tests := []struct {
		in   string
		want string // FeedQuery as %+v without matchers' compiled form
		err  string
	}{
		{"disk full", "disk full|false|[]|[]", ""},
		{"is:acked is:flapping checkout", "checkout|false|[acked flapping]|[]", ""},
		{"is:firing env=prod service=checkout", `|true|[]|[env="prod" service="checkout"]`, ""},
		{"is:bogus", "", "is:bogus: unknown; use is:firing or is:acked"},
		{"p1", "", "alerts have severities"},
	}
	for _, tt := range tests {
		q, err := ParseFeedFilter(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseFeedFilter(%q) err = %v; want %q", tt.in, err, tt.err)
			}
			continue
		}
		ms := make([]string, len(q.Labels))
		for i, m := range q.Labels {
			ms[i] = m.String()
		}
		got := q.Filter + "|" + map[bool]string{true: "true", false: "false"}[q.Firing] + "|" + "[" + strings.Join(q.Only, " ") + "]|[" + strings.Join(ms, " ") + "]"
		if err != nil || got != tt.want {
			t.Errorf("ParseFeedFilter(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}
