package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Problem management on the desk. Roles: operators open problems, write the
// RCA and known error, add and tick off actions, link incidents and move a
// problem through its flow; closing a problem and publishing its known error
// to the knowledge base (straight to published, past the article review)
// are a lead's calls.

// NewProblem is the input for opening a problem.
type NewProblem struct {
	Title       string
	Service     string
	Category    string
	Owner       string // empty: whoever opens it
	Description string
	// Incidents are linked in the same transaction: the recurrence group it
	// was opened from.
	Incidents []int64
}

// CreateProblem validates and opens a problem, linking its incidents.
func (s *Desk) CreateProblem(ctx context.Context, a Actor, n NewProblem) (Problem, error) {
	if err := a.Check(PermOpenProblem); err != nil {
		return Problem{}, err
	}
	n.Title = strings.TrimSpace(Clean(n.Title, false))
	n.Owner = strings.TrimSpace(Clean(n.Owner, false))
	n.Description = strings.TrimSpace(Clean(n.Description, true))
	if n.Title == "" {
		return Problem{}, fmt.Errorf("title: required; say what keeps going wrong")
	}
	if n.Category == "" {
		n.Category = "other"
	}
	if !slices.Contains(Categories, n.Category) {
		return Problem{}, fmt.Errorf("category %q: use one of %s", n.Category, strings.Join(Categories, ", "))
	}
	if _, ok := s.pol().ServiceTier(n.Service); !ok {
		return Problem{}, fmt.Errorf("service %q: not in the plan; add it under [[service]] or pick an existing one", n.Service)
	}
	if n.Owner != "" && !s.pol().KnownPerson(n.Owner) {
		return Problem{}, fmt.Errorf("owner %q: not an operator or team member in the plan; check the spelling", n.Owner)
	}
	if n.Owner == "" {
		n.Owner = a.Name
	}
	now := s.Now().UTC()
	p := Problem{Title: n.Title, Service: n.Service, Category: n.Category, State: ProblemNew, Owner: n.Owner,
		Description: n.Description, CreatedAt: now, UpdatedAt: now}
	err := s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertProblem(&p); err != nil {
			return err
		}
		if err := s.audit(tx, a, "problem.create", p.Ref(), nil, p); err != nil {
			return err
		}
		for _, id := range dedupe(n.Incidents) {
			if _, err := s.linkIncident(tx, a, p, id, now); err != nil {
				return err
			}
			p.Incidents++
		}
		return nil
	})
	return p, err
}

func dedupe(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// linkIncident points an incident at a problem inside a transaction, notes
// it on the incident's timeline and audits the incident's change.
func (s *Desk) linkIncident(tx Tx, a Actor, p Problem, incidentID int64, now time.Time) (Incident, error) {
	before, err := tx.Incident(incidentID)
	if err != nil {
		return Incident{}, fmt.Errorf("INC-%d: %w", incidentID, err)
	}
	switch {
	case before.Kind == KindRequest:
		return Incident{}, fmt.Errorf("%s is a request; only incidents are linked to problems", before.Ref())
	case before.ProblemID == p.ID:
		return Incident{}, fmt.Errorf("%s is already linked to %s", before.Ref(), p.Ref())
	}
	in := before
	in.ProblemID, in.UpdatedAt = p.ID, now
	if err := tx.UpdateIncident(in); err != nil {
		return Incident{}, err
	}
	text := fmt.Sprintf("linked to %s: %s", p.Ref(), p.Title)
	if before.ProblemID != 0 {
		text += fmt.Sprintf(" (moved from PRB-%d)", before.ProblemID)
	}
	if err := tx.AddTimeline(&TimelineEntry{IncidentID: in.ID, At: now, Actor: a.Name, Kind: "problem", Text: text}); err != nil {
		return Incident{}, err
	}
	return in, s.audit(tx, a, "problem.link", in.Ref(), before, in)
}

// updateProblem loads a problem, lets change edit it (and write whatever
// else belongs to the same step), saves it and audits, in one transaction.
// Unless change sets the audit record itself, the audit holds the problem
// before and after.
func (s *Desk) updateProblem(ctx context.Context, a Actor, id int64, action string, change func(tx Tx, p *Problem, now time.Time, rec *auditRecord) error) (Problem, error) {
	var after Problem
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := tx.ProblemByID(id)
		if err != nil {
			return fmt.Errorf("PRB-%d: %w", id, err)
		}
		after = before
		now := s.Now().UTC()
		var rec auditRecord
		if err := change(tx, &after, now, &rec); err != nil {
			return fmt.Errorf("%s: %w", before.Ref(), err)
		}
		after.UpdatedAt = now
		if err := tx.UpdateProblem(after); err != nil {
			return err
		}
		if rec.before == nil && rec.after == nil {
			rec.before, rec.after = before, after
		}
		return s.audit(tx, a, action, after.Ref(), rec.before, rec.after)
	})
	return after, err
}

// auditRecord is what an audit entry of a problem step records.
type auditRecord struct{ before, after any }

// editable refuses changes to a closed problem: its record is final.
func editable(p *Problem) error {
	if p.State == ProblemClosed {
		return fmt.Errorf("is Closed; a closed problem's record is final")
	}
	return nil
}

// ProblemChange asks for a problem to move to another state.
type ProblemChange struct {
	To ProblemState
	// Reason explains the move; required when a resolved problem goes
	// back to RCA because its fix did not hold.
	Reason string
}

// ProblemTransition moves a problem along its flow. Entering "fix in
// progress" needs a root cause on record (the RCA's whys or the known
// error's root cause); closing needs a lead; reopening needs a reason. The
// timeline of every incident linked to the problem notes the move, in the
// same transaction.
func (s *Desk) ProblemTransition(ctx context.Context, a Actor, id int64, c ProblemChange) (Problem, error) {
	if err := a.Check(PermProblemState); err != nil {
		return Problem{}, err
	}
	if c.To == ProblemClosed {
		if err := a.Check(PermCloseProblem); err != nil {
			return Problem{}, err
		}
	}
	c.Reason = strings.TrimSpace(Clean(c.Reason, true))
	return s.updateProblem(ctx, a, id, "problem.state", func(tx Tx, p *Problem, now time.Time, _ *auditRecord) error {
		if err := CheckProblemTransition(p.State, c.To); err != nil {
			return err
		}
		switch c.To {
		case ProblemFixing:
			if len(p.RCA.Whys) == 0 && p.KnownError.RootCause == "" {
				return fmt.Errorf("no root cause on record: write the RCA's whys or the known error's root cause before fixing")
			}
		case ProblemResolved:
			p.ResolvedAt = now
		case ProblemRCA:
			if p.State == ProblemResolved {
				if c.Reason == "" {
					return fmt.Errorf("reason: reopening a resolved problem needs a reason (what came back?)")
				}
				p.ResolvedAt = time.Time{}
			}
		}
		p.State = c.To
		return s.noteProblemMove(tx, a, *p, c.Reason, now)
	})
}

// noteProblemMove writes a problem's new state on the timeline of each
// incident linked to it, so whoever works one of them sees where its cause
// stands.
func (s *Desk) noteProblemMove(tx Tx, a Actor, p Problem, reason string, now time.Time) error {
	linked, err := tx.LinkedIncidents(p.ID)
	if err != nil {
		return fmt.Errorf("linked incidents: %w", err)
	}
	text := fmt.Sprintf("%s moved to %s", p.Ref(), p.State.Label())
	if reason != "" {
		text += ": " + reason
	}
	for _, in := range linked {
		if err := tx.AddTimeline(&TimelineEntry{IncidentID: in.ID, At: now, Actor: a.Name, Kind: "problem", Text: text}); err != nil {
			return err
		}
	}
	return nil
}

// AssignProblem makes an operator the problem's owner.
func (s *Desk) AssignProblem(ctx context.Context, a Actor, id int64, owner string) (Problem, error) {
	if err := a.Check(PermAssignProblem); err != nil {
		return Problem{}, err
	}
	owner = strings.TrimSpace(Clean(owner, false))
	if owner == "" {
		return Problem{}, fmt.Errorf("owner: required; name the operator who drives the problem")
	}
	if !s.pol().KnownPerson(owner) {
		return Problem{}, fmt.Errorf("owner %q: not an operator or team member in the plan; check the spelling", owner)
	}
	return s.updateProblem(ctx, a, id, "problem.assign", func(_ Tx, p *Problem, _ time.Time, _ *auditRecord) error {
		if err := editable(p); err != nil {
			return err
		}
		p.Owner = owner
		return nil
	})
}

// SaveRCA replaces a problem's root cause analysis. Empty why lines are
// dropped; more than MaxWhys is refused.
func (s *Desk) SaveRCA(ctx context.Context, a Actor, id int64, r RCA) (Problem, error) {
	if err := a.Check(PermWriteRCA); err != nil {
		return Problem{}, err
	}
	clean := RCA{Timeline: strings.TrimSpace(Clean(r.Timeline, true)), Factors: strings.TrimSpace(Clean(r.Factors, true))}
	for _, w := range r.Whys {
		if w = strings.TrimSpace(Clean(w, false)); w != "" {
			clean.Whys = append(clean.Whys, w)
		}
	}
	if len(clean.Whys) > MaxWhys {
		return Problem{}, fmt.Errorf("whys: %d lines; the 5 whys hold at most %d, so merge or drop some", len(clean.Whys), MaxWhys)
	}
	return s.updateProblem(ctx, a, id, "problem.rca", func(_ Tx, p *Problem, _ time.Time, _ *auditRecord) error {
		if err := editable(p); err != nil {
			return err
		}
		p.RCA = clean
		return nil
	})
}

// SaveKnownError records a problem's symptom, root cause and workaround.
// The symptom is required: it is how others recognise the fault.
func (s *Desk) SaveKnownError(ctx context.Context, a Actor, id int64, k KnownError) (Problem, error) {
	if err := a.Check(PermWriteKnownError); err != nil {
		return Problem{}, err
	}
	k.Symptom = strings.TrimSpace(Clean(k.Symptom, true))
	k.RootCause = strings.TrimSpace(Clean(k.RootCause, true))
	k.Workaround = strings.TrimSpace(Clean(k.Workaround, true))
	if k.Symptom == "" {
		return Problem{}, fmt.Errorf("symptom: required; say how the fault shows, so others recognise it")
	}
	return s.updateProblem(ctx, a, id, "problem.known_error", func(_ Tx, p *Problem, _ time.Time, _ *auditRecord) error {
		if err := editable(p); err != nil {
			return err
		}
		k.Article = p.KnownError.Article // publishing sets it, not editing
		p.KnownError = k
		return nil
	})
}

// AddProblemAction adds a follow-up action to a problem's RCA. Text and
// owner are required; the due date is optional.
func (s *Desk) AddProblemAction(ctx context.Context, a Actor, problemID int64, act ProblemAction) (ProblemAction, error) {
	if err := a.Check(PermAddAction); err != nil {
		return ProblemAction{}, err
	}
	act.Text = strings.TrimSpace(Clean(act.Text, false))
	act.Owner = strings.TrimSpace(Clean(act.Owner, false))
	switch {
	case act.Text == "":
		return ProblemAction{}, fmt.Errorf("action: required; say what is to be done")
	case act.Owner == "":
		return ProblemAction{}, fmt.Errorf("owner: required; name who does it")
	case !s.pol().KnownPerson(act.Owner) && !s.pol().KnownTeam(act.Owner):
		return ProblemAction{}, fmt.Errorf("owner %q: not a person or team in the plan; name an operator, a team member or a team id", act.Owner)
	case !act.Due.IsZero() && act.Due.Before(s.Now().Add(-24*time.Hour)):
		return ProblemAction{}, fmt.Errorf("due %s: in the past; give a date from today on", act.Due.Format("2006-01-02"))
	}
	_, err := s.updateProblem(ctx, a, problemID, "problem.action", func(tx Tx, p *Problem, now time.Time, rec *auditRecord) error {
		if err := editable(p); err != nil {
			return err
		}
		act = ProblemAction{ProblemID: p.ID, Text: act.Text, Owner: act.Owner, Due: act.Due, CreatedAt: now}
		if err := tx.InsertProblemAction(&act); err != nil {
			return err
		}
		rec.after = act
		return nil
	})
	return act, err
}

// SetProblemActionDone ticks an RCA action off, or on again.
func (s *Desk) SetProblemActionDone(ctx context.Context, a Actor, problemID, actionID int64, done bool) (ProblemAction, error) {
	if err := a.Check(PermUpdateAction); err != nil {
		return ProblemAction{}, err
	}
	var after ProblemAction
	_, err := s.updateProblem(ctx, a, problemID, "problem.action_done", func(tx Tx, p *Problem, now time.Time, rec *auditRecord) error {
		if err := editable(p); err != nil {
			return err
		}
		before, err := tx.ProblemActionByID(actionID)
		if errors.Is(err, ErrNotFound) || (err == nil && before.ProblemID != p.ID) {
			return fmt.Errorf("has no action %d", actionID)
		}
		if err != nil {
			return err
		}
		if before.Done == done {
			word := "done"
			if !done {
				word = "open"
			}
			return fmt.Errorf("action %q is already %s", before.Text, word)
		}
		after = before
		after.Done, after.DoneAt = done, time.Time{}
		if done {
			after.DoneAt = now
		}
		if err := tx.UpdateProblemAction(after); err != nil {
			return err
		}
		rec.before, rec.after = before, after
		return nil
	})
	return after, err
}

// LinkProblem links an incident to a problem and notes it on the incident's
// timeline. An incident linked to another problem moves to this one.
func (s *Desk) LinkProblem(ctx context.Context, a Actor, problemID, incidentID int64) (Incident, error) {
	if err := a.Check(PermLinkProblem); err != nil {
		return Incident{}, err
	}
	var in Incident
	err := s.store.Write(ctx, func(tx Tx) error {
		p, err := tx.ProblemByID(problemID)
		if err != nil {
			return fmt.Errorf("PRB-%d: %w", problemID, err)
		}
		if err := editable(&p); err != nil {
			return fmt.Errorf("%s: %w", p.Ref(), err)
		}
		// The incident's audit entry records the link; the problem only
		// notes that it changed.
		now := s.Now().UTC()
		if in, err = s.linkIncident(tx, a, p, incidentID, now); err != nil {
			return err
		}
		p.UpdatedAt = now
		return tx.UpdateProblem(p)
	})
	return in, err
}

// KnownErrorArticle is the knowledge base article a problem's known error
// is published as: a known-error article in Markdown, under a slug of the
// problem's own, so publishing again updates it.
func KnownErrorArticle(p Problem) Article {
	section := func(title, text, none string) string {
		if text == "" {
			text = "_" + none + "_"
		}
		return "## " + title + "\n\n" + text + "\n"
	}
	body := fmt.Sprintf("# Known error: %s\n\n**Problem:** %s (%s) · **Service:** %s · **Category:** %s\n\n",
		p.Title, p.Ref(), p.State.Label(), p.Service, p.Category) +
		section("Symptom", p.KnownError.Symptom, "not described") + "\n" +
		section("Root cause", p.KnownError.RootCause, "still under investigation") + "\n" +
		section("Workaround", p.KnownError.Workaround, "none known")
	return Article{
		Slug: p.KnownErrorSlug(), Title: "Known error: " + p.Title, Kind: ArticleKnownError,
		State: ArticlePublished, Service: p.Service, Tags: []string{"known-error", strings.ToLower(p.Ref()), p.Category}, Body: body,
	}
}

// PublishKnownError publishes a problem's known error to the knowledge base
// as a known-error article and records the article on the problem. The
// article goes straight to published, so it takes a lead. Publishing is
// idempotent: the slug is the problem's, so publishing again after an edit
// updates the same article.
func (s *Desk) PublishKnownError(ctx context.Context, a Actor, id int64) (Article, error) {
	if err := a.Check(PermPublishKnownError); err != nil {
		return Article{}, err
	}
	p, err := s.store.Problem(ctx, id)
	if err != nil {
		return Article{}, fmt.Errorf("PRB-%d: %w", id, err)
	}
	switch {
	case p.KnownError.Symptom == "":
		return Article{}, fmt.Errorf("%s has no known error yet: record its symptom and workaround first", p.Ref())
	case p.KnownError.Workaround == "":
		return Article{}, fmt.Errorf("%s: workaround: required to publish; a known error article tells people how to get around the fault", p.Ref())
	}
	ar, err := s.publishKnownErrorArticle(ctx, a, KnownErrorArticle(p))
	if err != nil {
		return Article{}, fmt.Errorf("%s: publish: %w", p.Ref(), err)
	}
	_, err = s.updateProblem(ctx, a, id, "problem.publish", func(_ Tx, p *Problem, _ time.Time, rec *auditRecord) error {
		p.KnownError.Article = ar.ID
		rec.after = map[string]string{"article": ar.Ref(), "slug": ar.Slug}
		return nil
	})
	return ar, err
}

// ResolveCodes are the resolution codes incidents waiting on a problem can
// be resolved with.
var ResolveCodes = []string{"fixed", "known_error"}

// ResolveWaitingIncidents resolves the incidents linked to a problem that
// are on hold awaiting it, each as Transition would, with code "fixed" (the
// problem is resolved: its fix is in) or "known_error" (the known error's
// workaround serves). It reports the incidents it resolved; one that fails
// does not stop the others, and the error names it.
func (s *Desk) ResolveWaitingIncidents(ctx context.Context, a Actor, problemID int64, code string) ([]Incident, error) {
	if err := a.Check(PermIncidentState); err != nil {
		return nil, err
	}
	if !slices.Contains(ResolveCodes, code) {
		return nil, fmt.Errorf("resolution code %q: use fixed or known_error", code)
	}
	p, err := s.store.Problem(ctx, problemID)
	if err != nil {
		return nil, fmt.Errorf("PRB-%d: %w", problemID, err)
	}
	reason := fmt.Sprintf("%s resolved: %s", p.Ref(), p.Title)
	switch {
	case code == "fixed" && p.State.Open():
		return nil, fmt.Errorf("%s is %s: resolve it first, or resolve its incidents as known_error if the workaround serves", p.Ref(), p.State.Label())
	case code == "known_error" && p.KnownError.Workaround == "":
		return nil, fmt.Errorf("%s has no workaround on record: write the known error first", p.Ref())
	case code == "known_error":
		reason = fmt.Sprintf("resolved by the workaround of known error %s: %s", p.Ref(), p.Title)
	}
	linked, err := s.store.ProblemIncidents(ctx, problemID)
	if err != nil {
		return nil, fmt.Errorf("%s incidents: %w", p.Ref(), err)
	}
	var done []Incident
	var errs []error
	for _, in := range WaitingOnProblem(linked) {
		out, err := s.Transition(ctx, a, in.ID, StateChange{To: StateResolved, Code: code, Reason: reason})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, out)
	}
	return done, errors.Join(errs...)
}
