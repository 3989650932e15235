package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestDeploysRoundTrip(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
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
		dup := deploys[0]
		if err := tx.InsertDeploy(&dup); err == nil {
			t.Error("a second deploy with the same service and key was stored")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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

// TestDeployReadsUseTheirIndexes: the calendar and the report read deploys
// by time, a change's detail by change; neither scans the table.
func TestDeployReadsUseTheirIndexes(t *testing.T) {
	db := openTest(t)
	for query, idx := range map[string]string{
		deploysBetweenSQL: "deploys_start",
		changeDeploysSQL:  "deploys_change",
		deployByKeySQL:    "deploys_key",
	} {
		steps, err := db.explain(t.Context(), query, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if text := strings.Join(steps, "\n"); !strings.Contains(text, "INDEX "+idx) {
			t.Errorf("%s\ndoes not use %s:\n%s", query, idx, text)
		}
	}
}
