package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/storetest"
)

func TestTrigramQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"db", ""},
		{"  db  ", ""},
		{"Disk", `"dis" AND "isk"`},
		{"aaaa", `"aaa"`},
		{`a"b c`, `"a""b" AND """b " AND "b c"`},
		{"Über", `"übe" AND "ber"`},
		{"abcdefghijklmnopqrstuvwxyz", `"abc" AND "cde" AND "efg" AND "ghi" AND "ijk" AND "klm" AND "mno" AND "opq" AND "qrs" AND "stu" AND "uvw" AND "wxy"`},
	} {
		if got := trigramQuery(tc.in); got != tc.want {
			t.Errorf("trigramQuery(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// feedKeys is the feed for a filter, as dedup keys.
func feedKeys(t *testing.T, db *DB, q model.FeedQuery) []string {
	t.Helper()
	q.Limit = 10000
	got, err := db.Feed(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range got {
		out = append(out, a.DedupKey)
	}
	slices.Sort(out)
	return out
}

// The text filter finds the same alerts whatever the index holds: nothing
// yet, everything, an alert whose text changed since it was indexed, and
// after alerts are deleted; and whether the feed reads candidates (few) or
// walks (many). What it finds is what contains the text, in name, service
// or summary, whatever the case, or the alert the text names.
func TestAlertTextFilterFollowsTheIndex(t *testing.T) {
	// A sample small enough that "svc" (in every alert) and other common
	// trigrams are left out of the index's query, as they are at scale:
	// what the filter finds must not change.
	defer func(was int) { termSample = was }(termSample)
	termSample = 300
	ctx := t.Context()
	db := openTest(t)
	db.stopIndex() // this test moves the index itself
	<-db.indexDone
	var alerts []model.Alert
	names := []string{"DiskFull", "HighLatency", "PodCrashLooping", "CertificateExpiring"}
	for i := range 2100 {
		alerts = append(alerts, model.Alert{DedupKey: fmt.Sprintf("k%04d", i), Name: names[i%len(names)],
			Severity: model.Severity(1 + i%3), State: model.AlertFiring, Service: fmt.Sprintf("svc-%02d", i%40),
			Summary: fmt.Sprintf("instance node-%d: %d over threshold", i%17, i), LastSeen: t0.Add(time.Duration(i) * time.Second)})
	}
	alerts[7].Summary = `quote " and 100%_sure`
	upsert := func(as ...model.Alert) { t.Helper(); storetest.UpsertAlerts(t, db, as) }
	upsert(alerts...)
	// Every seventh is a storm's member: a filter finds them too, through
	// the members' own candidates when the text is common.
	if _, err := db.writer.ExecContext(ctx, "UPDATE alerts SET storm_member = 1 WHERE id % 7 = 0"); err != nil {
		t.Fatal(err)
	}
	filters := []string{"diskfull", "latency", "svc-07", "node-1", "node-16:", "1234 over", "threshold", "xyzzy",
		`" and 100%_`, "ALR-42", "Full svc", "svc", "de-", "ALR-42 disk", "latency 1 svc-0"}
	// Every word must be in the text, or name the alert ("ALR-42",
	// "svc-07": a reference too).
	want := func(f string) []string {
		var out []string
	alerts:
		for _, a := range alerts {
			text := strings.ToLower(a.Name + "\x00" + a.Service + "\x00" + a.Summary)
			for _, w := range strings.Fields(f) {
				if _, id := textFilter(w); !strings.Contains(text, strings.ToLower(w)) && id != a.ID {
					continue alerts
				}
			}
			out = append(out, a.DedupKey)
		}
		slices.Sort(out)
		return out
	}
	check := func(stage string) {
		t.Helper()
		for _, f := range filters {
			for _, firing := range []bool{false, true} {
				got := feedKeys(t, db, model.FeedQuery{Filter: f, Firing: firing})
				if w := want(f); !slices.Equal(got, w) {
					t.Errorf("%s: filter %q (firing %v): %d alerts, want %d\ngot  %.200v\nwant %.200v", stage, f, firing, len(got), len(w), got, w)
				}
			}
		}
	}
	check("nothing indexed")
	for {
		n, err := db.indexAlertText(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	check("all indexed")

	// Text changed after indexing: found by its new text, not its old.
	alerts[3].Summary, alerts[5].Name = "replica lag on db-6", "MemoryPressure"
	upsert(alerts[3], alerts[5])
	alerts[3].Summary = "replica lag on db-7" // and again before the index reads it
	upsert(alerts[3])
	filters = append(filters, "replica lag", "memorypress")
	check("text changed")
	if n, err := db.indexAlertText(ctx, 500); err != nil || n != 2 {
		t.Fatalf("reindexed %d, %v; want the 2 changed", n, err)
	}
	check("changed text indexed")

	// New alerts after the index: found before it reaches them.
	alerts = append(alerts, model.Alert{DedupKey: "new", Name: "ZombieProcess", Severity: model.SevInfo, State: model.AlertFiring, LastSeen: t0})
	upsert(alerts[len(alerts)-1])
	filters = append(filters, "zombie")
	check("new alert")

	// Deleted alerts leave the index with them.
	if _, err := db.writer.ExecContext(ctx, "DELETE FROM alerts WHERE id IN (1, 2, 3)"); err != nil {
		t.Fatal(err)
	}
	alerts = alerts[3:]
	var left int
	if err := db.writer.QueryRowContext(ctx, "SELECT count(*) FROM alerts_text WHERE alerts_text MATCH ?", trigramQuery("DiskFull")).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 524 { // 525 DiskFull alerts, k0000 deleted
		t.Errorf("index answers %d DiskFull alerts after deleting one of 525", left)
	}
	check("deleted")
}

// A text filter with few candidates reads them by id through the index
// and sorts that window; it never walks the alerts.
func TestFeedCandidatesPlan(t *testing.T) {
	db := openTest(t)
	for _, q := range []string{feedCandidatesSQL, feedFiringCandidatesSQL} {
		steps, err := db.explain(t.Context(), q, nil, nil, 60, 0, 0, 0, 0, `"dis" AND "isk"`, "[]", "%disk%", nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(steps, "\n")
		for _, want := range []string{"VIRTUAL TABLE INDEX", "SEARCH alerts USING INTEGER PRIMARY KEY (rowid=?)"} {
			if !strings.Contains(text, want) {
				t.Errorf("plan lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "alerts_feed") || strings.Contains(text, "SCAN alerts\n") {
			t.Errorf("plan walks the alerts:\n%s", text)
		}
	}
}

// A word that reads as a record number ("svc-03": record 3) still narrows
// the candidates by its text: a filter of it alone is read off the index,
// not by walking the feed.
func TestRecordLikeWordsUseTheIndex(t *testing.T) {
	db := openTest(t)
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var alerts []model.Alert
	for i := range 30 {
		alerts = append(alerts, model.Alert{DedupKey: fmt.Sprintf("r%02d", i), Name: "HighLatency", Severity: model.SevWarning,
			State: model.AlertFiring, Service: fmt.Sprintf("svc-%02d", i%10), Summary: "slow", LastSeen: t0})
	}
	storetest.UpsertAlerts(t, db, alerts)
	for {
		n, err := db.indexAlertText(t.Context(), 500)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	match, ids, few, err := db.textCandidates(t.Context(), "svc-03")
	if err != nil {
		t.Fatal(err)
	}
	if !few || match == "" || ids != "[3]" {
		t.Fatalf("candidates for svc-03: match %q, ids %s, few %v; want its trigrams, record 3, few", match, ids, few)
	}
	got := feedKeys(t, db, model.FeedQuery{Filter: "svc-03"})
	want := []string{"r02", "r03", "r13", "r23"} // record 3 is r02; svc-03 is every tenth from r03
	if !slices.Equal(got, want) {
		t.Fatalf("feed for svc-03 = %v, want %v", got, want)
	}
}

// The DB's own indexer catches up after commits.
func TestIndexerFollowsCommits(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	err := db.Write(ctx, func(tx model.Tx) error {
		_, err := tx.UpsertAlert(&model.Alert{DedupKey: "x", Name: "DiskFull", Severity: model.SevWarning, State: model.AlertFiring, LastSeen: t0}, time.Time{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var to int64
		if err := db.readers.QueryRowContext(ctx, indexedToSQL).Scan(&to); err != nil {
			t.Fatal(err)
		}
		if to == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the indexer never indexed the alert")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A filter that walks the feed (a label, a condition, short text) reads
// the storm members' range beside the rest and merges them: every page is
// in feed order and the pages follow on.
func TestFilteredFeedMergesStormMembers(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	var events []model.AlertEvent
	for i := range 30 {
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprint("m", i), Name: "PodCrashLooping",
			State: model.AlertFiring, Severity: model.Severity(1 + i%3), Labels: map[string]string{"service": "orders", "zone": fmt.Sprint("z", i%2)}}})
	}
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "storm", Group: "g", Events: events}); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		clk.Tick()
		st := model.AlertFiring
		if i%4 == 0 {
			st = model.AlertResolved
		}
		a := model.Alert{DedupKey: fmt.Sprint("h", i), Name: "DiskFull", State: st, Severity: model.Severity(1 + i%3),
			Labels: map[string]string{"service": "orders", "zone": fmt.Sprint("z", i%2)}}
		if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: fmt.Sprint("h", i), Group: fmt.Sprint("h", i), Events: []model.AlertEvent{{Alert: a}}}); err != nil {
			t.Fatal(err)
		}
	}
	if heads := feedKeys(t, db, model.FeedQuery{}); len(heads) != 31 {
		t.Fatalf("unfiltered feed: %d rows, want 30 alerts and the storm's row", len(heads))
	}
	whole, err := db.Feed(ctx, model.FeedQuery{Labels: []model.Matcher{{Label: "zone", Op: model.MatchEqual, Value: "z1"}}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) != 30 {
		t.Fatalf("zone z1: %d alerts, want 15 storm members and 15 others", len(whole))
	}
	if !slices.IsSortedFunc(whole, feedBefore) {
		t.Errorf("zone z1 is not in feed order: %v", refs(whole, func(a model.Alert) string { return a.DedupKey }))
	}
	var paged []model.Alert
	for off := 0; off < 35; off += 7 {
		page, err := db.Feed(ctx, model.FeedQuery{Labels: []model.Matcher{{Label: "zone", Op: model.MatchEqual, Value: "z1"}}, Offset: off, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
	}
	if got, want := refs(paged, func(a model.Alert) string { return a.DedupKey }), refs(whole, func(a model.Alert) string { return a.DedupKey }); got != want {
		t.Errorf("pages of 7:\n%s\nwant\n%s", got, want)
	}
}

// The trigrams are counted in five windows spread over the index, or
// over all of a small one, never past its end.
func TestTermWindows(t *testing.T) {
	defer func(was int) { termSample = was }(termSample)
	termSample = 10000
	for _, tc := range []struct {
		indexedTo      int64
		starts         [5]int64
		width, sampled int64
	}{
		{0, [5]int64{0, 0, 0, 0, 0}, 0, 0},
		{7, [5]int64{0, 2, 4, 6, 8}, 2, 7},
		{10000, [5]int64{0, 2000, 4000, 6000, 8000}, 2000, 10000},
		{1000000, [5]int64{99000, 299000, 499000, 699000, 899000}, 2000, 10000},
	} {
		starts, width, sampled := termWindows(tc.indexedTo)
		if starts != tc.starts || width != tc.width || sampled != tc.sampled {
			t.Errorf("%d indexed: windows at %v of %d (%d in all); want at %v of %d (%d)",
				tc.indexedTo, starts, width, sampled, tc.starts, tc.width, tc.sampled)
		}
		if last := starts[4] + width; tc.indexedTo > int64(termSample) && last > tc.indexedTo {
			t.Errorf("%d indexed: the last window ends at %d, past the index", tc.indexedTo, last)
		}
	}
}
