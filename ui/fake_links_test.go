package ui

import (
	"context"

	"github.com/hypercare-ops/hypercare/model"
)

// Links and linked alerts for the fake store: links are kept per incident;
// alerts link through their IncidentID as in the real store.

func (f *fakeStore) Links(_ context.Context, id int64) ([]model.IncidentLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.IncidentLink(nil), f.links[id]...), nil
}

func (f *fakeStore) IncidentAlerts(_ context.Context, id int64, limit int) ([]model.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Alert
	for _, a := range f.alerts {
		if a.IncidentID == id && (limit <= 0 || len(out) < limit) {
			out = append(out, a)
		}
	}
	return out, nil
}
