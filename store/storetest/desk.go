package storetest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func testChangesArticlesServices(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, clk := h.desk(t)

	start := clk.At.Add(2 * time.Hour)
	chg, _, err := desk.CreateChange(ctx, alice, model.Change{Title: "Patch DB", Services: []string{"orders"}, Impact: model.Medium,
		Probability: model.Low, Implementer: "dave", Start: start, End: start.Add(time.Hour), Description: "minor version",
		Backout: "restore the snapshot", TestPlan: "smoke tests", Incident: 0})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Change(ctx, chg.ID)
	if err != nil || !reflect.DeepEqual(got, chg) {
		t.Fatalf("change round trip: %+v, %v\nwant %+v", got, err, chg)
	}

	art := model.Article{Slug: "orders-db-disk-full", Title: "Orders DB disk full", Kind: model.ArticleRunbook,
		State: model.ArticlePublished, Service: "orders", Tags: []string{"db", "disk"}, Body: "# Steps\n\nfree space"}
	saved := importArticles(t, desk, art)[0]
	clk.Tick()
	art.Title, art.Body = "Orders database disk full", "# Steps\n\nextend the volume"
	updated := importArticles(t, desk, art)[0]
	if updated.ID != saved.ID || updated.Version != 2 {
		t.Fatalf("importing the same slug again made %s v%d; want %s v2", updated.Ref(), updated.Version, saved.Ref())
	}
	gotArt, err := db.Article(ctx, saved.ID)
	if err != nil || !reflect.DeepEqual(gotArt, updated.Article) {
		t.Fatalf("article round trip: %+v, %v\nwant %+v", gotArt, err, updated)
	}
	// The full-text index follows the update: the old body is gone.
	if hits, err := db.Articles(ctx, model.ArticleQuery{Search: "free space"}); err != nil || len(hits) != 0 {
		t.Errorf("search for replaced text = %+v, %v", hits, err)
	}
	if hits, err := db.Articles(ctx, model.ArticleQuery{Search: "extend"}); err != nil || len(hits) != 1 {
		t.Errorf("search for new text = %+v, %v", hits, err)
	}

	services := []model.Service{
		{ID: "checkout", Name: "Checkout", Tier: 1, Owner: "pay", Environment: "prod", DependsOn: []string{"orders", "psp"}},
		{ID: "orders", Name: "Orders", Tier: 2, Owner: "core", Environment: "prod"},
	}
	for _, set := range [][]model.Service{services, services[1:]} {
		if err := desk.SyncServices(ctx, model.System, set); err != nil {
			t.Fatal(err)
		}
		got, err := db.Services(ctx)
		if err != nil || !reflect.DeepEqual(got, set) {
			t.Fatalf("services = %+v, %v; want %+v", got, err, set)
		}
	}

	for name, read := range map[string]func() error{
		"incident": func() error { _, err := db.Incident(ctx, 404); return err },
		"alert":    func() error { _, err := db.Alert(ctx, 404); return err },
		"change":   func() error { _, err := db.Change(ctx, 404); return err },
		"article":  func() error { _, err := db.Article(ctx, 404); return err },
		"timeline": func() error {
			return db.Write(ctx, func(tx model.Tx) error {
				return tx.AddTimeline(&model.TimelineEntry{IncidentID: 404, At: clk.At, Kind: "note"})
			})
		},
		"update incident": func() error {
			return db.Write(ctx, func(tx model.Tx) error {
				return tx.UpdateIncident(model.Incident{ID: 404, Kind: model.KindIncident, Title: "x",
					Impact: 1, Urgency: 1, Priority: 1, State: model.StateNew, OpenedAt: clk.At, UpdatedAt: clk.At})
			})
		},
	} {
		if err := read(); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("%s 404 = %v; want ErrNotFound", name, err)
		}
	}
}

func testWriteRollsBackOnError(t *testing.T, h Harness) {
	ctx := t.Context()
	db, _, clk := h.desk(t)
	boom := errors.New("boom")
	err := db.Write(ctx, func(tx model.Tx) error {
		if _, err := tx.UpsertAlert(&model.Alert{DedupKey: "k", Severity: model.SevInfo, State: model.AlertFiring, LastSeen: clk.At}, time.Time{}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v; want fn's error", err)
	}
	c, err := db.Counts(ctx)
	if err != nil || c != (model.Counts{}) {
		t.Fatalf("after rollback counts = %+v, %v", c, err)
	}
}

func testAuditIsAppendOnly(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	if _, err := desk.CreateIncident(ctx, alice, model.NewIncident{Title: "x", Service: "orders", Impact: model.Low, Urgency: model.Low}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE audit SET actor = 'mallory'",
		"DELETE FROM audit",
	} {
		if err := db.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v; want the append-only refusal", stmt, err)
		}
	}
	entries, err := db.Audit(ctx, model.AuditQuery{})
	if err != nil || len(entries) != 1 || entries[0].Actor != "alice" {
		t.Fatalf("audit after attempts = %+v, %v", entries, err)
	}
}

func testAuditQuery(t *testing.T, h Harness) {
	ctx := t.Context()
	db, _, clk := h.desk(t)
	err := db.Write(ctx, func(tx model.Tx) error {
		for i, e := range []model.AuditEntry{
			{Actor: "alice", Action: "incident.create", Entity: "INC-1"},
			{Actor: "bob", Action: "alert.ack", Entity: "ALR-7"},
			{Actor: "alice", Action: "change.create", Entity: "CHG-2"},
			{Actor: "carol", Action: "incident.note", Entity: "INC-10"},
			{Actor: "hypercare", Action: "drop.ingest", Entity: "a.json"},
		} {
			e.At = clk.At.Add(time.Duration(i) * time.Minute)
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    model.AuditQuery
		want string // entities, newest first
	}{
		{"all", model.AuditQuery{}, "a.json INC-10 CHG-2 ALR-7 INC-1"},
		{"system hidden", model.AuditQuery{Hide: model.SystemActions}, "INC-10 CHG-2 ALR-7 INC-1"},
		{"two hidden", model.AuditQuery{Hide: []string{"drop.ingest", "alert.ack"}, Filter: "a"}, "INC-10 CHG-2 INC-1"},
		{"since", model.AuditQuery{Since: clk.At.Add(2 * time.Minute)}, "a.json INC-10 CHG-2"},
		{"actor", model.AuditQuery{Filter: "ALICE"}, "CHG-2 INC-1"},
		{"action", model.AuditQuery{Filter: "incident."}, "INC-10 INC-1"},
		{"entity", model.AuditQuery{Filter: "inc-1"}, "INC-10 INC-1"},
		{"page", model.AuditQuery{Offset: 2, Limit: 2}, "CHG-2 ALR-7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := db.Audit(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Entity)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}

func testDeploysRoundTrip(t *testing.T, h Harness) {
	ctx := t.Context()
	db := h.open(t)
	start := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	var change model.Change
	deploys := []model.Deploy{
		{Key: "run-2", Service: "checkout", Version: "2.14.0", By: "ci", Start: start.Add(10 * time.Minute), Status: model.DeployStarted, URL: "https://ci/2"},
		{Key: "run-1", Service: "checkout", Version: "2.13.9", Start: start, End: start.Add(5 * time.Minute), Status: model.DeploySucceeded, Named: 77},
		{Key: "run-1", Service: "search", Version: "9", Start: start.Add(time.Hour), Status: model.DeployFailed}, // same key, another service
	}
	err := db.Write(ctx, func(tx model.Tx) error {
		change = model.Change{Title: "Pool size", Services: []string{"checkout"}, Type: model.ChangeStandard, State: model.ChangeScheduled,
			Impact: model.Low, Probability: model.Low, Risk: model.Low, Round: 1, Start: start, End: start.Add(time.Hour)}
		if err := tx.InsertChange(&change); err != nil {
			return err
		}
		for i := range deploys {
			deploys[i].Recorded, deploys[i].Updated = start, start
			if err := tx.InsertDeploy(&deploys[i]); err != nil {
				return err
			}
		}
		if _, err := tx.DeployByKey("orders", "run-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a key on another service: %v, want ErrNotFound", err)
		}
		d := deploys[0]
		d.Status, d.End, d.ChangeID, d.Note, d.Updated = model.DeploySucceeded, start.Add(20*time.Minute), change.ID, "covered by CHG-1", start.Add(time.Hour)
		if err := tx.UpdateDeploy(d); err != nil {
			return err
		}
		deploys[0] = d
		d = deploys[1]
		d.Unauthorised, d.Note = true, "unauthorised: it names CHG-77, which does not exist"
		if err := tx.UpdateDeploy(d); err != nil {
			return err
		}
		deploys[1] = d
		got, err := tx.DeployByKey("checkout", "run-2")
		if err != nil || got != deploys[0] {
			t.Errorf("DeployByKey = %+v, %v\nwant %+v", got, err, deploys[0])
		}
		return tx.UpdateDeploy(model.Deploy{ID: 99})
	})
	if !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), "DEP-99") {
		t.Fatalf("updating a deploy that does not exist: %v", err)
	}
	// That error rolled the transaction back: write it again without it.
	err = db.Write(ctx, func(tx model.Tx) error {
		if err := tx.InsertChange(&change); err != nil {
			return err
		}
		for i := range deploys {
			if deploys[i].ChangeID != 0 {
				deploys[i].ChangeID = change.ID
			}
			if err := tx.InsertDeploy(&deploys[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second deploy with the same service and key fails its transaction
	// (after a failed statement PostgreSQL takes no other, so the refusal
	// is a transaction of its own).
	err = db.Write(ctx, func(tx model.Tx) error {
		dup := deploys[0]
		return tx.InsertDeploy(&dup)
	})
	if err == nil {
		t.Error("a second deploy with the same service and key was stored")
	}

	between, err := db.DeploysBetween(ctx, start, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(between) != 2 || between[0] != deploys[1] || between[1] != deploys[0] {
		t.Fatalf("DeploysBetween [start, +1h) = %+v\nwant run-1 then run-2 of checkout (the search deploy starts at +1h)", between)
	}
	ofChange, err := db.Deploys(ctx, change.ID)
	if err != nil || len(ofChange) != 1 || ofChange[0] != deploys[0] {
		t.Fatalf("Deploys(CHG-%d) = %+v, %v", change.ID, ofChange, err)
	}
}
