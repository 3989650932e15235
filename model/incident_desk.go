package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NewIncident is the input for creating an incident or request.
type NewIncident struct {
	Kind        Kind
	Title       string
	Description string
	Service     string
	Category    string
	Impact      Level
	Urgency     Level
	Major       bool // declared major
}

// CreateIncident validates and opens a new incident.
func (s *Desk) CreateIncident(ctx context.Context, a Actor, n NewIncident) (Incident, error) {
	if err := a.Check(PermOpenIncident); err != nil {
		return Incident{}, err
	}
	if n.Major {
		if err := a.Check(PermDeclareMajor); err != nil {
			return Incident{}, err
		}
	}
	n.Title = strings.TrimSpace(Clean(n.Title, false))
	n.Description = Clean(n.Description, true)
	if n.Kind == "" {
		n.Kind = KindIncident
	}
	if n.Kind != KindIncident && n.Kind != KindRequest {
		return Incident{}, fmt.Errorf("kind %q: use incident or request", n.Kind)
	}
	if n.Major && n.Kind == KindRequest {
		return Incident{}, fmt.Errorf("major: a user request cannot be a major incident; open it as an incident")
	}
	if n.Title == "" {
		return Incident{}, fmt.Errorf("title: required")
	}
	if n.Category == "" {
		n.Category = "other"
	}
	if !slices.Contains(Categories, n.Category) {
		return Incident{}, fmt.Errorf("category %q: use one of %s", n.Category, strings.Join(Categories, ", "))
	}
	pol := s.pol()
	tier, ok := pol.ServiceTier(n.Service)
	if !ok {
		return Incident{}, fmt.Errorf("service %q: not in the plan; add it under [[service]] or pick an existing one", n.Service)
	}
	prio, err := PriorityFor(n.Impact, n.Urgency)
	if err != nil {
		return Incident{}, err
	}
	now := s.Now().UTC()
	in := Incident{
		Kind: n.Kind, Title: n.Title, Description: n.Description, Service: n.Service,
		Category: n.Category, Impact: n.Impact, Urgency: n.Urgency, Priority: prio,
		State: StateNew, Major: IsMajor(prio, tier, n.Major), Team: pol.OwnerTeam(n.Service),
		OpenedAt: now, UpdatedAt: now,
	}
	in.LevelSince = now
	retarget(&in, pol.SLAFor(in.Kind, prio))
	err = s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertIncident(&in); err != nil {
			return err
		}
		if err := tx.AddTimeline(&TimelineEntry{IncidentID: in.ID, At: now, Actor: a.Name, Kind: "created",
			Text: fmt.Sprintf("opened as %s %s (impact %s, urgency %s)", prio, in.Kind, in.Impact, in.Urgency)}); err != nil {
			return err
		}
		if err := s.incidentWritten(tx, a, nil, in, now); err != nil {
			return err
		}
		return s.audit(tx, a, "incident.create", in.Ref(), nil, in)
	})
	return in, err
}

// updateIncident loads, changes and saves an incident in one transaction,
// with an audit record of before and after and an optional timeline entry.
func (s *Desk) updateIncident(ctx context.Context, a Actor, id int64, action string, change func(*Incident) (timeline string, err error)) (Incident, error) {
	return s.updateIncidentTx(ctx, a, id, action, func(_ Tx, in *Incident) (string, error) { return change(in) })
}

// updateIncidentTx is updateIncident for a change that also reads or
// writes other records in the same transaction.
func (s *Desk) updateIncidentTx(ctx context.Context, a Actor, id int64, action string, change func(Tx, *Incident) (timeline string, err error)) (Incident, error) {
	var after Incident
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := tx.Incident(id)
		if err != nil {
			return fmt.Errorf("INC-%d: %w", id, err)
		}
		after = before
		text, err := change(tx, &after)
		if err != nil {
			return fmt.Errorf("%s: %w", before.Ref(), err)
		}
		now := s.Now().UTC()
		after.UpdatedAt = now
		if err := tx.UpdateIncident(after); err != nil {
			return err
		}
		if text != "" {
			kind := action[strings.IndexByte(action, '.')+1:]
			if err := tx.AddTimeline(&TimelineEntry{IncidentID: id, At: now, Actor: a.Name, Kind: kind, Text: text}); err != nil {
				return err
			}
		}
		if err := s.incidentWritten(tx, a, &before, after, now); err != nil {
			return err
		}
		return s.audit(tx, a, action, after.Ref(), before, after)
	})
	return after, err
}

// AckIncident records the first response and takes the incident.
func (s *Desk) AckIncident(ctx context.Context, a Actor, id int64) (Incident, error) {
	if err := a.Check(PermAck); err != nil {
		return Incident{}, err
	}
	return s.updateIncident(ctx, a, id, "incident.ack", func(in *Incident) (string, error) {
		if !in.State.Open() {
			return "", fmt.Errorf("is %s; only open incidents can be acknowledged", in.State.Label())
		}
		if !in.AckAt.IsZero() {
			return "", fmt.Errorf("was already acknowledged at %s (assigned to %s); use assign to take it over", s.stamp(in.AckAt), orNobody(in.Assignee))
		}
		in.AckAt = s.Now().UTC()
		if in.Assignee == "" {
			in.Assignee = a.Name
		}
		if in.State == StateNew {
			in.State = StateInProgress
		}
		return fmt.Sprintf("acknowledged by %s", a.Name), nil
	})
}

// stamp writes a time for a timeline entry or a message, in the plan's
// timezone and saying which.
func (s *Desk) stamp(t time.Time) string { return slaStamp(t, s.pol().Location()) }

func orNobody(name string) string {
	if name == "" {
		return "nobody"
	}
	return name
}

// AddNote appends a note to an incident's timeline.
func (s *Desk) AddNote(ctx context.Context, a Actor, id int64, text string) error {
	if err := a.Check(PermNote); err != nil {
		return err
	}
	text = strings.TrimSpace(Clean(text, true))
	if text == "" {
		return fmt.Errorf("note: empty; write something first")
	}
	_, err := s.updateIncident(ctx, a, id, "incident.note", func(*Incident) (string, error) { return text, nil })
	return err
}

// StateChange asks for an incident to move to another state.
type StateChange struct {
	To IncidentState
	// Code is the resolution code; required when resolving (ResolutionCodes).
	Code string
	// HoldReason is what the incident waits for; required for On Hold (HoldReasons).
	HoldReason string
	// Reason explains the move; required when reopening a resolved incident.
	Reason string
	// Satisfaction is the caller's rating 1–5, optional on resolve; 0 for none.
	Satisfaction int
	// Article is the knowledge base article that helped resolve it, optional
	// on resolve; 0 for none. It is linked to the incident and counts as a use.
	Article int64
}

// Transition moves an incident to a new state. Resolving needs a resolution
// code, holding a hold reason, reopening a reason. Going on hold stops the
// SLA clocks; leaving hold pushes both due times back by the paused time.
func (s *Desk) Transition(ctx context.Context, a Actor, id int64, c StateChange) (Incident, error) {
	if err := a.Check(PermIncidentState); err != nil {
		return Incident{}, err
	}
	c.Reason = strings.TrimSpace(Clean(c.Reason, true))
	pol := s.pol()
	return s.updateIncidentTx(ctx, a, id, "incident.state", func(tx Tx, in *Incident) (string, error) {
		if err := CheckTransition(in.State, c.To); err != nil {
			return "", err
		}
		now := s.Now().UTC()
		text := fmt.Sprintf("%s → %s", in.State.Label(), c.To.Label())
		switch {
		case c.To == StateResolved:
			if !slices.Contains(ResolutionCodes, c.Code) {
				return "", fmt.Errorf("resolution code %q: use one of %s", c.Code, strings.Join(ResolutionCodes, ", "))
			}
			if c.Satisfaction < 0 || c.Satisfaction > 5 {
				return "", fmt.Errorf("satisfaction %d: use 1 (poor) to 5 (excellent), or leave it out", c.Satisfaction)
			}
			in.Resolution = c.Code
			in.ResolvedAt = now
			in.Satisfaction = c.Satisfaction
			text += " (" + c.Code + ")"
			if c.Satisfaction > 0 {
				text += fmt.Sprintf(", satisfaction %d/5", c.Satisfaction)
			}
			if c.Article != 0 {
				used, err := s.linkUsedArticle(tx, a, *in, c.Article, now)
				if err != nil {
					return "", err
				}
				text += "; used " + used
			}
		case c.To == StateOnHold:
			if !slices.Contains(HoldReasons, c.HoldReason) {
				return "", fmt.Errorf("hold reason %q: use one of %s", c.HoldReason, strings.Join(HoldReasons, ", "))
			}
			in.HoldReason = c.HoldReason
			in.HoldSince = now
			text += " (" + strings.ReplaceAll(c.HoldReason, "_", " ") + ")"
		case c.To == StateCancelled:
			if c.Reason == "" {
				return "", fmt.Errorf("reason: say why it is cancelled (cancelling is final)")
			}
			if (in.Major || in.Priority == 1) && !a.May(PermCancelCritical) {
				return "", a.Check(PermCancelCritical)
			}
		case in.State == StateResolved && c.To == StateInProgress:
			if c.Reason == "" {
				return "", fmt.Errorf("reopening needs a reason")
			}
			in.Reopens++
			in.Resolution = ""
			in.ResolvedAt = time.Time{}
			in.Satisfaction = 0
		}
		if in.State == StateOnHold {
			paused := resume(in, pol.SLAFor(in.Kind, in.Priority), now)
			if c.To == StateResolved {
				text += fmt.Sprintf("; the hold used %s of SLA time, not counted", roundDuration(paused))
			} else {
				text += "; SLA clock resumed"
				if paused >= time.Minute {
					text += fmt.Sprintf(", due times moved by %s", roundDuration(paused))
				}
			}
		}
		if in.State == StateNew && c.To != StateCancelled && in.AckAt.IsZero() {
			// Taking up or resolving a new incident is its first response,
			// as an ack would be: the respond clock stops here.
			in.AckAt = now
			if in.Assignee == "" {
				in.Assignee = a.Name
			}
			text += "; first response"
		}
		if c.Reason != "" {
			text += ": " + c.Reason
		}
		in.State = c.To
		return text, nil
	})
}

// linkUsedArticle links the article an incident was resolved with (once:
// one already linked stays as it was) and names it for the timeline.
func (s *Desk) linkUsedArticle(tx Tx, a Actor, in Incident, id int64, now time.Time) (string, error) {
	ar, err := tx.ArticleByID(id)
	if errors.Is(err, ErrNotFound) {
		// Not wrapped: the incident exists, the article does not.
		return "", fmt.Errorf("article KB-%d does not exist; name one from the knowledge base, or none", id)
	}
	if err != nil {
		return "", fmt.Errorf("article KB-%d: %w", id, err)
	}
	if ar.State == ArticleRetired {
		return "", fmt.Errorf("article %s is retired; name the article that replaced it, or none", ar.Ref())
	}
	links, err := tx.LinksOf(in.ID)
	if err != nil {
		return "", err
	}
	if linkClash(links, in, LinkArticle, id) == nil {
		if err := tx.InsertLink(IncidentLink{IncidentID: in.ID, Kind: LinkArticle, Target: id, At: now, Actor: a.Name}); err != nil {
			return "", err
		}
	}
	return ar.Ref() + " " + ar.Title, nil
}

// Assign gives an incident to a team and optionally an operator.
func (s *Desk) Assign(ctx context.Context, a Actor, id int64, team, assignee string) (Incident, error) {
	if err := a.Check(PermAssign); err != nil {
		return Incident{}, err
	}
	team, assignee = strings.TrimSpace(Clean(team, false)), strings.TrimSpace(Clean(assignee, false))
	pol := s.pol()
	if team != "" && !pol.KnownTeam(team) {
		return Incident{}, fmt.Errorf("team %q: not in the plan; use a [[team]] id", team)
	}
	if assignee != "" && !pol.KnownPerson(assignee) {
		return Incident{}, fmt.Errorf("assignee %q: not an operator or team member in the plan; check the spelling", assignee)
	}
	return s.updateIncident(ctx, a, id, "incident.assign", func(in *Incident) (string, error) {
		if !in.State.Open() {
			return "", fmt.Errorf("is %s; only open incidents are assigned (reopen it first)", in.State.Label())
		}
		if (team == "" || team == in.Team) && assignee == in.Assignee {
			return "", fmt.Errorf("is already assigned to %s", orNobody(in.Assignee)+" ("+in.Team+")")
		}
		if team != "" {
			in.Team = team
		}
		in.Assignee = assignee
		who := in.Team
		if assignee != "" {
			who = assignee + " (" + in.Team + ")"
		}
		return "assigned to " + who, nil
	})
}
