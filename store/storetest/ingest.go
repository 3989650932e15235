package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// A savepoint undoes what its own writes did when they fail, and only
// that: the writes before it and after it commit. The same holds for new
// alerts read ahead, which a store may write later than their upserts.
func testSavepoint(t *testing.T, h Harness) {
	keys := []string{"before", "undone", "undone too", "kept", "after"}
	for _, ahead := range []bool{false, true} {
		db := h.open(t)
		upsert := func(tx model.Tx, key string) error {
			_, err := tx.UpsertAlert(&model.Alert{DedupKey: key, Name: "n", Severity: model.SevWarning, State: model.AlertFiring}, time.Time{})
			return err
		}
		boom := errors.New("refused")
		err := db.Write(t.Context(), func(tx model.Tx) error {
			if ahead {
				if err := tx.LookupAlerts(keys, time.Time{}); err != nil {
					return err
				}
			}
			if err := upsert(tx, "before"); err != nil {
				return err
			}
			if err := tx.Savepoint(func() error {
				if err := upsert(tx, "undone"); err != nil {
					return err
				}
				if err := tx.SetAlertMarks(model.Alert{ID: 1, Flapping: true}); err != nil {
					return err
				}
				if err := upsert(tx, "undone too"); err != nil {
					return err // (read ahead: written after fn, or never)
				}
				return boom
			}); !errors.Is(err, boom) {
				t.Errorf("Savepoint returned %v; want fn's error", err)
			}
			if err := tx.Savepoint(func() error { return upsert(tx, "kept") }); err != nil {
				return err
			}
			return upsert(tx, "after")
		})
		if err != nil {
			t.Fatal(err)
		}
		feed, got := storedKeys(t, db)
		for _, a := range feed {
			if a.Flapping {
				t.Errorf("read ahead %v: %s flapping: the undone savepoint's marks were kept", ahead, a.DedupKey)
			}
		}
		if got != "after kept before" {
			t.Errorf("read ahead %v: stored %q; want the writes outside the failed savepoint", ahead, got)
		}
	}
}

// A new alert the store refuses to write fails what it was written in
// whenever the store finds out (at the upsert, or when it writes the new
// alerts it held back): inside a savepoint the savepoint, whose writes are
// undone while the transaction goes on; outside one the whole Write, of
// which nothing is kept. The store works on after either.
func testHeldAlertRefused(t *testing.T, h Harness) {
	db := h.open(t)
	alert := func(key string, state model.AlertState) *model.Alert {
		return &model.Alert{DedupKey: key, Name: "n", Severity: model.SevWarning, State: state}
	}
	write := func(tx model.Tx, keys ...string) error {
		if err := tx.LookupAlerts(keys, time.Time{}); err != nil {
			return err
		}
		for _, k := range keys {
			state := model.AlertFiring
			if strings.HasPrefix(k, "bad") {
				state = "bogus" // the stores' CHECK refuses it
			}
			if _, err := tx.UpsertAlert(alert(k, state), time.Time{}); err != nil {
				return err
			}
		}
		return nil
	}
	err := db.Write(t.Context(), func(tx model.Tx) error {
		if err := write(tx, "first"); err != nil {
			return err
		}
		if err := tx.Savepoint(func() error { return write(tx, "undone", "bad1", "undone2") }); err == nil {
			t.Error("a savepoint writing a refused alert succeeded")
		}
		return tx.Savepoint(func() error { return write(tx, "last") })
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, got := storedKeys(t, db); got != "last first" {
		t.Errorf("stored %q; want the writes outside the failed savepoint", got)
	}
	err = db.Write(t.Context(), func(tx model.Tx) error { return write(tx, "lost", "bad2") })
	if err == nil || !strings.Contains(err.Error(), "bad2") && !strings.Contains(err.Error(), "lost") {
		t.Errorf("Write of a refused alert returned %v; want its failure, naming the alerts", err)
	}
	if err := db.Write(t.Context(), func(tx model.Tx) error { return write(tx, "then") }); err != nil {
		t.Fatal(err)
	}
	if _, got := storedKeys(t, db); got != "then last first" {
		t.Errorf("stored %q; want nothing of the failed Write", got)
	}
}

// IngestAll applies drops in one transaction, in order, each as Ingest
// would: a drop the service layer refuses is undone alone, a re-delivery
// is a duplicate, and an incident gets one timeline entry per drop however
// many of its alerts the drop carried (model's test of the same, on both
// stores).
func testIngestAllInOneTransaction(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	crit := func(key string) model.AlertEvent {
		return model.AlertEvent{Alert: model.Alert{DedupKey: key, Name: "CheckoutDown", State: model.AlertFiring, Severity: model.SevCritical,
			Summary: "checkout " + key, Labels: map[string]string{"service": "checkout", "severity": "critical"}}}
	}
	first := model.Drop{Name: "first.json", SHA256: "h1", Format: "generic", Events: []model.AlertEvent{crit("a1"), crit("a2")}}
	bad := model.Drop{Name: "bad.json", SHA256: "h2", Format: "generic", Events: []model.AlertEvent{crit("b1"), {Alert: model.Alert{State: model.AlertFiring}}}}
	third := model.Drop{Name: "third.json", SHA256: "h3", Format: "generic", Events: []model.AlertEvent{crit("a3"), crit("a4"), crit("a5"), crit("a6")}}
	again := first
	again.Name = "again.json"
	res, errs, err := desk.IngestAll(ctx, model.System, []model.Drop{first, bad, third, again})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(errs[1], model.ErrInvalidDrop) || errs[0] != nil || errs[2] != nil || errs[3] != nil {
		t.Fatalf("errs = %v; want only bad.json refused", errs)
	}
	if res[0].New != 2 || res[2].New != 4 || !res[3].Duplicate || res[3].Alerts != 0 {
		t.Fatalf("results = %+v", res)
	}
	if c, err := db.Counts(ctx); err != nil || c.Alerts != 6 {
		t.Fatalf("counts %+v, %v; want the 6 alerts of first and third, none of bad", c, err)
	}
	// Ids as stored: PostgreSQL does not take back the id bad.json's
	// undone alert used, as SQLite does.
	var a1, a2, a3, a6 model.Alert
	err = db.Write(ctx, func(tx model.Tx) error {
		for key, a := range map[string]*model.Alert{"a1": &a1, "a2": &a2, "a3": &a3, "a6": &a6} {
			var err error
			if *a, err = tx.AlertByKey(key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a1.IncidentID == 0 || a6.IncidentID != a1.IncidentID {
		t.Fatalf("incidents %d and %d; want the group's one", a1.IncidentID, a6.IncidentID)
	}
	tl, err := db.Timeline(ctx, a1.IncidentID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range tl {
		texts = append(texts, e.Kind+": "+e.Text)
	}
	// Opened by a1; a2 joined in the same drop; a3 to a6 in the third.
	if len(tl) != 3 || tl[0].Kind != "created" || !strings.Contains(tl[1].Text, "CheckoutDown firing ("+a2.Ref()+")") ||
		!strings.HasPrefix(tl[2].Text, "4 alerts: CheckoutDown firing ("+a3.Ref()+")") || !strings.HasSuffix(tl[2].Text, "; and 1 more") {
		t.Fatalf("timeline:\n%s", strings.Join(texts, "\n"))
	}
}

// A write that fails inside a savepoint fails the savepoint, whenever the
// store finds out (at the call, or when it sends the writes it queued):
// what the savepoint wrote is undone, and the transaction goes on.
func testSavepointWriteFails(t *testing.T, h Harness) {
	db := h.open(t)
	upsert := func(tx model.Tx, key string) error {
		_, err := tx.UpsertAlert(&model.Alert{DedupKey: key, Name: "n", Severity: model.SevWarning, State: model.AlertFiring}, time.Time{})
		return err
	}
	err := db.Write(t.Context(), func(tx model.Tx) error {
		if err := upsert(tx, "before"); err != nil {
			return err
		}
		err := tx.Savepoint(func() error {
			if err := upsert(tx, "undone"); err != nil {
				return err
			}
			return tx.SetAlertMarks(model.Alert{ID: 999_999, Flapping: true}) // no such alert
		})
		if !errors.Is(err, model.ErrNotFound) {
			t.Errorf("Savepoint returned %v; want the failed write's ErrNotFound", err)
		}
		return upsert(tx, "after")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, got := storedKeys(t, db); got != "after before" {
		t.Errorf("stored %q; want the writes outside the failed savepoint", got)
	}
}

// IngestAll's drops are read ahead one by one, each after the writes of
// the ones before it: a report older than what an earlier drop of the same
// transaction stored is held back, a key twice in one drop is applied
// twice in order, and the alerts of a drop undone among others leave no
// trace (PostgreSQL does not take back the ids they used, as SQLite does:
// the ids are only in the order the alerts came).
func testIngestAllReadAheadEdges(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	ev := func(key string, state model.AlertState, at time.Time) model.AlertEvent {
		a := model.Alert{DedupKey: key, Name: "DiskFull", State: state, Severity: model.SevWarning, Summary: "disk " + key,
			Labels: map[string]string{"service": "checkout"}}
		if state == model.AlertFiring {
			a.StartsAt = at
		} else {
			a.EndsAt = at
		}
		return model.AlertEvent{Alert: a}
	}
	fire, res := model.AlertFiring, model.AlertResolved
	ds := []model.Drop{
		{Name: "one.json", SHA256: "e1", Format: "generic", Events: []model.AlertEvent{ev("a", fire, t0), ev("b", fire, t0)}},
		// a's resolve ended before the firing one.json stored began: older.
		// b resolves and fires again in the same drop.
		{Name: "two.json", SHA256: "e2", Format: "generic", Events: []model.AlertEvent{ev("a", res, t0.Add(-time.Hour)),
			ev("b", res, t0.Add(time.Minute)), ev("b", fire, t0.Add(2*time.Minute))}},
		{Name: "bad.json", SHA256: "e3", Format: "generic", Events: []model.AlertEvent{ev("c", fire, t0), {Alert: model.Alert{State: fire}}}},
		{Name: "four.json", SHA256: "e4", Format: "generic", Events: []model.AlertEvent{ev("d", fire, t0), ev("c", fire, t0)}},
	}
	results, errs, err := desk.IngestAll(ctx, model.System, ds)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], model.ErrInvalidDrop) || errs[3] != nil {
		t.Fatalf("errs = %v; want only bad.json refused", errs)
	}
	if r := results[1]; r.Older != 1 || r.Alerts != 2 || r.Changed != 2 || r.New != 0 {
		t.Errorf("two.json: %+v; want a held back, b's two changes applied", r)
	}
	if r := results[3]; r.New != 2 {
		t.Errorf("four.json: %+v; want d and c new", r)
	}
	want := []struct {
		key     string
		firings int
	}{{"a", 1}, {"b", 2}, {"d", 1}, {"c", 1}}
	err = db.Write(ctx, func(tx model.Tx) error {
		var last int64
		for _, w := range want {
			a, err := tx.AlertByKey(w.key)
			if err != nil {
				return err
			}
			if a.ID <= last || a.State != fire || a.Firings != w.firings {
				t.Errorf("%s: ALR-%d %s, %d firings; want an id after ALR-%d, firing, %d", w.key, a.ID, a.State, a.Firings, last, w.firings)
			}
			last = a.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.Counts(ctx); err != nil || c.Alerts != 4 {
		t.Errorf("counts %+v, %v; want 4 alerts", c, err)
	}
}

// storedKeys is the feed's first ten alerts, and their dedup keys in feed
// order, space-separated.
func storedKeys(t *testing.T, db DB) ([]model.Alert, string) {
	t.Helper()
	feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, len(feed))
	for i, a := range feed {
		keys[i] = a.DedupKey
	}
	return feed, strings.Join(keys, " ")
}
