// Package modeltest holds what the tests of more than one package need to
// drive a model.Desk: a small fixed Policy and a clock moved by hand. The
// desk's own tests (package model_test) and the store's use them; no rule of
// the desk is copied here.
package modeltest

import (
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Policy is a two-service plan: checkout is tier 1, orders tier 2; P1 and
// P2 have a four-hour resolve target, the rest none. Every team and person
// exists except "nope" and "nobody.here".
type Policy struct{}

func (Policy) ServiceTier(service string) (int, bool) {
	switch service {
	case "checkout":
		return 1, true
	case "orders":
		return 2, true
	}
	return 0, false
}

func (Policy) OwnerTeam(service string) string { return service + "-team" }

func (Policy) SLAFor(_ model.Kind, p model.Priority) model.SLATarget {
	if p <= 2 {
		return model.SLATarget{Respond: 15 * time.Minute, Resolve: 4 * time.Hour}
	}
	return model.SLATarget{}
}

// Route sends every alert to its "service" label; critical ones on checkout
// open incidents.
func (Policy) Route(labels map[string]string) model.Routing {
	r := model.Routing{Service: labels["service"]}
	if labels["service"] == "checkout" && labels["severity"] == "critical" {
		r.AutoIncident, r.Impact, r.Urgency = true, model.High, model.High
	}
	return r
}

func (Policy) AlertRules() model.AlertRules              { return model.DefaultAlertRules() }
func (Policy) AlertSource(name string) model.AlertSource { return model.DefaultAlertSource(name) }
func (Policy) AlertSources() []model.AlertSource {
	return []model.AlertSource{model.DefaultAlertSource("alertmanager"), model.DefaultAlertSource(model.IntakeSource)}
}

func (Policy) KnownTeam(id string) bool { return id != "nope" && id != "nobody.here" }

func (Policy) Location() *time.Location { return time.UTC }

func (Policy) KnownPerson(name string) bool { return name != "nobody.here" }

func (Policy) Escalation(string) []model.EscalationLevel {
	return []model.EscalationLevel{{Name: "L1", Wait: 30 * time.Minute}, {Name: "L2", Wait: time.Hour}, {Name: "vendor (acme)"}}
}

// Clock is a desk's time, moved by hand. Keep it millisecond-exact, as the
// store keeps times, so times read back compare equal.
type Clock struct{ At time.Time }

func (c *Clock) Now() time.Time { return c.At }

// Tick moves the clock on a minute.
func (c *Clock) Tick() { c.At = c.At.Add(time.Minute) }

// ChangePolicy: one lead approves any change, and a "routine" standard
// change up to medium risk is pre-approved on any service.
func (Policy) ChangePolicy() model.ChangePolicy {
	return model.ChangePolicy{CausedWindow: model.DefaultCausedWindow,
		Standard: []model.StandardChange{{ID: "routine", Title: "routine work", MaxRisk: model.Medium}}}
}

// ChangeCalendar is empty: no windows, freezes or jobs.
func (Policy) ChangeCalendar([]string, time.Time, time.Time) model.PlanCalendar {
	return model.PlanCalendar{}
}

// LicenceList: the test plan watches none.
func (Policy) LicenceList() []model.Licence { return nil }

// NotifyPolicy tells nobody; tests of notifications embed Policy and
// give their own rules.
func (Policy) NotifyPolicy() model.NotifyPolicy { return model.NotifyPolicy{} }

// MajorPolicy: P1 status updates every 30 minutes, P2 every hour, the
// built-in templates only.
func (Policy) MajorPolicy() model.MajorPolicy {
	return model.MajorPolicy{Cadence: map[model.Priority]time.Duration{1: 30 * time.Minute, 2: time.Hour}}
}

// Jobs: none; the jobs' tests run on a real plan.
func (Policy) JobSpecs() []model.JobSpec { return nil }

// Retention: the defaults.
func (Policy) Retention() model.Retention { return model.DefaultRetention() }
