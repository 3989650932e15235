package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func insertIncidents(t *testing.T, db *DB, ins ...*model.Incident) {
	t.Helper()
	err := db.Write(t.Context(), func(tx model.Tx) error {
		for _, in := range ins {
			if in.Kind == "" {
				in.Kind = model.KindIncident
			}
			if in.Impact == 0 {
				in.Impact, in.Urgency = model.Medium, model.Medium
			}
			if in.OpenedAt.IsZero() {
				in.OpenedAt = t0
			}
			in.UpdatedAt = in.OpenedAt
			if err := tx.InsertIncident(in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func refs[T any](items []T, ref func(T) string) string {
	var out []string
	for _, it := range items {
		out = append(out, ref(it))
	}
	return strings.Join(out, " ")
}

func TestQueue(t *testing.T) {
	db := openTest(t)
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

func TestFeed(t *testing.T) {
	db := openTest(t)
	alerts := []model.Alert{
		{DedupKey: "a", Name: "DiskFull", Severity: model.SevWarning, State: model.AlertFiring, Service: "orders-db", LastSeen: t0, Labels: map[string]string{"env": "prod", "team": "db"}},
		{DedupKey: "b", Name: "HighLatency", Severity: model.SevCritical, State: model.AlertFiring, Service: "checkout", LastSeen: t0, Labels: map[string]string{"env": "prod", "team": "web"}},
		{DedupKey: "c", Name: "Heartbeat", Severity: model.SevInfo, State: model.AlertResolved, Summary: "nightly batch ok", LastSeen: t0.Add(time.Hour)},
		{DedupKey: "d", Name: "HighLatency", Severity: model.SevCritical, State: model.AlertFiring, Service: "search", LastSeen: t0.Add(time.Minute), Labels: map[string]string{"env": "staging"}},
		{DedupKey: "e", Name: "PodCrashLoop", Severity: model.SevCritical, State: model.AlertResolved, Service: "checkout", LastSeen: t0},
	}
	err := db.Write(t.Context(), func(tx model.Tx) error {
		for i := range alerts {
			if _, err := tx.UpsertAlert(&alerts[i], time.Time{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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

func TestChangesBetween(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
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

// countQueries recount the counters the slow way.
var countQueries = map[string]string{
	"alerts":         "SELECT count(*) FROM alerts",
	"firing":         "SELECT count(*) FROM alerts WHERE state = 'firing'",
	"incidents":      "SELECT count(*) FROM incidents",
	"open_incidents": "SELECT count(*) FROM incidents WHERE state IN ('new', 'in_progress', 'on_hold')",
	"open_p1":        "SELECT count(*) FROM incidents WHERE state IN ('new', 'in_progress', 'on_hold') AND priority = 1",
	"open_p2":        "SELECT count(*) FROM incidents WHERE state IN ('new', 'in_progress', 'on_hold') AND priority = 2",
	"sla_at_risk":    "SELECT count(*) FROM incidents WHERE is_open AND (sla_flags & 1 OR (sla_flags & 12 AND ack_at IS NULL))",
}

func checkCounts(t *testing.T, db *DB, when string) model.Counts {
	t.Helper()
	ctx := t.Context()
	c, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{"alerts": c.Alerts, "firing": c.Firing, "incidents": c.Incidents,
		"open_incidents": c.OpenIncidents, "open_p1": c.OpenP1, "open_p2": c.OpenP2, "sla_at_risk": c.SLAAtRisk}
	for name, q := range countQueries {
		var want int
		if err := db.readers.QueryRowContext(ctx, q).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got[name] != want {
			t.Errorf("%s: counter %s = %d, COUNT(*) = %d", when, name, got[name], want)
		}
	}
	return c
}

func TestCountersFollowEveryChange(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
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

func TestArticleSearch(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
	importArticles(t, desk, []model.Article{
		{Slug: "replication-lag", Title: "Orders DB replication lag", Kind: model.ArticleRunbook, State: model.ArticlePublished,
			Tags: []string{"postgres"}, Body: "Check the replica. If lag grows, fail over."},
		{Slug: "disk-full", Title: "Orders DB disk full", Kind: model.ArticleRunbook, State: model.ArticleReview,
			Tags: []string{"postgres", "disk"}, Body: "Free space. Unused replication slots hold WAL and cause lag; drop the replication slot."},
		{Slug: "psp", Title: "PSP timeouts", Kind: model.ArticleKnownError, State: model.ArticleDraft,
			Body: "The payment provider times out under load; replication is not involved."},
		{Slug: "old", Title: "Old replication notes", Kind: model.ArticleHandover, State: model.ArticleRetired,
			Body: "replication replication replication"},
	}...)

	hits, err := db.Articles(ctx, model.ArticleQuery{Search: "replication"})
	if err != nil {
		t.Fatal(err)
	}
	if r := refs(hits, func(h model.ArticleHit) string { return h.Slug }); r != "replication-lag disk-full psp" {
		t.Fatalf("ranking = %q; want the title hit first, the retired article left out", r)
	}
	for i, h := range hits {
		if !strings.Contains(h.Snippet, model.HighlightStart+"replication"+model.HighlightEnd) &&
			!strings.Contains(h.Snippet, model.HighlightStart+"Replication"+model.HighlightEnd) {
			t.Errorf("snippet %q has no highlighted match", h.Snippet)
		}
		if i > 0 && h.Rank > hits[i-1].Rank {
			t.Errorf("rank not descending: %v after %v", h.Rank, hits[i-1].Rank)
		}
	}

	for _, tc := range []struct{ search, want string }{
		{"repl", "replication-lag disk-full psp"}, // the last word is a prefix
		{"orders lag", "replication-lag disk-full"},
		{"postgres disk", "disk-full"}, // tags are searched
		{"", "disk-full replication-lag psp"},
		{"  -  ", "disk-full replication-lag psp"}, // nothing searchable: list by title
	} {
		hits, err := db.Articles(ctx, model.ArticleQuery{Search: tc.search})
		if err != nil {
			t.Fatalf("%q: %v", tc.search, err)
		}
		if r := refs(hits, func(h model.ArticleHit) string { return h.Slug }); r != tc.want {
			t.Errorf("search %q = %q, want %q", tc.search, r, tc.want)
		}
	}

	hostile := []string{`"`, `"unbalanced`, `title:`, `body:lag`, `-lag`, `lag -`, `*`, `lag*`, `*lag`, `a AND`,
		`OR`, `NOT x`, `NEAR(a b)`, `(`, `)`, `^lag`, `{title}: lag`, `lag + disk`, `'`, `\`, `%`, `lag:"x"`,
		"tab\there", `""""`, `😀`, `\u0000`}
	for _, q := range hostile {
		if _, err := db.Articles(ctx, model.ArticleQuery{Search: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
}

// expectedIndex names the index each hot query must walk.
var expectedIndex = map[string]string{
	"queue":                            "INDEX incidents_queue",
	"queue filtered":                   "INDEX incidents_queue",
	"queue at risk":                    "INDEX incidents_queue",
	"queue all":                        "INDEX incidents_opened",
	"queue all filtered":               "INDEX incidents_opened",
	"feed":                             "INDEX alerts_feed (storm_member=?)",
	"feed filtered":                    "INDEX alerts_feed (storm_member=?)",
	"feed filtered, storm members":     "INDEX alerts_feed (storm_member=?)",
	"feed firing":                      "INDEX alerts_feed (storm_member=? AND firing=?)",
	"feed firing filtered":             "INDEX alerts_feed (storm_member=? AND firing=?)",
	"feed storm":                       "INDEX alerts_storm",
	"feed text, few candidates":        "VIRTUAL TABLE INDEX",
	"feed firing text, few candidates": "VIRTUAL TABLE INDEX",
	"counts":                           "SCAN counters",
	"changes between":                  "INDEX changes_start",
	"next change":                      "INDEX changes_start",
	"articles by title":                "INDEX articles_title",
	"published articles by title":      "INDEX articles_published",
	"alert volume":                     "INTEGER PRIMARY KEY (rowid>?)",
	"handovers":                        "SCAN a",
	"article search":                   "VIRTUAL TABLE INDEX",
	"audit":                            "audit_at",
	"problems":                         "INDEX problems_list",
	"problem suggestions":              "COVERING INDEX incidents_recurrence",
}

func TestHotQueryPlans(t *testing.T) {
	db := openTest(t)
	plans, err := db.ExplainHotQueries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != len(expectedIndex) {
		t.Errorf("%d plans, %d expectations: keep expectedIndex in step with hotQueries", len(plans), len(expectedIndex))
	}
	for _, p := range plans {
		text := strings.Join(p.Steps, "\n")
		t.Logf("%s:\n%s", p.Name, text)
		if p.TempBTree() && !p.Window {
			t.Errorf("%s sorts in a temp B-tree:\n%s", p.Name, text)
		}
		if idx, ok := expectedIndex[p.Name]; !ok {
			t.Errorf("%s: no expectation", p.Name)
		} else if !strings.Contains(text, idx) {
			t.Errorf("%s does not use %s:\n%s", p.Name, idx, text)
		}
	}
}

func TestTextFilter(t *testing.T) {
	for _, tc := range []struct {
		in      string
		pattern any
		id      any
	}{
		{"", nil, nil},
		{"   ", nil, nil},
		{"disk", "%disk%", nil},
		{" 42 ", "%42%", int64(42)},
		{"INC-42", "%INC-42%", int64(42)},
		{"alr-7", "%alr-7%", int64(7)},
		{"0", "%0%", nil},
		{"-3", "%-3%", nil},
		{"v1-2", "%v1-2%", nil},
		{`50%_\`, `%50\%\_\\%`, nil},
	} {
		pattern, id := textFilter(tc.in)
		if pattern != tc.pattern || id != tc.id {
			t.Errorf("textFilter(%q) = %v, %v; want %v, %v", tc.in, pattern, id, tc.pattern, tc.id)
		}
	}
}

func TestFTSQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" - : * ", ""},
		{"disk", `"disk"*`},
		{"disk full", `"disk" "full"*`},
		{`say "hi"`, `"say" """hi"""*`},
		{"title:lag", `"title:lag"*`},
		{"NOT", `"NOT"*`},
		// A last word of one or two letters is being typed: titles only.
		{"r", `title : "r"*`},
		{"disk fu", `"disk" title : "fu"*`},
		{"db -", `title : "db"*`},
		{"fu disk", `"fu" "disk"*`},
	} {
		if got := ftsQuery(tc.in); got != tc.want {
			t.Errorf("ftsQuery(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFTSAnyQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"on a", ""},
		{"Disk full on orders-db", `"Disk" OR "full" OR "orders-db"*`},
	} {
		if got := ftsAnyQuery(tc.in); got != tc.want {
			t.Errorf("ftsAnyQuery(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// Suggestions match any word of an incident's title, best match first.
func TestArticleSuggestions(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
	for _, a := range []model.Article{
		{Slug: "disk", Title: "Disk full on a database host", Kind: model.ArticleRunbook, Body: "Free space: rotate the WAL archive."},
		{Slug: "psp", Title: "PSP timeouts", Kind: model.ArticleKnownError, Body: "AcmePay answers slowly at peak."},
	} {
		if _, err := desk.SaveArticle(ctx, alice, a); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := db.Articles(ctx, model.ArticleQuery{Search: "orders-db disk nearly full", Any: true, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Slug != "disk" {
		t.Fatalf("suggestions = %+v", hits)
	}
	// All words must match without Any.
	if hits, _ := db.Articles(ctx, model.ArticleQuery{Search: "orders-db disk nearly full"}); len(hits) != 0 {
		t.Fatalf("search without Any = %+v", hits)
	}
}

func TestQueueNarrowing(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
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

// Equally relevant articles rank by use: the one named when resolving an
// incident climbs above its twin, then helpful verdicts break a tie; a
// clearly better match still comes first.
func TestArticleSearchRanksByUse(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
	vs := importArticles(t, desk,
		model.Article{Slug: "a", Title: "Replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Check the replica."},
		model.Article{Slug: "b", Title: "Replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Check the replica."},
		model.Article{Slug: "c", Title: "Replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Check the replica."},
		model.Article{Slug: "best", Title: "Replica lag replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished,
			Body: "Replica lag: replica lag, replica lag."},
	)
	a, b, c := vs[0].ID, vs[1].ID, vs[2].ID
	// Words in every article weigh nothing in bm25: others make them rare.
	for _, w := range strings.Fields("disk cache queue token gateway kafka redis cdn vpn dns") {
		importArticles(t, desk, model.Article{Slug: w, Title: w + " runbook", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Restart " + w + "."})
	}
	order := func() []string {
		hits, err := db.Articles(ctx, model.ArticleQuery{Search: "replica lag", Published: true, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, h := range hits {
			slugs = append(slugs, h.Slug)
		}
		return slugs
	}
	if got := order(); got[0] != "best" {
		t.Fatalf("before any use: %v; the best match first", got)
	}
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "lag", Service: "orders", Impact: model.Low, Urgency: model.Low})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed", Article: c}); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.RateArticle(ctx, bob, b, true); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.RateArticle(ctx, alice, a, false); err != nil {
		t.Fatal(err)
	}
	if got, want := order(), []string{"best", "c", "b", "a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ranked %v, want %v (relevance, then uses, then verdicts)", got, want)
	}
	got, err := db.Article(ctx, c)
	if err != nil || got.Uses != 1 {
		t.Fatalf("KB-%d uses = %d, %v; want 1", c, got.Uses, err)
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
