package ui

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// fakeProblems holds the fake store's problem records. Incidents link
// through Incident.ProblemID; the metrics history (resolvedHistory) is
// rebuilt on every read, so its links are kept here.
type fakeProblems struct {
	problems []model.Problem
	actions  []model.ProblemAction
	history  map[int64]int64 // history incident → problem
}

// withProblems gives the fake store three problems: one in RCA with the
// settlement incident on hold awaiting it, a new one, and a closed one.
func withProblems(f *fakeStore) *fakeStore {
	at := func(h float64) time.Time { return testNow.Add(time.Duration(h * float64(time.Hour))) }
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prb.problems = []model.Problem{
		{ID: 1, Title: "Settlement batch overruns its window", Service: "settlement", Category: "batch", State: model.ProblemRCA,
			Owner: "bob", Description: "The nightly settlement run finishes after 06:00 twice a week.", CreatedAt: at(-28), UpdatedAt: at(-2),
			RCA: model.RCA{Timeline: "02:00 batch starts\n05:40 PSP file arrives late\n06:20 batch finishes",
				Whys:    []string{"the batch waits for the PSP file", "the PSP sends it after its own batch", "our window assumes 02:00 delivery"},
				Factors: "No alert on a late input file."},
			KnownError: model.KnownError{Symptom: "Settlement report missing at 06:00.", RootCause: "PSP file delivered late.",
				Workaround: "Rerun settlement for the day once the file lands (runbook KB-2)."}},
		{ID: 2, Title: "Search index lags catalog imports", Service: "search", Category: "data", State: model.ProblemNew,
			Owner: "alice", CreatedAt: at(-1), UpdatedAt: at(-0.5)},
		{ID: 3, Title: "Identity key rotation broke logins", Service: "identity", Category: "security", State: model.ProblemClosed,
			Owner: "erin", CreatedAt: at(-120), UpdatedAt: at(-100), ResolvedAt: at(-101)},
	}
	f.prb.actions = []model.ProblemAction{
		{ID: 1, ProblemID: 1, Text: "Ask the PSP for a 04:00 delivery SLA", Owner: "bob", Due: at(-20), Done: true, DoneAt: at(-22)},
		{ID: 2, ProblemID: 1, Text: "Alert when the PSP file is not in by 04:00", Owner: "carol", Due: at(-3)},
		{ID: 3, ProblemID: 1, Text: "Start the batch on file arrival", Owner: "dave", Due: at(70)},
	}
	for i := range f.incidents {
		switch f.incidents[i].ID {
		case 4:
			f.incidents[i].ProblemID, f.incidents[i].HoldReason = 1, "awaiting_problem"
		case 9:
			f.incidents[i].ProblemID = 2
		}
	}
	return f
}

// allIncidents is the open records and the metrics history, with links.
func (f *fakeStore) allIncidents() []model.Incident {
	all := append(slices.Clone(f.incidents), resolvedHistory()...)
	for i := range all {
		if p, ok := f.prb.history[all[i].ID]; ok {
			all[i].ProblemID = p
		}
	}
	return all
}

func (f *fakeStore) counted(p model.Problem) model.Problem {
	p.Incidents, p.OpenActions = 0, 0
	for _, in := range f.allIncidents() {
		p.Incidents += btoi(in.ProblemID == p.ID)
	}
	for _, a := range f.prb.actions {
		p.OpenActions += btoi(a.ProblemID == p.ID && !a.Done)
	}
	return p
}

func (f *fakeStore) Problems(_ context.Context, q model.ProblemQuery) ([]model.Problem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	order := map[model.ProblemState]int{model.ProblemResolved: 1, model.ProblemClosed: 2}
	var out []model.Problem
	for _, p := range f.prb.problems {
		text := strings.ToLower(p.Ref() + " " + p.Title + " " + p.Service + " " + p.Owner)
		if (q.All || p.State != model.ProblemClosed) && strings.Contains(text, strings.ToLower(q.Filter)) {
			out = append(out, f.counted(p))
		}
	}
	slices.SortFunc(out, func(a, b model.Problem) int {
		return cmp.Or(order[a.State]-order[b.State], b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(b.ID, a.ID))
	})
	return window(out, q.Offset, q.Limit), nil
}

func (f *fakeStore) Problem(_ context.Context, id int64) (model.Problem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, err := f.problemIndex(id)
	if err != nil {
		return model.Problem{}, err
	}
	return f.counted(f.prb.problems[i]), nil
}

func (f *fakeStore) problemIndex(id int64) (int, error) {
	i := slices.IndexFunc(f.prb.problems, func(p model.Problem) bool { return p.ID == id })
	if i < 0 {
		return 0, fmt.Errorf("PRB-%d: %w", id, model.ErrNotFound)
	}
	return i, nil
}

func (f *fakeStore) ProblemActions(_ context.Context, id int64) ([]model.ProblemAction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.ProblemAction
	for _, a := range f.prb.actions {
		if a.ProblemID == id {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeStore) ProblemIncidents(_ context.Context, id int64) ([]model.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Incident
	for _, in := range f.allIncidents() {
		if in.ProblemID == id {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b model.Incident) int { return a.OpenedAt.Compare(b.OpenedAt) })
	return out, nil
}

func (f *fakeStore) ProblemSuggestions(_ context.Context, now time.Time) ([]model.ProblemSuggestion, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return model.SuggestProblems(f.allIncidents(), now), nil
}

// Writes: the same role checks and rules as the desk, in memory.

// editProblem applies fn to a problem under the lock and notifies.
func (f *fakeStore) editProblem(a model.Actor, needs model.Role, what string, id int64, fn func(p *model.Problem) error) (model.Problem, error) {
	if a.Role < needs {
		return model.Problem{}, model.ErrForbidden{Actor: a, Action: what, Needs: needs}
	}
	f.mu.Lock()
	i, err := f.problemIndex(id)
	if err == nil {
		err = fn(&f.prb.problems[i])
	}
	var out model.Problem
	if err == nil {
		f.prb.problems[i].UpdatedAt = testNow
		out = f.counted(f.prb.problems[i])
	}
	f.mu.Unlock()
	if err != nil {
		return model.Problem{}, err
	}
	f.Notify()
	return out, nil
}

func (f *fakeStore) CreateProblem(_ context.Context, a model.Actor, n model.NewProblem) (model.Problem, error) {
	if a.Role < model.RoleOperator {
		return model.Problem{}, model.ErrForbidden{Actor: a, Action: "open problems", Needs: model.RoleOperator}
	}
	if n.Title == "" {
		return model.Problem{}, fmt.Errorf("title: required")
	}
	f.mu.Lock()
	p := model.Problem{ID: int64(len(f.prb.problems) + 1), Title: n.Title, Service: n.Service, Category: n.Category,
		State: model.ProblemNew, Owner: n.Owner, Description: n.Description, CreatedAt: testNow, UpdatedAt: testNow}
	f.prb.problems = append(f.prb.problems, p)
	for _, id := range n.Incidents {
		f.linkLocked(a, p, id)
	}
	p = f.counted(p)
	f.mu.Unlock()
	f.Notify()
	return p, nil
}

// linkLocked points an incident (open, or of the history) at a problem.
func (f *fakeStore) linkLocked(a model.Actor, p model.Problem, id int64) (model.Incident, error) {
	for i := range f.incidents {
		if f.incidents[i].ID == id {
			f.incidents[i].ProblemID = p.ID
			f.timeline[id] = append(f.timeline[id], model.TimelineEntry{IncidentID: id, At: testNow, Actor: a.Name, Kind: "problem",
				Text: "linked to " + p.Ref() + ": " + p.Title})
			return f.incidents[i], nil
		}
	}
	for _, in := range resolvedHistory() {
		if in.ID == id {
			if f.prb.history == nil {
				f.prb.history = map[int64]int64{}
			}
			f.prb.history[id] = p.ID
			in.ProblemID = p.ID
			return in, nil
		}
	}
	return model.Incident{}, fmt.Errorf("INC-%d: %w", id, model.ErrNotFound)
}

func (f *fakeStore) ProblemTransition(_ context.Context, a model.Actor, id int64, c model.ProblemChange) (model.Problem, error) {
	needs := model.RoleOperator
	if c.To == model.ProblemClosed {
		needs = model.RoleLead
	}
	return f.editProblem(a, needs, "change problem state", id, func(p *model.Problem) error {
		if err := model.CheckProblemTransition(p.State, c.To); err != nil {
			return fmt.Errorf("%s: %w", p.Ref(), err)
		}
		p.State = c.To
		if c.To == model.ProblemResolved {
			p.ResolvedAt = testNow
		}
		return nil
	})
}

func (f *fakeStore) AssignProblem(_ context.Context, a model.Actor, id int64, owner string) (model.Problem, error) {
	return f.editProblem(a, model.RoleOperator, "assign problems", id, func(p *model.Problem) error {
		p.Owner = owner
		return nil
	})
}

func (f *fakeStore) SaveRCA(_ context.Context, a model.Actor, id int64, r model.RCA) (model.Problem, error) {
	return f.editProblem(a, model.RoleOperator, "write RCAs", id, func(p *model.Problem) error {
		r.Whys = slices.DeleteFunc(slices.Clone(r.Whys), func(w string) bool { return w == "" })
		p.RCA = r
		return nil
	})
}

func (f *fakeStore) SaveKnownError(_ context.Context, a model.Actor, id int64, k model.KnownError) (model.Problem, error) {
	return f.editProblem(a, model.RoleOperator, "write known errors", id, func(p *model.Problem) error {
		k.Article = p.KnownError.Article
		p.KnownError = k
		return nil
	})
}

func (f *fakeStore) AddProblemAction(_ context.Context, a model.Actor, id int64, act model.ProblemAction) (model.ProblemAction, error) {
	_, err := f.editProblem(a, model.RoleOperator, "add RCA actions", id, func(*model.Problem) error {
		act.ID, act.ProblemID, act.CreatedAt = int64(len(f.prb.actions)+1), id, testNow
		f.prb.actions = append(f.prb.actions, act)
		return nil
	})
	return act, err
}

func (f *fakeStore) SetProblemActionDone(_ context.Context, a model.Actor, problemID, actionID int64, done bool) (model.ProblemAction, error) {
	var out model.ProblemAction
	_, err := f.editProblem(a, model.RoleOperator, "update RCA actions", problemID, func(*model.Problem) error {
		for i := range f.prb.actions {
			if f.prb.actions[i].ID == actionID && f.prb.actions[i].ProblemID == problemID {
				f.prb.actions[i].Done, f.prb.actions[i].DoneAt = done, testNow
				out = f.prb.actions[i]
				return nil
			}
		}
		return fmt.Errorf("PRB-%d has no action %d", problemID, actionID)
	})
	return out, err
}

func (f *fakeStore) LinkProblem(_ context.Context, a model.Actor, problemID, incidentID int64) (model.Incident, error) {
	var out model.Incident
	_, err := f.editProblem(a, model.RoleOperator, "link incidents to problems", problemID, func(p *model.Problem) error {
		var err error
		out, err = f.linkLocked(a, *p, incidentID)
		return err
	})
	return out, err
}

func (f *fakeStore) PublishKnownError(_ context.Context, a model.Actor, id int64) (model.Article, error) {
	var ar model.Article
	_, err := f.editProblem(a, model.RoleLead, "publish known errors", id, func(p *model.Problem) error {
		if p.KnownError.Symptom == "" || p.KnownError.Workaround == "" {
			return fmt.Errorf("%s has no known error yet: record its symptom and workaround first", p.Ref())
		}
		ar = model.KnownErrorArticle(*p)
		ar.ID, ar.Author, ar.UpdatedAt = int64(len(f.articles)+1), a.Name, testNow
		f.articles = append(f.articles, ar)
		p.KnownError.Article = ar.ID
		return nil
	})
	return ar, err
}

func (f *fakeStore) ResolveWaitingIncidents(ctx context.Context, a model.Actor, problemID int64, code string) ([]model.Incident, error) {
	linked, err := f.ProblemIncidents(ctx, problemID)
	if err != nil {
		return nil, err
	}
	var done []model.Incident
	for _, in := range model.WaitingOnProblem(linked) {
		out, err := f.Transition(ctx, a, in.ID, model.StateChange{To: model.StateResolved, Code: code, Reason: fmt.Sprintf("PRB-%d resolved", problemID)})
		if err != nil {
			return done, err
		}
		done = append(done, out)
	}
	return done, nil
}
