package model

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"
)

// Policy is what the service layer needs from the support plan. The plan is
// hot-reloaded, so the service reads it through an atomic pointer.
type Policy interface {
	// ServiceTier reports the tier of a service id, and whether it exists.
	ServiceTier(service string) (tier int, ok bool)
	// OwnerTeam is the team that first receives incidents for a service.
	OwnerTeam(service string) string
	// SLAFor is the respond and resolve target for a kind and priority, with
	// the clock that counts it (business hours skip nights, weekends and
	// holidays).
	SLAFor(kind Kind, p Priority) SLATarget
	// Route applies the plan's routes to an alert's labels.
	Route(labels map[string]string) Routing
	// AlertRules are the alert-lifecycle thresholds.
	AlertRules() AlertRules
	// AlertSource is what the plan says about a sender of alerts, with
	// defaults (DefaultAlertSource) for one it does not name; AlertSources
	// lists every source whose alerts can go stale.
	AlertSource(name string) AlertSource
	AlertSources() []AlertSource
	// KnownTeam reports whether a team id is in the plan; KnownPerson
	// whether a name is an operator or a member of a team in it, the
	// people incidents, problems and actions can be given to.
	KnownTeam(id string) bool
	KnownPerson(name string) bool
	// Location is the plan's timezone, for times written into timelines
	// and messages.
	Location() *time.Location
	// Escalation lists a team's functional escalation levels in order
	// (L1, L2, L3, vendor); empty for an unknown team.
	Escalation(team string) []EscalationLevel
	// ChangePolicy is what the plan says about approving changes.
	ChangePolicy() ChangePolicy
	// ChangeCalendar is the plan's calendar over [from, to) for some
	// services: their maintenance windows, the freezes, the job runs, and
	// the services related to each through depends_on.
	ChangeCalendar(services []string, from, to time.Time) PlanCalendar
	// LicenceList lists the licences and certificates the plan watches.
	LicenceList() []Licence
	// NotifyPolicy is who the plan tells about what ([[notify]]);
	// MajorPolicy how major incidents are run (cadence, templates).
	NotifyPolicy() NotifyPolicy
	MajorPolicy() MajorPolicy
	// Jobs are the plan's scheduled jobs and backups.
	JobSpecs() []JobSpec
	// Retention is how long alerts, their history and the audit log are
	// kept before a prune archives and removes them.
	Retention() Retention
}

// EscalationLevel is one step of a team's escalation path.
type EscalationLevel struct {
	Name  string // "L2 (Claire Dubois)": the level and who to call
	Level string // "L2"
	// Rota says who is on call at this level; zero when the plan has none.
	Rota Rota
	// Wait is how long an unacknowledged incident stays at this level before
	// it is escalated to the next; zero: it stays.
	Wait time.Duration
}

// Desk is the service layer: the one door every write goes through: it checks the actor's
// role, validates input, writes in one transaction and appends to the audit
// log in that same transaction.
type Desk struct {
	store  Store
	policy atomic.Pointer[policyBox]
	Now    func() time.Time
}

type policyBox struct{ Policy }

// NewDesk returns the service layer over a store with the given plan policy.
func NewDesk(s Store, p Policy) *Desk {
	svc := &Desk{store: s, Now: time.Now}
	svc.SetPolicy(p)
	return svc
}

// SetPolicy swaps in a newly loaded plan.
func (s *Desk) SetPolicy(p Policy) { s.policy.Store(&policyBox{p}) }

func (s *Desk) pol() Policy { return s.policy.Load().Policy }

// Reader gives read access to the underlying store; writes go through the
// desk's methods, which check roles and audit.
func (s *Desk) Reader() Reader { return s.store }

func snapshot(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

func (s *Desk) audit(tx Tx, a Actor, action, entity string, before, after any) error {
	return tx.AppendAudit(AuditEntry{At: s.Now().UTC(), Actor: a.Name, Action: action, Entity: entity, Before: snapshot(before), After: snapshot(after)})
}

// SyncServices makes the stored services match the plan.
func (s *Desk) SyncServices(ctx context.Context, a Actor, services []Service) error {
	if err := a.Check(PermEditCatalogue); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if err := tx.ReplaceServices(services); err != nil {
			return err
		}
		ids := make([]string, len(services))
		for i, sv := range services {
			ids[i] = sv.ID
		}
		return s.audit(tx, a, "services.sync", "plan", nil, ids)
	})
}
