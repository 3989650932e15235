package model_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/store"
)

// stormOf ingests n firing alerts of one group, the first with severity
// first and the rest warnings, and returns the storm's id.
func stormOf(t *testing.T, desk *model.Desk, db *store.DB, n int, first model.Severity) int64 {
	t.Helper()
	var events []model.AlertEvent
	for i := range n {
		sev := model.SevWarning
		if i == 0 {
			sev = first
		}
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprintf("m-%d", i), Name: "PodCrashLooping",
			State: model.AlertFiring, Severity: sev, StartsAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
			Labels: map[string]string{"service": "checkout", "pod": fmt.Sprint(i)}}})
	}
	if _, err := desk.Ingest(t.Context(), model.System, model.Drop{Name: "storm", Group: "g", Events: events}); err != nil {
		t.Fatal(err)
	}
	feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 100})
	if err != nil || len(feed) != 1 || feed[0].StormSize != n {
		t.Fatalf("feed = %+v, %v; want one storm row of %d", feed, err, n)
	}
	return feed[0].StormID
}

func resolve(t *testing.T, desk *model.Desk, keys ...string) {
	t.Helper()
	var events []model.AlertEvent
	for _, k := range keys {
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: k, State: model.AlertResolved}})
	}
	if _, err := desk.Ingest(t.Context(), model.System, model.Drop{Name: "resolve", Group: "g", Events: events}); err != nil {
		t.Fatal(err)
	}
}

// A storm stays in the feed, firing, as long as any member fires, whichever
// member resolves first, and shows the worst severity among its firing
// members; header counts, the firing feed, storm members and filters agree.
func TestStormNeverHidesFiringMembers(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	clk.Tick()
	storm := stormOf(t, desk, db, 25, model.SevWarning)

	// A critical member arrives late, under a warning leader.
	clk.Tick()
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "crit", Group: "g", Events: []model.AlertEvent{{Alert: model.Alert{
		DedupKey: "m-crit", Name: "PodCrashLooping", State: model.AlertFiring, Severity: model.SevCritical,
		Labels: map[string]string{"service": "checkout", "pod": "crit"}}}}}); err != nil {
		t.Fatal(err)
	}
	// The first member, which stood for the storm, resolves first.
	clk.Tick()
	resolve(t, desk, "m-0")

	firing, err := db.Feed(ctx, model.FeedQuery{Firing: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(firing) != 1 || firing[0].StormID != storm || firing[0].State != model.AlertFiring {
		t.Fatalf("firing feed = %+v; want the storm, firing", firing)
	}
	row := firing[0]
	if row.DedupKey != "m-crit" || row.Severity != model.SevCritical || row.StormSize != 26 || row.StormFiring != 25 {
		t.Fatalf("storm row = %s %v size %d firing %d; want m-crit, critical, 26 members, 25 firing",
			row.DedupKey, row.Severity, row.StormSize, row.StormFiring)
	}
	counts, err := db.Counts(ctx)
	if err != nil || counts.Firing != row.StormFiring {
		t.Fatalf("header counts %d firing (%v); the storm says %d", counts.Firing, err, row.StormFiring)
	}
	members, err := db.Feed(ctx, model.FeedQuery{Storm: storm, Limit: 100})
	if err != nil || len(members) != 26 || members[0].DedupKey != "m-crit" || members[25].State != model.AlertResolved {
		t.Fatalf("members: %d %v; want 26, the critical one first and the resolved one last", len(members), err)
	}

	// A filter finds a member that is not the storm's row.
	found, err := db.Feed(ctx, model.FeedQuery{Labels: []model.Matcher{{Label: "pod", Op: model.MatchEqual, Value: "7"}}, Limit: 100})
	if err != nil || len(found) != 1 || found[0].DedupKey != "m-7" {
		t.Fatalf("pod=7 found %+v %v; want the member m-7", found, err)
	}

	// All but one resolve: the storm still fires, by its last firing member.
	clk.Tick()
	var rest []string
	for i := 1; i < 25; i++ {
		if i != 13 {
			rest = append(rest, fmt.Sprintf("m-%d", i))
		}
	}
	resolve(t, desk, append(rest, "m-crit")...)
	firing, err = db.Feed(ctx, model.FeedQuery{Firing: true, Limit: 100})
	if err != nil || len(firing) != 1 || firing[0].DedupKey != "m-13" || firing[0].StormFiring != 1 {
		t.Fatalf("firing feed = %+v %v; want the storm standing on m-13, 1 firing", firing, err)
	}
	// The last one resolves: the storm leaves the firing feed but stays in the whole feed.
	clk.Tick()
	resolve(t, desk, "m-13")
	if firing, err = db.Feed(ctx, model.FeedQuery{Firing: true, Limit: 100}); err != nil || len(firing) != 0 {
		t.Fatalf("firing feed = %+v %v; want nothing", firing, err)
	}
	all, err := db.Feed(ctx, model.FeedQuery{Limit: 100})
	if err != nil || len(all) != 1 || all[0].StormSize != 26 || all[0].StormFiring != 0 {
		t.Fatalf("whole feed = %+v %v; want the resolved storm as one row", all, err)
	}
}

// A notification never moves an alert backwards: an older or replayed
// firing copy does not revive a resolved alert, an old resolve does not end
// a newer firing, and the counts are firings, not deliveries.
func TestAlertOrderAndReplay(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	start := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	firing := model.Alert{DedupKey: "k", Name: "HighErrorRate", Source: "alertmanager", Severity: model.SevCritical,
		State: model.AlertFiring, StartsAt: start, Labels: map[string]string{"service": "checkout"}}
	resolved := firing
	resolved.State, resolved.EndsAt = model.AlertResolved, start.Add(30*time.Minute)
	refire := firing
	refire.StartsAt = start.Add(time.Hour)

	steps := []struct {
		name      string
		alert     model.Alert
		wantState model.AlertState
		wantFired int
		wantOlder int
	}{
		{"fires", firing, model.AlertFiring, 1, 0},
		{"repeat", firing, model.AlertFiring, 1, 0},
		{"resolves", resolved, model.AlertResolved, 1, 0},
		{"an old firing copy is replayed", firing, model.AlertResolved, 1, 1},
		{"the resolve again", resolved, model.AlertResolved, 1, 0},
		{"fires again, a new episode", refire, model.AlertFiring, 2, 0},
		{"the old resolve is replayed", resolved, model.AlertFiring, 2, 1},
		{"the old firing copy again", firing, model.AlertFiring, 2, 1},
		{"and the old resolve after it", resolved, model.AlertFiring, 2, 1},
	}
	for _, s := range steps {
		clk.Tick()
		res, err := desk.Ingest(ctx, model.System, model.Drop{Name: s.name, Events: []model.AlertEvent{{Alert: s.alert}}})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := alertByKey(t, db, "k")
		if got.State != s.wantState || got.Firings != s.wantFired || res.Older != s.wantOlder {
			t.Fatalf("%s: state %s, fired %d, older %d; want %s, %d, %d", s.name, got.State, got.Firings, res.Older, s.wantState, s.wantFired, s.wantOlder)
		}
	}
	history, err := db.AlertHistory(ctx, alertByKey(t, db, "k").ID)
	if err != nil || len(history) != 3 {
		t.Fatalf("history %+v %v; want firing, resolved, firing", history, err)
	}
}

// resolvingPolicy resolves stale Alertmanager alerts, as resolve_stale does.
type resolvingPolicy struct{ modeltest.Policy }

func (resolvingPolicy) AlertSource(name string) model.AlertSource {
	s := model.DefaultAlertSource(name)
	if name == "alertmanager" {
		s.ResolveStale = true
	}
	return s
}

func (p resolvingPolicy) AlertSources() []model.AlertSource {
	return []model.AlertSource{p.AlertSource("alertmanager")}
}

// A firing alert its sender stops repeating (Alertmanager does not send the
// resolve of an alert that resolved while silenced) goes stale after the
// repeat interval and its grace: out of the firing counts and the firing
// feed, still in the whole feed, and firing again when its sender repeats it.
func TestStaleAlerts(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	start := clk.At
	am := model.Alert{DedupKey: "am-1", Source: "alertmanager", Name: "HighLatency", Severity: model.SevWarning,
		State: model.AlertFiring, StartsAt: start, Labels: map[string]string{"service": "checkout"}}
	pd := model.Alert{DedupKey: "pd-1", Source: "pagerduty", Name: "Disk", Severity: model.SevWarning,
		State: model.AlertFiring, Labels: map[string]string{"service": "orders"}}
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "first", Events: []model.AlertEvent{{Alert: am}, {Alert: pd}}}); err != nil {
		t.Fatal(err)
	}
	firing := func() int {
		t.Helper()
		c, err := db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := db.Feed(ctx, model.FeedQuery{Firing: true, Limit: 10})
		if err != nil || len(feed) != c.Firing {
			t.Fatalf("firing feed has %d rows (%v), the header counts %d", len(feed), err, c.Firing)
		}
		return c.Firing
	}
	// Within 4h plus the grace (a quarter of it): nothing is stale.
	if n, err := desk.SweepStale(ctx, start.Add(5*time.Hour-time.Second)); err != nil || n != 0 || firing() != 2 {
		t.Fatalf("before the grace ends: swept %d (%v), %d firing", n, err, firing())
	}
	// After it, the Alertmanager alert is stale; PagerDuty does not repeat, so its alert never is.
	if n, err := desk.SweepStale(ctx, start.Add(5*time.Hour+time.Second)); err != nil || n != 1 || firing() != 1 {
		t.Fatalf("after the grace: swept %d (%v), %d firing", n, err, firing())
	}
	got := alertByKey(t, db, "am-1")
	if !got.Stale || got.State != model.AlertFiring {
		t.Fatalf("am-1 = %+v; want firing and stale", got)
	}
	if all, err := db.Feed(ctx, model.FeedQuery{Limit: 10}); err != nil || len(all) != 2 {
		t.Fatalf("whole feed: %d %v; the stale alert must still be listed", len(all), err)
	}
	if stale, err := db.Feed(ctx, model.FeedQuery{Only: []string{"stale"}, Limit: 10}); err != nil || len(stale) != 1 || stale[0].DedupKey != "am-1" {
		t.Fatalf("is:stale: %+v %v", stale, err)
	}
	if n, _ := desk.SweepStale(ctx, start.Add(6*time.Hour)); n != 0 {
		t.Fatalf("a second sweep swept %d again", n)
	}
	// Alertmanager repeats it: firing again, not a new firing.
	clk.At = start.Add(6 * time.Hour)
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "repeat", Events: []model.AlertEvent{{Alert: am}}}); err != nil {
		t.Fatal(err)
	}
	if got := alertByKey(t, db, "am-1"); got.Stale || got.Firings != 1 || firing() != 2 {
		t.Fatalf("after the repeat: %+v, %d firing", got, firing())
	}
}

// With resolve_stale, a stale alert is resolved, and the sender's next
// report of it is believed even though it started before that resolve.
func TestStaleAlertsResolve(t *testing.T) {
	ctx := t.Context()
	db := openStore(t)
	desk := model.NewDesk(db, resolvingPolicy{})
	clk := &modeltest.Clock{At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	desk.Now = clk.Now
	start := clk.At
	am := model.Alert{DedupKey: "am-1", Source: "alertmanager", Name: "HighLatency", Severity: model.SevWarning,
		State: model.AlertFiring, StartsAt: start, Labels: map[string]string{"service": "checkout"}}
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "first", Events: []model.AlertEvent{{Alert: am}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := desk.SweepStale(ctx, start.Add(6*time.Hour)); err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if got := alertByKey(t, db, "am-1"); got.State != model.AlertResolved || !got.Stale {
		t.Fatalf("am-1 = %+v; want resolved by the sweep", got)
	}
	clk.At = start.Add(7 * time.Hour)
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "still firing", Events: []model.AlertEvent{{Alert: am}}}); err != nil {
		t.Fatal(err)
	}
	if got := alertByKey(t, db, "am-1"); got.State != model.AlertFiring || got.Stale {
		t.Fatalf("am-1 = %+v; the sender's report overrules the inferred resolve", got)
	}
}

// A refused alert stands in the feed as an intake error on its service,
// once per refused alert however often it is sent, and resolves by itself
// once its sender stops sending it.
func TestRefusedAlertsShowInTheFeed(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	drop := model.Drop{Name: "am.json", Format: "alertmanager", Events: []model.AlertEvent{{Alert: model.Alert{
		DedupKey: "good", Name: "Fine", State: model.AlertFiring, Labels: map[string]string{"service": "checkout"}}}},
		Refused: []model.RefusedAlert{{Key: "poison", Name: "Poison", Service: "checkout", Where: "am.json:6:14",
			Reason: "alerts[5].labels: has 70 labels, over the limit of 64 (MaxLabels)"}}}
	for range 3 {
		clk.Tick()
		res, err := desk.Ingest(ctx, model.System, drop)
		if err != nil || res.Alerts != 1 || len(res.Refused) != 1 {
			t.Fatalf("ingest: %+v %v", res, err)
		}
	}
	row := alertByKey(t, db, "refused:poison")
	if row.Name != "AlertRefused" || row.State != model.AlertFiring || row.Service != "checkout" || row.Firings != 1 ||
		row.Deliveries != 3 || !strings.Contains(row.Summary, "Poison from alertmanager was refused: alerts[5].labels: has 70 labels") {
		t.Fatalf("intake error row = %+v", row)
	}
	audit, err := db.Audit(ctx, model.AuditQuery{})
	if err != nil || len(audit) == 0 || !strings.Contains(audit[0].After, `"refused":[{"key":"poison"`) {
		t.Fatalf("audit %+v %v; the drop's audit record must list the refused alert", audit, err)
	}
	if n, err := desk.SweepStale(ctx, clk.At.Add(5*time.Hour+time.Minute)); err != nil || n != 1 {
		t.Fatalf("swept %d %v", n, err)
	}
	if row := alertByKey(t, db, "refused:poison"); row.State != model.AlertResolved {
		t.Fatalf("intake error once its sender stopped: %+v", row)
	}
}

// FuzzAlertNeverMovesBackwards delivers the reports of an alert's true
// history (four episodes, each a firing then a resolve, with the sender's
// own times) in any order, repeated or not, as relays, replicas and replays
// do. After every delivery the stored alert must be what the newest report
// delivered so far says: never an older state.
func FuzzAlertNeverMovesBackwards(f *testing.F) {
	for _, seed := range [][]byte{
		{0, 1, 2, 3, 4, 5, 6, 7},
		{7, 6, 5, 4, 3, 2, 1, 0},
		{2, 0, 1, 3, 0, 2, 1},
		{1, 0, 3, 2, 5, 4, 0, 1, 2, 3},
		{6, 4, 2, 0, 7, 5, 3, 1, 6},
	} {
		f.Add(seed)
	}
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	// One database for every run, a key of its own per run: opening a
	// database per run would make fuzzing crawl.
	db, err := store.Open(f.Context(), filepath.Join(f.TempDir(), "fuzz.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	desk := model.NewDesk(db, modeltest.Policy{})
	clk := &modeltest.Clock{At: base}
	desk.Now = clk.Now
	var runs atomic.Int64
	f.Fuzz(func(t *testing.T, order []byte) {
		if len(order) > 64 {
			order = order[:64]
		}
		ctx := t.Context()
		key := fmt.Sprintf("k%d", runs.Add(1))
		// Report k is episode k/2's firing (even k) or resolve (odd k).
		report := func(k int) (model.Alert, time.Time) {
			start := base.Add(time.Duration(k/2) * 10 * time.Minute)
			a := model.Alert{DedupKey: key, Name: "A", Source: "alertmanager", State: model.AlertFiring, StartsAt: start,
				Labels: map[string]string{"service": "checkout"}}
			if k%2 == 1 {
				a.State, a.EndsAt = model.AlertResolved, start.Add(5*time.Minute)
				return a, a.EndsAt
			}
			return a, start
		}
		var newest time.Time
		var want model.AlertState
		for _, b := range order {
			k := int(b) % 8
			a, at := report(k)
			if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "r", Events: []model.AlertEvent{{Alert: a}}}); err != nil {
				t.Fatal(err)
			}
			if at.After(newest) {
				newest, want = at, a.State
			}
			got := alertByKey(t, db, key)
			version := got.StartsAt
			if got.State == model.AlertResolved {
				version = got.EndsAt
			}
			if got.State != want || !version.Equal(newest) {
				t.Fatalf("after report %d of %v: stored %s at %s; the newest report says %s at %s",
					k, order, got.State, version.Format("15:04"), want, newest.Format("15:04"))
			}
		}
	})
}
func alertByKey(t *testing.T, db *store.DB, key string) model.Alert {
	t.Helper()
	var a model.Alert
	err := db.Write(t.Context(), func(tx model.Tx) error {
		var err error
		a, err = tx.AlertByKey(key)
		return err
	})
	if err != nil {
		t.Fatalf("alert %s: %v", key, err)
	}
	return a
}

func TestAlertDeliveries(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	base := model.Alert{DedupKey: "fp-1", Source: "alertmanager", Name: "HighErrorRate", Severity: model.SevCritical,
		Service: "checkout", Summary: "5xx above 5%", Labels: map[string]string{"env": "prod", "team": "pay"},
		Annotations: map[string]string{"runbook": "kb/checkout-5xx"}}

	deliveries := []struct {
		name        string
		state       model.AlertState
		wantFirings int  // fire and re-fire transitions
		wantDeliver int  // every report
		wantAudited bool // every delivery is a drop, audited once
		ack         bool // acknowledge after this delivery
		wantAckBy   string
	}{
		{"new", model.AlertFiring, 1, 1, true, true, "bob"},
		{"repeat", model.AlertFiring, 1, 2, true, false, "bob"},
		{"resolved", model.AlertResolved, 1, 3, true, false, "bob"},
		{"fires again", model.AlertFiring, 2, 4, true, false, ""},
	}
	var firstSeen time.Time
	var audits int
	for _, d := range deliveries {
		clk.Tick()
		al := base
		al.State = d.state
		al.StartsAt = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
		if d.name == "fires again" {
			al.StartsAt = clk.At // a new episode starts after the resolve
		}
		al.LastSeen = clk.At
		if d.state == model.AlertResolved {
			al.EndsAt = clk.At
		}
		rec, err := desk.RecordAlert(ctx, model.System, al)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		if d.ack {
			if err := desk.AckAlert(ctx, bob, rec.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			audits++
		}
		if d.wantAudited {
			audits++
		}
		if firstSeen.IsZero() {
			firstSeen = rec.FirstSeen
		}
		got, err := db.Alert(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Firings != d.wantFirings || got.Deliveries != d.wantDeliver || got.State != d.state || got.AckBy != d.wantAckBy ||
			!got.FirstSeen.Equal(firstSeen) || !got.LastSeen.Equal(clk.At) {
			t.Fatalf("%s: stored %+v", d.name, got)
		}
		if !reflect.DeepEqual(got.Labels, base.Labels) || !reflect.DeepEqual(got.Annotations, base.Annotations) ||
			!got.StartsAt.Equal(al.StartsAt) || !got.EndsAt.Equal(al.EndsAt) {
			t.Fatalf("%s: labels/annotations/times lost: %+v", d.name, got)
		}
		if !d.ack && (rec.Firings != d.wantFirings || rec.Deliveries != d.wantDeliver) {
			t.Errorf("%s: UpsertAlert filled %d firings, %d deliveries; want %d, %d", d.name, rec.Firings, rec.Deliveries, d.wantFirings, d.wantDeliver)
		}
		entries, err := db.Audit(ctx, model.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != audits {
			t.Fatalf("%s: %d audit entries, want %d", d.name, len(entries), audits)
		}
	}

	if err := desk.AckAlert(ctx, bob, 12345, time.Time{}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("ack of a missing alert = %v; want ErrNotFound", err)
	}
	err := db.Write(ctx, func(tx model.Tx) error { return tx.UpdateAlertAck(12345, "bob", clk.At, time.Time{}) })
	if !errors.Is(err, model.ErrNotFound) {
		t.Errorf("UpdateAlertAck of a missing alert = %v; want ErrNotFound", err)
	}
}
