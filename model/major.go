package model

import (
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"
)

// Major-incident mode. Declaring a major incident (or an incident becoming
// one by the rule: P1 on a tier-1 service) opens its war room: a banner on
// every console, roles (incident commander, communications lead, scribe),
// status updates to stakeholders on the plan's cadence, a reminder when one
// is due, and on standing down a summary and a post-incident review.

// WarRoom is the major-incident record of one incident.
type WarRoom struct {
	IncidentID int64     `json:"incident_id"`
	DeclaredAt time.Time `json:"declared_at"`
	DeclaredBy string    `json:"declared_by"`
	// The roles: who runs the response, who talks to stakeholders, who
	// keeps the timeline. Empty until assigned.
	Commander string `json:"commander,omitzero"`
	Comms     string `json:"comms,omitzero"`
	Scribe    string `json:"scribe,omitzero"`
	// LastUpdate is when the last status update went out; Updates counts
	// them since it was declared.
	LastUpdate time.Time `json:"last_update,omitzero"`
	Updates    int       `json:"updates"`
	// RemindedFor is the due time of the last reminder raised, so each due
	// update is reminded once.
	RemindedFor time.Time `json:"reminded_for,omitzero"`
	StoodDownAt time.Time `json:"stood_down_at,omitzero"`
	// Review is the post-incident review opened on standing down (PRB-n).
	Review int64 `json:"review,omitzero"`

	// Incident is the incident itself, filled by readers.
	Incident Incident `json:"incident"`
}

// Active reports whether the war room is open: not stood down, and its
// incident neither closed nor cancelled. A resolved major incident keeps
// its war room until someone stands it down.
func (w WarRoom) Active() bool {
	return w.StoodDownAt.IsZero() && w.Incident.State != StateClosed && w.Incident.State != StateCancelled
}

// Roles says who holds each role, "unassigned" for a role nobody holds.
func (w WarRoom) Roles() string {
	return fmt.Sprintf("IC %s · comms %s · scribe %s", orUnassigned(w.Commander), orUnassigned(w.Comms), orUnassigned(w.Scribe))
}

func orUnassigned(name string) string {
	if name == "" {
		return "unassigned"
	}
	return name
}

// MajorRoles are the war room's roles as a form assigns them.
type MajorRoles struct {
	Commander, Comms, Scribe string
}

// MajorPolicy is what the plan says about running major incidents.
type MajorPolicy struct {
	// Cadence is how often stakeholders get a status update, per
	// priority; a priority without one has no countdown.
	Cadence map[Priority]time.Duration
	// Templates are the plan's status update templates; one named as a
	// built-in replaces it.
	Templates []StatusTemplate
}

// StatusTemplate is a status update written with the incident's fields
// filled in: Go text/template over StatusFields, such as {{.Ref}}.
type StatusTemplate struct {
	Name string
	Text string
}

// BuiltinTemplates are the status updates every plan has: the four stages
// status pages use.
var BuiltinTemplates = []StatusTemplate{
	{"investigating", `{{.Ref}} {{.Priority}} on {{.Service}}: investigating
We are aware of {{.Title}} and are investigating. Impact: {{.Impact}}.
Incident commander: {{.Commander}}. Next update by {{.Next}}.`},
	{"identified", `{{.Ref}} {{.Priority}} on {{.Service}}: cause identified
The cause of {{.Title}} has been identified and a fix is being worked on.
Latest: {{.Latest}}
Incident commander: {{.Commander}}. Next update by {{.Next}}.`},
	{"monitoring", `{{.Ref}} {{.Priority}} on {{.Service}}: monitoring
A fix for {{.Title}} is in place and we are watching the service.
Incident commander: {{.Commander}}. Next update by {{.Next}}.`},
	{"resolved", `{{.Ref}} {{.Priority}} on {{.Service}}: resolved
{{.Title}} is resolved after {{.Duration}}. A post-incident review follows.
Incident commander: {{.Commander}}.`},
}

// StatusFields are what a status update template may name.
type StatusFields struct {
	Ref, Title, Service, Priority, State, Impact string
	Commander, Comms, Scribe                     string
	Declared                                     string // when it was declared, in the plan's timezone
	Duration                                     string // how long it has been major: "1h20m"
	Next                                         string // when the next update is due, or "the end of the incident"
	Latest                                       string // the latest note on its timeline
	Update                                       int    // the number of this update: 1 for the first
}

// Templates lists the templates a plan offers: its own, then the built-ins
// it does not replace.
func (p MajorPolicy) AllTemplates() []StatusTemplate {
	out := slices.Clone(p.Templates)
	for _, b := range BuiltinTemplates {
		if !slices.ContainsFunc(p.Templates, func(t StatusTemplate) bool { return t.Name == b.Name }) {
			out = append(out, b)
		}
	}
	return out
}

// Template finds a template by name.
func (p MajorPolicy) Template(name string) (StatusTemplate, error) {
	all := p.AllTemplates()
	if i := slices.IndexFunc(all, func(t StatusTemplate) bool { return t.Name == name }); i >= 0 {
		return all[i], nil
	}
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = t.Name
	}
	return StatusTemplate{}, fmt.Errorf("template %q: not in the plan or built in; use %s", name, orList(names))
}

// Fill writes the template with the fields filled in. A template that
// names a field StatusFields lacks is an error (plan check runs every
// template against SampleStatusFields, so a plan with one never loads).
func (t StatusTemplate) Fill(f StatusFields) (string, error) {
	tpl, err := template.New(t.Name).Option("missingkey=error").Parse(t.Text)
	if err != nil {
		return "", fmt.Errorf("template %q: %w", t.Name, err)
	}
	var b strings.Builder
	if err := tpl.Execute(&b, f); err != nil {
		return "", fmt.Errorf("template %q: %w", t.Name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// SampleStatusFields fill a template for checking it.
var SampleStatusFields = StatusFields{Ref: "INC-1", Title: "Checkout returns 502", Service: "checkout", Priority: "P1",
	State: "In Progress", Impact: "high", Commander: "a.lead", Comms: "a.comms", Scribe: "a.scribe",
	Declared: "Wed 25 Nov 14:00 UTC", Duration: "1h", Next: "Wed 25 Nov 15:00 UTC", Latest: "a note", Update: 1}

// StatusClock is a war room's next status update.
type StatusClock struct {
	Every time.Duration // the cadence; zero: the plan sets none for its priority
	Due   time.Time     // when the next update is due
	Left  time.Duration // until then; negative once overdue
}

// Overdue reports whether the update's time has come.
func (c StatusClock) Overdue() bool { return c.Every > 0 && c.Left <= 0 }

// NextUpdate is when a war room's next status update is due at now: its
// cadence after the last update, or after it was declared when none went
// out yet. Without a cadence for its priority it has none.
func NextUpdate(w WarRoom, p MajorPolicy, now time.Time) StatusClock {
	every := p.Cadence[w.Incident.Priority]
	if every <= 0 || !w.Incident.State.Open() {
		return StatusClock{}
	}
	from := w.LastUpdate
	if from.IsZero() {
		from = w.DeclaredAt
	}
	due := from.Add(every)
	return StatusClock{Every: every, Due: due, Left: due.Sub(now)}
}

// statusFields fills a template's fields from a war room at now.
func statusFields(w WarRoom, p MajorPolicy, latest string, now time.Time, loc *time.Location) StatusFields {
	in := w.Incident
	next := "the end of the incident"
	if clk := NextUpdate(w, p, now); clk.Every > 0 {
		// The update being written resets the clock: the next is due a
		// cadence after it goes out.
		next = slaStamp(now.Add(clk.Every), loc)
	}
	if latest == "" {
		latest = "no notes yet"
	}
	return StatusFields{Ref: in.Ref(), Title: in.Title, Service: in.Service, Priority: in.Priority.String(),
		State: in.State.Label(), Impact: in.Impact.String(), Commander: orUnassigned(w.Commander), Comms: orUnassigned(w.Comms),
		Scribe: orUnassigned(w.Scribe), Declared: slaStamp(w.DeclaredAt, loc), Duration: roundDuration(now.Sub(w.DeclaredAt)),
		Next: next, Latest: latest, Update: w.Updates + 1}
}

// standDownSummary is the timeline's summary of a major incident as it is
// stood down.
func standDownSummary(w WarRoom, reason string, entries int, now time.Time, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stood down from major incident: %s. ", reason)
	fmt.Fprintf(&b, "Major for %s (declared %s by %s); %s; %d status update(s)",
		roundDuration(now.Sub(w.DeclaredAt)), slaStamp(w.DeclaredAt, loc), w.DeclaredBy, w.Roles(), w.Updates)
	if !w.LastUpdate.IsZero() {
		fmt.Fprintf(&b, ", the last at %s", slaStamp(w.LastUpdate, loc))
	}
	fmt.Fprintf(&b, "; %d timeline entries; state %s.", entries, w.Incident.State.Label())
	return b.String()
}

// reviewTimeline writes an incident's timeline for its post-incident
// review: one line per entry, in the plan's timezone.
func reviewTimeline(entries []TimelineEntry, loc *time.Location) string {
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s  %s  %s: %s\n", e.At.In(loc).Format("2006-01-02 15:04"), e.Actor, e.Kind, e.Text)
	}
	return strings.TrimRight(b.String(), "\n")
}
