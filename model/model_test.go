package model

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPriorityMatrix(t *testing.T) {
	want := map[[2]Level]Priority{
		{High, High}: 1, {High, Medium}: 2, {High, Low}: 3,
		{Medium, High}: 2, {Medium, Medium}: 3, {Medium, Low}: 4,
		{Low, High}: 3, {Low, Medium}: 4, {Low, Low}: 5,
	}
	for in, p := range want {
		got, err := PriorityFor(in[0], in[1])
		if err != nil || got != p {
			t.Errorf("PriorityFor(%s, %s) = %v, %v; want %v", in[0], in[1], got, err, p)
		}
	}
	for _, bad := range [][2]Level{{0, High}, {High, 4}, {-1, -1}} {
		if _, err := PriorityFor(bad[0], bad[1]); err == nil {
			t.Errorf("PriorityFor(%d, %d) accepted", bad[0], bad[1])
		}
	}
}

func TestIsMajor(t *testing.T) {
	tests := []struct {
		p        Priority
		tier     int
		declared bool
		want     bool
	}{
		{1, 1, false, true}, {1, 2, false, false}, {2, 1, false, false}, {3, 3, true, true},
	}
	for _, tt := range tests {
		if got := IsMajor(tt.p, tt.tier, tt.declared); got != tt.want {
			t.Errorf("IsMajor(%v, tier %d, declared %v) = %v", tt.p, tt.tier, tt.declared, got)
		}
	}
}

func TestTransitions(t *testing.T) {
	all := []IncidentState{StateNew, StateInProgress, StateOnHold, StateResolved, StateClosed, StateCancelled}
	legal := map[[2]IncidentState]bool{
		{StateNew, StateInProgress}: true, {StateNew, StateResolved}: true, {StateNew, StateCancelled}: true,
		{StateInProgress, StateOnHold}: true, {StateInProgress, StateResolved}: true, {StateInProgress, StateCancelled}: true,
		{StateOnHold, StateInProgress}: true, {StateOnHold, StateResolved}: true,
		{StateResolved, StateClosed}: true, {StateResolved, StateInProgress}: true,
	}
	for _, from := range all {
		for _, to := range all {
			err := CheckTransition(from, to)
			if legal[[2]IncidentState{from, to}] != (err == nil) {
				t.Errorf("%s → %s: err = %v, legal = %v", from, to, err, legal[[2]IncidentState{from, to}])
			}
		}
	}
	if err := CheckTransition(StateClosed, StateInProgress); err == nil || !strings.Contains(err.Error(), "cannot change state") {
		t.Errorf("closed → in progress: %v", err)
	}
}

func TestResolveClockStages(t *testing.T) {
	opened := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	in := Incident{State: StateInProgress, OpenedAt: opened, ResolveDue: opened.Add(4 * time.Hour)}
	tests := []struct {
		at   time.Duration
		want SLAStage
	}{
		{0, SLAOK}, {119 * time.Minute, SLAOK}, {2 * time.Hour, SLAWatch}, {3 * time.Hour, SLARisk},
		{4*time.Hour - time.Second, SLARisk}, {4 * time.Hour, SLABreached}, {9 * time.Hour, SLABreached},
	}
	for _, tt := range tests {
		c := ResolveClock(in, nil, opened.Add(tt.at))
		got, left := c.Stage, c.Left
		if got != tt.want {
			t.Errorf("at +%v: stage %v, want %v", tt.at, got, tt.want)
		}
		if left != 4*time.Hour-tt.at {
			t.Errorf("at +%v: left %v", tt.at, left)
		}
	}
	closed := in
	closed.State = StateResolved
	if c := ResolveClock(closed, nil, opened); c.Stage != SLANone {
		t.Errorf("resolved incident has stage %v", c.Stage)
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"Evil\x1b[2J\x1b[31mRED", "EvilRED"},
		{"\x1b]0;pwned\x07window title", "window title"},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"tab\there\x07bell", "tab herebell"},
		{"line one\nline two\r\x1b[1Aup", "line one line twoup"},
		{"\xc2\x9b31mcsi8", "csi8"},
		{"bidi\u202eevil", "bidievil"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"naïve — 日本語 \"q\" <b>", "naïve — 日本語 \"q\" <b>"},
		{"trailing esc\x1b", "trailing esc"},
		{"check\u200bout", "checkout"},                         // zero-width space
		{"\ufeffBOM and\u2060 joiner\u200d", "BOM and joiner"}, // BOM, word joiner, zero-width joiner
		{"ltr\u200e rtl\u200f alm\u061c", "ltr rtl alm"},       // direction marks
		{"soft\u00adhyphen \u2066isolate\u2069", "softhyphen isolate"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in, false); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Clean("a\nb\tc\r", true); got != "a\nb\tc" {
		t.Errorf("multiline Clean = %q", got)
	}
}

func TestBroadcasterCoalescesAndNeverBlocks(t *testing.T) {
	var b Broadcaster
	ch, cancel := b.Subscribe()
	for i := 0; i < 100; i++ {
		b.Notify() // must not block although nobody reads
	}
	<-ch
	select {
	case <-ch:
		t.Fatal("100 notifies delivered more than one pending signal")
	default:
	}
	cancel()
	cancel() // idempotent
	if n := b.Subscribers(); n != 0 {
		t.Fatalf("subscribers after cancel = %d", n)
	}
	b.Notify()
	select {
	case <-ch:
		t.Fatal("signal after cancel")
	default:
	}
}

func TestPresence(t *testing.T) {
	var p Presence
	ch, cancel := p.Subscribe()
	defer cancel()
	a, leaveA := p.Join("alice", RoleLead)
	b, leaveB := p.Join("bob", RoleOperator)
	<-ch
	p.Look(b, 42)
	p.Look(b, 42) // no change, no second signal needed
	if got := p.Here(); len(got) != 2 || got[0].Session != a || got[1].Viewing != 42 {
		t.Fatalf("here = %+v", got)
	}
	leaveB()
	leaveB()
	leaveA()
	if got := p.Here(); len(got) != 0 {
		t.Fatalf("after leaving: %+v", got)
	}
}

func TestParseQueueFilter(t *testing.T) {
	tests := []struct {
		in   string
		want QueueQuery
		err  string
	}{
		{"", QueueQuery{}, ""},
		{"checkout 502", QueueQuery{Filter: "checkout 502"}, ""},
		{"P1 is:MAJOR checkout", QueueQuery{Filter: "checkout", Priorities: []Priority{1}, Major: true}, ""},
		{"p1 p2", QueueQuery{Priorities: []Priority{1, 2}}, ""},
		{"is:mine is:hold is:new", QueueQuery{Assignee: "alice", States: []IncidentState{StateOnHold, StateNew}}, ""},
		{"is:unassigned is:risk", QueueQuery{Unassigned: true, AtRisk: true}, ""},
		{"p6", QueueQuery{}, "priorities are p1 to p5"},
		{"is:nonsense", QueueQuery{}, "is:nonsense: unknown"},
		{"pa", QueueQuery{Filter: "pa"}, ""},
		{"service=checkout category!=network p2", QueueQuery{Fields: []Matcher{
			{Label: "service", Op: MatchEqual, Value: "checkout"}, {Label: "category", Op: MatchNotEqual, Value: "network"}}, Priorities: []Priority{2}}, ""},
		{"env=prod", QueueQuery{}, "incidents are filtered by service, category, team, assignee or kind"},
	}
	for _, tt := range tests {
		got, err := ParseQueueFilter(tt.in, "alice")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseQueueFilter(%q): error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseQueueFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseQueueFilter("is:mine", ""); err == nil {
		t.Error("is:mine without a name was accepted")
	}
}
