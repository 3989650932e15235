package model

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// LinkKind is how an incident relates to another record.
type LinkKind string

// Link kinds. Alerts link through Alert.IncidentID; these are the rest.
const (
	LinkCausedBy   LinkKind = "caused_by"   // a change caused the incident
	LinkResolvedBy LinkKind = "resolved_by" // a change fixed it
	LinkArticle    LinkKind = "article"     // a knowledge base article helps with it
)

// LinkKinds lists the kinds Link accepts, plus "alert".
var LinkKinds = []string{"alert", string(LinkCausedBy), string(LinkResolvedBy), string(LinkArticle)}

// IncidentLink is one link from an incident to a change or an article.
type IncidentLink struct {
	IncidentID int64     `json:"incident_id"`
	Kind       LinkKind  `json:"kind"`
	Target     int64     `json:"target"` // change or article id
	Title      string    `json:"title"`  // the target's title, filled by readers
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
}

// Ref is the target's identifier: CHG-4 or KB-12.
func (l IncidentLink) Ref() string {
	if l.Kind == LinkArticle {
		return fmt.Sprintf("KB-%d", l.Target)
	}
	return fmt.Sprintf("CHG-%d", l.Target)
}

// Label says the relation in words: "caused by CHG-4".
func (l IncidentLink) Label() string {
	switch l.Kind {
	case LinkCausedBy:
		return "caused by " + l.Ref()
	case LinkResolvedBy:
		return "resolved by " + l.Ref()
	}
	return "see " + l.Ref()
}

// Plural says a count with the right noun: "1 alert", "3 alerts".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func majorTag(in Incident) string {
	if in.Major {
		return ", major"
	}
	return ""
}

// article names a kind with its article: "an incident", "a request".
func article(k Kind) string {
	if k == KindIncident {
		return "an incident"
	}
	return "a " + string(k)
}

// ParseRef reads a record reference such as "CHG-4", "kb-12" or a bare
// number, and checks its prefix against the ones allowed.
func ParseRef(s string, prefixes ...string) (int64, error) {
	s = strings.TrimSpace(s)
	num := s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		prefix := strings.ToUpper(s[:i])
		if !slices.Contains(prefixes, prefix) {
			return 0, fmt.Errorf("%q: use %s-n", s, strings.Join(prefixes, "-n or "))
		}
		num = s[i+1:]
	}
	var id int64
	if _, err := fmt.Sscanf(num, "%d", &id); err != nil || id <= 0 || fmt.Sprint(id) != num {
		return 0, fmt.Errorf("%q: not a record number; use %s-n", s, strings.Join(prefixes, "-n or "))
	}
	return id, nil
}

// Link relates an incident to an alert ("alert"), a change ("caused_by",
// "resolved_by") or a knowledge base article ("article"), and notes it on
// the incident's timeline. Linking an alert moves it to this incident.
func (s *Desk) Link(ctx context.Context, a Actor, id int64, kind string, target int64) (Incident, error) {
	if err := a.Check(PermLink); err != nil {
		return Incident{}, err
	}
	if !slices.Contains(LinkKinds, kind) {
		return Incident{}, fmt.Errorf("link kind %q: use one of %s", kind, strings.Join(LinkKinds, ", "))
	}
	var (
		out Incident
		err error
	)
	err = s.store.Write(ctx, func(tx Tx) error {
		in, err := tx.Incident(id)
		if err != nil {
			return fmt.Errorf("INC-%d: %w", id, err)
		}
		now := s.Now().UTC()
		if kind != "alert" {
			links, err := tx.LinksOf(id)
			if err != nil {
				return err
			}
			if err := linkClash(links, in, LinkKind(kind), target); err != nil {
				return err
			}
		}
		var text, entity string
		switch LinkKind(kind) {
		case "alert":
			al, err := tx.AlertByID(target)
			if err != nil {
				return fmt.Errorf("ALR-%d: %w", target, err)
			}
			if al.IncidentID == id {
				return fmt.Errorf("%s is already linked to %s", al.Ref(), in.Ref())
			}
			was := al.IncidentID
			al.IncidentID = id
			if err := tx.SetAlertMarks(al); err != nil {
				return err
			}
			text, entity = fmt.Sprintf("linked %s %s (%s)", al.Ref(), al.Name, al.State), al.Ref()
			if was != 0 {
				text += fmt.Sprintf(", moved from INC-%d", was)
			}
		case LinkCausedBy, LinkResolvedBy:
			c, err := tx.ChangeByID(target)
			if err != nil {
				return fmt.Errorf("CHG-%d: %w", target, err)
			}
			if LinkKind(kind) == LinkCausedBy && !c.Start.IsZero() && c.Start.After(in.OpenedAt) {
				return fmt.Errorf("%s starts %s, after %s opened (%s): a change can only cause what follows it",
					c.Ref(), s.stamp(c.Start), in.Ref(), s.stamp(in.OpenedAt))
			}
			if LinkKind(kind) == LinkResolvedBy && !c.End.IsZero() && c.End.Before(in.OpenedAt) {
				return fmt.Errorf("%s ended %s, before %s opened (%s): a change can only fix what came before it",
					c.Ref(), s.stamp(c.End), in.Ref(), s.stamp(in.OpenedAt))
			}
			l := IncidentLink{IncidentID: id, Kind: LinkKind(kind), Target: target, At: now, Actor: a.Name}
			if err := tx.InsertLink(l); err != nil {
				return err
			}
			text, entity = fmt.Sprintf("%s: %s", l.Label(), c.Title), c.Ref()
		case LinkArticle:
			ar, err := tx.ArticleByID(target)
			if err != nil {
				return fmt.Errorf("KB-%d: %w", target, err)
			}
			l := IncidentLink{IncidentID: id, Kind: LinkArticle, Target: target, At: now, Actor: a.Name}
			if err := tx.InsertLink(l); err != nil {
				return err
			}
			text, entity = fmt.Sprintf("linked %s %s", ar.Ref(), ar.Title), ar.Ref()
		}
		in.UpdatedAt = now
		if err := tx.UpdateIncident(in); err != nil {
			return err
		}
		if err := tx.AddTimeline(&TimelineEntry{IncidentID: id, At: now, Actor: a.Name, Kind: "link", Text: text}); err != nil {
			return err
		}
		out = in
		return s.audit(tx, a, "incident.link", in.Ref(), nil, map[string]any{"kind": kind, "target": entity})
	})
	return out, err
}

// linkClash refuses a link the incident has already, and a change linked
// as both the cause and the fix.
func linkClash(links []IncidentLink, in Incident, kind LinkKind, target int64) error {
	for _, l := range links {
		if l.Target != target || (l.Kind == LinkArticle) != (kind == LinkArticle) {
			continue
		}
		if l.Kind == kind {
			return fmt.Errorf("%s is already %s", in.Ref(), l.Label())
		}
		return fmt.Errorf("%s is %s; a change is either the cause or the fix", in.Ref(), l.Label())
	}
	return nil
}

// Merge closes a duplicate into the incident that carries on: the duplicate
// is resolved with code "duplicate" and points at the survivor, its alerts
// and links move to the survivor, and both timelines say so.
func (s *Desk) Merge(ctx context.Context, a Actor, dupID, intoID int64) (Incident, error) {
	if err := a.Check(PermMerge); err != nil {
		return Incident{}, err
	}
	if dupID == intoID {
		return Incident{}, fmt.Errorf("INC-%d cannot be merged into itself", dupID)
	}
	var out Incident
	err := s.store.Write(ctx, func(tx Tx) error {
		dup, err := tx.Incident(dupID)
		if err != nil {
			return fmt.Errorf("INC-%d: %w", dupID, err)
		}
		into, err := tx.Incident(intoID)
		if err != nil {
			return fmt.Errorf("INC-%d: %w", intoID, err)
		}
		if !dup.State.Open() {
			return fmt.Errorf("%s is %s; only an open incident can be merged as a duplicate", dup.Ref(), dup.State.Label())
		}
		if !into.State.Open() {
			return fmt.Errorf("%s is %s; merge into an open incident", into.Ref(), into.State.Label())
		}
		if dup.Priority < into.Priority || (dup.Major && !into.Major) {
			return fmt.Errorf("%s (%s%s) is more urgent than %s (%s%s): merge %s into %s instead, so the more urgent one carries on",
				dup.Ref(), dup.Priority, majorTag(dup), into.Ref(), into.Priority, majorTag(into), into.Ref(), dup.Ref())
		}
		if dup.Kind != into.Kind {
			return fmt.Errorf("%s is %s and %s %s: only records of one kind are duplicates", dup.Ref(), article(dup.Kind), into.Ref(), article(into.Kind))
		}
		now := s.Now().UTC()
		before := dup
		if err := CheckTransition(dup.State, StateResolved); err != nil {
			return fmt.Errorf("%s: %w", dup.Ref(), err)
		}
		if dup.State == StateOnHold {
			resume(&dup, s.pol().SLAFor(dup.Kind, dup.Priority), now)
		}
		dup.State, dup.Resolution, dup.ResolvedAt, dup.MergedInto, dup.UpdatedAt = StateResolved, "duplicate", now, intoID, now
		if err := tx.UpdateIncident(dup); err != nil {
			return err
		}
		moved, err := tx.MoveIncidentLinks(dupID, intoID)
		if err != nil {
			return err
		}
		into.UpdatedAt = now
		if err := tx.UpdateIncident(into); err != nil {
			return err
		}
		if err := tx.AddTimeline(&TimelineEntry{IncidentID: dupID, At: now, Actor: a.Name, Kind: "merge",
			Text: fmt.Sprintf("merged into %s as a duplicate (resolved: duplicate)", into.Ref())}); err != nil {
			return err
		}
		text := fmt.Sprintf("%s merged in as a duplicate: %s", dup.Ref(), dup.Title)
		if moved > 0 {
			text += fmt.Sprintf("; %s moved here", Plural(moved, "alert or link", "alerts and links"))
		}
		if err := tx.AddTimeline(&TimelineEntry{IncidentID: intoID, At: now, Actor: a.Name, Kind: "merge", Text: text}); err != nil {
			return err
		}
		out = into
		return s.audit(tx, a, "incident.merge", dup.Ref(), before, dup)
	})
	return out, err
}
