package ui

import (
	"context"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// resolvedHistory is the week behind the fake store's open incidents: the
// records the metrics view measures. The queue shows only open records, so
// they live here, and the other screens' goldens stay as they are.
func resolvedHistory() []model.Incident {
	at := func(h float64) time.Time { return testNow.Add(time.Duration(h * float64(time.Hour))) }
	done := func(id int64, kind model.Kind, p model.Priority, service, category string, opened, ack, resolved, due float64, reopens, csat int) model.Incident {
		in := model.Incident{ID: id, Kind: kind, Title: "resolved " + service, Service: service, Category: category,
			Priority: p, State: model.StateResolved, Team: "web", OpenedAt: at(opened), ResolvedAt: at(resolved),
			Resolution: "fixed", Reopens: reopens, Satisfaction: csat}
		if ack != 0 {
			in.AckAt = at(ack)
		}
		if due != 0 {
			in.ResolveDue = at(due)
		}
		return in
	}
	return []model.Incident{
		done(1, model.KindIncident, 1, "checkout", "availability", -150, -149.8, -147, -146, 0, 5),
		done(2, model.KindIncident, 2, "checkout", "availability", -100, -99.5, -92, -92, 1, 3),
		done(3, model.KindIncident, 2, "checkout", "availability", -30, -29.9, -27, -22, 0, 4),
		done(5, model.KindIncident, 3, "settlement", "batch", -20, -19, -6, -4, 0, 0),
		done(6, model.KindIncident, 1, "payments", "availability", -12, -11.9, -9, -10, 0, 2),
		done(8, model.KindRequest, 5, "reporting", "other", -60, -50, -10, 12, 0, 5),
		done(10, model.KindIncident, 4, "search", "performance", -8, -7, -5, 0, 0, 0),
	}
}

// IncidentsSince returns the open records and the history opened or
// resolved since since, as the store does.
func (f *fakeStore) IncidentsSince(_ context.Context, since time.Time) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Incident
	for _, in := range append(slices.Clone(f.incidents), resolvedHistory()...) {
		if in.State.Open() || !in.OpenedAt.Before(since) || (!in.ResolvedAt.IsZero() && !in.ResolvedAt.Before(since)) {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b model.Incident) int { return a.OpenedAt.Compare(b.OpenedAt) })
	return out, nil
}
