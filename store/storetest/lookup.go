package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// LookupAlerts only saves reading alerts back (where a store reads ahead at
// all): each delivery of a drop is reported the same, and stored the same,
// with it as without it. That holds too for new alerts a store writes
// later than their upserts (SQLite holds them back and writes them
// together): they get the same ids, marks set on them before they are
// written are stored, and a read in the same transaction finds them.
func testLookupAlertsChangesNothing(t *testing.T, h Harness) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	full := func(key string, state model.AlertState, at time.Time) model.Alert {
		a := model.Alert{DedupKey: key, Source: "alertmanager", Name: "HighLatency", Severity: model.SevCritical, State: state,
			Service: "checkout", Summary: "slow " + key, Labels: map[string]string{"alertname": "HighLatency", "service": "checkout"},
			Group: "g", LastSeen: at, FirstSeen: at}
		if state == model.AlertFiring {
			a.StartsAt = at
		} else {
			a.EndsAt = at
		}
		return a
	}
	bare := func(key string, state model.AlertState, at time.Time) model.Alert {
		return model.Alert{DedupKey: key, State: state, LastSeen: at, FirstSeen: at}
	}
	drops := [][]model.Alert{
		{full("a", model.AlertFiring, t0), full("b", model.AlertFiring, t0), bare("c", model.AlertFiring, t0)},
		// A resolve, a repeat, a key-only resolve of a known alert, the
		// same key twice in one drop, and a report older than the stored one.
		{full("a", model.AlertResolved, t0.Add(time.Minute)), full("b", model.AlertFiring, t0.Add(time.Minute)),
			bare("c", model.AlertResolved, t0.Add(time.Minute)), full("d", model.AlertFiring, t0.Add(time.Minute)),
			full("d", model.AlertResolved, t0.Add(2*time.Minute)), full("b", model.AlertResolved, t0.Add(-time.Hour))},
		{full("a", model.AlertFiring, t0.Add(3*time.Minute)), full("a", model.AlertResolved, t0.Add(4*time.Minute))},
		// A known alert moved to another group, then reported again in it.
		{regroup(full("b", model.AlertFiring, t0.Add(5*time.Minute)), "g2")},
		{regroup(full("b", model.AlertResolved, t0.Add(6*time.Minute)), "g2"), full("d", model.AlertFiring, t0.Add(6*time.Minute))},
		// New alerts marked as the intake marks them (marked, below), among
		// others, and a new one that is a known one's change's neighbour.
		{full("m1", model.AlertFiring, t0.Add(7*time.Minute)), bare("m2", model.AlertFiring, t0.Add(7*time.Minute)),
			full("e", model.AlertFiring, t0.Add(7*time.Minute)), full("a", model.AlertFiring, t0.Add(7*time.Minute)),
			full("f", model.AlertResolved, t0.Add(7*time.Minute))},
	}
	// Marks set on a new alert after its upsert: routed to an incident,
	// silenced, after a change, from a truncated drop; flapping and joined
	// to a storm. (The ids need no such records: the columns have no keys.)
	marked := map[string]func(*model.Alert){
		"m1": func(a *model.Alert) { a.SilencedBy, a.Truncated, a.AfterChange, a.IncidentID = 7, 3, 5, 9 },
		"m2": func(a *model.Alert) { a.Flapping, a.StormID = true, 42 },
		"e":  func(a *model.Alert) { a.IncidentID = 9 },
	}
	type outcome struct {
		up model.Upserted
		a  model.Alert
	}
	run := func(ahead bool) ([]outcome, []model.Alert, []model.Alert) {
		db := h.open(t)
		var out []outcome
		var read []model.Alert // each drop's alerts as read back before its commit
		for _, d := range drops {
			err := db.Write(t.Context(), func(tx model.Tx) error {
				if ahead {
					keys := make([]string, len(d))
					for i, a := range d {
						keys[i] = a.DedupKey
					}
					if err := tx.LookupAlerts(keys, t0.Add(-time.Hour)); err != nil {
						return err
					}
				}
				for _, a := range d {
					a.Labels = maps(a.Labels)
					up, err := tx.UpsertAlert(&a, t0.Add(-time.Hour))
					if err != nil {
						return err
					}
					if mark := marked[a.DedupKey]; mark != nil && up.New {
						mark(&a)
						if err := tx.SetAlertMarks(a); err != nil {
							return err
						}
					}
					out = append(out, outcome{up, a})
				}
				for _, a := range d {
					back, err := tx.AlertByKey(a.DedupKey)
					if err != nil {
						return err
					}
					read = append(read, back)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return out, read, feed
	}
	want, wantRead, wantStored := run(false)
	got, gotRead, gotStored := run(true)
	for i := range want {
		w, g := want[i], got[i]
		if w.up != g.up {
			t.Errorf("delivery %d (%s %s): reported %+v read ahead, %+v without", i, w.a.DedupKey, w.a.State, g.up, w.up)
		}
		if w.up.Older {
			continue // the whole stored record, either way
		}
		if g.a.ID != w.a.ID || marksOf(g.a) != marksOf(w.a) || g.a.Name != w.a.Name || g.a.Severity != w.a.Severity ||
			g.a.Service != w.a.Service || g.a.Source != w.a.Source || g.a.Summary != w.a.Summary || g.a.Group != w.a.Group ||
			len(g.a.Labels)+len(w.a.Labels) > 0 && !reflect.DeepEqual(g.a.Labels, w.a.Labels) {
			t.Errorf("delivery %d (%s): filled %+v read ahead, %+v without", i, w.a.DedupKey, g.a, w.a)
		}
	}
	if !reflect.DeepEqual(gotRead, wantRead) {
		t.Errorf("read back in the transaction read ahead:\n%+v\nwithout:\n%+v", gotRead, wantRead)
	}
	// The marks were set, so the comparison above compares them.
	for _, a := range wantRead {
		if a.DedupKey == "m2" && (!a.Flapping || a.StormID != 42) || a.DedupKey == "m1" && a.Truncated != 3 {
			t.Errorf("%s read back %+v; want its marks", a.DedupKey, a)
		}
	}
	if !reflect.DeepEqual(gotStored, wantStored) {
		t.Errorf("stored read ahead:\n%+v\nwithout:\n%+v", gotStored, wantStored)
	}
}

func regroup(a model.Alert, group string) model.Alert {
	a.Group = group
	return a
}

func maps(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

type marks struct {
	silencedBy, afterChange, incidentID, storm int64
	flapping                                   bool
	truncated                                  int
}

func marksOf(a model.Alert) marks {
	return marks{a.SilencedBy, a.AfterChange, a.IncidentID, a.StormID, a.Flapping, a.Truncated}
}

// A drop of hundreds of new alerts, some marked after their upsert, is
// stored, reported and read back in its transaction the same with read
// ahead as without, in a store that holds them back and writes them in
// INSERTs of many rows (517 of them: more than one INSERT takes, and
// not a multiple of any).
func testManyNewAlertsReadAhead(t *testing.T, h Harness) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	run := func(ahead bool) ([]model.Upserted, []model.Alert) {
		db := h.open(t)
		var ups []model.Upserted
		var read []model.Alert
		for _, n := range []int{3, 517} {
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("k%d-%03d", n, i)
			}
			err := db.Write(t.Context(), func(tx model.Tx) error {
				if ahead {
					if err := tx.LookupAlerts(keys, t0.Add(-time.Hour)); err != nil {
						return err
					}
				}
				for i, k := range keys {
					state := model.AlertFiring
					if i%3 == 0 {
						state = model.AlertResolved
					}
					at := t0.Add(time.Duration(i) * time.Second)
					a := model.Alert{DedupKey: k, Source: "s", Name: "N" + k, Severity: model.SevWarning, State: state,
						Service: "checkout", Summary: "x", Labels: map[string]string{"a": "b"}, Group: "g", LastSeen: at, FirstSeen: at}
					up, err := tx.UpsertAlert(&a, t0.Add(-time.Hour))
					if err != nil {
						return err
					}
					ups = append(ups, up)
					if i%5 == 0 {
						a.SilencedBy, a.Truncated = 7, 1
						if err := tx.SetAlertMarks(a); err != nil {
							return err
						}
					}
				}
				for _, k := range keys {
					a, err := tx.AlertByKey(k)
					if err != nil {
						return err
					}
					read = append(read, a)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		return ups, read
	}
	wantUps, wantRead := run(false)
	gotUps, gotRead := run(true)
	if !reflect.DeepEqual(gotUps, wantUps) {
		t.Error("the upserts reported otherwise with read ahead")
	}
	if len(gotRead) != 520 || !reflect.DeepEqual(gotRead, wantRead) {
		for i := range min(len(gotRead), len(wantRead)) {
			if !reflect.DeepEqual(gotRead[i], wantRead[i]) {
				t.Fatalf("read back %d alerts; the first that differs, read ahead:\n%+v\nwithout:\n%+v", len(gotRead), gotRead[i], wantRead[i])
			}
		}
		t.Fatalf("read back %d alerts with read ahead, %d without; want 520", len(gotRead), len(wantRead))
	}
	if last := gotRead[len(gotRead)-1]; last.SilencedBy != 0 || gotRead[3].Truncated != 1 {
		t.Errorf("marks: %+v, %+v", last, gotRead[3])
	}
}
