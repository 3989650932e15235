package model_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// fixture parses a shared fixture into a drop, as the watcher would.
func fixture(t *testing.T, name string) model.Drop {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "fixtures", "drops", name)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skip("shared fixtures not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := drops.Parse(name, data, drops.DefaultLimits())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return drops.ToDrop(name, data, b)
}

func TestIngestFixtures(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	res, err := desk.Ingest(ctx, model.System, fixture(t, "am-firing.json"))
	if err != nil || res.Alerts != 2 || res.New != 2 {
		t.Fatalf("am-firing: %+v %v", res, err)
	}
	// The critical checkout alert matches the fake plan's auto-incident route.
	if len(res.Incidents) != 1 {
		t.Fatalf("am-firing opened incidents %v, want one", res.Incidents)
	}
	again, err := desk.Ingest(ctx, model.System, fixture(t, "am-firing.json"))
	if err != nil || !again.Duplicate || again.Alerts != 0 {
		t.Fatalf("re-delivery: %+v %v", again, err)
	}
	clk.Tick()
	res, err = desk.Ingest(ctx, model.System, fixture(t, "am-resolved.json"))
	if err != nil || res.Changed != 1 {
		t.Fatalf("am-resolved: %+v %v", res, err)
	}
	a := alertByKey(t, db, "a3f1c2d4e5b60718")
	if a.State != model.AlertResolved || a.Firings != 1 || a.Deliveries != 2 || a.IncidentID == 0 {
		t.Fatalf("resolved alert = %+v", a)
	}
	tl, err := db.Timeline(ctx, a.IncidentID)
	if err != nil || !strings.Contains(tl[len(tl)-1].Text, "all alerts resolved") {
		t.Fatalf("incident timeline lacks the resolution note: %+v %v", tl, err)
	}

	// PagerDuty: the resolve names only the key and keeps what the trigger said.
	if _, err := desk.Ingest(ctx, model.System, fixture(t, "pagerduty-trigger.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Ingest(ctx, model.System, fixture(t, "pagerduty-resolve.json")); err != nil {
		t.Fatal(err)
	}
	pd := alertByKey(t, db, "batch-nightly-settlement-2026-11-20")
	if pd.State != model.AlertResolved || pd.Severity != model.SevCritical || pd.Summary == "" {
		t.Fatalf("PagerDuty resolve lost the trigger's details: %+v", pd)
	}

	trunc, err := desk.Ingest(ctx, model.System, fixture(t, "am-no-fingerprint-truncated.json"))
	if err != nil || trunc.New != 1 {
		t.Fatalf("truncated: %+v %v", trunc, err)
	}
	feed, err := db.Feed(ctx, model.FeedQuery{Filter: "DiskFull", Limit: 5})
	if err != nil || len(feed) != 1 || feed[0].Truncated != 37 {
		t.Fatalf("truncatedAlerts not kept: %+v %v", feed, err)
	}

	hostile, err := desk.Ingest(ctx, model.System, fixture(t, "hostile-escapes.json"))
	if err != nil || hostile.New != 1 {
		t.Fatalf("hostile: %+v %v", hostile, err)
	}
	h := alertByKey(t, db, "ffffffffffffffff")
	for _, s := range []string{h.Name, h.Summary, fmt.Sprint(h.Labels), fmt.Sprint(h.Annotations)} {
		if strings.ContainsAny(s, "\x1b\x07\r") {
			t.Fatalf("escape stored: %q", s)
		}
	}
}

func TestIngestFlappingAndAck(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	send := func(state model.AlertState) {
		t.Helper()
		clk.Tick()
		_, err := desk.Ingest(ctx, model.System, model.Drop{Name: "x", Events: []model.AlertEvent{{Alert: model.Alert{
			DedupKey: "flappy", Name: "Flappy", State: state, Service: "orders", Labels: map[string]string{"service": "orders"}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []model.AlertState{model.AlertFiring, model.AlertResolved, model.AlertFiring} {
		send(st)
	}
	if alertByKey(t, db, "flappy").Flapping {
		t.Fatal("flapping after 3 changes; the rule is 4 within 30m")
	}
	send(model.AlertResolved)
	if !alertByKey(t, db, "flappy").Flapping {
		t.Fatal("not flapping after 4 changes within 30m")
	}
	hist, err := db.AlertHistory(ctx, alertByKey(t, db, "flappy").ID)
	if err != nil || len(hist) != 4 || hist[3].State != model.AlertResolved {
		t.Fatalf("history = %+v %v", hist, err)
	}
	send(model.AlertFiring)
	id := alertByKey(t, db, "flappy").ID
	until := clk.At.Add(time.Hour)
	if err := desk.AckAlert(ctx, bob, id, until); err != nil {
		t.Fatal(err)
	}
	a := alertByKey(t, db, "flappy")
	if a.AckBy != "bob" || !a.AckUntil.Equal(until) {
		t.Fatalf("ack = %q until %v", a.AckBy, a.AckUntil)
	}
	if err := desk.AckAlert(ctx, model.Actor{Name: "v", Role: model.RoleViewer}, id, time.Time{}); err == nil {
		t.Fatal("a viewer acknowledged an alert")
	}
}

func TestIngestSilences(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	fire := func(key, service string) {
		t.Helper()
		clk.Tick()
		_, err := desk.Ingest(ctx, model.System, model.Drop{Name: key, Events: []model.AlertEvent{{Alert: model.Alert{
			DedupKey: key, Name: "Noisy", State: model.AlertFiring, Labels: map[string]string{"service": service, "alertname": "Noisy"}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	fire("before", "orders")
	ms, err := model.ParseMatchers(`service="orders", alertname=~"Noi.*"`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.CreateSilence(ctx, model.Actor{Name: "v", Role: model.RoleViewer}, ms, time.Hour, "maintenance"); err == nil {
		t.Fatal("a viewer created a silence; operators manage silences by default")
	}
	sil, err := desk.CreateSilence(ctx, alice, ms, time.Hour, "known noisy during migration")
	if err != nil || sil.Matching != 1 {
		t.Fatalf("silence: %+v %v", sil, err)
	}
	fire("after", "orders")
	fire("elsewhere", "checkout")
	if alertByKey(t, db, "before").SilencedBy != sil.ID || alertByKey(t, db, "after").SilencedBy != sil.ID {
		t.Fatal("matching alerts not silenced")
	}
	if alertByKey(t, db, "elsewhere").SilencedBy != 0 {
		t.Fatal("a non-matching alert was silenced")
	}
	list, err := db.Silences(ctx, clk.At)
	if err != nil || len(list) != 1 || list[0].Matching != 2 || len(list[0].Matchers) != 2 {
		t.Fatalf("silences = %+v %v", list, err)
	}
	if got, err := db.Feed(ctx, model.FeedQuery{Only: []string{"silenced"}, Limit: 10}); err != nil || len(got) != 2 {
		t.Fatalf("feed of silenced alerts: %d %v", len(got), err)
	}
	if got, err := db.Feed(ctx, model.FeedQuery{Labels: []model.Matcher{{Label: "service", Op: model.MatchEqual, Value: "checkout"}}, Limit: 10}); err != nil || len(got) != 1 || got[0].DedupKey != "elsewhere" {
		t.Fatalf("feed by label: %+v %v", got, err)
	}
	if err := desk.ExpireSilence(ctx, alice, sil.ID); err != nil {
		t.Fatal(err)
	}
	if alertByKey(t, db, "before").SilencedBy != 0 {
		t.Fatal("alert still silenced after the silence expired")
	}
	if list, _ := db.Silences(ctx, clk.At); len(list) != 0 {
		t.Fatalf("expired silence still listed as active: %+v", list)
	}
}

// leadsSilence is the test policy with [alerts] silence_role = "lead".
type leadsSilence struct{ modeltest.Policy }

func (leadsSilence) AlertRules() model.AlertRules {
	r := model.DefaultAlertRules()
	r.SilenceRole = model.RoleLead
	return r
}

// Who may silence is the plan's: operators by default, leads when it says so.
func TestSilenceRoleIsThePlans(t *testing.T) {
	ctx := t.Context()
	ms, _ := model.ParseMatchers("service=orders")
	_, desk, _ := newDesk(t)
	if _, err := desk.CreateSilence(ctx, bob, ms, time.Hour, "noisy"); err != nil {
		t.Fatalf("an operator may silence by default: %v", err)
	}
	db := openStore(t)
	strict := model.NewDesk(db, leadsSilence{})
	_, err := strict.CreateSilence(ctx, bob, ms, time.Hour, "noisy")
	if err == nil || !strings.Contains(err.Error(), "may not manage silences: needs the lead role") {
		t.Fatalf("silence_role = lead, an operator: %v", err)
	}
	sil, err := strict.CreateSilence(ctx, alice, ms, time.Hour, "noisy")
	if err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"expire": strict.ExpireSilence(ctx, bob, sil.ID),
		"extend": func() error { _, err := strict.ExtendSilence(ctx, bob, sil.ID, time.Hour); return err }(),
		"edit":   func() error { _, err := strict.ReplaceSilence(ctx, bob, sil.ID, ms, time.Hour, "x"); return err }(),
	} {
		if err == nil {
			t.Errorf("%s by an operator under silence_role = lead was allowed", what)
		}
	}
}

// A silence is extended in place and edited as Alertmanager does: the old
// one ends, a new one takes its place, and the alerts follow.
func TestExtendAndReplaceSilence(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	fire := func(key, name string) {
		t.Helper()
		_, err := desk.Ingest(ctx, model.System, model.Drop{Name: key, Events: []model.AlertEvent{{Alert: model.Alert{
			DedupKey: key, Name: name, State: model.AlertFiring, Labels: map[string]string{"service": "orders", "alertname": name}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	fire("disk", "DiskFull")
	fire("cpu", "HighCPU")
	ms, _ := model.ParseMatchers("service=orders alertname=DiskFull")
	sil, err := desk.CreateSilence(ctx, bob, ms, 2*time.Hour, "disk cleanup running")
	if err != nil || sil.Matching != 1 {
		t.Fatalf("create: %+v %v", sil, err)
	}
	clk.Tick()
	ext, err := desk.ExtendSilence(ctx, bob, sil.ID, 3*time.Hour)
	if err != nil || !ext.EndsAt.Equal(sil.EndsAt.Add(3*time.Hour)) {
		t.Fatalf("extend: %+v %v", ext, err)
	}
	if list, _ := db.Silences(ctx, clk.At); len(list) != 1 || !list[0].EndsAt.Equal(ext.EndsAt) {
		t.Fatalf("extended silence as stored: %+v", list)
	}
	if _, err := desk.ExtendSilence(ctx, bob, sil.ID, 14*24*time.Hour); err == nil || !strings.Contains(err.Error(), "at most 14 days") {
		t.Fatalf("extend past 14 days: %v", err)
	}
	if _, err := desk.ExtendSilence(ctx, bob, sil.ID, 0); err == nil {
		t.Fatal("extend by nothing accepted")
	}
	// Edit: now every orders alert, not the disk only.
	wide, _ := model.ParseMatchers("service=orders")
	clk.Tick()
	next, err := desk.ReplaceSilence(ctx, bob, sil.ID, wide, time.Hour, "orders maintenance")
	if err != nil || next.ID == sil.ID || next.Matching != 2 {
		t.Fatalf("replace: %+v %v", next, err)
	}
	if alertByKey(t, db, "disk").SilencedBy != next.ID || alertByKey(t, db, "cpu").SilencedBy != next.ID {
		t.Fatal("the alerts do not follow the new silence")
	}
	list, _ := db.Silences(ctx, clk.At)
	if len(list) != 1 || list[0].ID != next.ID || list[0].Comment != "orders maintenance" {
		t.Fatalf("in force after the edit: %+v", list)
	}
	// Edit back to the disk only: the CPU alert notifies again.
	clk.Tick()
	narrow, err := desk.ReplaceSilence(ctx, bob, next.ID, ms, time.Hour, "disk only")
	if err != nil || narrow.Matching != 1 || alertByKey(t, db, "cpu").SilencedBy != 0 {
		t.Fatalf("narrowed: %+v %v, cpu silenced by %d", narrow, err, alertByKey(t, db, "cpu").SilencedBy)
	}
	if _, err := desk.ReplaceSilence(ctx, bob, sil.ID, ms, time.Hour, "again"); err == nil || !strings.Contains(err.Error(), "not in force") {
		t.Fatalf("editing an ended silence: %v", err)
	}
}

func TestIngestStormAndRoutes(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	clk.Tick()
	var events []model.AlertEvent
	for i := range 25 {
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprintf("pod-%d", i), Name: "PodCrashLooping",
			State: model.AlertFiring, Severity: model.SevCritical,
			Labels: map[string]string{"service": "checkout", "severity": "critical", "pod": fmt.Sprint(i)}}})
	}
	res, err := desk.Ingest(ctx, model.System, model.Drop{Name: "storm", Group: "{}:{service=checkout}", Events: events})
	if err != nil || res.New != 25 {
		t.Fatalf("storm drop: %+v %v", res, err)
	}
	if len(res.Incidents) != 1 {
		t.Fatalf("25 alerts of one group opened %v; want one incident, no duplicates", res.Incidents)
	}
	feed, err := db.Feed(ctx, model.FeedQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != 1 || feed[0].StormSize != 25 {
		t.Fatalf("feed shows %d rows (storm size %d); want the storm as one row of 25", len(feed), feed[0].StormSize)
	}
	members, err := db.Feed(ctx, model.FeedQuery{Storm: feed[0].StormID, Limit: 50})
	if err != nil || len(members) != 25 {
		t.Fatalf("expanded storm: %d %v", len(members), err)
	}
	// A change started on checkout 10 minutes ago marks new alerts.
	clk.Tick()
	chg, _, err := desk.CreateChange(ctx, bob, model.Change{Title: "deploy", Services: []string{"checkout"}, Type: model.ChangeStandard,
		Impact: model.Low, Probability: model.Low, Start: clk.At.Add(-10 * time.Minute), End: clk.At.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, act := range []model.ChangeAction{model.ChangeSubmit, model.ChangeStart} {
		if _, _, err := desk.StepChange(ctx, bob, chg.ID, model.ChangeStep{Action: act}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "late", Events: []model.AlertEvent{{Alert: model.Alert{
		DedupKey: "late", Name: "HighLatency", State: model.AlertFiring, Labels: map[string]string{"service": "checkout"}}}}}); err != nil {
		t.Fatal(err)
	}
	if got := alertByKey(t, db, "late").AfterChange; got != chg.ID {
		t.Fatalf("after change = %d, want %d", got, chg.ID)
	}
}

func TestIncidentForAlert(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	clk.Tick()
	if _, err := desk.Ingest(ctx, model.System, model.Drop{Name: "w", Events: []model.AlertEvent{{Alert: model.Alert{
		DedupKey: "warn", Name: "HighLatency", Severity: model.SevWarning, State: model.AlertFiring,
		Labels: map[string]string{"service": "orders"}}}}}); err != nil {
		t.Fatal(err)
	}
	a := alertByKey(t, db, "warn")
	if a.IncidentID != 0 {
		t.Fatal("a warning on orders opened an incident; no route asks for that")
	}
	inc, err := desk.IncidentForAlert(ctx, bob, a.ID)
	if err != nil || inc.Priority != 3 || inc.Service != "orders" || !strings.Contains(inc.Description, "bob") {
		t.Fatalf("incident from alert: %+v %v", inc, err)
	}
	again, err := desk.IncidentForAlert(ctx, bob, a.ID)
	if err != nil || again.ID != inc.ID {
		t.Fatalf("second open made INC-%d, want the same INC-%d: %v", again.ID, inc.ID, err)
	}
	if alertByKey(t, db, "warn").IncidentID != inc.ID {
		t.Fatal("alert not attached to its incident")
	}
}

func TestIngestRejectsInvalidContent(t *testing.T) {
	_, desk, _ := newDesk(t)
	_, err := desk.Ingest(t.Context(), model.System, model.Drop{Name: "x", SHA256: "abc", Events: []model.AlertEvent{{Alert: model.Alert{
		DedupKey: "k", State: "exploded"}}}})
	if !errors.Is(err, model.ErrInvalidDrop) {
		t.Fatalf("err = %v, want ErrInvalidDrop so the watcher rejects the file instead of retrying it", err)
	}
}

// IngestAll applies drops in one transaction, in order, each as Ingest
// would: a drop the service layer refuses is undone alone, a re-delivery
// is a duplicate, and an incident gets one timeline entry per drop however
// many of its alerts the drop carried.
func TestIngestAllInOneTransaction(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
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
	a1, a6 := alertByKey(t, db, "a1"), alertByKey(t, db, "a6")
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
	if len(tl) != 3 || tl[0].Kind != "created" || !strings.Contains(tl[1].Text, "CheckoutDown firing (ALR-2)") ||
		!strings.HasPrefix(tl[2].Text, "4 alerts: CheckoutDown firing (ALR-3)") || !strings.HasSuffix(tl[2].Text, "; and 1 more") {
		t.Fatalf("timeline:\n%s", strings.Join(texts, "\n"))
	}
	audit, err := db.Audit(ctx, model.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var ingested []string
	for _, e := range audit {
		if e.Action == "drop.ingest" {
			ingested = append(ingested, e.Entity)
		}
	}
	if strings.Join(ingested, " ") != "third.json first.json" { // a duplicate changes nothing
		t.Errorf("drops audited (newest first): %v", ingested)
	}
}

// A batch of one drop at fault is undone whole, and said to be at fault,
// not failed: the watcher rejects the file rather than retrying it.
func TestIngestAllOneDropAtFault(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
	bad := model.Drop{Name: "bad.json", SHA256: "h2", Format: "generic", Events: []model.AlertEvent{
		{Alert: model.Alert{DedupKey: "b1", Name: "Fine", State: model.AlertFiring}},
		{Alert: model.Alert{State: model.AlertFiring}}}}
	res, errs, err := desk.IngestAll(ctx, model.System, []model.Drop{bad})
	if err != nil || len(res) != 1 || len(errs) != 1 || !errors.Is(errs[0], model.ErrInvalidDrop) {
		t.Fatalf("IngestAll = %v, %v, %v; want the drop refused as at fault", res, errs, err)
	}
	if c, err := db.Counts(ctx); err != nil || c.Alerts != 0 {
		t.Fatalf("counts %+v, %v; want nothing of the drop kept", c, err)
	}
	// Its hash was not kept either: sent again, it is refused again, not
	// taken for a duplicate.
	res, errs, err = desk.IngestAll(ctx, model.System, []model.Drop{bad})
	if err != nil || res[0].Duplicate || !errors.Is(errs[0], model.ErrInvalidDrop) {
		t.Fatalf("again: %v, %v, %v; want it refused again", res, errs, err)
	}
}
