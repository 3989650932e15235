package model

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CreateChange puts a change on the calendar.
func (s *Desk) CreateChange(ctx context.Context, a Actor, c Change) (Change, error) {
	if err := a.Check(PermCreateChange); err != nil {
		return Change{}, err
	}
	c.Title = strings.TrimSpace(Clean(c.Title, false))
	c.Description = Clean(c.Description, true)
	c.Implementer = Clean(c.Implementer, false)
	switch {
	case c.Title == "":
		return Change{}, fmt.Errorf("title: required")
	case !c.End.After(c.Start):
		return Change{}, fmt.Errorf("end %s: must be after start %s", c.End.Format(time.RFC3339), c.Start.Format(time.RFC3339))
	case !c.Risk.Valid():
		return Change{}, fmt.Errorf("risk: use high, medium or low")
	}
	if _, ok := s.pol().ServiceTier(c.Service); !ok {
		return Change{}, fmt.Errorf("service %q: not in the plan", c.Service)
	}
	if c.Type == "" {
		c.Type = ChangeNormal
	}
	if c.State == "" {
		c.State = ChangeNew
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertChange(&c); err != nil {
			return err
		}
		return s.audit(tx, a, "change.create", c.Ref(), nil, c)
	})
	return c, err
}

// ApproveChange authorises a change that waits for approval (state
// assess or authorize), which schedules it. Only leads approve.
func (s *Desk) ApproveChange(ctx context.Context, a Actor, id int64) (Change, error) {
	if err := a.Check(PermApproveChange); err != nil {
		return Change{}, err
	}
	var after Change
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := tx.ChangeByID(id)
		if err != nil {
			return fmt.Errorf("CHG-%d: %w", id, err)
		}
		switch before.State {
		case ChangeNew, ChangeAssess, ChangeAuthorize:
		default:
			return fmt.Errorf("%s is %s; only changes waiting for approval can be approved", before.Ref(), before.State)
		}
		after = before
		after.State = ChangeScheduled
		if err := tx.SetChangeState(id, after.State); err != nil {
			return err
		}
		return s.audit(tx, a, "change.approve", after.Ref(), before, after)
	})
	return after, err
}
