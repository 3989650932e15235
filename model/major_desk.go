package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// warRoomSource is the Source of the feed's StatusUpdateDue alerts. No
// plan names it, so they never go stale: each stays until the update is
// posted or the incident stood down.
const warRoomSource = "war-room"

// openWarRoom opens (or opens again) an incident's war room as it becomes
// major, and tells the plan's rules. It runs inside the incident's write.
func (s *Desk) openWarRoom(tx Tx, a Actor, in Incident, now time.Time) error {
	w, err := tx.WarRoom(in.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		w = WarRoom{IncidentID: in.ID}
	case err != nil:
		return err
	}
	// A second declaration starts a new war room; the people who held the
	// roles likely hold them again, so they stay.
	w.DeclaredAt, w.DeclaredBy = now, a.Name
	w.LastUpdate, w.Updates, w.RemindedFor, w.StoodDownAt, w.Review = time.Time{}, 0, time.Time{}, time.Time{}, 0
	if err := tx.UpsertWarRoom(w); err != nil {
		return err
	}
	text := fmt.Sprintf("%s declared %s a major incident on %s. Impact %s, urgency %s.", a.Name, in.Ref(), in.Service, in.Impact, in.Urgency)
	if every := s.pol().MajorPolicy().Cadence[in.Priority]; every > 0 {
		text += fmt.Sprintf(" Status updates every %s.", roundDuration(every))
	}
	return s.enqueue(tx, incidentEvent(EventMajor, fmt.Sprintf("%s/major_declared/%d", in.Ref(), now.UnixMilli()), in, "major incident declared", text), now)
}

// SetMajor declares an incident major, or stands it down, with a reason
// on the timeline. Both are a lead's call. Declaring opens its war room.
// Standing down writes a summary of the war room to the timeline and opens
// the post-incident review as a problem with the incident's timeline in its
// RCA, linked to the incident. An open incident stood down is no longer
// major (it was not one after all, or no longer needs the war room); a
// resolved one stays major on the record, its war room closed.
func (s *Desk) SetMajor(ctx context.Context, a Actor, id int64, major bool, reason string) (Incident, error) {
	perm := PermDeclareMajor
	if !major {
		perm = PermStandDownMajor
	}
	if err := a.Check(perm); err != nil {
		return Incident{}, err
	}
	reason = strings.TrimSpace(Clean(reason, true))
	if reason == "" {
		return Incident{}, fmt.Errorf("reason: say why (it goes on the timeline)")
	}
	if !major {
		return s.standDown(ctx, a, id, reason)
	}
	return s.updateIncident(ctx, a, id, "incident.major", func(in *Incident) (string, error) {
		switch {
		case !in.State.Open():
			return "", fmt.Errorf("is %s; only open incidents are declared major", in.State.Label())
		case in.Kind == KindRequest:
			return "", fmt.Errorf("is a user request; requests are never major")
		case in.Major:
			return "", fmt.Errorf("is already a major incident")
		}
		in.Major = true
		return "declared a major incident: " + reason, nil
	})
}

func (s *Desk) standDown(ctx context.Context, a Actor, id int64, reason string) (Incident, error) {
	var after Incident
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := tx.Incident(id)
		if err != nil {
			return fmt.Errorf("INC-%d: %w", id, err)
		}
		switch {
		case before.Kind == KindRequest:
			return fmt.Errorf("%s is a user request; requests are never major", before.Ref())
		case !before.Major:
			return fmt.Errorf("%s is not a major incident", before.Ref())
		case !before.State.Open() && before.State != StateResolved:
			return fmt.Errorf("%s is %s; its war room closed with it", before.Ref(), before.State.Label())
		}
		w, err := tx.WarRoom(id)
		switch {
		case errors.Is(err, ErrNotFound): // major before war rooms were kept
			w = WarRoom{IncidentID: id, DeclaredAt: before.OpenedAt, DeclaredBy: System.Name}
		case err != nil:
			return err
		case !w.StoodDownAt.IsZero():
			return fmt.Errorf("%s was stood down at %s", before.Ref(), s.stamp(w.StoodDownAt))
		}
		now := s.Now().UTC()
		after = before
		after.UpdatedAt = now
		if before.State.Open() {
			after.Major = false
		}
		if err := tx.UpdateIncident(after); err != nil {
			return err
		}
		entries, err := tx.TimelineOf(id)
		if err != nil {
			return err
		}
		w.Incident = after
		summary := TimelineEntry{IncidentID: id, At: now, Actor: a.Name, Kind: "major",
			Text: standDownSummary(w, reason, len(entries)+1, now, s.pol().Location())}
		if err := tx.AddTimeline(&summary); err != nil {
			return err
		}
		review, err := s.openReview(tx, a, after, w, append(entries, summary), now)
		if err != nil {
			return err
		}
		w.StoodDownAt, w.Review = now, review.ID
		if err := tx.UpsertWarRoom(w); err != nil {
			return err
		}
		if err := s.resolveDueAlert(tx, after, now); err != nil {
			return err
		}
		text := summary.Text + fmt.Sprintf(" Post-incident review: %s.", review.Ref())
		if err := s.enqueue(tx, incidentEvent(EventStandDown, fmt.Sprintf("%s/major_stood_down/%d", after.Ref(), now.UnixMilli()), after, "stood down", text), now); err != nil {
			return err
		}
		if after, err = tx.Incident(id); err != nil { // linked to its review since
			return err
		}
		return s.audit(tx, a, "incident.major", after.Ref(), before, after)
	})
	return after, err
}

// openReview opens the post-incident review of a major incident being
// stood down: a problem owned by its commander, its RCA timeline the
// incident's, linked to the incident unless it already has a problem.
func (s *Desk) openReview(tx Tx, a Actor, in Incident, w WarRoom, entries []TimelineEntry, now time.Time) (Problem, error) {
	owner := w.Commander
	if owner == "" {
		owner = a.Name
	}
	p := Problem{Title: shorten("Post-incident review: "+in.Ref()+" "+in.Title, maxAlertTitle), Service: in.Service,
		Category: in.Category, State: ProblemNew, Owner: owner, CreatedAt: now, UpdatedAt: now,
		Description: fmt.Sprintf("Review of major incident %s (%s on %s), opened as it was stood down. The RCA timeline is the incident's.\n\n%s",
			in.Ref(), in.Priority, in.Service, entries[len(entries)-1].Text),
		RCA: RCA{Timeline: reviewTimeline(entries, s.pol().Location())}}
	if in.ProblemID != 0 {
		p.Description += fmt.Sprintf("\n\n%s stays linked to PRB-%d, the problem it had before.", in.Ref(), in.ProblemID)
	}
	if err := tx.InsertProblem(&p); err != nil {
		return Problem{}, err
	}
	if err := s.audit(tx, a, "problem.create", p.Ref(), nil, p); err != nil {
		return Problem{}, err
	}
	if in.ProblemID == 0 {
		if _, err := s.linkIncident(tx, a, p, in.ID, now); err != nil {
			return Problem{}, err
		}
	}
	return p, nil
}

// activeWarRoom reads an incident's open war room inside tx.
func activeWarRoom(tx Tx, id int64) (WarRoom, error) {
	w, err := tx.WarRoom(id)
	switch {
	case errors.Is(err, ErrNotFound):
		return w, fmt.Errorf("INC-%d is not a major incident; declare it first (:major on REASON)", id)
	case err != nil:
		return w, err
	case !w.Active():
		return w, fmt.Errorf("%s's war room is closed (stood down, or the incident closed)", w.Incident.Ref())
	}
	return w, nil
}

// AssignMajorRoles names the war room's incident commander, communications
// lead and scribe; an empty name leaves a role unassigned.
func (s *Desk) AssignMajorRoles(ctx context.Context, a Actor, id int64, r MajorRoles) (WarRoom, error) {
	if err := a.Check(PermRunMajor); err != nil {
		return WarRoom{}, err
	}
	pol := s.pol()
	for _, role := range []struct{ name, who string }{{"commander", r.Commander}, {"communications lead", r.Comms}, {"scribe", r.Scribe}} {
		if who := strings.TrimSpace(role.who); who != "" && !pol.KnownPerson(who) {
			return WarRoom{}, fmt.Errorf("%s %q: not an operator or team member in the plan; check the spelling", role.name, who)
		}
	}
	var after WarRoom
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := activeWarRoom(tx, id)
		if err != nil {
			return err
		}
		after = before
		after.Commander, after.Comms, after.Scribe = strings.TrimSpace(r.Commander), strings.TrimSpace(r.Comms), strings.TrimSpace(r.Scribe)
		if after.Commander == before.Commander && after.Comms == before.Comms && after.Scribe == before.Scribe {
			return fmt.Errorf("%s: the roles are already %s", before.Incident.Ref(), before.Roles())
		}
		if err := tx.UpsertWarRoom(after); err != nil {
			return err
		}
		if err := tx.AddTimeline(&TimelineEntry{IncidentID: id, At: s.Now().UTC(), Actor: a.Name, Kind: "roles", Text: "war room roles: " + after.Roles()}); err != nil {
			return err
		}
		return s.audit(tx, a, "major.roles", after.Incident.Ref(), before, after)
	})
	return after, err
}

// DraftStatusUpdate writes a status update from a template (the plan's or
// a built-in) with the incident's fields filled in, for the operator to
// finish and post.
func (s *Desk) DraftStatusUpdate(ctx context.Context, id int64, template string) (string, error) {
	pol := s.pol()
	t, err := pol.MajorPolicy().Template(template)
	if err != nil {
		return "", err
	}
	w, err := s.store.WarRoom(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("INC-%d is not a major incident; declare it first (:major on REASON)", id)
	} else if err != nil {
		return "", err
	}
	entries, err := s.store.Timeline(ctx, id)
	if err != nil {
		return "", err
	}
	latest := ""
	for _, e := range entries {
		if e.Kind == "note" {
			latest = e.Text
		}
	}
	return t.Fill(statusFields(w, pol.MajorPolicy(), latest, s.Now(), pol.Location()))
}

// PostStatusUpdate logs a status update on the incident's timeline and
// sends it to the stakeholders (the rules with the status_update event).
// It restarts the cadence's countdown and clears a due reminder.
func (s *Desk) PostStatusUpdate(ctx context.Context, a Actor, id int64, text string) (WarRoom, error) {
	if err := a.Check(PermStatusUpdate); err != nil {
		return WarRoom{}, err
	}
	text = strings.TrimSpace(Clean(text, true))
	if text == "" {
		return WarRoom{}, fmt.Errorf("update: empty; write what stakeholders should know (a template drafts one)")
	}
	var after WarRoom
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := activeWarRoom(tx, id)
		if err != nil {
			return err
		}
		now := s.Now().UTC()
		after = before
		after.LastUpdate, after.Updates = now, before.Updates+1
		if err := tx.UpsertWarRoom(after); err != nil {
			return err
		}
		in := after.Incident
		if err := tx.AddTimeline(&TimelineEntry{IncidentID: id, At: now, Actor: a.Name, Kind: "update",
			Text: fmt.Sprintf("status update %d to stakeholders: %s", after.Updates, text)}); err != nil {
			return err
		}
		ev := incidentEvent(EventStatusUpdate, fmt.Sprintf("%s/status_update/%d", in.Ref(), now.UnixMilli()), in,
			fmt.Sprintf("status update %d", after.Updates), text)
		ev.Fields = append(ev.Fields, NotifyField{"Incident commander", orUnassigned(after.Commander)}, NotifyField{"Posted by", a.Name})
		if err := s.enqueue(tx, ev, now); err != nil {
			return err
		}
		if err := s.resolveDueAlert(tx, in, now); err != nil {
			return err
		}
		return s.audit(tx, a, "major.update", in.Ref(), before, after)
	})
	return after, err
}

// SweepMajor reminds the war rooms whose status update is due at now, once
// per due update: a timeline entry, a StatusUpdateDue alert in the feed and
// the update_due event to the plan's rules. Like SweepSLA it runs on the
// timer of every process that ingests, and a quiet tick commits nothing.
func (s *Desk) SweepMajor(ctx context.Context, now time.Time) (reminded int, err error) {
	now = now.UTC()
	pol := s.pol()
	err = s.store.Write(ctx, func(tx Tx) error {
		reminded = 0
		rooms, err := tx.ActiveWarRooms()
		if err != nil {
			return err
		}
		for _, before := range rooms {
			clk := NextUpdate(before, pol.MajorPolicy(), now)
			if !clk.Overdue() || before.RemindedFor.Equal(clk.Due) {
				continue
			}
			w := before
			w.RemindedFor = clk.Due
			if err := tx.UpsertWarRoom(w); err != nil {
				return err
			}
			in := w.Incident
			last := "none has gone out since it was declared at " + slaStamp(w.DeclaredAt, pol.Location())
			if !w.LastUpdate.IsZero() {
				last = "the last went out at " + slaStamp(w.LastUpdate, pol.Location())
			}
			text := fmt.Sprintf("status update due (every %s): %s", roundDuration(clk.Every), last)
			if err := tx.AddTimeline(&TimelineEntry{IncidentID: in.ID, At: now, Actor: System.Name, Kind: "update", Text: text}); err != nil {
				return err
			}
			if err := s.dueAlert(tx, w, text, now); err != nil {
				return err
			}
			ev := incidentEvent(EventUpdateDue, fmt.Sprintf("%s/update_due/%d", in.Ref(), clk.Due.UnixMilli()), in, "status update due",
				fmt.Sprintf("A status update on %s is due: %s. Communications lead: %s.", in.Ref(), text, orUnassigned(w.Comms)))
			if err := s.enqueue(tx, ev, now); err != nil {
				return err
			}
			if err := s.audit(tx, System, "major.reminder", in.Ref(), before, w); err != nil {
				return err
			}
			reminded++
		}
		if reminded == 0 {
			return errQuiet
		}
		return nil
	})
	if errors.Is(err, errQuiet) {
		err = nil
	}
	return reminded, err
}

func dueAlertKey(in Incident) string { return "update-due:" + in.Ref() }

// dueAlert puts the reminder in the feed, for those not looking at the banner.
func (s *Desk) dueAlert(tx Tx, w WarRoom, text string, now time.Time) error {
	in := w.Incident
	al := Alert{DedupKey: dueAlertKey(in), Source: warRoomSource, Name: "StatusUpdateDue", Severity: SevWarning, State: AlertFiring,
		Service: in.Service, Summary: fmt.Sprintf("%s %s major: %s", in.Ref(), in.Priority, text),
		Labels: map[string]string{"alertname": "StatusUpdateDue", "service": in.Service, "incident": in.Ref()},
		Annotations: map[string]string{"communications lead": orUnassigned(w.Comms),
			"what to do": "post a status update: select " + in.Ref() + " and run :update (a template drafts it)"},
		StartsAt: now, FirstSeen: now, LastSeen: now, Group: warRoomSource}
	_, err := tx.UpsertAlert(&al, time.Time{})
	return err
}

// resolveDueAlert resolves the reminder once the update is posted, or the
// war room closes.
func (s *Desk) resolveDueAlert(tx Tx, in Incident, now time.Time) error {
	al, err := tx.AlertByKey(dueAlertKey(in))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case al.State != AlertFiring:
		return nil
	}
	_, err = tx.UpsertAlert(&Alert{DedupKey: al.DedupKey, State: AlertResolved, EndsAt: now, FirstSeen: now, LastSeen: now}, time.Time{})
	return err
}
