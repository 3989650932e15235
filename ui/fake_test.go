package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// testNow is the fixed clock of every UI test: Wednesday afternoon.
var testNow = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// fakeStore is an in-memory model.Reader and Actions for UI tests: small,
// fixed data so goldens are stable.
type fakeStore struct {
	model.Broadcaster
	mu        sync.Mutex
	incidents []model.Incident
	alerts    []model.Alert
	changes   []model.Change
	articles  []model.Article
	audit     []model.AuditEntry
	timeline  map[int64][]model.TimelineEntry
	acked     []int64
	silences  []model.Silence
	alertAcks []alertAck
	approved  []int64
	links     map[int64][]model.IncidentLink
	// lastChange is the last state change asked for.
	lastChange model.StateChange
	prb        fakeProblems // problem records: fake_problems_test.go
}

func newFakeStore() *fakeStore {
	at := func(h float64) time.Time { return testNow.Add(time.Duration(h * float64(time.Hour))) }
	f := &fakeStore{timeline: map[int64][]model.TimelineEntry{}}
	f.incidents = []model.Incident{
		{ID: 7, Kind: model.KindIncident, Title: "Checkout returns 502 for card payments", Service: "checkout", Category: "availability", Impact: 1, Urgency: 1, Priority: 1, State: model.StateInProgress, Major: true, Team: "web", Assignee: "alice", OpenedAt: at(-3), AckAt: at(-2.9), ResolveDue: at(1)},
		{ID: 9, Kind: model.KindIncident, Title: "Search results stale after catalog import", Service: "search", Category: "data", Impact: 2, Urgency: 1, Priority: 2, State: model.StateNew, Team: "web", OpenedAt: at(-1), ResolveDue: at(7)},
		{ID: 4, Kind: model.KindIncident, Title: "Settlement batch finished late", Service: "settlement", Category: "batch", Impact: 2, Urgency: 2, Priority: 3, State: model.StateOnHold, Team: "payments", Assignee: "bob", OpenedAt: at(-30), ResolveDue: at(-6)},
		{ID: 12, Kind: model.KindRequest, Title: "Grant read access to reporting for finance", Service: "reporting", Category: "other", Impact: 3, Urgency: 3, Priority: 5, State: model.StateNew, Team: "platform", OpenedAt: at(-2), ResolveDue: at(70)},
	}
	f.timeline[7] = []model.TimelineEntry{
		{ID: 1, IncidentID: 7, At: at(-3), Actor: "hypercare", Kind: "created", Text: "opened as P1 incident (impact high, urgency high)"},
		{ID: 2, IncidentID: 7, At: at(-2.9), Actor: "alice", Kind: "ack", Text: "acknowledged by alice"},
		{ID: 3, IncidentID: 7, At: at(-2), Actor: "alice", Kind: "note", Text: "PSP gateway timeouts since 11:02; acmepay engaged on the bridge."},
	}
	sevs := []model.Severity{model.SevCritical, model.SevWarning, model.SevInfo}
	names := []string{"HighErrorRate", "HighLatency", "DiskFull", "CertExpiring", "QueueBacklog", "LoginFailures"}
	services := []string{"checkout", "payments", "orders-db", "api-gateway", "settlement", "identity"}
	for i := 0; i < 30; i++ {
		state := model.AlertFiring
		if i%3 == 2 {
			state = model.AlertResolved
		}
		a := model.Alert{ID: int64(100 + i), DedupKey: fmt.Sprintf("k%d", i), Source: "alertmanager", Name: names[i%6], Severity: sevs[i%3], State: state,
			Service: services[i%6], Summary: fmt.Sprintf("%s on %s (sample %d)", names[i%6], services[i%6], i),
			Labels: map[string]string{"alertname": names[i%6], "service": services[i%6], "env": "prod"}, Annotations: map[string]string{"summary": "sample"},
			FirstSeen: at(-float64(i)), LastSeen: at(-float64(i) / 2), Firings: 1 + i%4}
		if i == 1 {
			a.AckBy = "carol"
		}
		if i >= 10 && i <= 12 { // a storm of three, shown as its first alert
			a.StormID = 1
		}
		if i == 10 { // members 10 and 12 fire, 11 has resolved
			a.StormSize, a.StormFiring = 3, 2
		}
		if i == 3 {
			a.Flapping, a.IncidentID = true, 7
		}
		f.alerts = append(f.alerts, a)
	}
	f.changes = []model.Change{
		{ID: 3, Title: "Patch orders-db minor version", Service: "orders-db", Type: model.ChangeNormal, State: model.ChangeScheduled, Risk: model.Medium, Implementer: "dave", Start: at(8), End: at(10)},
		{ID: 5, Title: "Rotate identity signing keys", Service: "identity", Type: model.ChangeStandard, State: model.ChangeClosed, Risk: model.Low, Implementer: "erin", Start: at(-26), End: at(-25)},
		{ID: 6, Title: "Emergency PSP timeout raise", Service: "payments", Type: model.ChangeEmergency, State: model.ChangeImplement, Risk: model.High, Implementer: "bob", Start: at(-1), End: at(1)},
	}
	f.articles = []model.Article{
		{ID: 1, Slug: "checkout-5xx", Title: "Checkout 5xx: first response", Kind: model.ArticleRunbook, State: model.ArticlePublished, Service: "checkout", Body: "# Checkout 5xx\n\n1. Check the PSP gateway.\n2. Roll back the last deploy.\n", UpdatedAt: at(-48), Author: "alice"},
		{ID: 2, Slug: "orders-db-failover", Title: "Fail over orders-db", Kind: model.ArticleRecovery, State: model.ArticlePublished, Service: "orders-db", Body: "# Failover\n\nPromote the replica.", UpdatedAt: at(-72), Author: "dave"},
	}
	f.audit = []model.AuditEntry{{ID: 1, At: at(-2.9), Actor: "alice", Action: "incident.ack", Entity: "INC-7", After: `{"state":"in_progress"}`}}
	return f
}

func (f *fakeStore) Counts(context.Context) (model.Counts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var c model.Counts
	for _, in := range f.incidents {
		if in.State.Open() {
			c.OpenIncidents++
			c.OpenP1 += btoi(in.Priority == 1)
			c.OpenP2 += btoi(in.Priority == 2)
			c.SLAAtRisk += btoi(in.AtRisk())
		}
	}
	for _, a := range f.alerts {
		c.Firing += btoi(a.State == model.AlertFiring)
	}
	c.Alerts, c.Incidents = len(f.alerts), len(f.incidents)
	return c, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func window[T any](rows []T, offset, limit int) []T {
	if offset >= len(rows) {
		return nil
	}
	return rows[offset:min(len(rows), offset+limit)]
}

func (f *fakeStore) Queue(_ context.Context, q model.QueueQuery) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Incident
	for _, in := range f.incidents {
		narrowed := (len(q.Priorities) == 0 || slices.Contains(q.Priorities, in.Priority)) && (!q.Major || in.Major) &&
			(q.Assignee == "" || in.Assignee == q.Assignee) && (!q.Unassigned || in.Assignee == "") && (len(q.States) == 0 || slices.Contains(q.States, in.State))
		if in.State.Open() && narrowed && (!q.AtRisk || in.AtRisk()) && (q.Filter == "" || strings.Contains(strings.ToLower(in.Title+in.Service), strings.ToLower(q.Filter))) {
			out = append(out, in)
		}
	}
	return window(out, q.Offset, q.Limit), nil
}

func (f *fakeStore) Feed(_ context.Context, q model.FeedQuery) ([]model.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Alert
	for _, a := range f.alerts {
		switch {
		case q.Storm != 0 && a.StormID != q.Storm:
		case q.Storm == 0 && a.StormID != 0 && a.StormSize == 0: // storm members hide behind their first
		case q.Only == "acked" && a.AckBy == "":
		case q.Filter == "" || strings.Contains(strings.ToLower(a.Name+a.Service+a.Summary), strings.ToLower(q.Filter)):
			out = append(out, a)
		}
	}
	return window(out, q.Offset, q.Limit), nil
}

func (f *fakeStore) ChangesBetween(_ context.Context, from, to time.Time) ([]model.Change, error) {
	var out []model.Change
	for _, c := range f.changes {
		if c.Start.Before(to) && c.End.After(from) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeStore) NextChange(_ context.Context, after time.Time) (model.Change, error) {
	for _, c := range f.changes {
		if !c.Start.Before(after) {
			return c, nil
		}
	}
	return model.Change{}, model.ErrNotFound
}

func (f *fakeStore) Articles(_ context.Context, q model.ArticleQuery) ([]model.ArticleHit, error) {
	var out []model.ArticleHit
	for _, a := range f.articles {
		if q.Search == "" {
			out = append(out, model.ArticleHit{Article: a})
			continue
		}
		if q.Any { // any word of three letters or more, in the title or body
			for _, w := range strings.Fields(strings.ToLower(q.Search)) {
				if len(w) >= 3 && strings.Contains(strings.ToLower(a.Title+" "+a.Body), w) {
					out = append(out, model.ArticleHit{Article: a})
					break
				}
			}
			continue
		}
		if i := strings.Index(strings.ToLower(a.Body), strings.ToLower(q.Search)); i >= 0 {
			snip := a.Body[:i] + model.HighlightStart + a.Body[i:i+len(q.Search)] + model.HighlightEnd + a.Body[i+len(q.Search):]
			out = append(out, model.ArticleHit{Article: a, Snippet: snip})
		}
	}
	return window(out, q.Offset, q.Limit), nil
}

func (f *fakeStore) Services(context.Context) ([]model.Service, error) { return nil, nil }

func (f *fakeStore) Audit(_ context.Context, q model.AuditQuery) ([]model.AuditEntry, error) {
	return window(f.audit, q.Offset, q.Limit), nil
}

func (f *fakeStore) Incident(_ context.Context, id int64) (model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range f.incidents {
		if in.ID == id {
			return in, nil
		}
	}
	return model.Incident{}, model.ErrNotFound
}

func (f *fakeStore) Timeline(_ context.Context, id int64) ([]model.TimelineEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.timeline[id], nil
}

func (f *fakeStore) Alert(_ context.Context, id int64) (model.Alert, error) {
	for _, a := range f.alerts {
		if a.ID == id {
			return a, nil
		}
	}
	return model.Alert{}, model.ErrNotFound
}

func (f *fakeStore) Change(_ context.Context, id int64) (model.Change, error) {
	for _, c := range f.changes {
		if c.ID == id {
			return c, nil
		}
	}
	return model.Change{}, model.ErrNotFound
}

func (f *fakeStore) Article(_ context.Context, id int64) (model.Article, error) {
	for _, a := range f.articles {
		if a.ID == id {
			return a, nil
		}
	}
	return model.Article{}, model.ErrNotFound
}

// Actions: enough of the service layer to see writes come back live.

func (f *fakeStore) AckIncident(_ context.Context, a model.Actor, id int64) (model.Incident, error) {
	if a.Role < model.RoleOperator {
		return model.Incident{}, model.ErrForbidden{Actor: a, Action: "acknowledge incidents", Needs: model.RoleOperator}
	}
	f.mu.Lock()
	var out model.Incident
	for i := range f.incidents {
		if f.incidents[i].ID == id {
			f.incidents[i].Assignee = a.Name
			f.incidents[i].State = model.StateInProgress
			f.incidents[i].AckAt = testNow
			out = f.incidents[i]
		}
	}
	f.acked = append(f.acked, id)
	f.mu.Unlock()
	f.Notify()
	return out, nil
}

func (f *fakeStore) Assign(context.Context, model.Actor, int64, string, string) (model.Incident, error) {
	return model.Incident{}, fmt.Errorf("not used in these tests")
}

func (f *fakeStore) AddNote(_ context.Context, a model.Actor, id int64, text string) error {
	f.mu.Lock()
	f.timeline[id] = append(f.timeline[id], model.TimelineEntry{IncidentID: id, At: testNow, Actor: a.Name, Kind: "note", Text: text})
	f.mu.Unlock()
	f.Notify()
	return nil
}

func (f *fakeStore) AckAlert(_ context.Context, _ model.Actor, id int64, until time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alertAcks = append(f.alertAcks, alertAck{id, until})
	return nil
}

type alertAck struct {
	id    int64
	until time.Time
}

func (f *fakeStore) AlertHistory(context.Context, int64) ([]model.AlertChange, error) {
	return []model.AlertChange{{At: testNow.Add(-time.Hour), State: model.AlertFiring}}, nil
}

func (f *fakeStore) Silences(context.Context, time.Time) ([]model.Silence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.silences), nil
}

func (f *fakeStore) IncidentForAlert(_ context.Context, _ model.Actor, alertID int64) (model.Incident, error) {
	return f.Incident(context.Background(), 7)
}

func (f *fakeStore) CreateSilence(_ context.Context, a model.Actor, ms []model.Matcher, d time.Duration, comment string) (model.Silence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.silences = append(f.silences, model.Silence{ID: int64(len(f.silences) + 1), Matchers: ms, Author: a.Name, Comment: comment,
		StartsAt: testNow, EndsAt: testNow.Add(d), Matching: 1})
	return f.silences[len(f.silences)-1], nil
}

func (f *fakeStore) ExpireSilence(context.Context, model.Actor, int64) error { return nil }

func (f *fakeStore) CreateIncident(_ context.Context, a model.Actor, n model.NewIncident) (model.Incident, error) {
	p, err := model.PriorityFor(n.Impact, n.Urgency)
	if err != nil {
		return model.Incident{}, err
	}
	f.mu.Lock()
	in := model.Incident{ID: 100 + int64(len(f.incidents)), Kind: n.Kind, Title: n.Title, Service: n.Service, Category: n.Category,
		Impact: n.Impact, Urgency: n.Urgency, Priority: p, State: model.StateNew, OpenedAt: testNow, Description: n.Description}
	f.incidents = append(f.incidents, in)
	f.mu.Unlock()
	f.Notify()
	return in, nil
}

func (f *fakeStore) Transition(_ context.Context, a model.Actor, id int64, c model.StateChange) (model.Incident, error) {
	to, code, reason := c.To, c.Code, c.Reason
	f.lastChange = c
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.incidents {
		if f.incidents[i].ID == id {
			if err := model.CheckTransition(f.incidents[i].State, to); err != nil {
				return model.Incident{}, err
			}
			f.incidents[i].State, f.incidents[i].Resolution = to, code
			f.timeline[id] = append(f.timeline[id], model.TimelineEntry{IncidentID: id, At: testNow, Actor: a.Name, Kind: "state", Text: code + ": " + reason})
			defer f.Notify()
			return f.incidents[i], nil
		}
	}
	return model.Incident{}, model.ErrNotFound
}

func (f *fakeStore) Escalate(_ context.Context, a model.Actor, id int64, _ string) (model.Incident, error) {
	if a.Role < model.RoleLead {
		return model.Incident{}, model.ErrForbidden{Actor: a, Action: "escalate incidents", Needs: model.RoleLead}
	}
	return f.Incident(context.Background(), id)
}

func (f *fakeStore) ApproveChange(_ context.Context, a model.Actor, id int64) (model.Change, error) {
	if a.Role < model.RoleLead {
		return model.Change{}, model.ErrForbidden{Actor: a, Action: "approve changes", Needs: model.RoleLead}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.changes {
		if f.changes[i].ID == id {
			f.changes[i].State = model.ChangeScheduled
			f.approved = append(f.approved, id)
			return f.changes[i], nil
		}
	}
	return model.Change{}, model.ErrNotFound
}
