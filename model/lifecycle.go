package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Escalate moves an incident one level up its team's escalation path from
// the plan (L1 → L2 → L3 → vendor) and records who it now sits with.
func (s *Desk) Escalate(ctx context.Context, a Actor, id int64, reason string) (Incident, error) {
	if err := a.Check(PermEscalate); err != nil {
		return Incident{}, err
	}
	reason = strings.TrimSpace(Clean(reason, true))
	pol := s.pol()
	return s.updateIncident(ctx, a, id, "incident.escalate", func(in *Incident) (string, error) {
		if !in.State.Open() {
			return "", fmt.Errorf("is %s; only open incidents can be escalated", in.State.Label())
		}
		return escalateOne(in, pol, s.Now().UTC(), reason)
	})
}

// escalateOne moves in to the next level of its team's path and says so.
func escalateOne(in *Incident, pol Policy, now time.Time, reason string) (string, error) {
	levels := pol.Escalation(in.Team)
	if len(levels) == 0 {
		return "", fmt.Errorf("team %q has no escalation levels in the plan; add escalation = [...] to its [[team]]", in.Team)
	}
	if in.Escalation+1 >= len(levels) {
		return "", fmt.Errorf("is already at team %s's last level, %s; call them, or hand it to another team with assign", in.Team, levels[len(levels)-1].Name)
	}
	in.Escalation++
	in.LevelSince = now
	level := levels[in.Escalation]
	text := fmt.Sprintf("escalated to %s", level.Name)
	// The level's rota says who answers there now: they take it.
	if sh, ok := level.Rota.At(now); ok && sh.Who != in.Assignee {
		text += fmt.Sprintf("; assigned to %s, on call", sh.Who)
		in.Assignee = sh.Who
	}
	if reason != "" {
		text += ": " + reason
	}
	return text, nil
}

// Retriage changes an incident's impact and urgency. The priority follows the
// matrix, and the SLA is re-targeted to the new priority's targets while the
// time already used still counts: a P3 two hours in that becomes a P1 is two
// hours into its P1 clock.
func (s *Desk) Retriage(ctx context.Context, a Actor, id int64, impact, urgency Level, reason string) (Incident, error) {
	if err := a.Check(PermRetriage); err != nil {
		return Incident{}, err
	}
	prio, err := PriorityFor(impact, urgency)
	if err != nil {
		return Incident{}, err
	}
	reason = strings.TrimSpace(Clean(reason, true))
	if reason == "" {
		return Incident{}, fmt.Errorf("reason: say why the priority changes (it goes on the timeline)")
	}
	pol := s.pol()
	return s.updateIncident(ctx, a, id, "incident.priority", func(in *Incident) (string, error) {
		if !in.State.Open() {
			return "", fmt.Errorf("is %s; only open incidents can be re-prioritised", in.State.Label())
		}
		if in.Impact == impact && in.Urgency == urgency {
			return "", fmt.Errorf("already has impact %s and urgency %s", impact, urgency)
		}
		// Lowering a P1 or a major incident takes the pressure off everyone
		// working it: a lead decides that.
		if prio > in.Priority && (in.Priority == 1 || in.Major) && !a.May(PermLowerCritical) {
			return "", a.Check(PermLowerCritical)
		}
		was := in.Priority
		in.Impact, in.Urgency, in.Priority = impact, urgency, prio
		tier, _ := pol.ServiceTier(in.Service)
		// Becoming P1 on a tier-1 service makes it major; a major incident
		// stays major when its priority drops: standing down is a lead's call.
		in.Major = in.Major || IsMajor(prio, tier, false)
		retarget(in, pol.SLAFor(in.Kind, prio))
		// A breach already raised stays on record: re-prioritising later
		// must not turn a missed target into a met one. The 75% warning is
		// raised again by the sweep if the new clock is past it.
		in.SLAFlags &^= SLAWarned
		text := fmt.Sprintf("priority %s → %s (impact %s, urgency %s)", was, prio, impact, urgency)
		if !in.ResolveDue.IsZero() {
			text += "; resolve due " + s.stamp(in.ResolveDue)
		}
		if reason != "" {
			text += ": " + reason
		}
		return text, nil
	})
}

// SweepSLA raises the SLA and escalation events that are due at now, once
// each, in one transaction:
//   - 75% of the resolve target used: a timeline entry, and the incident
//     counts as "at risk" for the leads' banner;
//   - the resolve target passed: escalated one level;
//   - the respond target passed without an acknowledgement: noted;
//   - an unacknowledged incident outstayed its level's timeout: escalated.
//
// Every process that ingests runs it on a timer; because it reads and
// writes in one immediate transaction, two processes never raise an event twice.
func (s *Desk) SweepSLA(ctx context.Context, now time.Time) (raised int, err error) {
	now = now.UTC()
	pol := s.pol()
	err = s.store.Write(ctx, func(tx Tx) error {
		raised = 0
		open, err := tx.OpenIncidents()
		if err != nil {
			return err
		}
		for _, before := range open {
			in := before
			events := sweepOne(&in, pol, now)
			if len(events) == 0 {
				continue
			}
			in.UpdatedAt = now
			if err := tx.UpdateIncident(in); err != nil {
				return err
			}
			for _, e := range events {
				if err := tx.AddTimeline(&TimelineEntry{IncidentID: in.ID, At: now, Actor: System.Name, Kind: e.kind, Text: e.text}); err != nil {
					return err
				}
			}
			raised += len(events)
			if err := s.breachEvents(tx, before, in, now); err != nil {
				return err
			}
			if err := s.audit(tx, System, "incident.sla", in.Ref(), before, in); err != nil {
				return err
			}
		}
		if raised == 0 {
			// A quiet tick ends without a commit, so no session is woken
			// to re-read a screen that did not change.
			return errQuiet
		}
		return nil
	})
	if errors.Is(err, errQuiet) {
		err = nil
	}
	return raised, err
}

var errQuiet = errors.New("no SLA event due")

// breachEvents tells the plan's rules about each SLA target an incident
// just breached; each target's breach is told once, as it is raised once.
func (s *Desk) breachEvents(tx Tx, before, after Incident, now time.Time) error {
	for _, b := range []struct {
		flag  SLAFlags
		which string
		due   time.Time
	}{{SLARespondBreached, "respond", after.RespondDue}, {SLAResolveBreached, "resolve", after.ResolveDue}} {
		if after.SLAFlags&b.flag == 0 || before.SLAFlags&b.flag != 0 {
			continue
		}
		text := fmt.Sprintf("%s passed its %s target (due %s).", after.Ref(), b.which, s.stamp(b.due))
		if b.which == "respond" {
			text += " Nobody has acknowledged it."
		}
		if levels := s.pol().Escalation(after.Team); after.Escalation < len(levels) {
			text += fmt.Sprintf(" Team %s, now at %s.", after.Team, levels[after.Escalation].Name)
		}
		ev := incidentEvent(EventSLABreach, after.Ref()+"/sla_breach/"+b.which, after, b.which+" SLA breached", text)
		if err := s.enqueue(tx, ev, now); err != nil {
			return err
		}
	}
	return nil
}

type slaEvent struct{ kind, text string }

// sweepOne works out the events due on one open incident and applies them.
func sweepOne(in *Incident, pol Policy, now time.Time) []slaEvent {
	var out []slaEvent
	clock := pol.SLAFor(in.Kind, in.Priority).clock()
	res := ResolveClock(*in, clock, now)
	if res.Stage >= SLARisk && in.SLAFlags&SLAWarned == 0 {
		in.SLAFlags |= SLAWarned
		if res.Stage == SLARisk { // a breach found at once says so below instead
			out = append(out, slaEvent{"sla", fmt.Sprintf("%.0f%% of the resolve target used; due %s", res.Used*100, slaStamp(in.ResolveDue, pol.Location()))})
		}
	}
	if res.Stage == SLABreached && in.SLAFlags&SLAResolveBreached == 0 {
		in.SLAFlags |= SLAResolveBreached
		text := "resolve target breached (was due " + slaStamp(in.ResolveDue, pol.Location()) + ")"
		if esc, err := escalateOne(in, pol, now, "resolve SLA breached"); err == nil {
			text += "; " + esc
		}
		out = append(out, slaEvent{"sla", text})
	}
	resp := RespondClock(*in, clock, now)
	if resp.Stage == SLARisk && in.SLAFlags&SLARespondWarned == 0 {
		in.SLAFlags |= SLARespondWarned
		out = append(out, slaEvent{"sla", fmt.Sprintf("%.0f%% of the respond target used and nobody has acknowledged it; due %s",
			resp.Used*100, slaStamp(in.RespondDue, pol.Location()))})
	}
	if resp.Stage == SLABreached && in.SLAFlags&SLARespondBreached == 0 {
		in.SLAFlags |= SLARespondBreached
		out = append(out, slaEvent{"sla", "respond target breached: nobody has acknowledged it"})
	}
	if in.AckAt.IsZero() && in.State != StateOnHold {
		levels := pol.Escalation(in.Team)
		if in.Escalation < len(levels) {
			wait := levels[in.Escalation].Wait
			since := in.LevelSince
			if since.IsZero() {
				since = in.OpenedAt
			}
			if wait > 0 && !now.Before(since.Add(wait)) {
				reason := fmt.Sprintf("not acknowledged within %s at %s", roundDuration(wait), levels[in.Escalation].Name)
				if esc, err := escalateOne(in, pol, now, reason); err == nil {
					out = append(out, slaEvent{"escalate", esc})
				}
			}
		}
	}
	return out
}

// slaStamp writes a time in timeline text or a message, in the plan's
// timezone and saying which: timelines are read from every timezone.
func slaStamp(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 02 Jan 15:04 MST")
}

// roundDuration prints a duration to the minute: "1h5m", "25m", "0m".
func roundDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d == 0 {
		return "0m"
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
