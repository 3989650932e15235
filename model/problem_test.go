package model

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestProblemTransitions(t *testing.T) {
	tests := []struct {
		from, to ProblemState
		ok       bool
		why      string // part of the refusal
	}{
		{ProblemNew, ProblemAssess, true, ""},
		{ProblemAssess, ProblemRCA, true, ""},
		{ProblemRCA, ProblemFixing, true, ""},
		{ProblemFixing, ProblemResolved, true, ""},
		{ProblemResolved, ProblemClosed, true, ""},
		{ProblemResolved, ProblemRCA, true, ""}, // the fix did not hold
		{ProblemNew, ProblemRCA, false, "it can go to Assess"},
		{ProblemNew, ProblemClosed, false, "cannot move from New to Closed"},
		{ProblemAssess, ProblemResolved, false, "it can go to RCA"},
		{ProblemRCA, ProblemResolved, false, "it can go to Fix in progress"},
		{ProblemFixing, ProblemClosed, false, "it can go to Resolved"},
		{ProblemFixing, ProblemRCA, false, "from Fix in progress to RCA"},
		{ProblemResolved, ProblemNew, false, "it can go to Closed or RCA"},
		{ProblemClosed, ProblemRCA, false, "a Closed problem cannot change state"},
		{ProblemClosed, ProblemClosed, false, "cannot change state"},
		{ProblemAssess, ProblemAssess, false, "from Assess to Assess"},
	}
	for _, tt := range tests {
		err := CheckProblemTransition(tt.from, tt.to)
		if (err == nil) != tt.ok {
			t.Errorf("%s → %s: err = %v, want ok=%v", tt.from, tt.to, err, tt.ok)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.why) {
			t.Errorf("%s → %s: err = %q, want it to say %q", tt.from, tt.to, err, tt.why)
		}
	}
	for _, s := range ProblemStates {
		for _, next := range NextProblemStates(s) {
			if err := CheckProblemTransition(s, next); err != nil {
				t.Errorf("NextProblemStates(%s) offers %s, which is refused: %v", s, next, err)
			}
		}
	}
	if got := ProblemFixing.Label(); got != "Fix in progress" {
		t.Errorf("label = %q", got)
	}
}

func TestSuggestProblems(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ago := func(days float64) time.Time { return now.Add(-time.Duration(days * 24 * float64(time.Hour))) }
	inc := func(id int64, service, category string, p Priority, opened time.Time) Incident {
		return Incident{ID: id, Kind: KindIncident, Service: service, Category: category, Priority: p, State: StateInProgress, OpenedAt: opened}
	}
	with := func(in Incident, f func(*Incident)) Incident { f(&in); return in }
	tests := []struct {
		name string
		in   []Incident
		want []ProblemSuggestion
	}{
		{"nothing", nil, nil},
		{"two recurrences are not enough", []Incident{
			inc(1, "checkout", "availability", 3, ago(1)), inc(2, "checkout", "availability", 3, ago(2)),
		}, nil},
		{"three in a week", []Incident{
			inc(3, "checkout", "availability", 3, ago(6)), inc(1, "checkout", "availability", 3, ago(1)), inc(2, "checkout", "availability", 4, ago(2)),
		}, []ProblemSuggestion{{Service: "checkout", Category: "availability", Incidents: []int64{3, 2, 1}}}},
		{"one of three is older than the week", []Incident{
			inc(1, "checkout", "availability", 3, ago(8)), inc(2, "checkout", "availability", 3, ago(2)), inc(3, "checkout", "availability", 3, ago(1)),
		}, nil},
		{"same service, other categories", []Incident{
			inc(1, "checkout", "availability", 3, ago(1)), inc(2, "checkout", "performance", 3, ago(1)), inc(3, "checkout", "data", 3, ago(1)),
		}, nil},
		{"same category, other services", []Incident{
			inc(1, "checkout", "data", 3, ago(1)), inc(2, "search", "data", 3, ago(1)), inc(3, "orders", "data", 3, ago(1)),
		}, nil},
		{"linked, merged, cancelled and requests do not count", []Incident{
			inc(1, "checkout", "data", 3, ago(1)), inc(2, "checkout", "data", 3, ago(1)),
			with(inc(3, "checkout", "data", 3, ago(1)), func(in *Incident) { in.ProblemID = 4 }),
			with(inc(4, "checkout", "data", 3, ago(1)), func(in *Incident) { in.MergedInto = 1 }),
			with(inc(5, "checkout", "data", 3, ago(1)), func(in *Incident) { in.State = StateCancelled }),
			with(inc(6, "checkout", "data", 3, ago(1)), func(in *Incident) { in.Kind = KindRequest }),
		}, nil},
		{"resolved incidents still recur", []Incident{
			with(inc(1, "orders", "batch", 3, ago(5)), func(in *Incident) { in.State = StateResolved }),
			with(inc(2, "orders", "batch", 3, ago(4)), func(in *Incident) { in.State = StateClosed }),
			inc(3, "orders", "batch", 3, ago(0)),
		}, []ProblemSuggestion{{Service: "orders", Category: "batch", Incidents: []int64{1, 2, 3}}}},
		{"any P1", []Incident{inc(9, "payments", "availability", 1, ago(0.5))},
			[]ProblemSuggestion{{Service: "payments", Category: "availability", Incidents: []int64{9}, P1: true}}},
		{"an old P1 still open", []Incident{inc(9, "payments", "availability", 1, ago(30))},
			[]ProblemSuggestion{{Service: "payments", Category: "availability", Incidents: []int64{9}, P1: true}}},
		{"an old P1 long resolved", []Incident{with(inc(9, "payments", "availability", 1, ago(30)), func(in *Incident) { in.State = StateResolved })}, nil},
		{"a P1 already linked", []Incident{with(inc(9, "payments", "availability", 1, ago(1)), func(in *Incident) { in.ProblemID = 2 })}, nil},
		{"a P1 in a recurrence is suggested with it; bigger groups first", []Incident{
			inc(1, "search", "data", 3, ago(3)), inc(2, "search", "data", 3, ago(2)), inc(3, "search", "data", 3, ago(1)),
			inc(4, "checkout", "availability", 1, ago(3)), inc(5, "checkout", "availability", 3, ago(2)),
			inc(6, "checkout", "availability", 3, ago(1)), inc(7, "checkout", "availability", 2, ago(0)),
			inc(8, "identity", "security", 1, ago(2)),
		}, []ProblemSuggestion{
			{Service: "checkout", Category: "availability", Incidents: []int64{4, 5, 6, 7}},
			{Service: "search", Category: "data", Incidents: []int64{1, 2, 3}},
			{Service: "identity", Category: "security", Incidents: []int64{8}, P1: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SuggestProblems(tt.in, now)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("SuggestProblems:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSuggestionWords(t *testing.T) {
	rec := ProblemSuggestion{Service: "checkout", Category: "availability", Incidents: []int64{3, 5, 9}}
	if got, want := rec.Reason(), "3 availability incidents on checkout within 7 days"; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
	if got := rec.Refs(); got != "INC-3 INC-5 INC-9" {
		t.Errorf("Refs = %q", got)
	}
	p1 := ProblemSuggestion{Incidents: []int64{7}, P1: true}
	if got := p1.Reason(); !strings.HasPrefix(got, "INC-7 is a P1") {
		t.Errorf("Reason = %q", got)
	}
	if s, ok := SuggestionFor([]ProblemSuggestion{p1, rec}, 5); !ok || s.Service != "checkout" {
		t.Errorf("SuggestionFor(5) = %+v, %v", s, ok)
	}
	if _, ok := SuggestionFor([]ProblemSuggestion{p1, rec}, 6); ok {
		t.Error("SuggestionFor(6) found a suggestion")
	}
}

func TestWaitingOnProblem(t *testing.T) {
	list := []Incident{
		{ID: 1, State: StateOnHold, HoldReason: "awaiting_problem"},
		{ID: 2, State: StateOnHold, HoldReason: "awaiting_vendor"},
		{ID: 3, State: StateInProgress},
		{ID: 4, State: StateOnHold, HoldReason: "awaiting_problem"},
	}
	got := WaitingOnProblem(list)
	if len(got) != 2 || got[0].ID != 1 || got[1].ID != 4 {
		t.Fatalf("WaitingOnProblem = %+v", got)
	}
}

func TestKnownErrorArticle(t *testing.T) {
	p := Problem{ID: 7, Title: "Cart lost on deploy", Service: "checkout", Category: "availability", State: ProblemFixing,
		KnownError: KnownError{Symptom: "Baskets empty after a deploy.", Workaround: "Drain sessions first."}}
	a := KnownErrorArticle(p)
	if a.Slug != "known-error-prb-7" || a.Kind != ArticleKnownError || a.State != ArticlePublished || a.Service != "checkout" {
		t.Fatalf("article = %+v", a)
	}
	for _, want := range []string{"# Known error: Cart lost on deploy", "PRB-7 (Fix in progress)", "## Symptom\n\nBaskets empty after a deploy.",
		"## Root cause\n\n_still under investigation_", "## Workaround\n\nDrain sessions first."} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, a.Body)
		}
	}
}
