package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Rota is who is on call for one escalation level of a team: people taking
// turns from start, handed over at the same wall-clock time every day or
// week, and explicit shifts (a swap, holiday cover) that win over a turn.
type Rota struct {
	Team     string      `toml:"team"`
	Level    string      `toml:"level,omitempty"` // L1 (the default), L2, L3 or vendor
	People   []string    `toml:"people,omitempty"`
	Every    string      `toml:"every,omitempty"` // "day", "week" (the default), or "2w", "3d"
	Start    time.Time   `toml:"start,omitempty"`
	Handover string      `toml:"handover,omitempty"` // "09:00" in the plan timezone
	Shifts   []RotaShift `toml:"shifts,omitempty"`

	rota model.Rota
}

// RotaShift is one explicit shift.
type RotaShift struct {
	Who  string    `toml:"who"`
	From time.Time `toml:"from"`
	To   time.Time `toml:"to"`
}

// Rotas are the plan's rotas as the model reads them.
func (p *Plan) Rotas() []model.Rota {
	out := make([]model.Rota, len(p.Rota))
	for i, r := range p.Rota {
		out[i] = r.rota
	}
	return out
}

// RotaFor is the rota of a team's escalation level; the zero rota if the
// plan has none.
func (p *Plan) RotaFor(team, level string) model.Rota {
	for _, r := range p.Rota {
		if r.Team == team && r.Level == level {
			return r.rota
		}
	}
	return model.Rota{}
}

// turnDays reads every: "day", "week", or a count of days or weeks.
func turnDays(every string) (int, error) {
	switch every {
	case "", "week":
		return 7, nil
	case "day":
		return 1, nil
	}
	unit := every[len(every)-1]
	n, err := strconv.Atoi(every[:len(every)-1])
	if err != nil || n <= 0 || (unit != 'd' && unit != 'w') {
		return 0, fmt.Errorf("%q is not a turn length; use \"day\", \"week\", or a count such as \"2w\" or \"3d\"", every)
	}
	if unit == 'w' {
		n *= 7
	}
	return n, nil
}

func (c *checker) checkRotas(p *Plan) {
	seen := map[string]int{}
	for i := range p.Rota {
		r := &p.Rota[i]
		if r.Level == "" {
			r.Level = "L1"
		}
		team, ok := p.Team(r.Team)
		c.ref(field("rota", i, "team"), r.Team, c.teams, "team id")
		if ok && !slices.ContainsFunc(team.Escalation, func(e Escalation) bool { return e.Level == r.Level }) {
			c.add(field("rota", i, "level"), "team %s has no level %s in its escalation; use one of its levels", r.Team, r.Level)
		}
		key := r.Team + "/" + r.Level
		if first, dup := seen[key]; dup {
			c.add(field("rota", i, "level"), "%s %s already has a rota (rota[%d]); give each level one rota", r.Team, r.Level, first)
		}
		seen[key] = i + 1
		if len(r.People) == 0 && len(r.Shifts) == 0 {
			c.missing(field("rota", i, "people"), `the people who take turns, such as ["tom.okafor", "priya.shah"], or shifts`)
		}
		for j, who := range r.People {
			c.person(fmt.Sprintf("rota[%d].people[%d]", i+1, j+1), who, p)
		}
		days, err := turnDays(r.Every)
		if err != nil {
			c.add(field("rota", i, "every"), "%v", err)
		}
		r.rota = model.Rota{Team: r.Team, Level: r.Level, People: r.People, Days: days, Loc: p.loc}
		if len(r.People) > 0 {
			if r.Handover == "" {
				r.Handover = "09:00"
			}
			at := c.clock(field("rota", i, "handover"), r.Handover)
			if c.when(field("rota", i, "start"), &r.Start, p.loc, false) {
				// The wall-clock time on that day, whatever its length.
				d := r.Start
				r.rota.Start = time.Date(d.Year(), d.Month(), d.Day(), int(at/time.Hour), int(at%time.Hour/time.Minute), 0, 0, p.loc)
			}
		}
		for j := range r.Shifts {
			s := &r.Shifts[j]
			path := fmt.Sprintf("rota[%d].shifts[%d]", i+1, j+1)
			c.person(path+".who", s.Who, p)
			from := c.when(path+".from", &s.From, p.loc, false)
			to := c.when(path+".to", &s.To, p.loc, false)
			if from && to && !s.To.After(s.From) {
				c.add(path+".to", "ends before it starts (from %s); put to after from", s.From.Format("2006-01-02 15:04"))
			}
			r.rota.Shifts = append(r.rota.Shifts, model.Shift{Who: s.Who, From: s.From, To: s.To, Cover: true})
		}
	}
}

// person checks a name is someone the plan knows: an operator or a member
// of a team.
func (c *checker) person(path, name string, p *Plan) {
	if strings.TrimSpace(name) == "" {
		c.missing(path, "a person's name")
		return
	}
	if !p.KnownPerson(name) {
		c.add(path, "%q is neither an [[operator]] nor a member of a [[team]]; add them, or fix the name", name)
	}
}
