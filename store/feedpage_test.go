package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/storetest"
)

// A filtered feed's page is that part of the whole filtered feed, in its
// order, whatever the page: the walk through the storm members stops where
// a page already full of other alerts ends (feedMembersBoundSQL), and must
// lose no member that belongs on it.
func TestFilteredFeedPages(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	var alerts []model.Alert
	for i := range 300 {
		state := model.AlertFiring
		if i%5 == 0 {
			state = model.AlertResolved
		}
		alerts = append(alerts, model.Alert{DedupKey: fmt.Sprintf("p%03d", i), Name: []string{"DiskFull", "HighLatency"}[i%2],
			Severity: model.Severity(1 + (i/2)%3), State: state, Service: fmt.Sprintf("svc-%02d", i%7),
			Summary: fmt.Sprintf("node-%d", i%11), LastSeen: t0.Add(time.Duration(i*37%300) * time.Second)})
	}
	storetest.UpsertAlerts(t, db, alerts)
	// A third are storm members (of every severity, firing or not), and
	// some are stale: firing, but not counted as such.
	for _, q := range []string{"UPDATE alerts SET storm_member = 1 WHERE id % 3 = 0", "UPDATE alerts SET stale = 1 WHERE id % 13 = 0"} {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q model.FeedQuery) []int64 {
		t.Helper()
		got, err := db.Feed(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int64, len(got))
		for i, a := range got {
			out[i] = a.ID
		}
		return out
	}
	// Words too short for the text index, a record's number and label
	// matchers: each a walk of the feed, not a read of candidates.
	queries := []model.FeedQuery{
		{Filter: "Di"}, {Filter: "-0"}, {Filter: "1"}, {Filter: "ALR-42"},
		{Labels: []model.Matcher{{Label: "service", Op: model.MatchRegexp, Value: "svc-0[1-3]"}}},
		{Only: []string{"stale"}},
	}
	for _, base := range queries {
		for _, firing := range []bool{false, true} {
			base.Firing = firing
			all := ids(base)
			if len(all) == 0 && base.Filter != "ALR-42" && !(firing && base.Only != nil) { // stale alerts do not count as firing
				t.Fatalf("%+v finds nothing: the test needs alerts to page through", base)
			}
			for _, limit := range []int{1, 4, 9, 40} {
				for _, off := range []int{0, 3, 17} {
					q := base
					q.Limit, q.Offset = limit, off
					want := all[min(off, len(all)):min(off+limit, len(all))]
					if got := ids(q); !slices.Equal(got, want) {
						t.Errorf("%+v: page %v; want %v", q, got, want)
					}
				}
			}
		}
	}
}
