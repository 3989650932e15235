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
}

// Drop is one parsed drop file (or HTTP post): applied in one transaction,
// at most once per content hash.
type Drop struct {
	Name      string // file name, for the audit log and error messages
	SHA256    string // hex digest of the file's bytes; a re-delivery is ignored
	Format    string // alertmanager, grafana, pagerduty, opsgenie, generic
	Group     string // sender's group key, used to spot storms
	Truncated int    // alerts the sender left out (Alertmanager truncatedAlerts)
	Events    []AlertEvent
	Received  time.Time
}

// IngestResult says what one drop changed.
type IngestResult struct {
	Duplicate bool     `json:"duplicate,omitzero"` // this content was applied before; nothing changed
	Alerts    int      `json:"alerts"`             // events applied
	New       int      `json:"new"`                // alerts seen for the first time
	Changed   int      `json:"changed"`            // alerts whose state changed
	Incidents []string `json:"incidents,omitzero"` // incidents opened or updated by routes
}

// Ingester applies drops; model.Desk is one. The drop watcher and the HTTP
// receiver depend on this, not on the desk, so they can be tested alone.
type Ingester interface {
	Ingest(ctx context.Context, a Actor, d Drop) (IngestResult, error)
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
}

// DefaultAlertRules apply where the plan says nothing.
func DefaultAlertRules() AlertRules {
	return AlertRules{FlapChanges: 4, FlapWindow: 30 * time.Minute, StormSize: 20, StormWindow: 5 * time.Minute, AfterChange: time.Hour}
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
