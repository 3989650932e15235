package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func testQueue(t *testing.T, h Harness) {
	db := h.open(t)
	due := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	insertIncidents(t, db,
		&model.Incident{Title: "p3 no due", Priority: 3, State: model.StateNew, Service: "orders"},                                   // 1
		&model.Incident{Title: "p3 due late", Priority: 3, State: model.StateInProgress, ResolveDue: due(9), Assignee: "bob"},        // 2
		&model.Incident{Title: "p3 due soon", Priority: 3, State: model.StateOnHold, ResolveDue: due(1)},                             // 3
		&model.Incident{Title: "p1", Priority: 1, State: model.StateNew, ResolveDue: due(4)},                                         // 4
		&model.Incident{Title: "major p2", Priority: 2, State: model.StateNew, Major: true, ResolveDue: due(8)},                      // 5
		&model.Incident{Title: "closed p1", Priority: 1, State: model.StateClosed, OpenedAt: t0.Add(time.Hour)},                      // 6
		&model.Incident{Title: "100%_done", Priority: 4, State: model.StateResolved, OpenedAt: t0.Add(2 * time.Hour)},                // 7
		&model.Incident{Title: "request", Kind: model.KindRequest, Priority: 5, State: model.StateNew, OpenedAt: t0.Add(-time.Hour)}, // 8
	)
	for _, tc := range []struct {
		name string
		q    model.QueueQuery
		want string
	}{
		{"open by urgency", model.QueueQuery{}, "INC-5 INC-4 INC-3 INC-2 INC-1 REQ-8"},
		{"all newest first", model.QueueQuery{All: true}, "INC-7 INC-6 INC-5 INC-4 INC-3 INC-2 INC-1 REQ-8"},
		{"page", model.QueueQuery{Offset: 1, Limit: 2}, "INC-4 INC-3"},
		{"title", model.QueueQuery{Filter: "DUE"}, "INC-3 INC-2 INC-1"},
		{"service", model.QueueQuery{Filter: "orders"}, "INC-1"},
		{"assignee", model.QueueQuery{Filter: "bob"}, "INC-2"},
		{"number", model.QueueQuery{Filter: "4"}, "INC-4"},
		{"ref", model.QueueQuery{Filter: "inc-5"}, "INC-5"},
		{"request ref", model.QueueQuery{Filter: "REQ-8"}, "REQ-8"},
		{"percent is literal", model.QueueQuery{All: true, Filter: "100%"}, "INC-7"},
		{"underscore is literal", model.QueueQuery{All: true, Filter: "p_"}, ""},
		{"closed hidden", model.QueueQuery{Filter: "closed"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Queue(t.Context(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if r := refs(got, model.Incident.Ref); r != tc.want {
				t.Errorf("got %q, want %q", r, tc.want)
			}
		})
	}
}

func testFeed(t *testing.T, h Harness) {
	db := h.open(t)
	alerts := []model.Alert{
		{DedupKey: "a", Name: "DiskFull", Severity: model.SevWarning, State: model.AlertFiring, Service: "orders-db", LastSeen: t0, Labels: map[string]string{"env": "prod", "team": "db"}},
		{DedupKey: "b", Name: "HighLatency", Severity: model.SevCritical, State: model.AlertFiring, Service: "checkout", LastSeen: t0, Labels: map[string]string{"env": "prod", "team": "web"}},
		{DedupKey: "c", Name: "Heartbeat", Severity: model.SevInfo, State: model.AlertResolved, Summary: "nightly batch ok", LastSeen: t0.Add(time.Hour)},
		{DedupKey: "d", Name: "HighLatency", Severity: model.SevCritical, State: model.AlertFiring, Service: "search", LastSeen: t0.Add(time.Minute), Labels: map[string]string{"env": "staging"}},
		{DedupKey: "e", Name: "PodCrashLoop", Severity: model.SevCritical, State: model.AlertResolved, Service: "checkout", LastSeen: t0},
	}
	UpsertAlerts(t, db, alerts)
	ref := func(a model.Alert) string { return a.DedupKey }
	for _, tc := range []struct {
		name string
		q    model.FeedQuery
		want string
	}{
		{"firing, severity, newest", model.FeedQuery{}, "d b a e c"},
		{"firing only", model.FeedQuery{Firing: true}, "d b a"},
		{"name", model.FeedQuery{Filter: "latency"}, "d b"},
		{"service", model.FeedQuery{Filter: "CHECKOUT"}, "b e"},
		{"summary", model.FeedQuery{Filter: "batch"}, "c"},
		{"firing and filter", model.FeedQuery{Firing: true, Filter: "checkout"}, "b"},
		{"id", model.FeedQuery{Filter: "ALR-3"}, "c"},
		{"page", model.FeedQuery{Offset: 3, Limit: 10}, "e c"},
		// Every term must hold: words, labels and conditions alike.
		{"two words", model.FeedQuery{Filter: "HighLatency checkout"}, "b"},
		{"two words any order", model.FeedQuery{Filter: "search latency"}, "d"},
		{"a word nothing has", model.FeedQuery{Filter: "latency nowhere"}, ""},
		{"label", model.FeedQuery{Labels: matchers(t, "env=prod")}, "b a"},
		{"two labels", model.FeedQuery{Labels: matchers(t, "env=prod team=web")}, "b"},
		{"not equal, absent is empty", model.FeedQuery{Labels: matchers(t, "env!=prod")}, "d e c"},
		{"regexp", model.FeedQuery{Labels: matchers(t, `env=~"prod|stag.*"`)}, "d b a"},
		{"not regexp", model.FeedQuery{Labels: matchers(t, `team!~"d.*"`)}, "d b e c"},
		{"service label is the service", model.FeedQuery{Labels: matchers(t, "service=checkout")}, "b e"},
		{"labels and words", model.FeedQuery{Filter: "latency", Labels: matchers(t, "env=prod")}, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Feed(t.Context(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if r := refs(got, ref); r != tc.want {
				t.Errorf("got %q, want %q", r, tc.want)
			}
		})
	}
}

func testChangesBetween(t *testing.T, h Harness) {
	ctx := t.Context()
	db := h.open(t)
	hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	changes := []model.Change{
		{Title: "before", Start: hour(0), End: hour(2)},    // ends exactly at the window: back-to-back
		{Title: "spanning", Start: hour(1), End: hour(10)}, // covers the window
		{Title: "inside", Start: hour(3), End: hour(4)},
		{Title: "tail", Start: hour(4), End: hour(7)},
		{Title: "after", Start: hour(5), End: hour(6)}, // starts exactly at the window's end
	}
	err := db.Write(ctx, func(tx model.Tx) error {
		for i := range changes {
			c := &changes[i]
			c.Services, c.Type, c.State, c.Risk = []string{"orders"}, model.ChangeNormal, model.ChangeScheduled, model.Low
			if err := tx.InsertChange(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.ChangesBetween(ctx, hour(2), hour(5))
	if err != nil {
		t.Fatal(err)
	}
	if r := refs(got, func(c model.Change) string { return c.Title }); r != "spanning inside tail" {
		t.Errorf("ChangesBetween = %q", r)
	}
	for _, tc := range []struct {
		after time.Time
		want  string
	}{
		{hour(-1), "before"},
		{hour(3), "inside"},
		{hour(4).Add(time.Millisecond), "after"},
	} {
		c, err := db.NextChange(ctx, tc.after)
		if err != nil || c.Title != tc.want {
			t.Errorf("NextChange(%v) = %q, %v; want %q", tc.after, c.Title, err, tc.want)
		}
	}
	if _, err := db.NextChange(ctx, hour(6)); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("NextChange after the last = %v; want ErrNotFound", err)
	}
}

func testCountersFollowEveryChange(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, clk := h.desk(t)
	rng := rand.New(rand.NewPCG(1, 2))
	levels := []model.Level{model.High, model.Medium, model.Low}
	states := []model.AlertState{model.AlertFiring, model.AlertResolved}

	var ids []int64
	for i := range 40 {
		in, err := desk.CreateIncident(ctx, alice, model.NewIncident{Title: fmt.Sprint("incident ", i), Service: "orders",
			Impact: levels[rng.IntN(3)], Urgency: levels[rng.IntN(3)]})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	for i := range 200 {
		_, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: fmt.Sprint("k", rng.IntN(60)), Name: "n",
			State: states[rng.IntN(2)], Severity: model.SevWarning})
		if err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			checkCounts(t, db, fmt.Sprint("after alert ", i))
		}
	}
	checkCounts(t, db, "after inserts")

	// Time passes: the SLA sweep flags P1 and P2 past 75% of their targets.
	for _, h := range []time.Duration{10 * time.Minute, 3*time.Hour + 10*time.Minute} {
		clk.At = clk.At.Add(h)
		if _, err := desk.SweepSLA(ctx, clk.At); err != nil {
			t.Fatal(err)
		}
		checkCounts(t, db, fmt.Sprint("after a sweep at +", h))
	}

	// Walk incidents through the state machine, including a reopen and a
	// priority change made directly through the Tx.
	for i, id := range ids {
		var err error
		switch i % 5 {
		case 0:
			_, err = desk.AckIncident(ctx, bob, id)
		case 1:
			_, err = desk.Transition(ctx, alice, id, model.StateChange{To: model.StateCancelled, Reason: "logged twice"})
		case 2:
			if _, err = desk.Transition(ctx, bob, id, model.StateChange{To: model.StateResolved, Code: "fixed"}); err == nil {
				_, err = desk.Transition(ctx, bob, id, model.StateChange{To: model.StateInProgress, Reason: "still broken"})
			}
		case 3:
			if _, err = desk.Transition(ctx, bob, id, model.StateChange{To: model.StateResolved, Code: "workaround"}); err == nil {
				_, err = desk.Transition(ctx, bob, id, model.StateChange{To: model.StateClosed})
			}
		case 4:
			err = db.Write(ctx, func(tx model.Tx) error {
				in, err := tx.Incident(id)
				if err != nil {
					return err
				}
				in.Priority = model.Priority(1 + (int(in.Priority) % 5))
				return tx.UpdateIncident(in)
			})
		}
		if err != nil {
			t.Fatalf("incident %d step %d: %v", id, i%5, err)
		}
	}
	c := checkCounts(t, db, "after transitions")
	if c.Incidents != 40 || c.OpenIncidents == 0 || c.OpenIncidents == 40 || c.SLAAtRisk == 0 {
		t.Errorf("implausible counts %+v; the walk should close some and keep some open", c)
	}
}

func testQueueNarrowing(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	mk := func(title, service string, imp, urg model.Level) model.Incident {
		in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: title, Service: service, Impact: imp, Urgency: urg})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	p1 := mk("down", "checkout", model.High, model.High) // P1 on tier 1: major
	p3 := mk("slow", "orders", model.Medium, model.Medium)
	mk("meh", "orders", model.Low, model.Low)
	if _, err := desk.AckIncident(ctx, bob, p3.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Transition(ctx, bob, p3.ID, model.StateChange{To: model.StateOnHold, HoldReason: "awaiting_caller"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		filter string
		want   []int64
	}{
		{"", []int64{p1.ID, p3.ID, p3.ID + 1}},
		{"p1", []int64{p1.ID}},
		{"is:major", []int64{p1.ID}},
		{"is:mine", []int64{p3.ID}},
		{"is:unassigned", []int64{p1.ID, p3.ID + 1}},
		{"is:hold", []int64{p3.ID}},
		{"is:new orders", []int64{p3.ID + 1}},
		{"p1 p5", []int64{p1.ID, p3.ID + 1}},
		{"is:new is:hold", []int64{p1.ID, p3.ID, p3.ID + 1}},
		{"orders-team", []int64{p3.ID, p3.ID + 1}},
		// Every term must hold: two words, words and fields, two fields.
		{"slow orders", []int64{p3.ID}},
		{"down orders", nil},
		{"service=orders is:hold", []int64{p3.ID}},
		{"service!=orders", []int64{p1.ID}},
		{`service=~"ord.*" service!=checkout p5`, []int64{p3.ID + 1}},
		{"service=orders team=orders-team meh", []int64{p3.ID + 1}},
		{"kind=incident assignee=bob", []int64{p3.ID}},
	} {
		q, err := model.ParseQueueFilter(tt.filter, "bob")
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Queue(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, in := range got {
			ids = append(ids, in.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
			t.Errorf("%q: %v, want %v", tt.filter, ids, tt.want)
		}
		q.All = true
		if all, err := db.Queue(ctx, q); err != nil || len(all) != len(tt.want) {
			t.Errorf("%q with closed ones: %d, %v", tt.filter, len(all), err)
		}
	}
}

// matchers parses a matcher list for a test.
func matchers(t *testing.T, s string) []model.Matcher {
	t.Helper()
	ms, err := model.ParseMatchers(s)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}
