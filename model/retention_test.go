package model_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/store"
)

// weekPolicy keeps everything for a week.
type weekPolicy struct{ modeltest.Policy }

func (weekPolicy) Retention() model.Retention {
	return model.Retention{Alerts: 7 * 24 * time.Hour, AlertHistory: 7 * 24 * time.Hour, Audit: 7 * 24 * time.Hour}
}

func ingestAt(t *testing.T, desk *model.Desk, name, group string, events ...model.AlertEvent) {
	t.Helper()
	d := model.Drop{Name: name, SHA256: "sha-" + name, Group: group, Events: events}
	if _, err := desk.Ingest(t.Context(), model.System, d); err != nil {
		t.Fatal(err)
	}
}

func firing(key string) model.AlertEvent {
	return model.AlertEvent{Alert: model.Alert{DedupKey: key, Name: "DiskFull " + key, State: model.AlertFiring,
		Severity: model.SevWarning, Labels: map[string]string{"service": "orders"}}}
}

func resolved(key string) model.AlertEvent {
	return model.AlertEvent{Alert: model.Alert{DedupKey: key, State: model.AlertResolved}}
}

// rowsIn counts a table's rows through a snapshot, as export all reads them.
func rowsIn(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	snap, err := db.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	n := 0
	if err := snap.Rows(t.Context(), table, func([]string, []any) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// archived reads an archive's files: table → its lines, decoded.
func archived(t *testing.T, dir string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		table := strings.TrimSuffix(name[strings.LastIndex(name, "Z-")+2:], ".jsonl")
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var row map[string]any
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("%s: %q: %v", name, sc.Text(), err)
			}
			out[table] = append(out[table], row)
		}
		f.Close()
	}
	return out
}

// A week's retention ten days on: resolved alerts seen before the cutoff
// go with their history and the storm they empty, a storm with firing
// members left keeps them and is shown by one of them, older history of the
// alerts kept goes, and so do old drop records and audit entries; every one
// of them is in the archive first. The dry run counts exactly what the
// prune then removes, in batches no larger than asked, each on record, and
// the header counts still match the rows.
func TestPruneArchivesThenRemovesWhatIsPastRetention(t *testing.T) {
	ctx := t.Context()
	db, _, clk := newDesk(t)
	desk := model.NewDesk(db, weekPolicy{})
	desk.Now = clk.Now
	day0 := clk.At

	ingestAt(t, desk, "d0", "", firing("gone"), firing("kept-firing"), firing("flappy"))
	var stormA, stormB []model.AlertEvent
	for i := range 25 {
		stormA = append(stormA, firing(fmt.Sprintf("a-%d", i)))
	}
	for i := range 22 {
		stormB = append(stormB, firing(fmt.Sprintf("b-%d", i)))
	}
	ingestAt(t, desk, "storm-a", "ga", stormA...)
	ingestAt(t, desk, "storm-b", "gb", stormB...)
	clk.At = day0.Add(time.Hour)
	resolves := []model.AlertEvent{resolved("gone"), resolved("flappy")}
	for i := range 20 {
		resolves = append(resolves, resolved(fmt.Sprintf("a-%d", i)))
	}
	for i := range 22 {
		resolves = append(resolves, resolved(fmt.Sprintf("b-%d", i)))
	}
	ingestAt(t, desk, "resolves", "", resolves...)
	clk.At = day0.Add(9 * 24 * time.Hour)
	ingestAt(t, desk, "refire", "", firing("flappy"))
	clk.At = day0.Add(10 * 24 * time.Hour)

	auditBefore := rowsIn(t, db, "audit")
	want := model.Pruned{
		Alerts: 1 + 20 + 22, // gone, storm A's resolved, all of storm B
		// Two changes of each alert that goes, flappy's first firing and
		// resolve, and the first firing of the six alerts still firing.
		AlertChanges: 2*43 + 2 + 6,
		Storms:       1, // B
		Drops:        4, // d0, storm-a, storm-b, resolves
		Audit:        4, // their drop.ingest entries
	}
	dry, err := desk.Prune(ctx, model.System, clk.At, model.PruneRun{DryRun: true})
	if err != nil || dry != want {
		t.Fatalf("dry run = %+v, %v\nwant %+v", dry, err, want)
	}
	if n := rowsIn(t, db, "alerts"); n != 25+22+3 || rowsIn(t, db, "audit") != auditBefore {
		t.Fatalf("the dry run removed something: %d alerts", n)
	}

	if _, err := desk.Prune(ctx, bob, clk.At, model.PruneRun{Archive: failingArchive{}}); !errors.As(err, new(model.ErrForbidden)) {
		t.Fatalf("an operator's prune = %v; want refused (admins only)", err)
	}
	if got, err := desk.Prune(ctx, bob, clk.At, model.PruneRun{DryRun: true}); err != nil || got != want {
		t.Fatalf("an operator's dry run = %+v, %v; want the counts (it only reads)", got, err)
	}

	dir := t.TempDir()
	arch := store.NewArchive(dir, clk.At)
	got, err := desk.Prune(ctx, model.System, clk.At, model.PruneRun{Archive: arch, Batch: 4})
	if err != nil || got != want {
		t.Fatalf("prune = %+v, %v\nwant %+v", got, err, want)
	}
	arch.Close()

	// The archive holds every record removed, whole.
	kept := archived(t, dir)
	for table, n := range map[string]int{"alerts": want.Alerts, "alert_changes": want.AlertChanges,
		"storms": want.Storms, "drops": want.Drops, "audit": want.Audit} {
		if len(kept[table]) != n {
			t.Errorf("archive of %s: %d rows, want %d", table, len(kept[table]), n)
		}
	}
	for _, row := range kept["alerts"] {
		if row["state"] != "resolved" || row["dedup_key"] == "flappy" || row["dedup_key"] == "kept-firing" {
			t.Errorf("archived alert %v: only resolved alerts past retention go", row)
		}
	}
	if len(kept["alerts"]) > 0 && kept["alerts"][0]["labels"] != `{"service":"orders"}` {
		t.Errorf("archived labels = %v; want the stored JSON text", kept["alerts"][0]["labels"])
	}

	// What stays.
	if n := rowsIn(t, db, "alerts"); n != 25+22+3-want.Alerts {
		t.Errorf("%d alerts left, want %d", n, 25+22+3-want.Alerts)
	}
	c, err := db.Counts(ctx)
	if err != nil || c.Alerts != rowsIn(t, db, "alerts") || c.Firing != 7 {
		t.Errorf("counts after prune = %+v, %v; want %d alerts, 7 firing", c, err, rowsIn(t, db, "alerts"))
	}
	feed, err := db.Feed(ctx, model.FeedQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var storms int
	for _, a := range feed {
		if a.StormID != 0 {
			storms++
			if a.StormSize != 5 || a.StormFiring != 5 || a.State != model.AlertFiring {
				t.Errorf("storm A after prune: %s size %d firing %d %s; want 5 firing members shown by a firing one",
					a.DedupKey, a.StormSize, a.StormFiring, a.State)
			}
		}
	}
	if storms != 1 || len(feed) != 3 {
		t.Errorf("feed after prune: %d rows, %d storms; want kept-firing, flappy and storm A", len(feed), storms)
	}
	flappy := findAlert(t, db, "flappy")
	if hist, err := db.AlertHistory(ctx, flappy.ID); err != nil || len(hist) != 1 || !hist[0].At.Equal(day0.Add(9*24*time.Hour)) {
		t.Errorf("flappy's history = %+v, %v; want only its firing on day 9", hist, err)
	}
	if n := rowsIn(t, db, "drops"); n != 1 {
		t.Errorf("%d drop records left, want the day-9 one", n)
	}

	// Each batch was its own transaction with its own audit entry, none
	// larger than asked.
	entries, err := db.Audit(ctx, model.AuditQuery{Filter: "retention.prune", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	batches := map[string]int{}
	for _, e := range entries {
		var p model.Pruned
		if err := json.Unmarshal([]byte(e.After), &p); err != nil {
			t.Fatal(err)
		}
		if p.Alerts > 4 || p.Drops > 4 || p.Audit > 4 || (e.Entity == "alert_changes" && p.AlertChanges > 4) {
			t.Errorf("batch %s %s larger than 4", e.Entity, e.After)
		}
		batches[e.Entity]++
	}
	if batches["alerts"] != 11 || batches["drops"] != 1 || batches["audit"] != 1 || batches["alert_changes"] != 2 {
		t.Errorf("batches = %v; want alerts 11 (43 by 4), drops 1, alert_changes 2 (8 by 4), audit 1", batches)
	}

	// Pruning again finds nothing and writes nothing.
	n := rowsIn(t, db, "audit")
	again, err := desk.Prune(ctx, model.System, clk.At, model.PruneRun{Archive: store.NewArchive(t.TempDir(), clk.At)})
	if err != nil || again != (model.Pruned{}) || rowsIn(t, db, "audit") != n {
		t.Errorf("second prune = %+v, %v; want nothing, no audit entry", again, err)
	}
}

func findAlert(t *testing.T, db *store.DB, key string) model.Alert {
	t.Helper()
	feed, err := db.Feed(t.Context(), model.FeedQuery{Filter: key, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range feed {
		if a.DedupKey == key {
			return a
		}
	}
	t.Fatalf("no alert %q", key)
	return model.Alert{}
}

type failingArchive struct{}

func (failingArchive) Keep(string, []string, [][]any) error { return errors.New("disk full") }

// An archive that cannot be written stops the prune before anything goes:
// a record is never removed without being kept.
func TestPruneKeepsEverythingWhenTheArchiveFails(t *testing.T) {
	ctx := t.Context()
	db, _, clk := newDesk(t)
	desk := model.NewDesk(db, weekPolicy{})
	desk.Now = clk.Now
	ingestAt(t, desk, "d0", "", firing("x"))
	ingestAt(t, desk, "d1", "", resolved("x"))
	clk.At = clk.At.Add(30 * 24 * time.Hour)
	before := rowsIn(t, db, "alerts") + rowsIn(t, db, "alert_changes") + rowsIn(t, db, "audit") + rowsIn(t, db, "drops")
	_, err := desk.Prune(ctx, model.System, clk.At, model.PruneRun{Archive: failingArchive{}})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("prune = %v; want the archive's error", err)
	}
	after := rowsIn(t, db, "alerts") + rowsIn(t, db, "alert_changes") + rowsIn(t, db, "audit") + rowsIn(t, db, "drops")
	if after != before {
		t.Errorf("%d rows before, %d after a failed archive", before, after)
	}
}

// foreverPolicy keeps everything.
type foreverPolicy struct{ modeltest.Policy }

func (foreverPolicy) Retention() model.Retention { return model.Retention{} }

func TestPruneKeepsForeverWhatThePlanSaysTo(t *testing.T) {
	db, _, clk := newDesk(t)
	desk := model.NewDesk(db, foreverPolicy{})
	desk.Now = clk.Now
	ingestAt(t, desk, "d0", "", firing("x"))
	ingestAt(t, desk, "d1", "", resolved("x"))
	clk.At = clk.At.Add(3650 * 24 * time.Hour)
	for _, dry := range []bool{true, false} {
		got, err := desk.Prune(context.Background(), model.System, clk.At, model.PruneRun{DryRun: dry, Archive: failingArchive{}})
		if err != nil || got != (model.Pruned{}) {
			t.Errorf("dry %v: prune = %+v, %v; want nothing", dry, got, err)
		}
	}
}

// dbSize is the database file's size once the WAL is copied back into
// it (Compact): its pages, not whatever the WAL held at that moment, which
// depends on when the text indexer in the background last committed and
// a checkpoint last ran, and now and then put a transient WAL on a day of
// a soak that was not growing.
func dbSize(t *testing.T, db *store.DB) int64 {
	t.Helper()
	if err := db.Compact(t.Context()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// A 30-day soak on a fake clock with a week's retention: every four hours
// a drop brings 30 new alerts and resolves the last drop's, once a day a
// storm of 25 alerts comes and goes, five alerts fire and resolve every
// day for the whole month, and a prune runs each midnight. Once the first
// week has passed, the tables hold about a week and a day of records
// whatever the day, and the file stops growing: SQLite puts the pages a
// prune frees on its free list and the next days' rows reuse them (no
// vacuum needed, none run). Counters stay equal to the rows.
func TestThirtyDaySoakStaysBounded(t *testing.T) {
	ctx := t.Context()
	db, _, clk := newDesk(t)
	desk := model.NewDesk(db, weekPolicy{})
	desk.Now = clk.Now
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	clk.At = start
	archive := t.TempDir()
	const perDrop, dropsPerDay, storm = 30, 6, 25
	perDay := perDrop*dropsPerDay + storm + 5
	counts := map[string]int{}
	sizes := map[int]int64{}
	seq := 0
	var last []string
	for day := range 30 {
		for d := range dropsPerDay {
			clk.At = start.Add(time.Duration(day)*24*time.Hour + time.Duration(d)*4*time.Hour + time.Minute)
			var evs []model.AlertEvent
			for _, k := range last {
				evs = append(evs, resolved(k))
			}
			last = last[:0]
			for range perDrop {
				seq++
				key := fmt.Sprintf("a-%d", seq)
				evs = append(evs, firing(key))
				last = append(last, key)
			}
			if d == 1 { // the month-long ones fire in the morning…
				for i := range 5 {
					evs = append(evs, firing(fmt.Sprintf("daily-%d", i)))
				}
			}
			if d == 3 { // …and resolve in the afternoon
				for i := range 5 {
					evs = append(evs, resolved(fmt.Sprintf("daily-%d", i)))
				}
			}
			ingestAt(t, desk, fmt.Sprintf("d%d-%d", day, d), "", evs...)
		}
		// The day's storm, over by the next drop.
		clk.At = start.Add(time.Duration(day)*24*time.Hour + 2*time.Hour)
		var st, rs []model.AlertEvent
		for i := range storm {
			key := fmt.Sprintf("storm-%d-%d", day, i)
			st, rs = append(st, firing(key)), append(rs, resolved(key))
		}
		ingestAt(t, desk, fmt.Sprintf("storm-%d", day), fmt.Sprint("g", day), st...)
		clk.At = clk.At.Add(time.Hour)
		ingestAt(t, desk, fmt.Sprintf("storm-%d-over", day), "", rs...)

		clk.At = start.Add(time.Duration(day+1) * 24 * time.Hour) // midnight
		if _, err := desk.Prune(ctx, model.System, clk.At, model.PruneRun{Archive: store.NewArchive(archive, clk.At)}); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"alerts", "alert_changes", "storms", "drops", "audit"} {
			counts[table] = rowsIn(t, db, table)
		}
		sizes[day+1] = dbSize(t, db)
		if day+1 < 8 {
			continue
		}
		// A week of records, plus the day the cutoff falls in and what
		// still fires; each alert has a firing and a resolve.
		for table, most := range map[string]int{
			"alerts":        8*perDay + perDrop,
			"alert_changes": 2 * (8*perDay + perDrop),
			"storms":        8 * (dropsPerDay + 1), // each drop is a storm too: 30 of one group
			"drops":         8 * (dropsPerDay + 2),
			"audit":         8*(dropsPerDay+2) + 8*4, // and the prunes' own entries
		} {
			if counts[table] > most {
				t.Errorf("day %d: %d rows in %s, want at most %d", day+1, counts[table], table, most)
			}
		}
	}
	t.Logf("day 30: %v; size by day: 1 %d, 8 %d, 15 %d, 22 %d, 30 %d", counts, sizes[1], sizes[8], sizes[15], sizes[22], sizes[30])
	if seq+30*(storm+5) <= 3*counts["alerts"] {
		t.Fatalf("the soak kept %d of %d alerts: it never reached steady state", counts["alerts"], seq)
	}
	// From the second week on the file is as big as it gets: in fifteen
	// more days it grows by less than two days' records, where a file that
	// did not reuse what the prunes free would grow by fifteen. (What it
	// does grow by is the text index's segments, which come and go as the
	// indexer runs in the background and merges them: when it runs is real
	// time, about every ten seconds under a flood, so a slow run of this
	// test sees it run more often than a fast one.)
	perDayBytes := (sizes[8] - sizes[1]) / 7
	for day := 16; day <= 30; day++ {
		if sizes[day]-sizes[15] > 2*perDayBytes {
			t.Errorf("day %d: %d bytes; day 15: %d, a day's records about %d: the file keeps growing", day, sizes[day], sizes[15], perDayBytes)
		}
	}
	c, err := db.Counts(ctx)
	if err != nil || c.Alerts != counts["alerts"] || c.Firing != perDrop {
		t.Errorf("counts = %+v, %v; want %d alerts (the rows), %d firing", c, err, counts["alerts"], perDrop)
	}
}
