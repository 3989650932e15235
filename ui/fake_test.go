package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// testNow is the fixed clock of every UI test: Wednesday afternoon.
var testNow = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// fakeStore is a model.Reader over fixed records, for the tests of what the
// console draws (goldens, layout, keys). It holds data only: every answer
// is written out here, whatever the query asks, so it cannot drift from the
// rules the store and the service layer apply. Behaviour (who may do what,
// what a filter finds, what a write changes) is tested on the real stack in
// cmd/hypercare/consoletest.
type fakeStore struct {
	model.Broadcaster
	mu          sync.Mutex
	counts      model.Counts
	incidents   []model.Incident // the queue
	atRisk      []model.Incident // the queue narrowed by is:risk, for the leads' banner
	history     []model.Incident // resolved records the metrics view reads
	suggestions []model.ProblemSuggestion
	alerts      []model.Alert           // the feed: a storm stands as its first alert
	storms      map[int64][]model.Alert // a storm's members, by storm id
	changes     []model.Change
	next        model.Change // the header's next change
	articles    []model.Article
	audit       []model.AuditEntry
	timeline    map[int64][]model.TimelineEntry
	problems    []model.Problem            // in the list's order
	actions     []model.ProblemAction      // of every problem
	linked      map[int64][]model.Incident // a problem's incidents, by problem id
	warRooms    []model.WarRoom            // the open war rooms; none unless a test opens one
	outbox      []model.Notification       // newest first
}

func newFakeStore() *fakeStore {
	at := func(h float64) time.Time { return testNow.Add(time.Duration(h * float64(time.Hour))) }
	f := &fakeStore{timeline: map[int64][]model.TimelineEntry{}, storms: map[int64][]model.Alert{}, linked: map[int64][]model.Incident{}}
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
		switch {
		case a.StormID != 0 && a.StormSize == 0: // a storm member: listed behind its storm's row
			f.storms[a.StormID] = append(f.storms[a.StormID], a)
		case a.StormID != 0:
			f.storms[a.StormID] = append(f.storms[a.StormID], a)
			f.alerts = append(f.alerts, a)
		default:
			f.alerts = append(f.alerts, a)
		}
	}
	f.changes = []model.Change{
		{ID: 3, Title: "Patch orders-db minor version", Services: []string{"orders-db"}, Type: model.ChangeNormal, State: model.ChangeScheduled, Risk: model.Medium, Implementer: "dave", Start: at(8), End: at(10)},
		{ID: 5, Title: "Rotate identity signing keys", Services: []string{"identity"}, Type: model.ChangeStandard, State: model.ChangeClosed, Risk: model.Low, Implementer: "erin", Start: at(-26), End: at(-25)},
		{ID: 6, Title: "Emergency PSP timeout raise", Services: []string{"payments"}, Type: model.ChangeEmergency, State: model.ChangeImplement, Risk: model.High, Implementer: "bob", Start: at(-1), End: at(1)},
	}
	f.articles = []model.Article{
		{ID: 1, Slug: "checkout-5xx", Title: "Checkout 5xx: first response", Kind: model.ArticleRunbook, State: model.ArticlePublished, Service: "checkout", Body: "# Checkout 5xx\n\n1. Check the PSP gateway.\n2. Roll back the last deploy.\n", UpdatedAt: at(-48), Author: "alice"},
		{ID: 2, Slug: "orders-db-failover", Title: "Fail over orders-db", Kind: model.ArticleRecovery, State: model.ArticlePublished, Service: "orders-db", Body: "# Failover\n\nPromote the replica.", UpdatedAt: at(-72), Author: "dave"},
	}
	f.audit = []model.AuditEntry{{ID: 1, At: at(-2.9), Actor: "alice", Action: "incident.ack", Entity: "INC-7", After: `{"state":"in_progress"}`}}
	f.next = f.changes[0]
	f.counts = model.Counts{OpenP1: 1, OpenP2: 1, OpenIncidents: 4, Firing: 20, Alerts: 30, Incidents: 4}
	f.history = resolvedHistory()
	f.suggestions = []model.ProblemSuggestion{
		{Service: "checkout", Category: "availability", Incidents: []int64{1, 2, 3, 7}},
		{Service: "payments", Category: "availability", Incidents: []int64{6}, P1: true},
	}
	return f
}

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

// withProblems gives the fake store three problems, listed as the store
// lists them: a new one with the search incident, one in RCA with the
// settlement incident on hold awaiting it, and a closed one.
func withProblems(f *fakeStore) *fakeStore {
	at := func(h float64) time.Time { return testNow.Add(time.Duration(h * float64(time.Hour))) }
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = []model.Problem{
		{ID: 2, Title: "Search index lags catalog imports", Service: "search", Category: "data", State: model.ProblemNew,
			Owner: "alice", CreatedAt: at(-1), UpdatedAt: at(-0.5), Incidents: 1},
		{ID: 1, Title: "Settlement batch overruns its window", Service: "settlement", Category: "batch", State: model.ProblemRCA,
			Owner: "bob", Description: "The nightly settlement run finishes after 06:00 twice a week.", CreatedAt: at(-28), UpdatedAt: at(-2),
			RCA: model.RCA{Timeline: "02:00 batch starts\n05:40 PSP file arrives late\n06:20 batch finishes",
				Whys:    []string{"the batch waits for the PSP file", "the PSP sends it after its own batch", "our window assumes 02:00 delivery"},
				Factors: "No alert on a late input file."},
			KnownError: model.KnownError{Symptom: "Settlement report missing at 06:00.", RootCause: "PSP file delivered late.",
				Workaround: "Rerun settlement for the day once the file lands (runbook KB-2)."},
			Incidents: 1, OpenActions: 2},
		{ID: 3, Title: "Identity key rotation broke logins", Service: "identity", Category: "security", State: model.ProblemClosed,
			Owner: "erin", CreatedAt: at(-120), UpdatedAt: at(-100), ResolvedAt: at(-101)},
	}
	f.actions = []model.ProblemAction{
		{ID: 1, ProblemID: 1, Text: "Ask the PSP for a 04:00 delivery SLA", Owner: "bob", Due: at(-20), Done: true, DoneAt: at(-22)},
		{ID: 2, ProblemID: 1, Text: "Alert when the PSP file is not in by 04:00", Owner: "carol", Due: at(-3)},
		{ID: 3, ProblemID: 1, Text: "Start the batch on file arrival", Owner: "dave", Due: at(70)},
	}
	for i := range f.incidents {
		switch in := &f.incidents[i]; in.ID {
		case 4:
			in.ProblemID, in.HoldReason = 1, "awaiting_problem"
			f.linked[1] = []model.Incident{*in}
		case 9:
			in.ProblemID = 2
			f.linked[2] = []model.Incident{*in}
		}
	}
	return f
}

// The reads: each answers from the records above.

func window[T any](rows []T, offset, limit int) []T {
	if offset >= len(rows) {
		return nil
	}
	return rows[offset:min(len(rows), offset+limit)]
}

func (f *fakeStore) Counts(context.Context) (model.Counts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts, nil
}

func (f *fakeStore) Queue(_ context.Context, q model.QueueQuery) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q.AtRisk {
		return window(slices.Clone(f.atRisk), q.Offset, q.Limit), nil
	}
	return window(slices.Clone(f.incidents), q.Offset, q.Limit), nil
}

func (f *fakeStore) Feed(_ context.Context, q model.FeedQuery) ([]model.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q.Storm != 0 {
		return window(slices.Clone(f.storms[q.Storm]), q.Offset, q.Limit), nil
	}
	return window(slices.Clone(f.alerts), q.Offset, q.Limit), nil
}

func (f *fakeStore) ChangesBetween(context.Context, time.Time, time.Time) ([]model.Change, error) {
	return f.changes, nil
}

func (f *fakeStore) NextChange(context.Context, time.Time) (model.Change, error) { return f.next, nil }

// fire puts a new critical alert called name at the top of the feed, as
// a drop would.
func (f *fakeStore) fire(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alerts = append([]model.Alert{{ID: 999, DedupKey: "new", Name: name, State: model.AlertFiring,
		Severity: model.SevCritical, Service: "checkout", LastSeen: testNow}}, f.alerts...)
}

func (f *fakeStore) Articles(_ context.Context, q model.ArticleQuery) ([]model.ArticleHit, error) {
	var out []model.ArticleHit
	for _, a := range f.articles {
		out = append(out, model.ArticleHit{Article: a})
	}
	return window(out, q.Offset, q.Limit), nil
}

func (f *fakeStore) Services(context.Context) ([]model.Service, error) { return nil, nil }

func (f *fakeStore) Audit(_ context.Context, q model.AuditQuery) ([]model.AuditEntry, error) {
	rows := slices.DeleteFunc(slices.Clone(f.audit), func(e model.AuditEntry) bool { return slices.Contains(q.Hide, e.Action) })
	return window(rows, q.Offset, q.Limit), nil
}

// byID finds the record with id.
func byID[T any](rows []T, id int64, idOf func(T) int64) (T, error) {
	for _, r := range rows {
		if idOf(r) == id {
			return r, nil
		}
	}
	var zero T
	return zero, fmt.Errorf("%d: %w", id, model.ErrNotFound)
}

func (f *fakeStore) Incident(_ context.Context, id int64) (model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return byID(append(slices.Clone(f.incidents), f.history...), id, func(in model.Incident) int64 { return in.ID })
}

func (f *fakeStore) Timeline(_ context.Context, id int64) ([]model.TimelineEntry, error) {
	return f.timeline[id], nil
}

func (f *fakeStore) Links(context.Context, int64) ([]model.IncidentLink, error) { return nil, nil }

func (f *fakeStore) IncidentAlerts(_ context.Context, id int64, _ int) ([]model.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Alert
	for _, a := range f.alerts {
		if a.IncidentID == id {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeStore) Alert(_ context.Context, id int64) (model.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return byID(f.alerts, id, func(a model.Alert) int64 { return a.ID })
}

func (f *fakeStore) AlertHistory(context.Context, int64) ([]model.AlertChange, error) {
	return []model.AlertChange{{At: testNow.Add(-time.Hour), State: model.AlertFiring}}, nil
}

func (f *fakeStore) Silences(context.Context, time.Time) ([]model.Silence, error) { return nil, nil }

func (f *fakeStore) Change(_ context.Context, id int64) (model.Change, error) {
	return byID(f.changes, id, func(c model.Change) int64 { return c.ID })
}

func (f *fakeStore) ChangeApprovals(context.Context, int64) ([]model.ChangeApproval, error) {
	return nil, nil
}

func (f *fakeStore) ChangeTimeline(context.Context, int64) ([]model.ChangeEvent, error) {
	return nil, nil
}

func (f *fakeStore) CriticalIncidents(context.Context, []string) ([]model.Incident, error) {
	return nil, nil
}

func (f *fakeStore) ChangeIncidents(context.Context, int64) ([]model.ChangeIncident, error) {
	return nil, nil
}

func (f *fakeStore) ChangeCauses(context.Context, time.Time) ([]model.ChangeCause, error) {
	return nil, nil
}

func (f *fakeStore) ArticleUses(context.Context, time.Time, time.Time, int) ([]model.ArticleUse, error) {
	return nil, nil
}

func (f *fakeStore) AlertVolume(_ context.Context, since, until time.Time) ([]int, error) {
	out := make([]int, int((until.Sub(since)+time.Hour-1)/time.Hour))
	for _, a := range f.alerts {
		if !a.FirstSeen.Before(since) && a.FirstSeen.Before(until) {
			out[int(a.FirstSeen.Sub(since)/time.Hour)]++
		}
	}
	return out, nil
}

func (f *fakeStore) DeploysBetween(context.Context, time.Time, time.Time) ([]model.Deploy, error) {
	return nil, nil
}

func (f *fakeStore) Deploys(context.Context, int64) ([]model.Deploy, error) { return nil, nil }

func (f *fakeStore) OpenIncidentsOn(context.Context, []string) ([]model.Incident, error) {
	return nil, nil
}

func (f *fakeStore) Certificates(context.Context) ([]model.Certificate, error)    { return nil, nil }
func (f *fakeStore) JobRuns(context.Context, string, int) ([]model.JobRun, error) { return nil, nil }

func (f *fakeStore) JobRunsBetween(context.Context, time.Time, time.Time) ([]model.JobRun, error) {
	return nil, nil
}

func (f *fakeStore) LastGoodRun(context.Context, string) (model.JobRun, error) {
	return model.JobRun{}, model.ErrNotFound
}

func (f *fakeStore) JobsWatched(context.Context) (map[string]time.Time, error) { return nil, nil }

func (f *fakeStore) Article(_ context.Context, id int64) (model.Article, error) {
	return byID(f.articles, id, func(a model.Article) int64 { return a.ID })
}

func (f *fakeStore) ArticleBySlug(_ context.Context, slug string) (model.Article, error) {
	if i := slices.IndexFunc(f.articles, func(a model.Article) bool { return a.Slug == slug }); i >= 0 {
		return f.articles[i], nil
	}
	return model.Article{}, model.ErrNotFound
}

func (f *fakeStore) ArticleVersions(context.Context, int64) ([]model.ArticleVersion, error) {
	return nil, nil
}

func (f *fakeStore) ArticleVersion(context.Context, int64, int) (model.ArticleVersion, error) {
	return model.ArticleVersion{}, model.ErrNotFound
}

func (f *fakeStore) ArticleReads(context.Context, int64) ([]model.ArticleRead, error) {
	return nil, nil
}

func (f *fakeStore) ArticlesDue(context.Context, time.Time) ([]model.Article, error) { return nil, nil }

func (f *fakeStore) TrainingData(context.Context) (model.TrainingData, error) {
	return model.TrainingData{}, nil
}

func (f *fakeStore) IncidentsSince(context.Context, time.Time) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(slices.Clone(f.incidents), f.history...), nil
}

func (f *fakeStore) Problems(_ context.Context, q model.ProblemQuery) ([]model.Problem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return window(slices.Clone(f.problems), q.Offset, q.Limit), nil
}

func (f *fakeStore) Problem(_ context.Context, id int64) (model.Problem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return byID(f.problems, id, func(p model.Problem) int64 { return p.ID })
}

func (f *fakeStore) ProblemActions(_ context.Context, id int64) ([]model.ProblemAction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.ProblemAction
	for _, a := range f.actions {
		if a.ProblemID == id {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeStore) ProblemIncidents(_ context.Context, id int64) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.linked[id], nil
}

func (f *fakeStore) ProblemSuggestions(context.Context, time.Time) ([]model.ProblemSuggestion, error) {
	return f.suggestions, nil
}

// noWrites is the Actions of a console over the fake store: forms open,
// but nothing here writes. A test that submits one is testing behaviour,
// which belongs on the real stack (cmd/hypercare/consoletest); its call
// panics on the nil Actions inside.
type noWrites struct{ Actions }

func (f *fakeStore) Notifications(_ context.Context, q model.NotificationQuery) ([]model.Notification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Notification
	for _, n := range f.outbox {
		if (q.State == "" || n.State == q.State) && (q.Entity == "" || n.Entity == q.Entity) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeStore) NextNotification(context.Context) (time.Time, error) {
	return time.Time{}, model.ErrNotFound
}

func (f *fakeStore) WarRooms(context.Context) ([]model.WarRoom, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.WarRoom(nil), f.warRooms...), nil
}

func (f *fakeStore) WarRoom(_ context.Context, id int64) (model.WarRoom, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.warRooms {
		if w.IncidentID == id {
			return w, nil
		}
	}
	return model.WarRoom{}, model.ErrNotFound
}
