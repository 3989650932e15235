// Package model holds hypercare's domain: the records the console shows, the
// rules that govern them, and the interfaces the UI and CLI call. It imports
// no terminal and no SQL package, so the whole domain reads in one place.
package model

import (
	"fmt"
	"strings"
	"time"
)

// Role is what an operator may do. Roles are ordered: each one can do
// everything the roles before it can.
type Role int

const (
	RoleViewer Role = iota + 1
	RoleOperator
	RoleLead
	RoleAdmin
)

var roleNames = map[Role]string{RoleViewer: "viewer", RoleOperator: "operator", RoleLead: "lead", RoleAdmin: "admin"}

func (r Role) String() string {
	if s, ok := roleNames[r]; ok {
		return s
	}
	return "unknown"
}

// ParseRole accepts the role names used in plan.toml.
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if strings.EqualFold(s, n) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q: use viewer, operator, lead or admin", s)
}

// Actor is who performs a write; every write is audited under this name.
type Actor struct {
	Name string
	Role Role
}

// System is the actor for writes made by hypercare itself (drops, timers, demo).
var System = Actor{Name: "hypercare", Role: RoleAdmin}

// Severity of an alert, most severe first.
type Severity int

const (
	SevCritical Severity = iota + 1
	SevWarning
	SevInfo
)

var severityNames = map[Severity]string{SevCritical: "critical", SevWarning: "warning", SevInfo: "info"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return "unknown"
}

// ParseSeverity maps the many spellings monitoring systems use onto three levels.
// Anything unrecognised is a warning: losing an alert's urgency is worse than
// overstating it by one step.
func ParseSeverity(s string) Severity {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "crit", "fatal", "emergency", "error", "page", "high", "p1", "p2":
		return SevCritical
	case "info", "informational", "low", "none", "ok", "p5", "debug":
		return SevInfo
	default:
		return SevWarning
	}
}

// AlertState is firing or resolved.
type AlertState string

const (
	AlertFiring   AlertState = "firing"
	AlertResolved AlertState = "resolved"
)

// Alert is one deduplicated alert: every delivery with the same DedupKey
// updates this record.
type Alert struct {
	ID          int64             `json:"id"`
	DedupKey    string            `json:"dedup_key"`
	Source      string            `json:"source"` // alertmanager, grafana, pagerduty, opsgenie, generic
	Name        string            `json:"name"`
	Severity    Severity          `json:"severity"`
	State       AlertState        `json:"state"`
	Service     string            `json:"service"`
	Summary     string            `json:"summary"`
	Labels      map[string]string `json:"labels,omitzero"`
	Annotations map[string]string `json:"annotations,omitzero"`
	StartsAt    time.Time         `json:"starts_at,omitzero"`
	EndsAt      time.Time         `json:"ends_at,omitzero"`
	FirstSeen   time.Time         `json:"first_seen,omitzero"`
	LastSeen    time.Time         `json:"last_seen,omitzero"`
	// Firings counts the times it started firing: the first firing and each
	// re-fire after a resolve. Deliveries counts every report received,
	// repeats and replays included.
	Firings    int `json:"firings"`
	Deliveries int `json:"deliveries"`
	// Stale marks a firing alert its sender has not repeated for longer than
	// its repeat interval (AlertSource.StaleAfter): no longer counted as firing.
	Stale    bool      `json:"stale,omitzero"`
	AckBy    string    `json:"ack_by,omitzero"`
	AckAt    time.Time `json:"ack_at,omitzero"`
	AckUntil time.Time `json:"ack_until,omitzero"` // the ack lapses then; zero: until resolved

	// Set by the service layer as drops arrive.
	Group       string `json:"group,omitzero"`        // sender's group key; storms are counted per group
	SilencedBy  int64  `json:"silenced_by,omitzero"`  // the active silence that matches, 0 when none
	Flapping    bool   `json:"flapping,omitzero"`     // changed state often within the plan's flap window
	AfterChange int64  `json:"after_change,omitzero"` // the change that started shortly before it fired
	IncidentID  int64  `json:"incident_id,omitzero"`  // the incident a route opened or attached it to
	Truncated   int    `json:"truncated,omitzero"`    // alerts its sender left out of the drop it came in
	StormID     int64  `json:"storm_id,omitzero"`     // the storm it belongs to
	// StormSize and StormFiring are set on the row that stands for a whole
	// storm in the feed: how many alerts the storm holds and how many of
	// them fire. That row is the storm's most pressing member (firing
	// first, then the worst severity, then the latest), so its severity is
	// the worst among the firing members.
	StormSize   int `json:"storm_size,omitzero"`
	StormFiring int `json:"storm_firing,omitzero"`
}

// AlertChange is one entry of an alert's state history.
type AlertChange struct {
	At    time.Time  `json:"at"`
	State AlertState `json:"state"`
}

// Silence mutes alerts whose labels match all its matchers, between
// StartsAt and EndsAt.
type Silence struct {
	ID        int64     `json:"id"`
	Matchers  []Matcher `json:"matchers"`
	Author    string    `json:"author"`
	Comment   string    `json:"comment"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	CreatedAt time.Time `json:"created_at"`
	// Matching is how many firing alerts it mutes now (filled by readers).
	Matching int `json:"matching"`
}

// Active reports whether the silence mutes alerts at t.
func (s Silence) Active(t time.Time) bool { return !t.Before(s.StartsAt) && t.Before(s.EndsAt) }

// Ref is the silence identifier: SIL-3.
func (s Silence) Ref() string { return fmt.Sprintf("SIL-%d", s.ID) }

// Ref is the alert identifier: ALR-7.
func (a Alert) Ref() string { return fmt.Sprintf("ALR-%d", a.ID) }

// Kind separates break/fix incidents from user requests; they have separate SLAs.
type Kind string

const (
	KindIncident Kind = "incident"
	KindRequest  Kind = "request"
)

// IncidentState is the lifecycle position of an incident or request.
type IncidentState string

const (
	StateNew        IncidentState = "new"
	StateInProgress IncidentState = "in_progress"
	StateOnHold     IncidentState = "on_hold"
	StateResolved   IncidentState = "resolved"
	StateClosed     IncidentState = "closed"
	StateCancelled  IncidentState = "cancelled"
)

// Open reports whether the incident still needs work.
func (s IncidentState) Open() bool {
	return s == StateNew || s == StateInProgress || s == StateOnHold
}

// Label is the human spelling of a state.
func (s IncidentState) Label() string {
	switch s {
	case StateInProgress:
		return "In Progress"
	case StateOnHold:
		return "On Hold"
	case "":
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Categories an incident can carry.
var Categories = []string{"availability", "performance", "security", "capacity", "data", "batch", "other"}

// Incident is an incident or a user request.
type Incident struct {
	ID          int64         `json:"id"`
	Kind        Kind          `json:"kind"`
	Title       string        `json:"title"`
	Description string        `json:"description,omitzero"`
	Service     string        `json:"service"`
	Category    string        `json:"category"`
	Impact      Level         `json:"impact"`
	Urgency     Level         `json:"urgency"`
	Priority    Priority      `json:"priority"`
	State       IncidentState `json:"state"`
	Major       bool          `json:"major"`
	Team        string        `json:"team"`
	Assignee    string        `json:"assignee,omitzero"`
	Escalation  int           `json:"escalation"` // 0 = L1
	OpenedAt    time.Time     `json:"opened_at,omitzero"`
	UpdatedAt   time.Time     `json:"updated_at,omitzero"`
	AckAt       time.Time     `json:"ack_at,omitzero"` // first response
	ResolvedAt  time.Time     `json:"resolved_at,omitzero"`
	ResolveDue  time.Time     `json:"resolve_due,omitzero"` // SLA resolve target; zero when none applies
	Resolution  string        `json:"resolution,omitzero"`
	Reopens     int           `json:"reopens"`

	// RespondDue is when the first response (ack) is due; zero when no
	// target applies.
	RespondDue time.Time `json:"respond_due,omitzero"`
	// HoldReason says what an On Hold incident waits for (HoldReasons);
	// HoldSince is when it went on hold.
	HoldReason string    `json:"hold_reason,omitzero"`
	HoldSince  time.Time `json:"hold_since,omitzero"`
	// Paused is the SLA time spent on hold so far, counted in the SLA's
	// hours; both due times are pushed back by it.
	Paused time.Duration `json:"paused,omitzero"`
	// Satisfaction is the caller's rating recorded at resolution, 1–5; 0 when none.
	Satisfaction int `json:"satisfaction,omitzero"`
	// MergedInto is the incident this one was merged into as a duplicate.
	MergedInto int64 `json:"merged_into,omitzero"`
	// ProblemID is the problem record this incident is linked to.
	ProblemID int64 `json:"problem_id,omitzero"`
	// SLAFlags records which SLA events were raised, so each is raised once.
	SLAFlags SLAFlags `json:"sla_flags,omitzero"`
	// LevelSince is when the incident reached its current escalation level;
	// the level's timeout counts from then.
	LevelSince time.Time `json:"level_since,omitzero"`
}

// SLAFlags are the SLA events already raised on an incident.
type SLAFlags int

// SLA events.
const (
	SLAWarned          SLAFlags = 1 << iota // 75% of the resolve target used: leads were told
	SLAResolveBreached                      // resolve target passed: escalated one level
	SLARespondBreached                      // respond target passed without an ack
	SLARespondWarned                        // 75% of the respond target used without an ack
)

// AtRisk reports whether an incident is on the leads' at-risk list: 75% of
// its resolve target used, or 75% of its respond target used (or missed)
// and still nobody has acknowledged it. The store's at-risk queries say the same in SQL.
func (in Incident) AtRisk() bool {
	return in.SLAFlags&SLAWarned != 0 || (in.SLAFlags&(SLARespondBreached|SLARespondWarned) != 0 && in.AckAt.IsZero())
}

// HoldReasons are what an incident on hold can be waiting for.
var HoldReasons = []string{"awaiting_vendor", "awaiting_caller", "awaiting_change", "awaiting_problem"}

// Ref is the identifier people say out loud: INC-42.
func (i Incident) Ref() string {
	if i.Kind == KindRequest {
		return fmt.Sprintf("REQ-%d", i.ID)
	}
	return fmt.Sprintf("INC-%d", i.ID)
}

// TimelineEntry is one line of an incident's history.
type TimelineEntry struct {
	ID         int64     `json:"id"`
	IncidentID int64     `json:"incident_id"`
	At         time.Time `json:"at,omitzero"`
	Actor      string    `json:"actor"`
	Kind       string    `json:"kind"` // created, note, state, assign, escalate, alert, sla
	Text       string    `json:"text"`
}

// ChangeType decides the approval flow of a change.
type ChangeType string

const (
	ChangeStandard  ChangeType = "standard"
	ChangeNormal    ChangeType = "normal"
	ChangeEmergency ChangeType = "emergency"
)

// ChangeState is where a change is in its flow.
type ChangeState string

const (
	ChangeNew       ChangeState = "new"
	ChangeAssess    ChangeState = "assess"
	ChangeAuthorize ChangeState = "authorize"
	ChangeScheduled ChangeState = "scheduled"
	ChangeImplement ChangeState = "implement"
	ChangeReview    ChangeState = "review"
	ChangeClosed    ChangeState = "closed"
)

// Change is a planned change on the calendar.
type Change struct {
	ID          int64       `json:"id"`
	Title       string      `json:"title"`
	Services    []string    `json:"services"` // the first is the primary
	Type        ChangeType  `json:"type"`
	State       ChangeState `json:"state"`
	Impact      Level       `json:"impact"`
	Probability Level       `json:"probability"`
	Risk        Level       `json:"risk"` // from impact × probability
	Requester   string      `json:"requester,omitzero"`
	Implementer string      `json:"implementer"`
	Start       time.Time   `json:"start,omitzero"`
	End         time.Time   `json:"end,omitzero"`
	Description string      `json:"description,omitzero"`
	Backout     string      `json:"backout,omitzero"`
	TestPlan    string      `json:"test_plan,omitzero"`
	Incident    int64       `json:"incident,omitzero"` // the incident or problem it fixes
	Problem     int64       `json:"problem,omitzero"`
	Reason      string      `json:"reason,omitzero"` // why an emergency or freeze override
	Round       int         `json:"round"`           // authorisation round; a rejection starts the next
	CloseCode   string      `json:"close_code,omitzero"`
	Created     time.Time   `json:"created,omitzero"`
}

// Ref is the change identifier: CHG-7.
func (c Change) Ref() string { return fmt.Sprintf("CHG-%d", c.ID) }

// ArticleKind is the purpose of a knowledge base article.
type ArticleKind string

// Article kinds.
const (
	ArticleHowTo      ArticleKind = "how-to"
	ArticleRunbook    ArticleKind = "runbook"
	ArticleKnownError ArticleKind = "known-error"
	ArticleRecovery   ArticleKind = "recovery"
	ArticleFAQ        ArticleKind = "faq"
	ArticleHandover   ArticleKind = "handover"
)

// ArticleKinds lists every kind, for validation and forms.
var ArticleKinds = []ArticleKind{ArticleHowTo, ArticleRunbook, ArticleKnownError, ArticleRecovery, ArticleFAQ, ArticleHandover}

// ArticleState is the lifecycle of an article.
type ArticleState string

// Article states. A version is Outdated once a newer version of its
// article is published; an article itself is never outdated.
const (
	ArticleDraft     ArticleState = "draft"
	ArticleReview    ArticleState = "review"
	ArticlePublished ArticleState = "published"
	ArticleRetired   ArticleState = "retired"
	ArticleOutdated  ArticleState = "outdated"
)

// Article is a knowledge base entry written in Markdown. Read as a record
// it is the version in force: the newest published version, else the newest
// version; read as one of its versions (ArticleVersion) it is that version.
type Article struct {
	ID    int64        `json:"id"`
	Slug  string       `json:"slug"`
	Title string       `json:"title"`
	Kind  ArticleKind  `json:"kind"`
	State ArticleState `json:"state"`
	// Service is the first of Services, the primary: the one its
	// suggestions and lists name.
	Service  string   `json:"service"`
	Services []string `json:"services,omitzero"`
	Tags     []string `json:"tags,omitzero"`
	// Owner keeps it current: a review that falls due is flagged for them.
	Owner string `json:"owner,omitzero"`
	// ValidUntil is when it stops being trustworthy (a workaround until a
	// fix ships); zero: no end. ReviewEvery is how often someone other than
	// its author confirms it; zero: never due.
	ValidUntil  time.Time     `json:"valid_until,omitzero"`
	ReviewEvery time.Duration `json:"review_every,omitzero"`
	// RequiredFor lists the roles (viewer, operator, lead, admin) who must
	// read it: it is unread for them until they read its current version.
	RequiredFor []string `json:"required_for,omitzero"`
	// Extra holds the front matter keys hypercare does not use, as YAML,
	// so an export writes back what the team's files carried.
	Extra     string    `json:"extra,omitzero"`
	Body      string    `json:"body"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Author    string    `json:"author"`
	// Version is the number of the version this is; Latest the newest
	// version, above Version while a newer one waits to be published.
	Version int `json:"version"`
	Latest  int `json:"latest"`
	// ReviewedAt and ReviewedBy are the last review of this version: its
	// publishing or a later confirmation that it still holds.
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
	ReviewedBy string    `json:"reviewed_by,omitzero"`
	// Helpful and Unhelpful count the operators' verdicts, one each.
	Helpful   int `json:"helpful"`
	Unhelpful int `json:"unhelpful"`
	// Uses counts the incidents it was used on (linked to, or named when
	// resolving); filled by readers, it ranks equally relevant articles.
	Uses int `json:"uses"`
}

// Ref is the article identifier: KB-12.
func (a Article) Ref() string { return fmt.Sprintf("KB-%d", a.ID) }

// ArticleHit is one search result; Snippet marks matches between
// HighlightStart and HighlightEnd.
type ArticleHit struct {
	Article
	Snippet string
	Rank    float64
}

// ArticleUse is how often an article was used on incidents in a window.
type ArticleUse struct {
	Article int64  `json:"article"`
	Title   string `json:"title"`
	Uses    int    `json:"uses"`
}

// Markers placed around matched words in ArticleHit.Snippet. They are
// private-use runes so they can never collide with article text.
const (
	HighlightStart = "\uE000"
	HighlightEnd   = "\uE001"
)

// Service is a service or configuration item from the plan.
type Service struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Tier        int      `json:"tier"`
	Owner       string   `json:"owner"` // the team that receives its incidents first
	Environment string   `json:"environment"`
	DependsOn   []string `json:"depends_on,omitzero"`
	// Version is the release in production; Platform what it runs on;
	// URLs where people and monitors reach it.
	Version  string   `json:"version,omitzero"`
	Platform string   `json:"platform,omitzero"`
	URLs     []string `json:"urls,omitzero"`
	// RPO is how much data its recovery may lose, RTO how long it may take.
	RPO time.Duration `json:"rpo,omitzero"`
	RTO time.Duration `json:"rto,omitzero"`
}

// AuditEntry is one append-only audit record.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at,omitzero"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // e.g. incident.create
	Entity string    `json:"entity"` // e.g. INC-42
	Before string    `json:"before"` // JSON, empty when created
	After  string    `json:"after"`  // JSON, empty when deleted
}

// Counts are the header figures, read from maintained counters.
type Counts struct {
	OpenP1        int `json:"open_p1"`
	OpenP2        int `json:"open_p2"`
	OpenIncidents int `json:"open_incidents"`
	Firing        int `json:"firing"`
	Alerts        int `json:"alerts"`
	Incidents     int `json:"incidents"`
	// SLAAtRisk is how many open incidents are at risk (Incident.AtRisk):
	// 75% or more of their resolve target used, or their respond target missed.
	SLAAtRisk int `json:"sla_at_risk"`
}

// MarshalText writes severities as words.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity word.
func (s *Severity) UnmarshalText(b []byte) error {
	*s = ParseSeverity(string(b))
	return nil
}

// SystemActions are the audit actions hypercare writes by itself at a
// high rate (every drop, every job's heartbeat, every sweep of the feed):
// the console's audit pane leaves them out unless asked (is:system), or
// they drown what people did.
var SystemActions = []string{"drop.ingest", "job.run", "alert.reconcile", "alert.stale"}
