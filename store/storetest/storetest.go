// Package storetest is the contract every hypercare store keeps: one suite
// of tests through the model's store interfaces, run against the SQLite
// store (store) and the PostgreSQL store (store/pg) alike, so the two
// answer every read and write the same way.
package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
)

// Raw is what a test needs beyond the model's interfaces: SQL as another
// tool would run it, past the service layer, with $1-style parameters.
type Raw interface {
	Exec(ctx context.Context, query string, args ...any) error
	// Int runs a query that returns one number.
	Int(ctx context.Context, query string, args ...any) (int64, error)
}

// DB is a store under test with raw access to its database.
type DB struct {
	model.Store
	Raw
}

// Harness opens stores of one kind.
type Harness struct {
	// Open returns a new, empty store, closed when t ends.
	Open func(t *testing.T) DB
	// OpenAgain opens a second store on db's database, as another
	// hypercare process would, closed when t ends.
	OpenAgain func(t *testing.T, db DB) model.Store
}

// Run runs the whole contract, each test on a store of its own.
func Run(t *testing.T, h Harness) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Queue", testQueue},
		{"Feed", testFeed},
		{"ChangesBetween", testChangesBetween},
		{"CountersFollowEveryChange", testCountersFollowEveryChange},
		{"QueueNarrowing", testQueueNarrowing},
		{"ArticleSearch", testArticleSearch},
		{"ArticleSuggestions", testArticleSuggestions},
		{"ArticleSearchRanksByUse", testArticleSearchRanksByUse},
		{"ChangesArticlesServices", testChangesArticlesServices},
		{"WriteRollsBackOnError", testWriteRollsBackOnError},
		{"AuditIsAppendOnly", testAuditIsAppendOnly},
		{"AuditQuery", testAuditQuery},
		{"DeploysRoundTrip", testDeploysRoundTrip},
		{"IncidentsSince", testIncidentsSince},
		{"AlertVolume", testAlertVolume},
		{"ProblemForeignKeys", testProblemForeignKeys},
		{"ProblemSuggestionsCache", testProblemSuggestionsCache},
		{"Subscribe", testSubscribe},
		{"ConcurrentReadersAndWriters", testConcurrentReadersAndWriters},
		{"OtherProcessWriteIsNoticed", testOtherProcessWriteIsNoticed},
		{"LookupAlertsChangesNothing", testLookupAlertsChangesNothing},
		{"ManyNewAlertsReadAhead", testManyNewAlertsReadAhead},
		{"Savepoint", testSavepoint},
		{"IngestAllInOneTransaction", testIngestAllInOneTransaction},
		{"SavepointWriteFails", testSavepointWriteFails},
		{"HeldAlertRefused", testHeldAlertRefused},
		{"IngestAllReadAheadEdges", testIngestAllReadAheadEdges},
		{"PruneRemovesWhatPassedRetention", testPruneRemovesWhatPassedRetention},
		{"AuditLeavesOnlyByRetention", testAuditLeavesOnlyByRetention},
		{"PruneInTheIntakesTransaction", testPruneInTheIntakesTransaction},
		{"PartVersions", testPartVersions},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

func (h Harness) open(t *testing.T) DB {
	t.Helper()
	return h.Open(t)
}

// desk is a desk under the two-service test policy the desk's own tests
// use (modeltest), its clock at 1 March 2025 09:00 UTC.
func (h Harness) desk(t *testing.T) (DB, *model.Desk, *modeltest.Clock) {
	t.Helper()
	db := h.open(t)
	desk := model.NewDesk(db, modeltest.Policy{})
	c := &modeltest.Clock{At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	desk.Now = c.Now
	return db, desk, c
}

var (
	t0    = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	alice = model.Actor{Name: "alice", Role: model.RoleLead}
	bob   = model.Actor{Name: "bob", Role: model.RoleOperator}
)

func insertIncidents(t *testing.T, db model.Store, ins ...*model.Incident) {
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

// importArticles writes fixtures through the import, which keeps the
// states they name, as alice (a lead).
func importArticles(t *testing.T, desk *model.Desk, arts ...model.Article) []model.ArticleVersion {
	t.Helper()
	items := make([]model.ImportItem, len(arts))
	for i, ar := range arts {
		items[i] = model.ImportItem{Source: ar.Slug + ".md", Article: ar}
	}
	res, err := desk.ImportArticles(t.Context(), alice, items)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]model.ArticleVersion, len(res))
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Source, r.Err)
		}
		out[i] = r.Version
	}
	return out
}

// countQueries recount the counters the slow way.
var countQueries = map[string]string{
	"alerts":         "SELECT count(*) FROM alerts",
	"firing":         "SELECT count(*) FROM alerts WHERE state = 'firing'",
	"incidents":      "SELECT count(*) FROM incidents",
	"open_incidents": "SELECT count(*) FROM incidents WHERE state IN ('new', 'in_progress', 'on_hold')",
	"open_p1":        "SELECT count(*) FROM incidents WHERE state IN ('new', 'in_progress', 'on_hold') AND priority = 1",
	"open_p2":        "SELECT count(*) FROM incidents WHERE state IN ('new', 'in_progress', 'on_hold') AND priority = 2",
	// Both stores' SQL: flags as integers, compared explicitly.
	"sla_at_risk": "SELECT count(*) FROM incidents WHERE state IN ('new', 'in_progress', 'on_hold') " +
		"AND ((sla_flags & 1) <> 0 OR ((sla_flags & 12) <> 0 AND ack_at IS NULL))",
}

func checkCounts(t *testing.T, db DB, when string) model.Counts {
	t.Helper()
	ctx := t.Context()
	c, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{"alerts": c.Alerts, "firing": c.Firing, "incidents": c.Incidents,
		"open_incidents": c.OpenIncidents, "open_p1": c.OpenP1, "open_p2": c.OpenP2, "sla_at_risk": c.SLAAtRisk}
	for name, q := range countQueries {
		want, err := db.Int(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if int64(got[name]) != want {
			t.Errorf("%s: counter %s = %d, COUNT(*) = %d", when, name, got[name], want)
		}
	}
	return c
}

// UpsertAlerts stores alerts in one transaction, as deliveries, filling in
// each what UpsertAlert reports (its ID, its marks).
func UpsertAlerts(t *testing.T, db model.Store, alerts []model.Alert) {
	t.Helper()
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
}
