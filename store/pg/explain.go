package pg

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
	// free marks a query whose plan rightly depends on how many rows
	// match (plan_test.go says why): it is not held to one index.
	free bool
}

// hotQueries lists every query with a latency budget, as store/explain.go
// does for SQLite; the plan test asserts each walks its index and none
// sorts what it reads.
var hotQueries = func() []hotQuery {
	now := time.Now().UnixMilli()
	week := int64(7 * 24 * time.Hour / time.Millisecond)
	words := wordTerms("INC-42 checkout")
	fields := matcherTerms([]model.Matcher{{Label: "service", Op: model.MatchNotEqual, Value: "orders"}})
	labels := matcherTerms([]model.Matcher{{Label: "env", Op: model.MatchRegexp, Value: "prod.*"}})
	return []hotQuery{
		{"queue", queueOpenSQL, []any{nil, nil, 60, 0, false, 0, false, nil, false, 0}, false},
		{"queue filtered", queueOpenSQL, []any{words, fields, 60, 0, false, 6, true, "alice", false, 5}, false},
		{"queue at risk", queueOpenSQL, []any{nil, nil, 60, 0, true, 0, false, nil, false, 0}, false},
		{"queue all", queueAllSQL, []any{nil, nil, 60, 0, false, 0, false, nil, false, 0}, false},
		{"queue all filtered", queueAllSQL, []any{words, fields, 60, 0, false, 0, false, nil, true, 0}, true},
		{"feed", feedSQL, []any{nil, nil, 60, 0, 0}, false},
		{"feed filtered", feedAllSQL, []any{words, labels, 60, 0, 3}, true},
		{"feed firing", feedFiringSQL, []any{nil, nil, 60, 0, 0}, false},
		{"feed firing filtered", feedFiringAllSQL, []any{words, labels, 60, 0, 3}, true},
		{"feed storm", feedStormSQL, []any{nil, nil, 60, 0, 0, int64(1)}, false},
		{"counts", countsSQL, nil, false},
		{"alert volume", alertVolumeSQL, []any{1, now - week, now}, true},
		{"changes between", changesBetweenSQL, []any{now - week, now + week}, false},
		{"next change", nextChangeSQL, []any{now}, false},
		{"articles by title", articlesByTitleSQL, []any{60, 0}, false},
		{"published articles by title", publishedByTitleSQL, []any{60, 0}, false},
		{"handovers", articlesOfKindSQL, []any{20, 0, "handover", []string{"retired"}}, false},
		{"article search", articlesSearchSQL, []any{searchQuery("disk full"), headlineOptions, 20, 0, []string{"retired"}, 50}, false},
		{"audit", auditSQL, []any{now - week, nil, 60, 0, []string{"drop.ingest"}}, false},
		{"problems", problemsSQL, []any{nil, nil, 60, 0, true}, false},
		{"problem suggestions", suggestionCandidatesSQL, []any{now - week}, false},
	}
}()

// QueryPlan is PostgreSQL's plan for one hot query.
type QueryPlan struct {
	Name  string
	Steps []string // EXPLAIN's lines
	// Free is set on the queries whose plan rightly depends on what
	// matches (a typed filter, the alert volume's window); the others
	// must read in order off their index.
	Free bool
}

// Sorts reports whether the plan sorts rows (a Sort node) rather than
// reading them in order off an index.
func (p QueryPlan) Sorts() bool {
	for _, s := range p.Steps {
		if strings.Contains(s, "Sort  (") || strings.HasPrefix(strings.TrimLeft(s, " ->"), "Sort ") {
			return true
		}
	}
	return false
}

// ExplainHotQueries returns the plan of every query the console runs on
// each refresh, for diagnostics and the plan test.
func (db *DB) ExplainHotQueries(ctx context.Context) ([]QueryPlan, error) {
	plans := make([]QueryPlan, 0, len(hotQueries))
	for _, hq := range hotQueries {
		steps, err := db.explain(ctx, hq.query, hq.args...)
		if err != nil {
			return nil, fmt.Errorf("explain %s: %w", hq.name, err)
		}
		plans = append(plans, QueryPlan{Name: hq.name, Steps: steps, Free: hq.free})
	}
	return plans, nil
}

func (db *DB) explain(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.pool.Query(ctx, "EXPLAIN "+query, args...)
	return collect(rows, err, "plan", func(s scanner) (string, error) {
		var line string
		return line, s.Scan(&line)
	})
}
