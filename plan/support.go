package plan

import (
	"fmt"
	"strings"
	"time"
)

// The support plan's own text, as a production support plan template has
// it: what hypercare is for and covers, for whom, what it takes for
// granted, how often the plan is reviewed, how releases reach production,
// the environments, who maintains what, who may get at what, and what it
// costs. hypercare computes nothing from most of it; it is checked where it
// names something else in the plan, and shown whole in the console's Plan
// view and `hypercare plan show`.

// Support is the plan's opening sections.
type Support struct {
	Purpose     string   `toml:"purpose,omitempty"`
	Scope       string   `toml:"scope,omitempty"`
	OutOfScope  []string `toml:"out_of_scope,omitempty"`
	Audience    string   `toml:"audience,omitempty"`
	Objectives  []string `toml:"objectives,omitempty"`
	Assumptions []string `toml:"assumptions,omitempty"`
	// Access lists the restrictions on who may reach what, and how.
	Access []string `toml:"access,omitempty"`
	Review Review   `toml:"review,omitempty"`
}

// Review is the plan's own review cadence.
type Review struct {
	Every string    `toml:"every,omitempty"` // a duration, such as "7d"
	Owner string    `toml:"owner,omitempty"` // a [[contact]] name
	Forum string    `toml:"forum,omitempty"` // where it is reviewed
	Last  time.Time `toml:"last,omitempty"`  // the last review

	every time.Duration
}

// Next is when the plan is next due for review: the last review plus the
// cadence; zero when either is missing.
func (r Review) Next() time.Time {
	if r.every <= 0 || r.Last.IsZero() {
		return time.Time{}
	}
	return r.Last.Add(r.every)
}

// Release is how changes reach production.
type Release struct {
	Strategy string   `toml:"strategy,omitempty"`
	Process  []string `toml:"process,omitempty"` // the steps, in order
	// RegressionTests says where the regression tests live and how they
	// are run.
	RegressionTests string `toml:"regression_tests,omitempty"`
}

// Environment is one environment the services run in.
type Environment struct {
	Name     string `toml:"name"`
	Purpose  string `toml:"purpose,omitempty"`
	Location string `toml:"location,omitempty"`
	Access   string `toml:"access,omitempty"` // who may get in, and how
}

// Responsibility says who looks after one area of the running system.
type Responsibility struct {
	Area     string   `toml:"area"`
	Team     string   `toml:"team,omitempty"`
	Contacts []string `toml:"contacts"` // [[contact]] names
	Duties   string   `toml:"duties,omitempty"`
}

// ResponsibilityAreas are the areas the template asks a plan to assign.
var ResponsibilityAreas = []string{"software maintenance", "system administration", "database administration"}

// Budget is what support costs, and the other resources it draws on.
type Budget struct {
	Summary   string       `toml:"summary,omitempty"`
	Items     []BudgetItem `toml:"items,omitempty"`
	Resources []string     `toml:"resources,omitempty"`
}

// BudgetItem is one line of the budget.
type BudgetItem struct {
	Name   string `toml:"name"`
	Amount string `toml:"amount"` // as the finance team writes it, currency and period included
	Notes  string `toml:"notes,omitempty"`
}

func (c *checker) checkSupport(p *Plan) {
	r := &p.Support.Review
	if r.Every != "" {
		r.every = c.duration("support.review.every", r.Every)
	}
	if r.Owner != "" {
		c.ref("support.review.owner", r.Owner, c.contacts, "[[contact]] name")
	}
	if !r.Last.IsZero() {
		c.when("support.review.last", &r.Last, p.loc, false)
	}
	envs := c.index("environment", "name", len(p.Environments), func(i int) string { return p.Environments[i].Name })
	if len(envs) > 0 {
		// Once the plan lists its environments, a service names one of them.
		for i, s := range p.Services {
			if s.Environment != "" {
				c.ref(field("service", i, "environment"), s.Environment, envs, "[[environment]] name")
			}
		}
	}
	for i, rs := range p.Responsibilities {
		if strings.TrimSpace(rs.Area) == "" {
			c.missing(field("responsibility", i, "area"), fmt.Sprintf("what is looked after, such as area = %q", ResponsibilityAreas[0]))
		}
		if rs.Team != "" {
			c.ref(field("responsibility", i, "team"), rs.Team, c.teams, "team id")
		}
		if len(rs.Contacts) == 0 {
			c.missing(field("responsibility", i, "contacts"), `the [[contact]] names to call, such as contacts = ["Platform on-call"]`)
		}
		for j, name := range rs.Contacts {
			c.ref(fmt.Sprintf("responsibility[%d].contacts[%d]", i+1, j+1), name, c.contacts, "[[contact]] name")
		}
	}
	for i, it := range p.Budget.Items {
		if it.Name == "" {
			c.missing(fmt.Sprintf("budget.items[%d].name", i+1), "what the money is for")
		}
		if it.Amount == "" {
			c.missing(fmt.Sprintf("budget.items[%d].amount", i+1), `the amount, such as amount = "£12,000 a month"`)
		}
	}
}
