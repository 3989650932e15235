package model

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ProblemState is where a problem record is in its flow: the cause behind
// one or more incidents is assessed, analysed, fixed and closed.
type ProblemState string

// Problem states, in flow order.
const (
	ProblemNew      ProblemState = "new"
	ProblemAssess   ProblemState = "assess"
	ProblemRCA      ProblemState = "rca"
	ProblemFixing   ProblemState = "fix_in_progress"
	ProblemResolved ProblemState = "resolved"
	ProblemClosed   ProblemState = "closed"
)

// ProblemStates lists every state in flow order.
var ProblemStates = []ProblemState{ProblemNew, ProblemAssess, ProblemRCA, ProblemFixing, ProblemResolved, ProblemClosed}

// Label is the human spelling of a problem state.
func (s ProblemState) Label() string {
	switch s {
	case ProblemRCA:
		return "RCA"
	case ProblemFixing:
		return "Fix in progress"
	case "":
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Open reports whether the problem still needs work: neither resolved nor closed.
func (s ProblemState) Open() bool { return s != ProblemResolved && s != ProblemClosed }

// problemTransitions lists the legal moves of the problem flow. It runs
// forward one step at a time; a resolved problem whose fix did not hold goes
// back to RCA.
var problemTransitions = map[ProblemState][]ProblemState{
	ProblemNew:      {ProblemAssess},
	ProblemAssess:   {ProblemRCA},
	ProblemRCA:      {ProblemFixing},
	ProblemFixing:   {ProblemResolved},
	ProblemResolved: {ProblemClosed, ProblemRCA},
}

// NextProblemStates lists the states a problem may move to from s.
func NextProblemStates(s ProblemState) []ProblemState { return slices.Clone(problemTransitions[s]) }

// CheckProblemTransition says whether a problem may move from one state to
// another, and if not, which moves it may make.
func CheckProblemTransition(from, to ProblemState) error {
	next := problemTransitions[from]
	if slices.Contains(next, to) {
		return nil
	}
	if len(next) == 0 {
		return fmt.Errorf("a %s problem cannot change state", from.Label())
	}
	names := make([]string, len(next))
	for i, s := range next {
		names[i] = s.Label()
	}
	return fmt.Errorf("cannot move from %s to %s: it can go to %s", from.Label(), to.Label(), orList(names))
}

// MaxWhys is how many lines the "5 whys" of an RCA hold.
const MaxWhys = 5

// RCA is a problem's root cause analysis.
type RCA struct {
	Timeline string   `json:"timeline,omitzero"` // what happened when, free text
	Whys     []string `json:"whys,omitzero"`     // the 5 whys, at most MaxWhys lines
	Factors  string   `json:"factors,omitzero"`  // contributing factors
}

// KnownError is what is known about a problem's fault while it is not fixed:
// how to recognise it, why it happens, and how to get around it.
type KnownError struct {
	Symptom    string `json:"symptom,omitzero"`
	RootCause  string `json:"root_cause,omitzero"`
	Workaround string `json:"workaround,omitzero"`
	// Article is the knowledge base article it was published as; 0 until
	// it is published.
	Article int64 `json:"article,omitzero"`
}

// Empty reports whether nothing of the known error is recorded.
func (k KnownError) Empty() bool { return k.Symptom == "" && k.RootCause == "" && k.Workaround == "" }

// Problem is a problem record: the cause behind incidents, with its RCA and
// known error.
type Problem struct {
	ID          int64        `json:"id"`
	Title       string       `json:"title"`
	Service     string       `json:"service"`
	Category    string       `json:"category"`
	State       ProblemState `json:"state"`
	Owner       string       `json:"owner,omitzero"`
	Description string       `json:"description,omitzero"`
	CreatedAt   time.Time    `json:"created_at,omitzero"`
	UpdatedAt   time.Time    `json:"updated_at,omitzero"`
	ResolvedAt  time.Time    `json:"resolved_at,omitzero"`
	RCA         RCA          `json:"rca,omitzero"`
	KnownError  KnownError   `json:"known_error,omitzero"`

	// Filled by readers: how many incidents are linked to it and how many
	// of its RCA actions are not done.
	Incidents   int `json:"incidents"`
	OpenActions int `json:"open_actions"`
}

// Ref is the problem identifier: PRB-7.
func (p Problem) Ref() string { return fmt.Sprintf("PRB-%d", p.ID) }

// KnownErrorSlug is the knowledge base slug a problem's known error is
// published under; publishing again updates the same article.
func (p Problem) KnownErrorSlug() string { return fmt.Sprintf("known-error-prb-%d", p.ID) }

// ProblemAction is one follow-up action of an RCA.
type ProblemAction struct {
	ID        int64     `json:"id"`
	ProblemID int64     `json:"problem_id"`
	Text      string    `json:"text"`
	Owner     string    `json:"owner,omitzero"`
	Due       time.Time `json:"due,omitzero"`
	Done      bool      `json:"done"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Overdue reports whether an action not done is past its due date at now.
func (a ProblemAction) Overdue(now time.Time) bool {
	return !a.Done && !a.Due.IsZero() && now.After(a.Due)
}

// WaitingOnProblem picks the incidents that are on hold waiting for a
// problem (hold reason "awaiting_problem"): the ones to resolve when it is.
func WaitingOnProblem(incidents []Incident) []Incident {
	var out []Incident
	for _, in := range incidents {
		if in.State == StateOnHold && in.HoldReason == "awaiting_problem" {
			out = append(out, in)
		}
	}
	return out
}

// ProblemSuggestion is a set of incidents the recurrence rule says deserve a
// problem record.
type ProblemSuggestion struct {
	Service   string  `json:"service"`
	Category  string  `json:"category"`
	Incidents []int64 `json:"incidents"` // oldest first
	// P1 is set when the suggestion is one P1 incident rather than a recurrence.
	P1 bool `json:"p1,omitzero"`
}

// Reason says why the problem is suggested, in words.
func (s ProblemSuggestion) Reason() string {
	if s.P1 {
		return fmt.Sprintf("INC-%d is a P1: every P1 deserves a root cause analysis", s.Incidents[0])
	}
	return fmt.Sprintf("%d %s incidents on %s within %s", len(s.Incidents), s.Category, s.Service, spanWords(RecurrenceWithin))
}

// Refs lists the suggested incidents as references: "INC-3 INC-5 INC-9".
func (s ProblemSuggestion) Refs() string {
	refs := make([]string, len(s.Incidents))
	for i, id := range s.Incidents {
		refs[i] = fmt.Sprintf("INC-%d", id)
	}
	return strings.Join(refs, " ")
}

func spanWords(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// SuggestProblems applies the recurrence rule at now: RecurrenceCount or
// more incidents on the same service and category opened within the last
// RecurrenceWithin, or any P1 that is open or was opened in that time,
// suggest opening a problem. Incidents already linked to a problem, merged
// as duplicates or cancelled, and requests, never count. A P1 that is part
// of a recurrence is suggested with it, not on its own. Recurrences come
// first, most incidents first; then P1s, oldest first.
func SuggestProblems(records []Incident, now time.Time) []ProblemSuggestion {
	since := now.Add(-RecurrenceWithin)
	type pair struct{ service, category string }
	groups := map[pair][]Incident{}
	var p1s []Incident
	for _, in := range records {
		if in.Kind == KindRequest || in.ProblemID != 0 || in.MergedInto != 0 || in.State == StateCancelled || in.OpenedAt.After(now) {
			continue
		}
		recent := !in.OpenedAt.Before(since)
		if recent {
			k := pair{in.Service, in.Category}
			groups[k] = append(groups[k], in)
		}
		if in.Priority == 1 && (recent || in.State.Open()) {
			p1s = append(p1s, in)
		}
	}
	byAge := func(a, b Incident) int { return cmp.Or(a.OpenedAt.Compare(b.OpenedAt), cmp.Compare(a.ID, b.ID)) }
	var out []ProblemSuggestion
	grouped := map[int64]bool{}
	for k, list := range groups {
		if len(list) < RecurrenceCount {
			continue
		}
		slices.SortFunc(list, byAge)
		s := ProblemSuggestion{Service: k.service, Category: k.category}
		for _, in := range list {
			s.Incidents = append(s.Incidents, in.ID)
			grouped[in.ID] = true
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b ProblemSuggestion) int {
		return cmp.Or(len(b.Incidents)-len(a.Incidents), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Category, b.Category))
	})
	slices.SortFunc(p1s, byAge)
	for _, in := range p1s {
		if !grouped[in.ID] {
			out = append(out, ProblemSuggestion{Service: in.Service, Category: in.Category, Incidents: []int64{in.ID}, P1: true})
		}
	}
	return out
}

// SuggestionFor finds the suggestion an incident belongs to.
func SuggestionFor(list []ProblemSuggestion, incidentID int64) (ProblemSuggestion, bool) {
	for _, s := range list {
		if slices.Contains(s.Incidents, incidentID) {
			return s, true
		}
	}
	return ProblemSuggestion{}, false
}
