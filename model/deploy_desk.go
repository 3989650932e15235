package model

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// validateDeploy cleans and checks a reported deploy, derives its key, and
// clears what hypercare decides about it.
func (s *Desk) validateDeploy(d *Deploy) error {
	d.Service = strings.TrimSpace(Clean(d.Service, false))
	d.Version = strings.TrimSpace(Clean(d.Version, false))
	d.By = strings.TrimSpace(Clean(d.By, false))
	d.URL = strings.TrimSpace(Clean(d.URL, false))
	d.Key = strings.TrimSpace(Clean(d.Key, false))
	if d.Service == "" {
		return fmt.Errorf("service: required: name the service from the plan that was deployed")
	}
	if _, ok := s.pol().ServiceTier(d.Service); !ok {
		return fmt.Errorf("service %q: not in the plan; report deploys of the plan's [[service]] ids", d.Service)
	}
	if d.Version == "" {
		return fmt.Errorf("version: required: what was deployed (a tag, a build number, a commit)")
	}
	status, err := ParseDeployStatus(string(d.Status))
	if err != nil {
		return err
	}
	d.Status = status
	if d.Start.IsZero() {
		return fmt.Errorf("start: required: when the deploy began")
	}
	// Stored to the millisecond: the key is made of what is stored, so a
	// second report of the deploy finds the first.
	d.Start, d.End = d.Start.Truncate(time.Millisecond).UTC(), d.End.Truncate(time.Millisecond).UTC()
	if !d.End.IsZero() && d.End.Before(d.Start) {
		return fmt.Errorf("end %s: before start %s", s.stamp(d.End), s.stamp(d.Start))
	}
	if d.Named < 0 {
		return fmt.Errorf("change CHG-%d: not a change number", d.Named)
	}
	if d.Key == "" {
		d.Key = d.Version + "@" + d.Start.Format(time.RFC3339Nano)
	}
	d.ID, d.ChangeID, d.Unauthorised, d.Note = 0, 0, false, ""
	d.Recorded, d.Updated = time.Time{}, time.Time{}
	return nil
}

// RecordDeploy records a deploy a pipeline reported and ties it to the
// change that authorises it, all in one transaction. The change is the one
// the pipeline named, or else the one Covers finds on the service
// (DeployCandidates); the deploy moves it along its flow (DeploySteps), by
// the same steps as StepChange, so its timeline and the audit say which
// deploy did it. A deploy no change covers, or one naming a change that
// does not cover it, is recorded as unauthorised, with why.
//
// A report of a deploy already recorded (the same service and key) that
// tells nothing new (see Deploy.advances) changes nothing and returns the
// stored deploy; one that does (it finished, it was rolled back) updates
// it and moves its change on.
func (s *Desk) RecordDeploy(ctx context.Context, a Actor, d Deploy) (Deploy, error) {
	if err := a.Check(PermRecordDeploy); err != nil {
		return Deploy{}, err
	}
	if err := s.validateDeploy(&d); err != nil {
		return Deploy{}, err
	}
	var out Deploy
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		out, err = s.recordDeployTx(tx, a, d)
		return err
	})
	if err != nil {
		return Deploy{}, err
	}
	return out, nil
}

// recordDeployTx is RecordDeploy inside a transaction, for a validated deploy.
func (s *Desk) recordDeployTx(tx Tx, a Actor, d Deploy) (Deploy, error) {
	now := s.Now().UTC()
	stored, err := tx.DeployByKey(d.Service, d.Key)
	switch {
	case errors.Is(err, ErrNotFound):
		d.Recorded, d.Updated = now, now
		if err := tx.InsertDeploy(&d); err != nil {
			return Deploy{}, err
		}
		if err := s.coverDeploy(tx, a, &d); err != nil {
			return Deploy{}, err
		}
		if err := tx.UpdateDeploy(d); err != nil {
			return Deploy{}, err
		}
		action := "deploy.record"
		if d.Unauthorised {
			action = "deploy.unauthorised"
		}
		return d, s.audit(tx, a, action, d.Ref(), nil, d)
	case err != nil:
		return Deploy{}, err
	case !stored.advances(d):
		return stored, nil
	}
	after := stored
	after.Status, after.URL, after.Updated = d.Status, cmp.Or(stored.URL, d.URL), now
	if !d.End.IsZero() {
		after.End = d.End
	}
	if after.ChangeID != 0 {
		c, err := tx.ChangeByID(after.ChangeID)
		if err != nil {
			return Deploy{}, fmt.Errorf("CHG-%d: %w", after.ChangeID, err)
		}
		why, err := s.deployMoves(tx, a, c, after)
		if err != nil {
			return Deploy{}, err
		}
		if why != "" {
			after.Note += "; " + why
		}
	}
	if err := tx.UpdateDeploy(after); err != nil {
		return Deploy{}, err
	}
	return after, s.audit(tx, a, "deploy.update", after.Ref(), stored, after)
}

// coverDeploy finds the change that covers a new deploy and moves it, or
// marks the deploy unauthorised and says why, on the named change's
// timeline too when there is one.
func (s *Desk) coverDeploy(tx Tx, a Actor, d *Deploy) error {
	var candidates []Change
	var refusals []string
	named := int64(0) // the named change, when it exists
	if d.Named != 0 {
		c, err := tx.ChangeByID(d.Named)
		switch {
		case errors.Is(err, ErrNotFound):
			refusals = append(refusals, fmt.Sprintf("it names CHG-%d, which does not exist", d.Named))
		case err != nil:
			return fmt.Errorf("CHG-%d: %w", d.Named, err)
		default:
			named = c.ID
			if why := Covers(c, *d); why != "" {
				refusals = append(refusals, why)
			} else {
				candidates = append(candidates, c)
			}
		}
	} else {
		changes, err := tx.ChangesBetween(d.Start, d.Start.Add(DeployEarly+time.Millisecond))
		if err != nil {
			return err
		}
		candidates = DeployCandidates(*d, changes)
		if len(candidates) == 0 {
			refusals = append(refusals, fmt.Sprintf("no change on %s is being implemented or scheduled for %s", d.Service, s.stamp(d.Start)))
		}
	}
	for _, c := range candidates {
		why, err := s.deployMoves(tx, a, c, *d)
		if err != nil {
			return err
		}
		if why == "" {
			d.ChangeID, d.Note = c.ID, "covered by "+c.Ref()
			return nil
		}
		refusals = append(refusals, why)
	}
	d.Unauthorised, d.Note = true, "unauthorised: "+strings.Join(refusals, "; ")
	if named != 0 {
		return s.changeEvent(tx, a, named, "deploy", fmt.Sprintf("%s: %s, %s", d.Ref(), d.Describe(), d.Note))
	}
	return nil
}

// deployMoves takes a change through the steps a deploy of it means
// (DeploySteps), each on its timeline and in the audit; when there are
// none, the deploy is noted on the timeline. It returns why the change
// refused (a hard freeze refuses a start), having written nothing; an
// error is a failure of the store.
func (s *Desk) deployMoves(tx Tx, a Actor, c Change, d Deploy) (string, error) {
	what := fmt.Sprintf("%s, %s", d.Describe(), d.Ref())
	steps := DeploySteps(c.State, d.Status)
	if len(steps) == 0 {
		return "", s.changeEvent(tx, a, c.ID, "deploy", what)
	}
	keep := func(*Change) error { return nil }
	for _, act := range steps {
		_, _, err := s.stepTx(tx, a, c.ID, ChangeStep{Action: act, Comment: what}, keep)
		var blocked blockedError
		var flow ErrChangeFlow
		switch {
		case errors.As(err, &blocked), errors.As(err, &flow):
			return err.Error(), nil
		case err != nil:
			return "", err
		}
	}
	return "", nil
}

// ingestDeploys records a deploy drop's deploys in one transaction, at
// most once per content hash like any drop. A deploy that fails its checks
// makes the whole drop invalid: a pipeline's report is taken whole or not
// at all.
func (s *Desk) ingestDeploys(ctx context.Context, a Actor, d Drop) (IngestResult, error) {
	if err := a.Check(PermRecordDeploy); err != nil {
		return IngestResult{}, err
	}
	deploys := make([]Deploy, len(d.Deploys))
	for i, dep := range d.Deploys {
		if err := s.validateDeploy(&dep); err != nil {
			return IngestResult{}, fmt.Errorf("%s: deploy %d (%s %s): %w: %v", d.Name, i+1, dep.Service, dep.Version, ErrInvalidDrop, err)
		}
		deploys[i] = dep
	}
	var res IngestResult
	err := s.store.Write(ctx, func(tx Tx) error {
		res = IngestResult{} // the store may run fn again after a busy retry
		if seen, err := dropSeen(tx, d, &res); err != nil || seen {
			return err
		}
		for _, dep := range deploys {
			got, err := s.recordDeployTx(tx, a, dep)
			if err != nil {
				return fmt.Errorf("%s: deploy %s of %s: %w", d.Name, dep.Version, dep.Service, err)
			}
			res.Deploys = append(res.Deploys, got)
		}
		if d.SHA256 != "" {
			if err := tx.RecordDrop(d, 0); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "drop.ingest", d.Name, nil, struct {
			Format  string `json:"format"`
			Deploys int    `json:"deploys"`
		}{d.Format, len(res.Deploys)})
	})
	return res, err
}
