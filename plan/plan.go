// Package plan reads the support plan, plan.toml: the human-written, git-
// versioned file that says which services are in hypercare, who owns them,
// how incidents are escalated, what the SLAs are, how alerts are routed, and
// when changes are frozen. A plan is checked completely before it is used: every
// problem is reported with its file, line and what to do, and a plan with
// problems is never returned, so the console keeps running on the last good one.
package plan

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	// Embedded zone data, so a plan's timezone loads on hosts without a
	// zoneinfo database (minimal containers, some Windows machines).
	_ "time/tzdata"

	"github.com/BurntSushi/toml"
	"github.com/hypercare-ops/hypercare/model"
)

// Plan is a checked support plan. It is read-only once returned: sessions
// share it while the watcher swaps in newer ones.
type Plan struct {
	Hypercare Hypercare      `toml:"hypercare"`
	Services  []Service      `toml:"service,omitempty"`
	Teams     []Team         `toml:"team,omitempty"`
	Contacts  []Contact      `toml:"contact,omitempty"`
	Referrals []Referral     `toml:"referral,omitempty"`
	SLA       map[string]SLA `toml:"sla"` // keys P1..P5 and request
	Alerts    Alerts         `toml:"alerts,omitempty"`
	Sources   []Source       `toml:"source,omitempty"`
	Routes    []Route        `toml:"route,omitempty"`
	Freezes   []Freeze       `toml:"freeze,omitempty"`
	Jobs      []Job          `toml:"job,omitempty"`
	Licences  []Licence      `toml:"licence,omitempty"`
	Rota      []Rota         `toml:"rota,omitempty"`
	Operators []Operator     `toml:"operator,omitempty"`
	Change    ChangeBoard    `toml:"change,omitempty"`
	Retain    Retention      `toml:"retention,omitempty"`
	// The support plan's own text: why, for whom, on what terms
	// (support.go).
	Support          Support          `toml:"support,omitempty"`
	Release          Release          `toml:"release,omitempty"`
	Environments     []Environment    `toml:"environment,omitempty"`
	Responsibilities []Responsibility `toml:"responsibility,omitempty"`
	Budget           Budget           `toml:"budget,omitempty"`
	Notify           []NotifyRule     `toml:"notify,omitempty"`
	SMTP             SMTP             `toml:"smtp,omitempty"`
	Major            Major            `toml:"major,omitempty"`
	Path             string           `toml:"-"` // file it came from

	loc *time.Location
}

var _ model.Policy = (*Plan)(nil)

// Alerts holds the alert-lifecycle thresholds; every field is optional.
type Alerts struct {
	FlapChanges int    `toml:"flap_changes,omitempty"` // state changes within flap_window that make an alert flapping
	FlapWindow  string `toml:"flap_window,omitempty"`
	StormSize   int    `toml:"storm_size,omitempty"` // alerts of one group within storm_window that make a storm
	StormWindow string `toml:"storm_window,omitempty"`
	AfterChange string `toml:"after_change,omitempty"` // how long after a change starts its service's alerts are marked
	AutoResolve bool   `toml:"auto_resolve,omitempty"` // resolve auto-opened incidents when all their alerts resolve
	SilenceRole string `toml:"silence_role,omitempty"` // the least role that may manage silences: operator (default), lead or admin

	rules model.AlertRules
}

// AlertRules returns the thresholds with defaults filled in.
func (p *Plan) AlertRules() model.AlertRules {
	if p.Alerts.rules == (model.AlertRules{}) {
		return model.DefaultAlertRules()
	}
	return p.Alerts.rules
}

// Retention is [retention]: how long records are kept before hypercare
// archives and removes them; every key is optional (90 days), "forever"
// keeps that kind of record for good.
type Retention struct {
	Alerts       string `toml:"alerts,omitempty"`        // resolved alerts, after they were last seen
	AlertHistory string `toml:"alert_history,omitempty"` // state changes of the alerts kept
	Audit        string `toml:"audit,omitempty"`         // audit entries

	r       model.Retention
	checked bool // r is filled in: "forever" everywhere is all zero
}

// Retention returns the retention with defaults filled in (model.Policy).
func (p *Plan) Retention() model.Retention {
	if !p.Retain.checked {
		return model.DefaultRetention()
	}
	return p.Retain.r
}

// Source is one sender of alerts: how often it repeats a firing alert, what
// to do when it goes quiet, and the token its HTTP posts must carry.
type Source struct {
	Name           string `toml:"name"`                      // the alerts' source: alertmanager, grafana, pagerduty, opsgenie, generic, or a generic event's own source
	RepeatInterval string `toml:"repeat_interval,omitempty"` // the sender's repeat interval; "0" or "never" for senders that do not repeat
	ResolveStale   bool   `toml:"resolve_stale,omitempty"`   // resolve alerts that went stale instead of only marking them
	Token          string `toml:"token,omitempty"`           // bearer token HTTP posts must carry
	TokenEnv       string `toml:"token_env,omitempty"`       // or the environment variable holding it, to keep it out of git
	Alertmanager   string `toml:"alertmanager_url,omitempty"`

	src model.AlertSource
}

// AlertSource says what the plan sets for a sender of alerts (model.Policy).
func (p *Plan) AlertSource(name string) model.AlertSource {
	for _, s := range p.Sources {
		if s.Name == name {
			return s.src
		}
	}
	return model.DefaultAlertSource(name)
}

// AlertSources lists the sources whose alerts can go stale: the plan's,
// and the defaults of those it does not name (model.Policy).
func (p *Plan) AlertSources() []model.AlertSource {
	var out []model.AlertSource
	named := map[string]bool{}
	for _, s := range p.Sources {
		named[s.Name] = true
		if s.src.RepeatInterval > 0 {
			out = append(out, s.src)
		}
	}
	for _, name := range []string{"alertmanager", "grafana", model.IntakeSource} {
		if !named[name] {
			out = append(out, model.DefaultAlertSource(name))
		}
	}
	return out
}

// Escalation lists a team's escalation levels with their contacts and
// timeouts (model.Policy).
func (p *Plan) Escalation(team string) []model.EscalationLevel {
	t, ok := p.Team(team)
	if !ok {
		return nil
	}
	out := make([]model.EscalationLevel, len(t.Escalation))
	for i, e := range t.Escalation {
		out[i] = model.EscalationLevel{Name: e.Level, Level: e.Level, Wait: e.timeout, Rota: p.RotaFor(team, e.Level)}
		if e.Contact != "" {
			out[i].Name += " (" + e.Contact + ")"
		}
	}
	return out
}

// Route applies the plan's routes to an alert's labels (model.Policy).
func (p *Plan) Route(labels map[string]string) model.Routing { return p.RouteAlert(labels) }

// Hours settings: around the clock, or the business calendar in [hypercare].
const (
	Hours24x7     = "24x7"
	HoursBusiness = "business"
)

// Hypercare describes the hypercare period itself.
type Hypercare struct {
	Service  string      `toml:"service"` // name shown in the header
	Start    time.Time   `toml:"start"`
	End      time.Time   `toml:"end"` // exclusive; a date in the file means "through that day"
	Timezone string      `toml:"timezone"`
	Hours    string      `toml:"hours"` // Hours24x7 or HoursBusiness; the default for SLAs
	Business Business    `toml:"business"`
	Holidays []time.Time `toml:"holidays,omitempty"` // midnight in the plan timezone
	// GuestViewers lets SSH keys not listed under [[operator]] in, read-only.
	GuestViewers bool            `toml:"guest_viewers,omitempty"`
	ExitCriteria []ExitCriterion `toml:"exit_criteria,omitempty"`
}

// Business is the working week used by business-hours SLAs.
type Business struct {
	Days  []string `toml:"days,omitempty"`  // mon … sun
	Start string   `toml:"start,omitempty"` // HH:MM
	End   string   `toml:"end,omitempty"`

	days       weekdays
	start, end time.Duration
}

// ExitCriterion is one condition for leaving hypercare, scored live.
type ExitCriterion struct {
	Name   string  `toml:"name"`
	Metric string  `toml:"metric"` // a key of ExitMetrics
	Target float64 `toml:"target"`
	// Service narrows availability to one service; without it, the least
	// available service counts.
	Service string `toml:"service,omitempty"`
	// HeldFor is how many days in a row ("3d") the criterion must be met,
	// each day's 24 hours measured on their own, before it counts as met.
	HeldFor string `toml:"held_for,omitempty"`

	heldDays int
}

// HeldDays is the number of days the criterion must hold; 1 without held_for.
func (c ExitCriterion) HeldDays() int { return max(c.heldDays, 1) }

// MaxHeldDays bounds held_for: the scorecard reads that many days back.
const MaxHeldDays = 14

// ExitMetrics are the measures an exit criterion may name. The value says
// whether the criterion is met at or above its target (true) or at or below it.
var ExitMetrics = map[string]bool{
	"open_p1":        false, // open P1 incidents
	"open_p2":        false, // open P2 incidents
	"sla_attainment": true,  // share of incidents resolved within SLA, 0–1
	"reopen_rate":    false, // share of resolved incidents reopened, 0–1
	"csat":           true,  // mean satisfaction recorded at resolution, 1–5
	"mttr_hours":     false, // mean time to resolve
	// share of closed changes that succeeded and caused no incident, 0–1
	"change_success_rate": true,
	"change_caused_p1p2":  false, // P1/P2 incidents confirmed as caused by a change
	// share of required readings done in the version in force, 0–1
	"training_completion": true,
	// share of the day a service was up, by its P1/P2 availability
	// incidents, 0–1 (service = "…" for one; else the least available)
	"availability": true,
	// share of the most frequent incident categories that have a published
	// article tagged or titled with the category, 0–1
	"runbook_coverage": true,
}

// Met reports whether a measured value satisfies the criterion.
func (c ExitCriterion) Met(value float64) bool {
	if ExitMetrics[c.Metric] {
		return value >= c.Target
	}
	return value <= c.Target
}

// Service is a service or configuration item in scope.
type Service struct {
	ID          string   `toml:"id"`
	Name        string   `toml:"name"`
	Tier        int      `toml:"tier"`  // 1 most critical … 3
	Owner       string   `toml:"owner"` // team id
	Environment string   `toml:"environment,omitempty"`
	DependsOn   []string `toml:"depends_on,omitempty"`
	Maintenance []Window `toml:"maintenance,omitempty"`
	Runbooks    []string `toml:"runbooks,omitempty"` // knowledge base slugs
	Version     string   `toml:"version,omitempty"`  // the release in production
	Platform    string   `toml:"platform,omitempty"` // what it runs on
	URLs        []string `toml:"urls,omitempty"`     // where people and monitors reach it
	RPO         string   `toml:"rpo,omitempty"`      // data its recovery may lose, as a duration
	RTO         string   `toml:"rto,omitempty"`      // how long its recovery may take

	rpo, rto time.Duration
}

// Window is a recurring maintenance window, in the plan timezone.
type Window struct {
	Days     []string `toml:"days"`
	Start    string   `toml:"start"`    // HH:MM
	Duration string   `toml:"duration"` // such as "2h"

	rec    recurrence
	length time.Duration
}

// Team receives and works incidents; vendors are teams too.
type Team struct {
	ID         string       `toml:"id"`
	Name       string       `toml:"name"`
	Members    []string     `toml:"members,omitempty"`
	Vendor     bool         `toml:"vendor,omitempty"`
	Contract   string       `toml:"contract,omitempty"`
	Contact    string       `toml:"contact,omitempty"` // a [[contact]] name
	Escalation []Escalation `toml:"escalation"`
}

// Escalation is one level of a team's functional escalation.
type Escalation struct {
	Level   string `toml:"level"`   // L1, L2, L3 or vendor, in that order
	Contact string `toml:"contact"` // a [[contact]] name
	Timeout string `toml:"timeout,omitempty"`

	timeout time.Duration
}

// Wait is how long an incident may stay at this level before it is escalated
// to the next; zero on a last level without a timeout.
func (e Escalation) Wait() time.Duration { return e.timeout }

// levels are the escalation levels in the order incidents climb them.
var levels = []string{"L1", "L2", "L3", "vendor"}

// Contact is someone to call.
type Contact struct {
	Name  string `toml:"name"`
	Role  string `toml:"role,omitempty"`
	Phone string `toml:"phone,omitempty"`
	Email string `toml:"email,omitempty"`
}

// Referral says who to call for a kind of problem outside the teams' reach.
type Referral struct {
	Problem string `toml:"problem"`
	Contact string `toml:"contact"` // a [[contact]] name
	Notes   string `toml:"notes,omitempty"`
}

// SLA is the respond and resolve target for one priority, or for requests.
type SLA struct {
	Respond string `toml:"respond"`
	Resolve string `toml:"resolve"`
	Hours   string `toml:"hours"` // defaults to [hypercare] hours

	respond, resolve time.Duration
}

// Freeze is a window in which changes are blocked (hard) or need a lead (soft).
type Freeze struct {
	Name     string    `toml:"name"`
	Start    time.Time `toml:"start"`
	End      time.Time `toml:"end"` // exclusive; a date in the file means "through that day"
	Hard     bool      `toml:"hard"`
	Services []string  `toml:"services,omitempty"` // empty: every service
	Reason   string    `toml:"reason,omitempty"`
}

// Applies reports whether the freeze covers a service.
func (f Freeze) Applies(service string) bool {
	return len(f.Services) == 0 || slices.Contains(f.Services, service)
}

// Operator is a person who may use the console: over SSH with one of
// their keys, or on the machine itself as the OS user of that name.
type Operator struct {
	Name     string     `toml:"name"`
	RoleName string     `toml:"role"`
	Role     model.Role `toml:"-"`    // RoleName, parsed
	Keys     []string   `toml:"keys"` // SSH public keys, authorized_keys format; none: local console only
	Wall     bool       `toml:"wall,omitempty"`
}

// Problem is one thing wrong in a plan file.
type Problem struct {
	File  string
	Line  int    // 0 when the problem is something missing from the file
	Field string // such as service[3].tier; indexes count tables from 1
	Msg   string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// CheckError lists every problem found in a plan, in file order.
type CheckError struct {
	Problems []Problem
}

func (e *CheckError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return strings.Join(msgs, "\n")
}

// Load reads and checks a plan file. Problems in the file come back as a
// *CheckError; a file that cannot be read as the read error.
func Load(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	p, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	p.Path = path
	return p, nil
}

// Parse checks a plan held in memory; name is used in problem messages.
func Parse(name string, data []byte) (*Plan, error) {
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		var pe toml.ParseError
		if !errors.As(err, &pe) {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		return nil, &CheckError{[]Problem{{File: name, Line: pe.Position.Line,
			Msg: "TOML syntax: " + pe.Message + "; fix this line (a common cause is a missing quote, comma or bracket)"}}}
	}
	c := &checker{file: name, lines: scanLines(string(data)), reported: map[string]bool{}}
	p := &Plan{}
	c.decode("", tree, reflect.ValueOf(p).Elem())
	c.check(p)
	if len(c.problems) > 0 {
		slices.SortStableFunc(c.problems, func(a, b Problem) int { return a.Line - b.Line })
		return nil, &CheckError{c.problems}
	}
	return p, nil
}

// Encode writes the plan as TOML that Load accepts. Comments and layout of
// the original file are not kept; times are written with their UTC offset.
func (p *Plan) Encode(w io.Writer) error {
	if err := toml.NewEncoder(w).Encode(p); err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	return nil
}

// Location is the plan timezone; UTC for a plan not made by Load or Parse.
func (p *Plan) Location() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// ServiceTier reports the tier of a service, and whether the plan has it.
func (p *Plan) ServiceTier(id string) (int, bool) {
	s, ok := p.Service(id)
	return s.Tier, ok
}

// OwnerTeam is the team that first receives a service's incidents; empty
// for a service the plan does not have.
func (p *Plan) OwnerTeam(service string) string {
	s, _ := p.Service(service)
	return s.Owner
}

// ResolveTarget is the resolve SLA for a record; zero when the plan sets none.
func (p *Plan) ResolveTarget(kind model.Kind, pr model.Priority) time.Duration {
	return p.sla(kind, pr).resolve
}

// RespondTarget is the respond SLA for a record; zero when the plan sets none.
func (p *Plan) RespondTarget(kind model.Kind, pr model.Priority) time.Duration {
	return p.sla(kind, pr).respond
}

// sla finds the SLA a record falls under: requests have one of their own.
func (p *Plan) sla(kind model.Kind, pr model.Priority) SLA {
	if kind == model.KindRequest {
		return p.SLA["request"]
	}
	return p.SLA[pr.String()]
}

// ModelServices returns the services in the form the store keeps them.
func (p *Plan) ModelServices() []model.Service {
	out := make([]model.Service, len(p.Services))
	for i, s := range p.Services {
		out[i] = model.Service{ID: s.ID, Name: s.Name, Tier: s.Tier, Owner: s.Owner,
			Environment: s.Environment, DependsOn: slices.Clone(s.DependsOn), Version: s.Version,
			Platform: s.Platform, URLs: slices.Clone(s.URLs), RPO: s.rpo, RTO: s.rto}
	}
	return out
}

// Roster is the operators as the knowledge base's training counts them:
// each must read what is required of their role.
func (p *Plan) Roster() []model.Person {
	out := make([]model.Person, len(p.Operators))
	for i, o := range p.Operators {
		out[i] = model.Person{Name: o.Name, Role: o.Role}
	}
	return out
}

// Service looks a service up by id.
func (p *Plan) Service(id string) (Service, bool) {
	return find(p.Services, func(s Service) bool { return s.ID == id })
}

// Team looks a team up by id.
func (p *Plan) Team(id string) (Team, bool) {
	return find(p.Teams, func(t Team) bool { return t.ID == id })
}

// KnownTeam reports whether a team id is in the plan (model.Policy).
func (p *Plan) KnownTeam(id string) bool {
	_, ok := p.Team(id)
	return ok
}

// KnownPerson reports whether a name is an operator or a team member in
// the plan (model.Policy).
func (p *Plan) KnownPerson(name string) bool {
	if _, ok := p.Operator(name); ok {
		return true
	}
	return slices.ContainsFunc(p.Teams, func(t Team) bool { return slices.Contains(t.Members, name) })
}

// Contact looks a contact up by name.
func (p *Plan) Contact(name string) (Contact, bool) {
	return find(p.Contacts, func(c Contact) bool { return c.Name == name })
}

// Operator looks an operator up by name.
func (p *Plan) Operator(name string) (Operator, bool) {
	return find(p.Operators, func(o Operator) bool { return o.Name == name })
}

// find is a linear search: plans hold tens of entries, and a Plan built by
// hand (in a test, say) then works without indexes to keep in step.
func find[T any](items []T, match func(T) bool) (T, bool) {
	if i := slices.IndexFunc(items, match); i >= 0 {
		return items[i], true
	}
	var zero T
	return zero, false
}
