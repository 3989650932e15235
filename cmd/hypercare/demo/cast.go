package demo

import (
	"errors"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// cast maps the parts people play in the stories onto the plan's operators,
// so the demo's timelines carry the names and roles the plan gives.
type cast struct {
	desk  []model.Actor            // first line: operators with the operator role
	leads []model.Actor            // support leads
	teams map[string][]model.Actor // team id → its members who are operators
}

// shift is how long one person stays at the desk.
const shift = 8 * time.Hour

func newCast(p *plan.Plan) (cast, error) {
	c := cast{teams: map[string][]model.Actor{}}
	for _, op := range p.Operators {
		a := model.Actor{Name: op.Name, Role: op.Role}
		switch op.Role {
		case model.RoleOperator:
			c.desk = append(c.desk, a)
		case model.RoleLead:
			c.leads = append(c.leads, a)
		}
	}
	for _, t := range p.Teams {
		for _, m := range t.Members {
			if op, ok := p.Operator(m); ok && op.Role >= model.RoleOperator {
				c.teams[t.ID] = append(c.teams[t.ID], model.Actor{Name: op.Name, Role: op.Role})
			}
		}
	}
	if len(c.desk) == 0 || len(c.leads) == 0 {
		return cast{}, errors.New("the plan needs at least one operator with the operator role and one with the lead role")
	}
	return c, nil
}

// actor is who plays a part at a moment. The desk and engineers rotate by
// shift and leads by day, so a week's timelines show several people.
func (c cast) actor(part who, team string, at time.Time) model.Actor {
	switch part {
	case system:
		return model.System
	case lead:
		return pick(c.leads, at, 24*time.Hour)
	case engineer:
		if a, ok := c.engineer(team, at); ok {
			return a
		}
	}
	return pick(c.desk, at, shift)
}

// engineer is the member of a team on shift at a moment; vendors have none.
func (c cast) engineer(team string, at time.Time) (model.Actor, bool) {
	members := c.teams[team]
	if len(members) == 0 {
		return model.Actor{}, false
	}
	return pick(members, at, shift), true
}

func pick(people []model.Actor, at time.Time, turn time.Duration) model.Actor {
	n := int(at.Unix() / int64(turn.Seconds()))
	return people[(n%len(people)+len(people))%len(people)]
}
