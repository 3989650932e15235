package plan

import (
	"fmt"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// ChangeBoard is the plan's [change] section: who approves what, the
// standard change catalogue, and how long after a change an incident is
// proposed as caused by it.
type ChangeBoard struct {
	Board          []string        `toml:"board,omitempty"`           // operator names on the change board
	EmergencyBoard []string        `toml:"emergency_board,omitempty"` // who approves emergencies
	CausedWindow   string          `toml:"caused_window,omitempty"`   // such as "4h"
	Approvals      []ApprovalRule  `toml:"approval,omitempty"`
	Standard       []StandardEntry `toml:"standard,omitempty"`

	policy model.ChangePolicy
}

// ApprovalRule is one [[change.approval]]: the first that matches a
// change's type and risk decides how many approvals it needs, from whom.
type ApprovalRule struct {
	Type  string `toml:"type,omitempty"` // normal, emergency; empty: any
	Risk  string `toml:"risk,omitempty"` // high, medium, low; empty: any
	From  string `toml:"from"`           // leads, board or emergency
	Count int    `toml:"count,omitempty"`
}

// StandardEntry is one pre-approved change in [[change.standard]].
type StandardEntry struct {
	ID       string   `toml:"id"`
	Title    string   `toml:"title"`
	Services []string `toml:"services,omitempty"`
	MaxRisk  string   `toml:"max_risk,omitempty"` // default low
}

func (c *checker) checkChangeBoard(p *Plan) {
	b := &p.Change
	pol := model.ChangePolicy{CausedWindow: model.DefaultCausedWindow}
	if b.CausedWindow != "" {
		if d := c.duration("change.caused_window", b.CausedWindow); d > 0 {
			pol.CausedWindow = d
		}
	}
	people := func(key string, names []string) []string {
		for i, n := range names {
			path := fmt.Sprintf("change.%s[%d]", key, i+1)
			op, ok := p.Operator(n)
			switch {
			case !ok:
				c.add(path, "%q is not an [[operator]] in this plan; approvers sign in, so add them as operators", n)
			case op.Role < model.RoleLead:
				c.add(path, "%q has the %s role; approving changes needs the lead role", n, op.Role)
			}
		}
		return slices.Clone(names)
	}
	pol.Board = people("board", b.Board)
	pol.EmergencyBoard = people("emergency_board", b.EmergencyBoard)
	for i, r := range b.Approvals {
		rule := model.ApprovalRule{Count: r.Count, From: r.From}
		if r.Type != "" {
			t, err := model.ParseChangeType(r.Type)
			if err != nil || t == model.ChangeStandard {
				c.add(field("change.approval", i, "type"), "%q: use normal or emergency (standard changes are pre-approved)", r.Type)
			}
			rule.Type = t
		}
		rule.Risk = c.level(field("change.approval", i, "risk"), r.Risk)
		switch r.From {
		case model.ApproverLeads:
		case model.ApproverBoard:
			if len(b.Board) == 0 {
				c.add(field("change.approval", i, "from"), "\"board\" but [change] has no board; list its members in board = [...]")
			}
		case model.ApproverEmergency:
			if len(b.EmergencyBoard) == 0 {
				c.add(field("change.approval", i, "from"), "\"emergency\" but [change] has no emergency_board; list its members")
			}
		case "":
			c.missing(field("change.approval", i, "from"), `from = "leads", "board" or "emergency"`)
		default:
			c.add(field("change.approval", i, "from"), "%q: use \"leads\", \"board\" or \"emergency\"", r.From)
		}
		if r.Count < 0 {
			c.add(field("change.approval", i, "count"), "%d is negative; use 1 or more", r.Count)
		}
		if m := pol.Board; r.From == model.ApproverBoard && r.Count > len(m) && len(m) > 0 {
			c.add(field("change.approval", i, "count"), "%d approvals but the board has %d members", r.Count, len(m))
		}
		pol.Rules = append(pol.Rules, rule)
	}
	c.index("change.standard", "id", len(b.Standard), func(i int) string { return b.Standard[i].ID })
	for i, s := range b.Standard {
		for j, sv := range s.Services {
			c.ref(fmt.Sprintf("change.standard[%d].services[%d]", i+1, j+1), sv, c.services, "service id")
		}
		std := model.StandardChange{ID: s.ID, Title: s.Title, Services: slices.Clone(s.Services)}
		std.MaxRisk = c.level(field("change.standard", i, "max_risk"), s.MaxRisk)
		pol.Standard = append(pol.Standard, std)
	}
	b.policy = pol
}

// ChangePolicy is the plan's [change] section (model.Policy).
func (p *Plan) ChangePolicy() model.ChangePolicy { return p.Change.policy }

// ChangeCalendar expands the plan's calendar over [from, to) for some
// services (model.Policy). Windows are looked up a day either side, so a
// window that contains the whole span is found even when it starts before it.
func (p *Plan) ChangeCalendar(services []string, from, to time.Time) model.PlanCalendar {
	cal := model.PlanCalendar{Windows: map[string][]model.Span{}, Related: map[string][]string{}}
	for _, id := range services {
		sv, ok := p.Service(id)
		if !ok {
			continue
		}
		if len(sv.Maintenance) > 0 {
			var spans []model.Span
			for _, w := range sv.Maintenance {
				for _, start := range w.rec.starts(from.Add(-24*time.Hour), to.Add(24*time.Hour), w.length, p.Location()) {
					spans = append(spans, model.Span{Start: start, End: start.Add(w.length)})
				}
			}
			cal.Windows[id] = spans
		}
		rel := slices.Clone(sv.DependsOn)
		for _, other := range p.Services {
			if slices.Contains(other.DependsOn, id) && !slices.Contains(rel, other.ID) {
				rel = append(rel, other.ID)
			}
		}
		cal.Related[id] = rel
	}
	for _, f := range p.FreezesBetween(from, to) {
		cal.Freezes = append(cal.Freezes, model.FreezeSpan{Span: model.Span{Start: f.Start, End: f.End}, Name: f.Name,
			Hard: f.Hard, Services: slices.Clone(f.Services), Reason: f.Reason})
	}
	// A job that runs every few minutes (a feed) is no reason to move a
	// change: it would collide with every one, as it would fill the calendar.
	for _, j := range p.Jobs {
		if j.Frequent() || !slices.Contains(services, j.Service) {
			continue
		}
		for _, start := range j.starts(from, to) {
			cal.Runs = append(cal.Runs, model.PlannedRun{Span: model.Span{Start: start, End: start.Add(j.length())},
				Job: j.ID, Name: j.Name, Service: j.Service, Backup: j.Kind == model.JobBackup})
		}
	}
	slices.SortStableFunc(cal.Runs, func(a, b model.PlannedRun) int { return a.Start.Compare(b.Start) })
	return cal
}
