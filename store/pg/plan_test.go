package pg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5"
)

// seedSQL fills a schema with enough rows that the planner's choices are
// the ones it makes on a real database: 50k alerts (a tenth firing, some in
// storms), 20k incidents (a few hundred open), changes, articles, audit.
// Empty tables would be scanned whatever their indexes.
const seedSQL = `
INSERT INTO alerts (dedup_key, name, severity, state, service, summary, first_seen, last_seen, storm_id, storm_member)
SELECT 'k' || i, 'Alert' || (i % 50), 1 + i % 4, CASE WHEN i % 10 = 0 THEN 'firing' ELSE 'resolved' END,
	'svc' || (i % 20), 'summary ' || i, 1700000000000 + i::bigint * 1000, 1700000000000 + i::bigint * 1000,
	CASE WHEN i % 100 = 0 THEN i / 1000 END, i % 100 = 0 AND i % 1000 <> 0
FROM generate_series(1, 50000) i;
INSERT INTO incidents (kind, title, service, impact, urgency, priority, state, major, opened_at, updated_at, resolve_due)
SELECT 'incident', 'incident ' || i, 'svc' || (i % 20), 2, 2, 1 + i % 5,
	CASE WHEN i % 50 = 0 THEN 'new' ELSE 'closed' END, i % 500 = 0, 1700000000000 + i::bigint * 60000, 1700000000000 + i::bigint * 60000,
	1700000000000 + i::bigint * 60000 + 3600000
FROM generate_series(1, 20000) i;
INSERT INTO changes (title, type, state, risk, start_at, end_at)
SELECT 'change ' || i, 'normal', 'closed', 2, 1700000000000 + i::bigint * 3600000, 1700000000000 + i::bigint * 3600000 + 7200000
FROM generate_series(1, 5000) i;
INSERT INTO articles (slug, title, kind, state, body)
SELECT 'a' || i, 'Article ' || i, CASE WHEN i % 3 = 0 THEN 'handover' ELSE 'runbook' END,
	CASE WHEN i % 4 = 0 THEN 'draft' ELSE 'published' END,
	CASE WHEN i % 100 = 0 THEN 'disk full on host ' ELSE 'restart host ' END || i || ' after replication lag'
FROM generate_series(1, 3000) i;
INSERT INTO audit (at, actor, action, entity) SELECT 1700000000000 + i::bigint * 1000, 'alice', 'incident.note', 'INC-' || i
FROM generate_series(1, 50000) i;
INSERT INTO problems (title, state, created_at, updated_at)
SELECT 'problem ' || i, CASE WHEN i % 3 = 0 THEN 'closed' ELSE 'rca' END, 1700000000000 + i, 1700000000000 + i
FROM generate_series(1, 3000) i;
ANALYZE;
`

// expectedIndex names the index each hot query must walk. "" marks the
// queries whose plan rightly depends on how many rows match: a filter
// typed into a pane ('%db%' matches anywhere, which no B-tree serves) is
// either tested on the index's walk in order, when many rows match, or on
// a scan whose few matches are then sorted, when few do, and PostgreSQL
// picks by its statistics; the alert volume reads from the window's first
// alert by id or by time, whichever is fewer rows. Those are run and
// their plans logged, not held to one index.
var expectedIndex = map[string]string{
	"queue":                       "incidents_queue",
	"queue filtered":              "incidents_queue",
	"queue at risk":               "incidents_queue",
	"queue all":                   "incidents_opened",
	"queue all filtered":          "",
	"feed":                        "alerts_feed",
	"feed filtered":               "",
	"feed firing":                 "alerts_feed",
	"feed firing filtered":        "",
	"feed storm":                  "alerts_storm",
	"counts":                      "counters",
	"changes between":             "changes_start",
	"next change":                 "changes_start",
	"articles by title":           "articles_title",
	"published articles by title": "articles_published",
	"alert volume":                "",
	"handovers":                   "articles_pkey",
	"article search":              "articles_search",
	"audit":                       "audit_at",
	"problems":                    "problems_list",
	"problem suggestions":         "incidents_recurrence",
}

// windowSorted are the queries whose sort orders a bounded window, not the
// table: the article search orders its best few dozen by use.
var windowSorted = map[string]bool{"article search": true, "counts": true}

// The hot queries read their rows in order off their indexes: EXPLAIN
// shows each index and no sort of the table.
func TestHotQueryPlans(t *testing.T) {
	db := openTest(t)
	if _, err := db.pool.Exec(t.Context(), seedSQL); err != nil {
		t.Fatal(err)
	}
	// A write folds the counting triggers' deltas, as every write does;
	// VACUUM moves the bulk load out of the GIN index's pending list.
	if err := db.Write(t.Context(), func(model.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(t.Context(), "VACUUM ANALYZE"); err != nil {
		t.Fatal(err)
	}
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
		idx, ok := expectedIndex[p.Name]
		if !ok {
			t.Errorf("%s: no expectation", p.Name)
			continue
		}
		if (idx == "") != p.Free {
			t.Errorf("%s: free %v, but the test expects index %q", p.Name, p.Free, idx)
		}
		if idx == "" {
			continue
		}
		if p.Sorts() && !windowSorted[p.Name] {
			t.Errorf("%s sorts its rows:\n%s", p.Name, text)
		}
		if !strings.Contains(text, " "+idx+" ") && !strings.HasSuffix(text, " "+idx) && !strings.Contains(text, " "+idx+"\n") {
			t.Errorf("%s does not use %s:\n%s", p.Name, idx, text)
		}
	}
}

// With the trigram index (migration 0019), a text filter takes it for text
// few alerts hold and walks alerts_feed for text many hold, as the planner
// judges from the text itself; either way the feed is the one the filter
// gives without the index.
func TestTextFilterTrigrams(t *testing.T) {
	db := openTest(t)
	if !db.trigrams {
		t.Fatal("no trigram index: the test cluster's owner may create pg_trgm, so migration 0019 should have made it")
	}
	if _, err := db.pool.Exec(t.Context(), seedSQL); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(t.Context(), "VACUUM ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		word, index string
	}{{"summary 12345", "alerts_text_trgm"}, {"svc1", "alerts_feed"}} {
		p, _ := textFilter(tc.word)
		rows, err := db.pool.Query(t.Context(), "EXPLAIN "+feedTextSQL[0][0], pgx.QueryExecModeExec,
			wordTerms(tc.word), nil, 60, 0, 0, p)
		steps, err := collect(rows, err, "plan", func(s scanner) (string, error) {
			var line string
			return line, s.Scan(&line)
		})
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(steps, "\n")
		if !strings.Contains(plan, tc.index) || tc.index == "alerts_feed" && strings.Contains(plan, "alerts_text_trgm") {
			t.Errorf("%q does not take %s:\n%s", tc.word, tc.index, plan)
		}
	}
	for _, q := range []model.FeedQuery{
		{Filter: "summary 12345", Limit: 60}, {Filter: "svc1", Limit: 60}, {Filter: "alert10 SVC10", Limit: 60, Firing: true},
		{Filter: "no-such-text", Limit: 60}, {Filter: "42", Limit: 60}, {Filter: "ALR-4200 summary", Limit: 60, Members: true},
		{Filter: "summary 1", Limit: 20, Offset: 40},
	} {
		db.trigrams = true
		with, err := db.Feed(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		db.trigrams = false
		without, err := db.Feed(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(with), ids(without); got != want {
			t.Errorf("%+v: %s with the index, %s without", q, got, want)
		}
		if q.Filter == "no-such-text" && len(with) > 0 || q.Filter != "no-such-text" && len(with) == 0 {
			t.Errorf("%+v: %d alerts", q, len(with))
		}
	}
}

func ids(as []model.Alert) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "%d ", a.ID)
	}
	return b.String()
}

// Where pg_trgm could not be created there is no trigram index: the store
// sees that when it opens the database, and the text filter walks the
// feed as before.
func TestNoTrigramIndex(t *testing.T) {
	db := openTest(t)
	if _, err := db.pool.Exec(t.Context(), seedSQL+"DROP INDEX alerts_text_trgm;"); err != nil {
		t.Fatal(err)
	}
	again := openURL(t, db.url)
	if again.trigrams {
		t.Fatal("trigrams on without the index")
	}
	feed, err := again.Feed(t.Context(), model.FeedQuery{Filter: "summary 12345", Limit: 10})
	if err != nil || len(feed) != 1 || feed[0].Summary != "summary 12345" {
		t.Fatalf("feed %+v, %v; want the one alert", feed, err)
	}
}
