package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// Staff is the live demo's other people at work, so the console looks like
// a war room where incidents are taken and closed rather than a wall that
// only ever turns red. Every tick, the desk operator on shift takes the
// oldest new incident opened since the demo went live, and the owner of an
// incident whose alerts have all resolved resolves it as fixed. The
// seeded week's incidents are left as their stories leave them.
func Staff(ctx context.Context, dk *model.Desk, p *plan.Plan, since time.Time, every time.Duration) error {
	c, err := newCast(p)
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := staffTick(ctx, dk, c, since, dk.Now()); err != nil && ctx.Err() == nil {
			return err
		}
	}
}

// staffTick does one round of the staff's work at now.
func staffTick(ctx context.Context, dk *model.Desk, c cast, since, now time.Time) error {
	r := dk.Reader()
	open, err := r.Queue(ctx, model.QueueQuery{Limit: 200})
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	var oldestNew *model.Incident
	for i := range open {
		in := &open[i]
		if in.OpenedAt.Before(since) {
			continue
		}
		switch in.State {
		case model.StateNew:
			if oldestNew == nil || in.OpenedAt.Before(oldestNew.OpenedAt) {
				oldestNew = in
			}
		case model.StateInProgress:
			done, err := alertsResolved(ctx, r, in.ID)
			if err != nil {
				return err
			}
			if !done {
				continue
			}
			who := c.actor(desk, "", now)
			if in.Assignee != "" {
				who = model.Actor{Name: in.Assignee, Role: model.RoleOperator}
			}
			_, err = dk.Transition(ctx, who, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed",
				Reason: "alerts cleared; verified on the dashboards"})
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				return fmt.Errorf("demo staff: resolve %s: %w", in.Ref(), err)
			}
		}
	}
	if oldestNew != nil {
		if _, err := dk.AckIncident(ctx, c.actor(desk, "", now), oldestNew.ID); err != nil {
			return fmt.Errorf("demo staff: take %s: %w", oldestNew.Ref(), err)
		}
	}
	return nil
}

// alertsResolved reports whether an incident has alerts and none fires.
func alertsResolved(ctx context.Context, r model.Reader, id int64) (bool, error) {
	alerts, err := r.IncidentAlerts(ctx, id, 100)
	if err != nil {
		return false, fmt.Errorf("demo staff: %w", err)
	}
	for _, a := range alerts {
		if a.State == model.AlertFiring {
			return false, nil
		}
	}
	return len(alerts) > 0, nil
}
