package model

import (
	"context"
	"slices"
	"time"
)

// ChangeCause is a confirmed "caused by" link: an incident a change caused.
type ChangeCause struct {
	ChangeID   int64     `json:"change_id"`
	IncidentID int64     `json:"incident_id"`
	Priority   Priority  `json:"priority"`
	OpenedAt   time.Time `json:"opened_at"`
}

// ChangeIncident is an incident linked to a change, for the change detail.
type ChangeIncident struct {
	Kind     LinkKind `json:"kind"` // caused_by or resolved_by
	Incident Incident `json:"incident"`
}

// started reports whether a change's work may have begun: it was
// authorised and its time came, or it is running or done.
func (c Change) started() bool {
	switch c.State {
	case ChangeScheduled, ChangeImplement, ChangeReview, ChangeClosed:
		return true
	}
	return false
}

// SuspectChanges lists the changes that may have caused an incident: those
// on its service, or on a service related to it through depends_on, that
// started within window before it opened (latest first). Those already
// linked to it are left to the caller to drop.
func SuspectChanges(in Incident, changes []Change, related []string, window time.Duration) []Change {
	var out []Change
	for _, c := range changes {
		if !c.started() || c.Start.After(in.OpenedAt) || c.Start.Before(in.OpenedAt.Add(-window)) {
			continue
		}
		if c.Touches(in.Service) || slices.ContainsFunc(related, c.Touches) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Change) int { return b.Start.Compare(a.Start) })
	return out
}

// SuspectChanges reads the changes that may have caused an incident and
// are not yet linked to it, for the incident detail's "caused by?" line.
func (s *Desk) SuspectChanges(ctx context.Context, in Incident) ([]Change, error) {
	p := s.pol()
	window := p.ChangePolicy().CausedWindow
	if window <= 0 || in.OpenedAt.IsZero() {
		return nil, nil
	}
	changes, err := s.store.ChangesBetween(ctx, in.OpenedAt.Add(-window), in.OpenedAt.Add(time.Millisecond))
	if err != nil {
		return nil, err
	}
	links, err := s.store.Links(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	rel := p.ChangeCalendar([]string{in.Service}, in.OpenedAt, in.OpenedAt).Related[in.Service]
	out := SuspectChanges(in, changes, rel, window)
	return slices.DeleteFunc(out, func(c Change) bool {
		return slices.ContainsFunc(links, func(l IncidentLink) bool {
			return l.Kind != LinkArticle && l.Target == c.ID
		})
	}), nil
}

// ChangeMetrics measures the changes of a window: how many closed, how
// many of those succeeded (closed successful, or successful with issues,
// and caused no incident), and the P1/P2 incidents changes caused.
type ChangeMetrics struct {
	Closed     int   `json:"closed"`
	Success    Ratio `json:"success"`
	Caused     int   `json:"caused"`      // incidents opened in the window linked "caused by" a change
	CausedP1P2 int   `json:"caused_p1p2"` // of which P1 or P2
	// Deploys and Unauthorised count the deploys pipelines reported in
	// the window, and those no authorised change covered.
	Deploys      int `json:"deploys"`
	Unauthorised int `json:"unauthorised_deploys"`
}

// ComputeChangeMetrics works out the change figures of [since, until):
// changes count in the window their planned end falls in.
func ComputeChangeMetrics(changes []Change, causes []ChangeCause, since, until time.Time) ChangeMetrics {
	var m ChangeMetrics
	caused := map[int64]bool{}
	for _, c := range causes {
		if c.OpenedAt.Before(since) || !c.OpenedAt.Before(until) {
			continue
		}
		caused[c.ChangeID] = true
		m.Caused++
		if c.Priority <= 2 {
			m.CausedP1P2++
		}
	}
	for _, c := range changes {
		if c.State != ChangeClosed || c.End.Before(since) || !c.End.Before(until) {
			continue
		}
		m.Closed++
		m.Success.Of++
		if (c.CloseCode == "successful" || c.CloseCode == "successful_with_issues") && !caused[c.ID] {
			m.Success.N++
		}
	}
	return m
}

// ReadMetrics reads what the metrics need and computes them: the incident
// figures and the change figures of [since, until).
func ReadMetrics(ctx context.Context, r Reader, since, until time.Time, loc *time.Location) (Metrics, error) {
	list, err := r.IncidentsSince(ctx, since)
	if err != nil {
		return Metrics{}, err
	}
	m := ComputeMetrics(list, since, until, loc)
	changes, err := r.ChangesBetween(ctx, since, until)
	if err != nil {
		return m, err
	}
	causes, err := r.ChangeCauses(ctx, since)
	if err != nil {
		return m, err
	}
	m.Changes = ComputeChangeMetrics(changes, causes, since, until)
	deploys, err := r.DeploysBetween(ctx, since, until)
	if err != nil {
		return m, err
	}
	m.Changes.Deploys = len(deploys)
	for _, d := range deploys {
		if d.Unauthorised {
			m.Changes.Unauthorised++
		}
	}
	td, err := r.TrainingData(ctx)
	m.Training = td.Matrix().Completion
	return m, err
}
