package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// hotQuery is a query that runs on every refresh of a pane, with arguments
// that exercise its filtered form where it has one.
type hotQuery struct {
	name  string
	query string
	args  []any
}

// windowSorted are the hot queries whose temp B-tree sorts a bounded window,
// not the table: the article search orders its best few dozen by use, a
// text filter its candidates (at most candidatesMax), the training reads
// the articles every operator must read.
var windowSorted = map[string]bool{"article search": true, "training articles": true, "training reads": true,
	"feed text, few candidates": true, "feed firing text, few candidates": true}

// hotQueries lists every query with a latency budget. The plan test asserts
// none of them sorts in a temp B-tree; `bench/queries` times them.
var hotQueries = func() []hotQuery {
	now := time.Now().UnixMilli()
	week := int64(7 * 24 * time.Hour / time.Millisecond)
	words := wordTerms("INC-42 checkout")
	fields := matcherTerms([]model.Matcher{{Label: "service", Op: model.MatchNotEqual, Value: "orders"}})
	labels := matcherTerms([]model.Matcher{{Label: "env", Op: model.MatchRegexp, Value: "prod.*"}})
	// The feed's statements: rest of the words (?1), labels, limit,
	// offset, storm, conditions, storm members, candidates (?8, ?9), the
	// first two words (?10 to ?13).
	inline, rest := feedWords("INC-42 checkout disk")
	feed := func(words bool, labels any, cond, members int, match any) []any {
		args := []any{nil, labels, 60, 0, 0, cond, members, match, "[]", nil, nil, nil, nil}
		if words {
			args[0], args[9], args[10], args[11], args[12] = rest, inline[0], inline[1], inline[2], inline[3]
		}
		return args
	}
	return []hotQuery{
		{"queue", queueOpenSQL, []any{nil, nil, 60, 0, false, 0, false, nil, false, 0}},
		{"queue filtered", queueOpenSQL, []any{words, fields, 60, 0, false, 6, true, "alice", false, 5}},
		{"queue at risk", queueOpenSQL, []any{nil, nil, 60, 0, true, 0, false, nil, false, 0}},
		{"queue all", queueAllSQL, []any{nil, nil, 60, 0, false, 0, false, nil, false, 0}},
		{"queue all filtered", queueAllSQL, []any{words, fields, 60, 0, false, 0, false, nil, true, 0}},
		{"feed", feedSQL, feed(false, nil, 0, 0, nil)},
		{"feed filtered", feedSQL, feed(true, labels, 3, 0, nil)},
		{"feed filtered, storm members", feedSQL, feed(true, labels, 3, 1, nil)},
		{"feed filtered, storm members to a full page", feedMembersBoundSQL, append(feed(true, labels, 3, 1, nil), 2)},
		{"feed firing", feedFiringSQL, feed(false, nil, 0, 0, nil)},
		{"feed firing filtered", feedFiringSQL, feed(true, labels, 3, 0, nil)},
		{"feed text, few candidates", feedCandidatesSQL, feed(true, labels, 0, 0, `"dis" AND "isk"`)},
		{"feed firing text, few candidates", feedFiringCandidatesSQL, feed(true, labels, 0, 0, `"dis" AND "isk"`)},
		{"feed storm", feedStormSQL, func() []any { a := feed(false, nil, 0, 0, nil); a[4] = 1; return a }()},
		{"counts", countsSQL, nil},
		{"alert volume", alertVolumeSQL, []any{1, now - week, now}},
		{"changes between", changesBetweenSQL, []any{now - week, now + week}},
		{"next change", nextChangeSQL, []any{now}},
		{"articles by title", articlesByTitleSQL, []any{60, 0}},
		{"published articles by title", publishedByTitleSQL, []any{60, 0}},
		{"handovers", articlesOfKindSQL, []any{20, 0, "handover", `["retired"]`}},
		{"article search", articlesSearchSQL, []any{ftsQuery("disk full"), "[", "]", 20, 0, `["retired"]`, 50}},
		{"audit", auditSQL, []any{now - week, nil, 60, 0, `["drop.ingest"]`}},
		{"problems", problemsSQL, []any{nil, nil, 60, 0, true}},
		{"problem suggestions", suggestionCandidatesSQL, []any{now - week}},
		{"training articles", requiredArticlesSQL, []any{1}},
		{"training reads", requiredReadsSQL, []any{1}},
	}
}()

// QueryPlan is SQLite's plan for one hot query.
type QueryPlan struct {
	Name string
	// Steps are EXPLAIN QUERY PLAN's detail lines, indented two spaces
	// per level of nesting.
	Steps []string
	// Window says a temp B-tree in it sorts a bounded window, which is
	// allowed, not the table.
	Window bool
}

// TempBTree reports whether the plan sorts rows outside an index, which the
// hot queries must never do.
func (p QueryPlan) TempBTree() bool {
	for _, s := range p.Steps {
		if strings.Contains(s, "TEMP B-TREE") {
			return true
		}
	}
	return false
}

// ExplainHotQueries returns the plan of every query the console runs on
// each refresh, for diagnostics and the benchmark harness.
func (db *DB) ExplainHotQueries(ctx context.Context) ([]QueryPlan, error) {
	plans := make([]QueryPlan, 0, len(hotQueries))
	for _, hq := range hotQueries {
		steps, err := db.explain(ctx, hq.query, hq.args...)
		if err != nil {
			return nil, fmt.Errorf("explain %s: %w", hq.name, err)
		}
		plans = append(plans, QueryPlan{Name: hq.name, Steps: steps, Window: windowSorted[hq.name]})
	}
	return plans, nil
}

func (db *DB) explain(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.readers.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	depth := map[int]int{}
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		depth[id] = depth[parent] + 1
		steps = append(steps, strings.Repeat("  ", depth[id]-1)+detail)
	}
	return steps, rows.Err()
}
