package model

import (
	"context"
	"errors"
	"time"
)

// ErrInvalidDrop marks an ingest error caused by the drop's content (an
// alert without a key, an unknown state): the drop is rejected, not retried.
var ErrInvalidDrop = errors.New("invalid drop")

// AlertEvent is one alert report taken from a drop.
type AlertEvent struct {
	Alert Alert
	// Ack acknowledges the alert with Alert.DedupKey (PagerDuty "acknowledge",
	// Opsgenie "acknowledge"); the event carries no new state.
	Ack bool
	// Incident, when set, opens an incident of this priority for the
	// firing alert, for Team (else the service's owner), whatever the
	// routes say: a job's miss the plan escalates.
	Incident Priority
	Team     string
}

// Drop is one parsed drop file (or HTTP post): applied in one transaction,
// at most once per content hash. It carries alert events, or, from a
// pipeline, deploys.
type Drop struct {
	Name      string // file name, for the audit log and error messages
	SHA256    string // hex digest of the file's bytes; a re-delivery is ignored
	Format    string // alertmanager, grafana, pagerduty, opsgenie, generic, deploy, heartbeat
	Group     string // sender's group key, used to spot storms
	Truncated int    // alerts the sender left out (Alertmanager truncatedAlerts)
	Events    []AlertEvent
	// Refused are alerts of the drop that could not be taken; each is put
	// in the feed as an intake error, so the NOC sees what did not arrive.
	Refused []RefusedAlert
	// Deploys are what a deploy drop reported (RecordDeploy).
	Deploys []Deploy
	// Heartbeats are what a heartbeat drop reported (RecordHeartbeat).
	Heartbeats []Heartbeat
	Received   time.Time
}

// RefusedAlert is an alert a drop carried that could not be taken.
type RefusedAlert struct {
	Key     string `json:"key,omitzero"`     // its dedup key, when it could be worked out
	Name    string `json:"name,omitzero"`    // its alertname, when known
	Service string `json:"service,omitzero"` // its service label, when known
	Where   string `json:"where"`            // file:line:col in the drop
	Reason  string `json:"reason"`           // field: what is wrong and what to do
}

// IntakeSource is the Source of the rows hypercare puts in the feed itself:
// a refused alert stands there as an "AlertRefused" warning.
const IntakeSource = "hypercare"

// IngestResult says what one drop changed.
type IngestResult struct {
	Duplicate bool `json:"duplicate,omitzero"` // this content was applied before; nothing changed
	Alerts    int  `json:"alerts"`             // events applied
	New       int  `json:"new"`                // alerts seen for the first time
	Changed   int  `json:"changed"`            // alerts whose state changed
	// Older counts reports older than what is stored (a replayed or late
	// copy: a firing that started before the stored resolve ended); they
	// change nothing.
	Older     int      `json:"older,omitzero"`
	Incidents []string `json:"incidents,omitzero"` // incidents opened or updated by routes
	// Refused are the drop's alerts that could not be taken, with why.
	Refused []RefusedAlert `json:"refused,omitzero"`
	// Deploys are a deploy drop's deploys as recorded.
	Deploys []Deploy `json:"deploys,omitzero"`
	// Runs are the job runs a heartbeat drop's heartbeats made or moved.
	Runs []JobRun `json:"runs,omitzero"`
}

// Ingester applies drops; model.Desk is one. The drop watcher and the HTTP
// receiver depend on this, not on the desk, so they can be tested alone.
type Ingester interface {
	Ingest(ctx context.Context, a Actor, d Drop) (IngestResult, error)
}

// BatchIngester also applies several drops in one transaction (IngestAll);
// the drop watcher uses it when files queue up.
type BatchIngester interface {
	Ingester
	IngestAll(ctx context.Context, a Actor, ds []Drop) ([]IngestResult, []error, error)
}

// AlertRules are the plan's thresholds for the alert lifecycle.
type AlertRules struct {
	FlapChanges int           // this many state changes …
	FlapWindow  time.Duration // … within this window mark an alert as flapping
	StormSize   int           // this many alerts of one group …
	StormWindow time.Duration // … first seen within this window are a storm
	AfterChange time.Duration // alerts this soon after a change started on the service are marked "after change"
	// AutoResolve resolves an auto-opened incident when all its alerts have
	// resolved; otherwise a timeline entry says so and people decide.
	AutoResolve bool
	// SilenceRole is the least role that may add, edit, extend and expire
	// silences: operators by default, as the engineers who see a noisy
	// alert are the ones who silence it.
	SilenceRole Role
}

// DefaultAlertRules apply where the plan says nothing.
func DefaultAlertRules() AlertRules {
	return AlertRules{FlapChanges: 4, FlapWindow: 30 * time.Minute, StormSize: 20, StormWindow: 5 * time.Minute, AfterChange: time.Hour,
		SilenceRole: RoleOperator}
}

// Routing is what the plan's routes decide for one alert.
type Routing struct {
	Routes       []string // names of the matching routes that decided something, in plan order
	Service      string
	Team         string
	Impact       Level // zero when no route sets it
	Urgency      Level
	AutoIncident bool
}

// AlertSource is what the plan says about one sender of alerts, by the
// Source its alerts carry (alertmanager, grafana, pagerduty, opsgenie,
// generic, or a generic event's own source).
type AlertSource struct {
	Name string
	// RepeatInterval is how often the sender repeats a firing alert it
	// still sees (Alertmanager's repeat_interval). A firing alert not heard
	// from for longer than StaleAfter is stale: it leaves the firing counts.
	// Zero means the sender does not repeat, so its alerts never go stale.
	RepeatInterval time.Duration
	// ResolveStale resolves a stale alert instead of only marking it.
	ResolveStale bool
	// Token is the bearer token an HTTP post of this format must carry;
	// empty means none is asked for.
	Token string
	// AlertmanagerURL is an Alertmanager's base URL to reconcile with
	// (its /api/v2/alerts and /api/v2/silences); empty means none.
	AlertmanagerURL string
}

// StaleAfter is how long a firing alert may go unheard before it is stale:
// the repeat interval plus a grace for the sender's own timers (Alertmanager
// repeats on its group_interval ticks, so a repeat may come up to that much
// late), a quarter of the interval and at least five minutes. Zero: never.
func (s AlertSource) StaleAfter() time.Duration {
	if s.RepeatInterval <= 0 {
		return 0
	}
	return s.RepeatInterval + max(5*time.Minute, s.RepeatInterval/4)
}

// DefaultAlertSource is a source the plan says nothing about. Alertmanager
// and Grafana repeat firing notifications every 4 hours by default; the
// event-based senders (PagerDuty, Opsgenie, generic) do not repeat. An
// intake error is repeated whenever its sender sends the refused alert
// again, so once the sender stops (fixed, or the alert resolved), it
// resolves by itself.
func DefaultAlertSource(name string) AlertSource {
	s := AlertSource{Name: name}
	switch name {
	case "alertmanager", "grafana":
		s.RepeatInterval = 4 * time.Hour
	case IntakeSource:
		s.RepeatInterval, s.ResolveStale = 4*time.Hour, true
	}
	return s
}
