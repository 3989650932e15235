package model

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Metrics are the service figures of a window of time [Since, Until): what
// was opened and resolved in it, how fast, how well against the SLA, how
// often things came back, and what is still open at its end. Incidents and
// requests count together, except in Attainment, where incidents are split
// by priority and requests have a row of their own.
type Metrics struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Opened and Resolved count the records opened and resolved in the
	// window; Resolved includes duplicates, since they leave the backlog too.
	Opened   int `json:"opened"`
	Resolved int `json:"resolved"`
	// Duplicates is how many of Resolved were duplicates: merged into
	// another incident or resolved with code "duplicate". Their resolution
	// is the other record's, so MTTR, Attainment, Reopened and Satisfaction
	// leave them out.
	Duplicates int `json:"duplicates"`
	// MTTA is the mean time from opening to the first acknowledgement, over
	// the records acknowledged in the window (cancelled ones left out: they
	// were logged by mistake). MTTR is the mean time from opening to
	// resolution, over the records resolved in the window. Both are wall-clock
	// time, holds included: it is what the caller waited.
	MTTA Mean `json:"mtta"`
	MTTR Mean `json:"mttr"`
	// Attainment is, per group, how many records met their resolve target:
	// P1…P5 (incidents), requests, and all. It counts the records resolved
	// in the window, and the ones still open at its end whose resolve due
	// time has already passed, as misses: they will miss it whatever
	// happens. Records without a target are left out.
	Attainment []Attainment `json:"attainment"`
	// Flow is opened and resolved per calendar day, in the plan timezone.
	Flow []DayFlow `json:"flow"`
	// Reopened is how many of the records resolved in the window had been
	// reopened at least once before.
	Reopened Ratio `json:"reopened"`
	// Satisfaction (CSAT) averages the ratings recorded on the records
	// resolved in the window; records resolved without a rating are left out.
	Satisfaction Average `json:"satisfaction"`
	// Recurring lists the service and category pairs with RecurrenceCount
	// or more incidents opened within RecurrenceWithin of each other, all
	// in the window and none yet linked to a problem: candidates for a
	// problem record.
	Recurring []Recurrence `json:"recurring"`
	// Open is what is open at the end of the window.
	Open OpenCounts `json:"open"`
	// Changes are the change figures (ComputeChangeMetrics), filled by
	// ReadMetrics.
	Changes ChangeMetrics `json:"changes"`
	// Training is how many of the required readings (roster × articles
	// required of their role, Training.Completion) are done in the version
	// in force, at the end of the window. Filled by ReadMetrics.
	Training Ratio `json:"training"`
	// Downtime is, per service, how long in the window it was down: the
	// union of its open P1/P2 availability incidents (opened to resolved),
	// so two incidents about one outage count it once.
	Downtime map[string]time.Duration `json:"downtime,omitempty"`
	// TopCategories are the incident categories opened most in the window,
	// most first (at most TopCategoriesCounted); Runbooks counts how many of
	// them have a published article for them. Filled by ReadMetrics.
	TopCategories []CategoryCount `json:"top_categories,omitempty"`
	Runbooks      Ratio           `json:"runbooks"`
}

// TopCategoriesCounted is how many of the most frequent incident
// categories the runbook coverage looks at.
const TopCategoriesCounted = 5

// CategoryCount is how many incidents of one category opened in a window.
type CategoryCount struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
	// Runbook is the published article found for it; empty when none.
	Runbook string `json:"runbook,omitempty"`
}

// Availability is the share of the window a service was up, by its
// availability incidents; with service "", the least available service's.
func (m Metrics) Availability(service string) float64 {
	window := m.Until.Sub(m.Since)
	if window <= 0 {
		return 1
	}
	down := m.Downtime[service]
	if service == "" {
		for _, d := range m.Downtime {
			down = max(down, d)
		}
	}
	return 1 - float64(down)/float64(window)
}

// The recurrence rule: this many incidents on one service and category
// within this long suggest a problem behind them.
const (
	RecurrenceCount  = 3
	RecurrenceWithin = 7 * 24 * time.Hour
)

// Attainment groups.
const (
	AttainmentRequests = "requests"
	AttainmentAll      = "all"
)

// Attainment is the SLA attainment of one group: P1…P5, requests or all.
// Met.Of counts the records resolved in the window and the ones open past
// their due time at its end; Met.N those resolved within their target.
type Attainment struct {
	Group string `json:"group"`
	Met   Ratio  `json:"met"`
	// Overdue is how many of Met.Of are still open past their resolve due
	// time: each is a miss already.
	Overdue int `json:"overdue_open"`
}

// Resolved is how many of the group's records were resolved in the window.
func (a Attainment) Resolved() int { return a.Met.Of - a.Overdue }

// DayFlow is one calendar day of the backlog flow.
type DayFlow struct {
	Day      time.Time `json:"day"` // midnight starting the day, in the plan timezone
	Opened   int       `json:"opened"`
	Resolved int       `json:"resolved"`
}

// Recurrence is a service and category pair whose incidents keep coming back.
type Recurrence struct {
	Service  string    `json:"service"`
	Category string    `json:"category"`
	Count    int       `json:"count"` // incidents of the pair opened in the window, not linked to a problem
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// OpenCounts is what is open at the end of the window.
type OpenCounts struct {
	// Incidents is open incidents by priority: [0] is P1 … [4] is P5.
	Incidents [5]int `json:"incidents_by_priority"`
	Requests  int    `json:"requests"`
	Total     int    `json:"total"`
	OnHold    int    `json:"on_hold"`
	// Unacknowledged is open records nobody has responded to yet.
	Unacknowledged int `json:"unacknowledged"`
}

// Priority is the number of open incidents of one priority.
func (o OpenCounts) Priority(p Priority) int {
	if p < 1 || p > 5 {
		return 0
	}
	return o.Incidents[p-1]
}

// Ratio is N out of Of.
type Ratio struct{ N, Of int }

// Value is N/Of; false when there is nothing to divide by.
func (r Ratio) Value() (float64, bool) {
	if r.Of == 0 {
		return 0, false
	}
	return float64(r.N) / float64(r.Of), true
}

// Percent is the ratio as a percentage, "92.3%"; "—" when Of is 0.
func (r Ratio) Percent() string {
	v, ok := r.Value()
	if !ok {
		return "—"
	}
	return Percent(v)
}

// Percent writes a share (0.923) as a percentage to one decimal, "92.3%":
// every percentage of the metrics reads the same way wherever it is shown.
func Percent(share float64) string { return fmt.Sprintf("%.1f%%", share*100) }

// MarshalJSON writes {"n":9,"of":10,"rate":0.9}, with rate null when Of is 0.
func (r Ratio) MarshalJSON() ([]byte, error) {
	out := struct {
		N    int      `json:"n"`
		Of   int      `json:"of"`
		Rate *float64 `json:"rate"`
	}{N: r.N, Of: r.Of}
	if v, ok := r.Value(); ok {
		out.Rate = &v
	}
	return json.Marshal(out)
}

// Mean is the average of Count durations adding up to Total.
type Mean struct {
	Count int
	Total time.Duration
}

func (m *Mean) add(d time.Duration) { m.Count, m.Total = m.Count+1, m.Total+d }

// Value is the mean; false when nothing was measured.
func (m Mean) Value() (time.Duration, bool) {
	if m.Count == 0 {
		return 0, false
	}
	return m.Total / time.Duration(m.Count), true
}

// MarshalJSON writes {"count":3,"seconds":1830}, seconds null when Count is 0.
func (m Mean) MarshalJSON() ([]byte, error) {
	out := struct {
		Count   int      `json:"count"`
		Seconds *float64 `json:"seconds"`
	}{Count: m.Count}
	if v, ok := m.Value(); ok {
		s := v.Seconds()
		out.Seconds = &s
	}
	return json.Marshal(out)
}

// Average is the mean of Count ratings adding up to Sum.
type Average struct{ Count, Sum int }

// Value is the average; false when nothing was rated.
func (a Average) Value() (float64, bool) {
	if a.Count == 0 {
		return 0, false
	}
	return float64(a.Sum) / float64(a.Count), true
}

// MarshalJSON writes {"count":6,"mean":4.5}, mean null when Count is 0.
func (a Average) MarshalJSON() ([]byte, error) {
	out := struct {
		Count int      `json:"count"`
		Mean  *float64 `json:"mean"`
	}{Count: a.Count}
	if v, ok := a.Value(); ok {
		out.Mean = &v
	}
	return json.Marshal(out)
}

// ComputeMetrics works out the figures of the window [since, until) from
// records that include every one opened or resolved since since and every
// one still open (what Reader.IncidentsSince returns); others are ignored.
// Days are calendar days in loc.
func ComputeMetrics(records []Incident, since, until time.Time, loc *time.Location) Metrics {
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(since) && t.Before(until) }
	m := Metrics{Since: since, Until: until, Flow: flowDays(since, until, loc)}
	attained := make([]Attainment, 7) // P1…P5, requests, all
	for i := range records {
		r := &records[i] // records are large; a copy each costs more than the sums
		if in(r.OpenedAt) {
			m.Opened++
			m.Flow[dayIndex(m.Flow, r.OpenedAt)].Opened++
		}
		if in(r.AckAt) && r.State != StateCancelled {
			m.MTTA.add(r.AckAt.Sub(r.OpenedAt))
		}
		if openAt(r, until) {
			countOpen(&m.Open, r)
			if overdueAt(r, until) {
				for _, g := range attainmentGroups(r.Kind, r.Priority) {
					attained[g].Met.Of++
					attained[g].Overdue++
				}
			}
		}
		if !in(r.ResolvedAt) {
			continue
		}
		m.Resolved++
		m.Flow[dayIndex(m.Flow, r.ResolvedAt)].Resolved++
		if duplicate(r) {
			m.Duplicates++
			continue
		}
		m.MTTR.add(r.ResolvedAt.Sub(r.OpenedAt))
		m.Reopened.Of++
		if r.Reopens > 0 {
			m.Reopened.N++
		}
		if r.Satisfaction > 0 {
			m.Satisfaction.Count++
			m.Satisfaction.Sum += r.Satisfaction
		}
		if !r.ResolveDue.IsZero() {
			met := 0
			// A breach the sweep raised stands even if a later priority
			// change moved the due time past the resolution.
			if !r.ResolvedAt.After(r.ResolveDue) && r.SLAFlags&SLAResolveBreached == 0 {
				met = 1
			}
			for _, g := range attainmentGroups(r.Kind, r.Priority) {
				attained[g].Met.N += met
				attained[g].Met.Of++
			}
		}
	}
	for i := range attained {
		attained[i].Group = AttainmentAll
		switch {
		case i < 5:
			attained[i].Group = Priority(i + 1).String()
		case i == 5:
			attained[i].Group = AttainmentRequests
		}
	}
	m.Attainment = attained
	m.Recurring = Recurring(records, since, until, RecurrenceCount, RecurrenceWithin)
	m.Downtime = downtime(records, since, until)
	m.TopCategories = topCategories(records, since, until)
	return m
}

// openAt reports whether a record was open at t: opened before it, and
// open still or resolved at or after it. (A record cancelled since keeps
// no time for it and counts as never open.)
func openAt(r *Incident, t time.Time) bool {
	if !r.OpenedAt.Before(t) {
		return false
	}
	return r.State.Open() || (!r.ResolvedAt.IsZero() && !r.ResolvedAt.Before(t))
}

// downtime adds up, per service, the time in [since, until) covered by
// its P1/P2 availability incidents, overlapping ones once.
func downtime(records []Incident, since, until time.Time) map[string]time.Duration {
	type span struct{ from, to time.Time }
	spans := map[string][]span{}
	for i := range records {
		r := &records[i]
		if r.Kind != KindIncident || r.Category != "availability" || r.Priority < 1 || r.Priority > 2 || duplicate(r) {
			continue
		}
		end := until
		if !r.ResolvedAt.IsZero() && r.ResolvedAt.Before(until) {
			end = r.ResolvedAt
		} else if r.ResolvedAt.IsZero() && !r.State.Open() {
			continue // cancelled: logged by mistake
		}
		from := r.OpenedAt
		if from.Before(since) {
			from = since
		}
		if end.After(from) {
			spans[r.Service] = append(spans[r.Service], span{from, end})
		}
	}
	out := map[string]time.Duration{}
	for svc, list := range spans {
		slices.SortFunc(list, func(a, b span) int { return a.from.Compare(b.from) })
		cur := list[0]
		for _, s := range list[1:] {
			if s.from.After(cur.to) {
				out[svc] += cur.to.Sub(cur.from)
				cur = s
			} else if s.to.After(cur.to) {
				cur.to = s.to
			}
		}
		out[svc] += cur.to.Sub(cur.from)
	}
	return out
}

// topCategories counts the incidents opened in [since, until) by category,
// most first, ties by name, at most TopCategoriesCounted.
func topCategories(records []Incident, since, until time.Time) []CategoryCount {
	count := map[string]int{}
	for i := range records {
		r := &records[i]
		if r.Kind == KindIncident && r.Category != "" && !r.OpenedAt.Before(since) && r.OpenedAt.Before(until) && !duplicate(r) {
			count[r.Category]++
		}
	}
	out := make([]CategoryCount, 0, len(count))
	for c, n := range count {
		out = append(out, CategoryCount{Category: c, Count: n})
	}
	slices.SortFunc(out, func(a, b CategoryCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Category, b.Category)
	})
	return out[:min(len(out), TopCategoriesCounted)]
}

// duplicate reports whether a record was closed as a duplicate of another:
// its resolution is the other record's, not one of its own.
func duplicate(r *Incident) bool { return r.MergedInto != 0 || r.Resolution == "duplicate" }

// overdueAt reports whether an open record's resolve due time had passed at
// until. On hold, the clock stopped when the hold began and the due time
// moves on when it resumes, so then only a due time before the hold counts.
func overdueAt(r *Incident, until time.Time) bool {
	if r.ResolveDue.IsZero() {
		return false
	}
	end := until
	if !r.HoldSince.IsZero() && r.HoldSince.Before(until) {
		end = r.HoldSince
	}
	return r.ResolveDue.Before(end)
}

// attainmentGroups are the rows of Metrics.Attainment a record counts in.
func attainmentGroups(kind Kind, p Priority) []int {
	switch {
	case kind == KindRequest:
		return []int{5, 6}
	case p >= 1 && p <= 5:
		return []int{int(p) - 1, 6}
	}
	return []int{6}
}

func countOpen(o *OpenCounts, r *Incident) {
	o.Total++
	switch {
	case r.Kind == KindRequest:
		o.Requests++
	case r.Priority >= 1 && r.Priority <= 5:
		o.Incidents[r.Priority-1]++
	}
	if r.State == StateOnHold {
		o.OnHold++
	}
	if r.AckAt.IsZero() {
		o.Unacknowledged++
	}
}

// flowDays lists the calendar days in loc that [since, until) touches.
func flowDays(since, until time.Time, loc *time.Location) []DayFlow {
	if loc == nil {
		loc = time.UTC
	}
	y, mo, d := since.In(loc).Date()
	var days []DayFlow
	for day := time.Date(y, mo, d, 0, 0, 0, 0, loc); day.Before(until); day = time.Date(y, mo, d+len(days), 0, 0, 0, 0, loc) {
		days = append(days, DayFlow{Day: day})
	}
	if len(days) == 0 { // an empty window still has the day it sits in
		days = append(days, DayFlow{Day: time.Date(y, mo, d, 0, 0, 0, 0, loc)})
	}
	return days
}

// dayIndex is the day of the flow t falls in; t lies in the window.
func dayIndex(days []DayFlow, t time.Time) int {
	i, found := slices.BinarySearchFunc(days, t, func(d DayFlow, t time.Time) int { return d.Day.Compare(t) })
	if found {
		return i
	}
	return max(i-1, 0)
}

// Recurring finds the service and category pairs with at least count
// incidents opened in [since, until) within the span of each other, most
// incidents first. Requests are not faults, cancelled records and merged
// duplicates are not separate occurrences, and incidents linked to a
// problem already have one, so they are left out, as SuggestProblems does.
func Recurring(records []Incident, since, until time.Time, count int, within time.Duration) []Recurrence {
	type pair struct{ service, category string }
	groups := map[pair][]time.Time{}
	for i := range records {
		r := &records[i]
		if r.Kind == KindRequest || r.State == StateCancelled || r.MergedInto != 0 || r.ProblemID != 0 || r.OpenedAt.Before(since) || !r.OpenedAt.Before(until) {
			continue
		}
		k := pair{r.Service, r.Category}
		groups[k] = append(groups[k], r.OpenedAt)
	}
	var out []Recurrence
	for k, times := range groups {
		if len(times) < count {
			continue
		}
		slices.SortFunc(times, time.Time.Compare)
		for i := count - 1; i < len(times); i++ {
			if times[i].Sub(times[i-count+1]) <= within {
				out = append(out, Recurrence{Service: k.service, Category: k.category, Count: len(times), First: times[0], Last: times[len(times)-1]})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b Recurrence) int {
		return cmp.Or(b.Count-a.Count, cmp.Compare(a.Service, b.Service), cmp.Compare(a.Category, b.Category))
	})
	return out
}
