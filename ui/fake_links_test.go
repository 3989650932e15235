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

func (f *fakeStore) Retriage(_ context.Context, a model.Actor, id int64, impact, urgency model.Level, reason string) (model.Incident, error) {
	p, err := model.PriorityFor(impact, urgency)
	if err != nil {
		return model.Incident{}, err
	}
	return f.change(id, a, "priority", func(in *model.Incident) string {
		in.Impact, in.Urgency, in.Priority = impact, urgency, p
		return "priority " + p.String() + ": " + reason
	})
}

func (f *fakeStore) Merge(_ context.Context, a model.Actor, dupID, intoID int64) (model.Incident, error) {
	if _, err := f.Incident(context.Background(), intoID); err != nil {
		return model.Incident{}, err
	}
	return f.change(dupID, a, "merge", func(in *model.Incident) string {
		in.State, in.Resolution, in.MergedInto = model.StateResolved, "duplicate", intoID
		return "merged"
	})
}

func (f *fakeStore) Link(_ context.Context, a model.Actor, id int64, kind string, target int64) (model.Incident, error) {
	return f.change(id, a, "link", func(in *model.Incident) string {
		if kind != "alert" {
			if f.links == nil {
				f.links = map[int64][]model.IncidentLink{}
			}
			f.links[id] = append(f.links[id], model.IncidentLink{IncidentID: id, Kind: model.LinkKind(kind), Target: target, Actor: a.Name})
		}
		return "linked " + kind
	})
}

// change applies fn to an incident and notes it on its timeline.
func (f *fakeStore) change(id int64, a model.Actor, kind string, fn func(*model.Incident) string) (model.Incident, error) {
	if a.Role < model.RoleOperator {
		return model.Incident{}, model.ErrForbidden{Actor: a, Action: kind, Needs: model.RoleOperator}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.incidents {
		if f.incidents[i].ID == id {
			text := fn(&f.incidents[i])
			f.timeline[id] = append(f.timeline[id], model.TimelineEntry{IncidentID: id, At: testNow, Actor: a.Name, Kind: kind, Text: text})
			defer f.Notify()
			return f.incidents[i], nil
		}
	}
	return model.Incident{}, model.ErrNotFound
}

func (f *fakeStore) SetMajor(_ context.Context, a model.Actor, id int64, major bool, reason string) (model.Incident, error) {
	if a.Role < model.RoleLead {
		return model.Incident{}, model.ErrForbidden{Actor: a, Action: "change major status", Needs: model.RoleLead}
	}
	return f.change(id, a, "major", func(in *model.Incident) string {
		in.Major = major
		return reason
	})
}
