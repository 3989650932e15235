package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// A part's version moves with every commit that changes what its reads
// answer, so a reader that keeps a part's answers while its version stays
// (ui.Shared) never shows them stale; and it stays where it was through
// what a flood does (alerts, incidents without a war room), or keeping
// them would save nothing. Each step says which parts it moves, exactly.
func testPartVersions(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	versioner, ok := db.Store.(model.Versioner)
	if !ok {
		t.Fatal("the store does not count its parts' changes (model.Versioner)")
	}
	from, to := t0.Add(-30*24*time.Hour), t0.Add(30*24*time.Hour)
	// answers are what each part's reads (those ui.Shared keeps) answer,
	// errors included (no next change is an answer too).
	answers := func() [model.PartCount]string {
		t.Helper()
		show := func(v ...any) string { return fmt.Sprintf("%+v", v) }
		arts, err1 := db.Articles(ctx, model.ArticleQuery{Limit: 50})
		published, err2 := db.Articles(ctx, model.ArticleQuery{Published: true, Limit: 50})
		training, err3 := db.TrainingData(ctx)
		changes, err4 := db.ChangesBetween(ctx, from, to)
		next, err5 := db.NextChange(ctx, from)
		deploys, err6 := db.DeploysBetween(ctx, from, to)
		runs, err7 := db.JobRunsBetween(ctx, from, to)
		rooms, err8 := db.WarRooms(ctx)
		certs, err9 := db.Certificates(ctx)
		return [model.PartCount]string{
			model.PartKnowledge:    show(arts, err1, published, err2, training, err3),
			model.PartCalendar:     show(changes, err4, next, err5, deploys, err6, runs, err7),
			model.PartWarRooms:     show(rooms, err8),
			model.PartCertificates: show(certs, err9),
		}
	}
	write := func(fn func(model.Tx) error) error { return db.Write(ctx, fn) }

	var (
		inc, major model.Incident
		article    int64
		change     = model.Change{Title: "Pool size", Services: []string{"orders"}, Type: model.ChangeStandard,
			State: model.ChangeScheduled, Impact: model.Low, Probability: model.Low, Risk: model.Low, Round: 1,
			Start: t0.Add(-2 * time.Hour), End: t0.Add(-time.Hour)}
	)
	steps := []struct {
		name  string
		moves []model.Part
		do    func() error
	}{
		{"alerts fire and resolve", nil, func() error {
			for i, st := range []model.AlertState{model.AlertFiring, model.AlertFiring, model.AlertResolved} {
				if _, err := desk.RecordAlert(ctx, model.System, model.Alert{DedupKey: fmt.Sprint("k", i%2), Name: "DiskFull",
					Service: "orders", State: st, Severity: model.SevCritical}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"an incident is opened, noted and acknowledged", nil, func() (err error) {
			if inc, err = desk.CreateIncident(ctx, bob, model.NewIncident{Title: "basket empties", Service: "orders",
				Category: "availability", Impact: model.Medium, Urgency: model.Low}); err != nil {
				return err
			}
			if err = desk.AddNote(ctx, bob, inc.ID, "looking"); err == nil {
				_, err = desk.AckIncident(ctx, bob, inc.ID)
			}
			return err
		}},
		{"articles are imported", []model.Part{model.PartKnowledge}, func() error {
			v := importArticles(t, desk, model.Article{Slug: "replication-lag", Title: "Orders DB replication lag",
				Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Check the replica."})
			article = v[0].Article.ID
			return nil
		}},
		{"an incident is linked to the article", []model.Part{model.PartKnowledge}, func() error {
			_, err := desk.Link(ctx, bob, inc.ID, "article", article)
			return err
		}},
		{"an operator reads the article", []model.Part{model.PartKnowledge}, func() error {
			_, err := desk.ReadArticle(ctx, bob, article)
			return err
		}},
		{"the roster is synced", []model.Part{model.PartKnowledge}, func() error {
			return write(func(tx model.Tx) error {
				return tx.ReplaceRoster([]model.Person{{Name: "bob", Role: model.RoleOperator}})
			})
		}},
		{"an operator is seen", nil, func() error {
			return db.Exec(ctx, "UPDATE operators SET last_seen = $1", t0.UnixMilli())
		}},
		{"a change is planned", []model.Part{model.PartCalendar}, func() error {
			return write(func(tx model.Tx) error { return tx.InsertChange(&change) })
		}},
		{"the incident is linked to the change", nil, func() error {
			_, err := desk.Link(ctx, bob, inc.ID, "caused_by", change.ID)
			return err
		}},
		{"a deploy is recorded", []model.Part{model.PartCalendar}, func() error {
			return write(func(tx model.Tx) error {
				return tx.InsertDeploy(&model.Deploy{Key: "run-1", Service: "orders", Version: "2", Start: t0,
					Status: model.DeployStarted, Recorded: t0, Updated: t0})
			})
		}},
		{"a job run is recorded", []model.Part{model.PartCalendar}, func() error {
			return write(func(tx model.Tx) error {
				return tx.InsertJobRun(&model.JobRun{Job: "backup", RunID: "r1", Started: t0, Status: model.JobRunning,
					Recorded: t0, Updated: t0})
			})
		}},
		{"a war room is declared", []model.Part{model.PartWarRooms}, func() (err error) {
			if major, err = desk.CreateIncident(ctx, alice, model.NewIncident{Title: "checkout down", Service: "orders",
				Category: "availability", Impact: model.High, Urgency: model.High}); err != nil {
				return err
			}
			return write(func(tx model.Tx) error {
				return tx.UpsertWarRoom(model.WarRoom{IncidentID: major.ID, DeclaredAt: t0, DeclaredBy: "alice"})
			})
		}},
		{"the incident with the war room changes", []model.Part{model.PartWarRooms}, func() error {
			return db.Exec(ctx, "UPDATE incidents SET title = 'checkout down in eu' WHERE id = $1", major.ID)
		}},
		{"another incident changes", nil, func() error {
			return db.Exec(ctx, "UPDATE incidents SET title = 'basket empties on eu' WHERE id = $1", inc.ID)
		}},
		{"a certificate is checked", []model.Part{model.PartCertificates}, func() error {
			return write(func(tx model.Tx) error {
				return tx.UpsertCertificate(model.Certificate{Endpoint: "orders:443", Name: "orders", Subject: "orders",
					Issuer: "ca", Serial: "1", NotBefore: t0, NotAfter: t0.Add(90 * 24 * time.Hour), CheckedAt: t0, CheckedBy: "bob"})
			})
		}},
		{"records are removed behind the desk's back", []model.Part{model.PartKnowledge, model.PartCalendar,
			model.PartWarRooms, model.PartCertificates}, func() error {
			for _, q := range []string{"DELETE FROM article_reads", "DELETE FROM deploys", "DELETE FROM war_rooms",
				"DELETE FROM certificates"} {
				if err := db.Exec(ctx, q); err != nil {
					return fmt.Errorf("%s: %w", q, err)
				}
			}
			return nil
		}},
	}
	versions := func() model.Versions {
		t.Helper()
		v, err := versioner.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	names := [model.PartCount]string{"knowledge", "calendar", "war rooms", "certificates"}
	var changed [model.PartCount]bool
	for _, s := range steps {
		v, a := versions(), answers()
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		v2, a2 := versions(), answers()
		for p := range model.PartCount {
			moved, want := v2[p] != v[p], slices.Contains(s.moves, p)
			if a2[p] != a[p] {
				changed[p] = true
				if !moved {
					t.Errorf("%s: the %s reads' answers changed but the part's version stayed at %d:\nbefore %s\nafter  %s",
						s.name, names[p], v[p], a[p], a2[p])
				}
			}
			if moved != want {
				t.Errorf("%s: the %s version moved = %v (%d → %d), want %v", s.name, names[p], moved, v[p], v2[p], want)
			}
		}
	}
	// A part whose reads no step changed would prove nothing.
	for p, ok := range changed {
		if !ok {
			t.Errorf("no step changed what the %s reads answer", names[p])
		}
	}
}
