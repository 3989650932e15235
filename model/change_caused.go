package model

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
	src, err := readMetricsSource(ctx, r, since, until)
	if err != nil {
		return Metrics{}, err
	}
	return src.window(ctx, r, since, until, loc)
}

// ReadMetricsHistory computes the metrics of the last days rolling 24-hour
// windows, oldest first, the last ending at now, reading the store once:
// what the exit scorecard's trends and "held for N days" are measured on.
func ReadMetricsHistory(ctx context.Context, r Reader, days int, now time.Time, loc *time.Location) ([]Metrics, error) {
	const day = 24 * time.Hour
	src, err := readMetricsSource(ctx, r, now.Add(-time.Duration(days)*day), now)
	if err != nil {
		return nil, err
	}
	out := make([]Metrics, 0, days)
	for k := days - 1; k >= 0; k-- {
		end := now.Add(-time.Duration(k) * day)
		m, err := src.window(ctx, r, end.Add(-day), end, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// metricsSource is what the metrics of windows within [since, until) are
// computed from, read once.
type metricsSource struct {
	incidents []Incident
	changes   []Change
	causes    []ChangeCause
	deploys   []Deploy
	training  TrainingData
	runbooks  map[string]string // category → the published article found for it, "" for none
}

func readMetricsSource(ctx context.Context, r Reader, since, until time.Time) (*metricsSource, error) {
	src := &metricsSource{runbooks: map[string]string{}}
	var err error
	if src.incidents, err = r.IncidentsSince(ctx, since); err != nil {
		return nil, err
	}
	if src.changes, err = r.ChangesBetween(ctx, since, until); err != nil {
		return nil, err
	}
	if src.causes, err = r.ChangeCauses(ctx, since); err != nil {
		return nil, err
	}
	if src.deploys, err = r.DeploysBetween(ctx, since, until); err != nil {
		return nil, err
	}
	if src.training, err = r.TrainingData(ctx); err != nil {
		return nil, err
	}
	return src, nil
}

// window computes the metrics of [since, until).
func (src *metricsSource) window(ctx context.Context, r Reader, since, until time.Time, loc *time.Location) (Metrics, error) {
	m := ComputeMetrics(src.incidents, since, until, loc)
	m.Changes = ComputeChangeMetrics(src.changes, src.causes, since, until)
	for _, d := range src.deploys {
		if d.Start.Before(since) || !d.Start.Before(until) {
			continue
		}
		m.Changes.Deploys++
		if d.Unauthorised {
			m.Changes.Unauthorised++
		}
	}
	m.Training = src.training.At(until).Matrix().Completion
	for i, c := range m.TopCategories {
		found, ok := src.runbooks[c.Category]
		if !ok {
			var err error
			if found, err = runbookFor(ctx, r, c.Category); err != nil {
				return m, err
			}
			src.runbooks[c.Category] = found
		}
		m.TopCategories[i].Runbook = found
		m.Runbooks.Of++
		if found != "" {
			m.Runbooks.N++
		}
	}
	return m, nil
}

// runbookFor finds a published article for an incident category: one
// tagged with it, or titled with it. Handovers do not count.
func runbookFor(ctx context.Context, r Reader, category string) (string, error) {
	hits, err := r.Articles(ctx, ArticleQuery{Search: category, Published: true, Limit: 20})
	if err != nil {
		return "", fmt.Errorf("runbooks for %s: %w", category, err)
	}
	for _, h := range hits {
		if h.Kind == ArticleHandover {
			continue
		}
		if slices.ContainsFunc(h.Tags, func(t string) bool { return strings.EqualFold(t, category) }) ||
			strings.Contains(strings.ToLower(h.Title), strings.ToLower(category)) {
			return h.Ref(), nil
		}
	}
	return "", nil
}
