package model

import (
	"encoding/json"
	"testing"
	"time"
)

func TestComputeMetrics(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	until := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	since := until.Add(-24 * time.Hour)
	at := func(h float64) time.Time { return until.Add(time.Duration(h * float64(time.Hour))) }
	inc := func(id int64, p Priority, opened float64) Incident {
		return Incident{ID: id, Kind: KindIncident, Priority: p, Service: "checkout", Category: "availability", State: StateNew, OpenedAt: at(opened)}
	}
	resolved := func(in Incident, ack, res, due float64) Incident {
		in.State, in.AckAt, in.ResolvedAt = StateResolved, at(ack), at(res)
		if due != 0 {
			in.ResolveDue = at(due)
		}
		return in
	}

	p1 := resolved(inc(1, 1, -10), -9.5, -6, -6) // resolved exactly on time: met
	p1late := resolved(inc(2, 1, -20), -19, -2, -16)
	p1late.Reopens, p1late.Satisfaction = 1, 2
	p2old := resolved(inc(3, 2, -40), -39, -1, -30) // opened before the window, resolved in it, late
	p2old.Satisfaction = 5
	p2old.State = StateClosed // closing keeps the resolution time
	noTarget := resolved(inc(4, 3, -5), -4, -3, 0)
	req := resolved(inc(5, 5, -8), -7, -4, -1)
	req.Kind = KindRequest
	req.Satisfaction = 4
	oldDone := resolved(inc(6, 2, -60), -59, -30, -20) // entirely before the window
	open1 := inc(7, 1, -1)
	open1.State, open1.AckAt = StateInProgress, at(-0.5)
	hold := inc(8, 3, -50) // opened before the window, still open
	hold.State = StateOnHold
	openReq := inc(9, 4, -2)
	openReq.Kind = KindRequest
	cancelled := inc(10, 3, -3)
	cancelled.State, cancelled.AckAt = StateCancelled, at(-2) // its ack is no response time
	future := inc(11, 2, 1)                                   // after the window: ignored

	// Open records already past their resolve due time are misses now, on
	// another service so the checkout recurrence stays as it is.
	orders := func(in Incident) Incident {
		in.Service, in.Category = "orders", "data"
		return in
	}
	overdue := orders(inc(12, 2, -10))
	overdue.State, overdue.AckAt, overdue.ResolveDue = StateInProgress, at(-9), at(-2)
	overdue.ProblemID = 1 // linked: no longer a candidate for a problem
	heldInTime := orders(inc(13, 3, -8))
	heldInTime.State, heldInTime.AckAt, heldInTime.HoldSince, heldInTime.ResolveDue = StateOnHold, at(-7.5), at(-6), at(-3) // stopped with time left
	heldLate := orders(inc(14, 4, -30))
	heldLate.State, heldLate.AckAt, heldLate.HoldSince, heldLate.ResolveDue = StateOnHold, at(-29), at(-1), at(-4) // missed before the hold
	notYet := orders(inc(15, 4, -3))
	notYet.ResolveDue = at(2)
	merged := orders(resolved(inc(16, 2, -12), -11, -5, -8)) // late, reopened and rated, but a duplicate
	merged.MergedInto, merged.Resolution, merged.Reopens, merged.Satisfaction = 2, "duplicate", 1, 1

	m := ComputeMetrics([]Incident{p1, p1late, p2old, noTarget, req, oldDone, open1, hold, openReq, cancelled, future,
		overdue, heldInTime, heldLate, notYet, merged}, since, until, london)

	checks := []struct {
		name      string
		got, want any
	}{
		{"opened", m.Opened, 11},    // 1 2 4 5 7 9 10 12 13 15 16; 3, 6, 8 and 14 before the window, 11 after
		{"resolved", m.Resolved, 6}, // the duplicate left the backlog too
		{"duplicates", m.Duplicates, 1},
		{"mtta count", m.MTTA.Count, 8}, // acks of 1 2 4 5 7 12 13 16; 3's and 14's were before, 10 was cancelled
		{"mttr count", m.MTTR.Count, 5}, // not the duplicate
		{"reopened", m.Reopened, Ratio{1, 5}},
		{"csat", m.Satisfaction, Average{Count: 3, Sum: 11}},
		{"open", m.Open, OpenCounts{Incidents: [5]int{1, 1, 2, 2, 0}, Requests: 1, Total: 7, OnHold: 3, Unacknowledged: 3}},
		{"open P1", m.Open.Priority(1), 1},
		{"flow days", len(m.Flow), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	wantMTTA := (30*time.Minute + time.Hour + time.Hour + time.Hour + 30*time.Minute + time.Hour + 30*time.Minute + time.Hour) / 8
	if v, ok := m.MTTA.Value(); !ok || v != wantMTTA {
		t.Errorf("MTTA = %v, want %v", v, wantMTTA)
	}
	wantMTTR := (4*time.Hour + 18*time.Hour + 39*time.Hour + 2*time.Hour + 4*time.Hour) / 5
	if v, ok := m.MTTR.Value(); !ok || v != wantMTTR {
		t.Errorf("MTTR = %v, want %v", v, wantMTTR)
	}
	// P2: 3 late, 12 open past due (16 is a duplicate); P3: 13 stopped in
	// time; P4: 14 missed before its hold, 15 is not due yet.
	wantAttainment := []Attainment{
		{Group: "P1", Met: Ratio{1, 2}}, {Group: "P2", Met: Ratio{0, 2}, Overdue: 1}, {Group: "P3"},
		{Group: "P4", Met: Ratio{0, 1}, Overdue: 1}, {Group: "P5"}, {Group: "requests", Met: Ratio{1, 1}},
		{Group: "all", Met: Ratio{2, 6}, Overdue: 2},
	}
	if len(m.Attainment) != len(wantAttainment) {
		t.Fatalf("attainment rows = %+v", m.Attainment)
	}
	for i, a := range m.Attainment {
		if a != wantAttainment[i] {
			t.Errorf("attainment[%d] = %+v, want %+v", i, a, wantAttainment[i])
		}
	}
	if all := m.Attainment[6]; all.Resolved() != 4 {
		t.Errorf("all: %d resolved, want 4", all.Resolved())
	}
	// London is on GMT in November: the window runs 14:00 Tuesday to
	// 14:00 Wednesday.
	flow := []DayFlow{
		{Day: time.Date(2026, 11, 24, 0, 0, 0, 0, london), Opened: 1, Resolved: 0},
		{Day: time.Date(2026, 11, 25, 0, 0, 0, 0, london), Opened: 10, Resolved: 6},
	}
	for i, d := range m.Flow {
		if !d.Day.Equal(flow[i].Day) || d.Opened != flow[i].Opened || d.Resolved != flow[i].Resolved {
			t.Errorf("flow[%d] = %+v, want %+v", i, d, flow[i])
		}
	}
	if len(m.Recurring) != 1 || m.Recurring[0].Count != 4 || m.Recurring[0].Service != "checkout" {
		t.Errorf("recurring = %+v; want checkout/availability with 4 incidents (requests, the cancelled one, the duplicate and the one linked to a problem left out)", m.Recurring)
	}
}

func TestComputeMetricsEmpty(t *testing.T) {
	until := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	m := ComputeMetrics(nil, until.Add(-7*24*time.Hour), until, time.UTC)
	if _, ok := m.MTTR.Value(); ok {
		t.Error("MTTR of nothing has a value")
	}
	if _, ok := m.Reopened.Value(); ok {
		t.Error("reopen rate of nothing has a value")
	}
	if len(m.Flow) != 8 || len(m.Attainment) != 7 || m.Recurring != nil {
		t.Errorf("flow %d days, attainment %d rows, recurring %v", len(m.Flow), len(m.Attainment), m.Recurring)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		MTTR struct {
			Count   int      `json:"count"`
			Seconds *float64 `json:"seconds"`
		} `json:"mttr"`
		Reopened struct {
			Rate *float64 `json:"rate"`
		} `json:"reopened"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.MTTR.Seconds != nil || back.Reopened.Rate != nil {
		t.Errorf("empty figures must be null in JSON: %s", b)
	}
}

func TestFlowDaysAcrossDST(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	// Clocks go forward at 01:00 GMT on Sunday 29 March 2026: that day has
	// 23 hours, and a record at 23:30 UTC on it belongs to Monday in London.
	since := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
	until := time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC)
	late := Incident{Kind: KindIncident, Priority: 3, OpenedAt: time.Date(2026, 3, 29, 23, 30, 0, 0, time.UTC)}
	m := ComputeMetrics([]Incident{late}, since, until, london)
	if len(m.Flow) != 3 {
		t.Fatalf("flow = %+v", m.Flow)
	}
	if m.Flow[2].Opened != 1 || m.Flow[2].Day.Day() != 30 {
		t.Errorf("23:30 UTC on the 29th is 00:30 BST on the 30th; flow = %+v", m.Flow)
	}
}

func TestRecurring(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	rec := func(service, category string, d int) Incident {
		return Incident{Kind: KindIncident, Service: service, Category: category, OpenedAt: day(d)}
	}
	tests := []struct {
		name    string
		records []Incident
		want    []string // service/category of each group found, in order
	}{
		{"none", nil, nil},
		{"two are not a pattern", []Incident{rec("a", "data", 1), rec("a", "data", 2)}, nil},
		{"three within a week", []Incident{rec("a", "data", 1), rec("a", "data", 3), rec("a", "data", 8)}, []string{"a/data"}},
		{"three over eight days", []Incident{rec("a", "data", 1), rec("a", "data", 5), rec("a", "data", 9)}, nil},
		{"any three in a row", []Incident{rec("a", "data", 1), rec("a", "data", 10), rec("a", "data", 12), rec("a", "data", 14)}, []string{"a/data"}},
		{"the window bounds it", []Incident{rec("a", "data", 28), rec("a", "data", 29), rec("a", "data", 30)}, nil},
		{"category splits", []Incident{rec("a", "data", 1), rec("a", "batch", 2), rec("a", "data", 3)}, nil},
		{"requests do not count", func() []Incident {
			r := rec("a", "data", 2)
			r.Kind = KindRequest
			return []Incident{rec("a", "data", 1), r, rec("a", "data", 3)}
		}(), nil},
		{"cancelled and merged do not count", func() []Incident {
			cancelled, merged := rec("a", "data", 2), rec("a", "data", 3)
			cancelled.State, merged.MergedInto = StateCancelled, 1
			return []Incident{rec("a", "data", 1), cancelled, merged, rec("a", "data", 4)}
		}(), nil},
		{"linked to a problem do not count", func() []Incident {
			linked := rec("a", "data", 2)
			linked.ProblemID = 7
			return []Incident{rec("a", "data", 1), linked, rec("a", "data", 3)}
		}(), nil},
		{"largest first", []Incident{rec("b", "data", 1), rec("b", "data", 2), rec("b", "data", 3),
			rec("a", "data", 1), rec("a", "data", 2), rec("a", "data", 3), rec("a", "data", 4)}, []string{"a/data", "b/data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Recurring(tt.records, day(1), day(30), RecurrenceCount, RecurrenceWithin)
			var names []string
			for _, g := range got {
				names = append(names, g.Service+"/"+g.Category)
			}
			if len(names) != len(tt.want) {
				t.Fatalf("got %v, want %v", names, tt.want)
			}
			for i := range names {
				if names[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", names, tt.want)
				}
			}
		})
	}
}

func TestRatioAndMeans(t *testing.T) {
	tests := []struct {
		name string
		v    any
		json string
	}{
		{"ratio", Ratio{9, 10}, `{"n":9,"of":10,"rate":0.9}`},
		{"attainment", Attainment{Group: "P2", Met: Ratio{1, 3}, Overdue: 1}, `{"group":"P2","met":{"n":1,"of":3,"rate":0.3333333333333333},"overdue_open":1}`},
		{"ratio of nothing", Ratio{}, `{"n":0,"of":0,"rate":null}`},
		{"mean", Mean{Count: 2, Total: 3 * time.Minute}, `{"count":2,"seconds":90}`},
		{"mean of nothing", Mean{}, `{"count":0,"seconds":null}`},
		{"average", Average{Count: 4, Sum: 18}, `{"count":4,"mean":4.5}`},
		{"average of nothing", Average{}, `{"count":0,"mean":null}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil || string(b) != tt.json {
			t.Errorf("%s: %s, %v; want %s", tt.name, b, err, tt.json)
		}
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		r    Ratio
		want string
	}{
		{Ratio{2, 26}, "7.7%"},
		{Ratio{1, 1}, "100.0%"},
		{Ratio{0, 3}, "0.0%"},
		{Ratio{}, "—"},
	}
	for _, tt := range tests {
		if got := tt.r.Percent(); got != tt.want {
			t.Errorf("%+v.Percent() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

// Availability counts the time a service's P1/P2 availability incidents
// were open within the window, overlapping ones once; other categories,
// lower priorities and duplicates do not take a service down.
func TestDowntime(t *testing.T) {
	at := func(h float64) time.Time {
		return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC).Add(time.Duration(h * float64(time.Hour)))
	}
	inc := func(svc, cat string, p Priority, opened, resolved float64) Incident {
		in := Incident{Kind: KindIncident, Service: svc, Category: cat, Priority: p, OpenedAt: at(opened), State: StateInProgress}
		if resolved >= 0 {
			in.ResolvedAt, in.State = at(resolved), StateResolved
		}
		return in
	}
	records := []Incident{
		inc("checkout", "availability", 1, 2, 3),   // 1h
		inc("checkout", "availability", 2, 2.5, 4), // overlaps: to 4h, 2h in all
		inc("checkout", "performance", 1, 10, 12),  // not an outage
		inc("checkout", "availability", 3, 10, 12), // P3: degraded, not down
		inc("search", "availability", 1, -5, 1),    // began before the window: 1h in it
		inc("orders", "availability", 2, 23, -1),   // still open: to the window's end
	}
	dup := inc("orders", "availability", 1, 0, 5)
	dup.Resolution = "duplicate"
	records = append(records, dup)
	m := ComputeMetrics(records, at(0), at(24), time.UTC)
	want := map[string]time.Duration{"checkout": 2 * time.Hour, "search": time.Hour, "orders": time.Hour}
	if len(m.Downtime) != len(want) {
		t.Fatalf("downtime = %v, want %v", m.Downtime, want)
	}
	for svc, d := range want {
		if m.Downtime[svc] != d {
			t.Errorf("%s down %s, want %s", svc, m.Downtime[svc], d)
		}
	}
	if got := m.Availability("checkout"); got != 1-2.0/24 {
		t.Errorf("checkout availability %v", got)
	}
	if got := m.Availability(""); got != 1-2.0/24 {
		t.Errorf("least available %v, want checkout's", got)
	}
	if got := m.Availability("cdn"); got != 1 {
		t.Errorf("cdn availability %v, want 1", got)
	}
	if len(m.TopCategories) != 2 || m.TopCategories[0] != (CategoryCount{Category: "availability", Count: 4}) {
		t.Errorf("top categories %+v", m.TopCategories)
	}
}

// A window in the past counts as open what was open at its end, though it
// has been resolved since.
func TestOpenAtTheWindowsEnd(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	resolvedLater := Incident{Kind: KindIncident, Priority: 1, OpenedAt: t0.Add(time.Hour), ResolvedAt: t0.Add(30 * time.Hour), State: StateResolved}
	if m := ComputeMetrics([]Incident{resolvedLater}, t0, t0.Add(24*time.Hour), time.UTC); m.Open.Priority(1) != 1 {
		t.Errorf("yesterday's window: open P1 = %d, want 1", m.Open.Priority(1))
	}
	if m := ComputeMetrics([]Incident{resolvedLater}, t0.Add(24*time.Hour), t0.Add(48*time.Hour), time.UTC); m.Open.Priority(1) != 0 {
		t.Errorf("today's window: open P1 = %d, want 0", m.Open.Priority(1))
	}
}
