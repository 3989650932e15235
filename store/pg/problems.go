package pg

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// Problem records, their RCA actions and the incidents linked to them
// (migration 0004), as store/problems.go.
const (
	problemColumns = `p.id, p.title, p.service, p.category, p.state, p.owner, p.description,
	p.created_at, p.updated_at, p.resolved_at, p.rca_timeline, p.rca_whys, p.rca_factors,
	p.ke_symptom, p.ke_root_cause, p.ke_workaround, p.ke_article`

	problemCounts = `(SELECT count(*) FROM incidents i WHERE i.problem_id = p.id),
	(SELECT count(*) FROM problem_actions a WHERE a.problem_id = p.id AND NOT a.done)`

	// problemsSQL walks problems_list in display order; $5 includes closed
	// problems.
	problemsSQL = `SELECT ` + problemColumns + `, ` + problemCounts + ` FROM problems p
WHERE ($5::boolean OR p.list_order < 2)
  AND ($1::text IS NULL OR p.id = $2::bigint OR p.title ILIKE $1 ESCAPE '\' OR p.service ILIKE $1 ESCAPE '\'
       OR p.owner ILIKE $1 ESCAPE '\')
ORDER BY p.list_order, p.updated_at DESC, p.id DESC
LIMIT $3 OFFSET $4`

	problemSQL     = `SELECT ` + problemColumns + `, ` + problemCounts + ` FROM problems p WHERE p.id = $1`
	problemByIDSQL = `SELECT ` + problemColumns + `, 0, 0 FROM problems p WHERE p.id = $1`

	insertProblemSQL = `INSERT INTO problems (title, service, category, state, owner, description, created_at,
	updated_at, resolved_at, rca_timeline, rca_whys, rca_factors, ke_symptom, ke_root_cause, ke_workaround, ke_article)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
RETURNING id`

	updateProblemSQL = `UPDATE problems SET title = $1, service = $2, category = $3, state = $4, owner = $5,
	description = $6, created_at = $7, updated_at = $8, resolved_at = $9, rca_timeline = $10, rca_whys = $11,
	rca_factors = $12, ke_symptom = $13, ke_root_cause = $14, ke_workaround = $15, ke_article = $16
WHERE id = $17`

	problemActionColumns = `id, problem_id, text, owner, due, done, done_at, created_at`

	problemActionsSQL   = `SELECT ` + problemActionColumns + ` FROM problem_actions WHERE problem_id = $1 ORDER BY id`
	problemActionSQL    = `SELECT ` + problemActionColumns + ` FROM problem_actions WHERE id = $1`
	insertProblemActSQL = `INSERT INTO problem_actions (problem_id, text, owner, due, done, done_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	updateProblemActSQL = `UPDATE problem_actions SET text = $2, owner = $3, due = $4, done = $5, done_at = $6 WHERE id = $1`

	problemIncidentsSQL = `SELECT ` + incidentColumns + ` FROM incidents WHERE problem_id = $1 ORDER BY opened_at, id`

	// What the recurrence rule reads, in two parts each served by an
	// index: the open incidents (incidents_queue) and the others opened
	// since $1 (incidents_recurrence).
	candidateColumns        = `id, kind, service, category, priority, state, opened_at`
	suggestionCandidatesSQL = `SELECT ` + candidateColumns + ` FROM incidents
WHERE is_open AND kind = 'incident' AND problem_id IS NULL AND merged_into IS NULL
UNION ALL
SELECT ` + candidateColumns + ` FROM incidents
WHERE opened_at >= $1 AND state IN ('resolved', 'closed') AND kind = 'incident' AND problem_id IS NULL AND merged_into IS NULL`

	incidentsChangedSQL = `SELECT ` + counterValue + ` FROM counters c WHERE c.name = 'incidents_changed'`
)

// suggestionsFresh is how long the recurrence rule's answer is kept while no
// incident changes, as in the SQLite store.
const suggestionsFresh = time.Minute

// suggestionCache keeps the recurrence rule's answer between incident
// changes; the incidents_changed counter is in the database, so a change
// by another process is seen as surely as one by this process.
type suggestionCache struct {
	mu      sync.Mutex
	version int64
	at      time.Time
	list    []model.ProblemSuggestion
	valid   bool
}

func (t *tx) InsertProblem(p *model.Problem) error {
	if err := t.queryRow(insertProblemSQL, rowcodec.ProblemArgs(p)...).Scan(&p.ID); err != nil {
		return fmt.Errorf("insert problem %q: %w", p.Title, unreachable(err))
	}
	return nil
}

func (t *tx) LinkedIncidents(problemID int64) ([]model.Incident, error) {
	rows, err := t.query(problemIncidentsSQL, problemID)
	return collect(rows, err, "linked incidents", scanIncident)
}

func (t *tx) ProblemByID(id int64) (model.Problem, error) {
	p, err := rowcodec.ScanProblem(t.queryRow(problemByIDSQL, id))
	return p, lookupErr(err, "PRB-%d", id)
}

func (t *tx) UpdateProblem(p model.Problem) error {
	return t.execOne(p.Ref(), updateProblemSQL, append(rowcodec.ProblemArgs(&p), p.ID)...)
}

func (t *tx) InsertProblemAction(a *model.ProblemAction) error {
	err := t.queryRow(insertProblemActSQL, a.ProblemID, a.Text, a.Owner, ms(a.Due), a.Done,
		ms(a.DoneAt), ms(a.CreatedAt)).Scan(&a.ID)
	if isForeignKeyErr(err) {
		return fmt.Errorf("action on PRB-%d: %w", a.ProblemID, model.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add action to PRB-%d: %w", a.ProblemID, unreachable(err))
	}
	return nil
}

func (t *tx) ProblemActionByID(id int64) (model.ProblemAction, error) {
	a, err := rowcodec.ScanProblemAction(t.queryRow(problemActionSQL, id))
	return a, lookupErr(err, "action %d", id)
}

func (t *tx) UpdateProblemAction(a model.ProblemAction) error {
	return t.execOne(fmt.Sprintf("action %d", a.ID), updateProblemActSQL, a.ID, a.Text, a.Owner, ms(a.Due), a.Done, ms(a.DoneAt))
}

// Problems lists problems, open ones first, with their counts.
func (db *DB) Problems(ctx context.Context, q model.ProblemQuery) ([]model.Problem, error) {
	pattern, id := textFilter(q.Filter)
	rows, err := db.query(ctx, problemsSQL, pattern, id, limit(q.Limit), offset(q.Offset), q.All)
	return collect(rows, err, "problems", rowcodec.ScanProblem)
}

// Problem reads one problem with its counts.
func (db *DB) Problem(ctx context.Context, id int64) (model.Problem, error) {
	return one(db.queryRow(ctx, problemSQL, id), fmt.Sprintf("PRB-%d", id), rowcodec.ScanProblem)
}

// ProblemActions lists a problem's RCA actions in the order they were added.
func (db *DB) ProblemActions(ctx context.Context, problemID int64) ([]model.ProblemAction, error) {
	rows, err := db.query(ctx, problemActionsSQL, problemID)
	return collect(rows, err, "problem actions", rowcodec.ScanProblemAction)
}

// ProblemIncidents lists the incidents linked to a problem, oldest first.
func (db *DB) ProblemIncidents(ctx context.Context, problemID int64) ([]model.Incident, error) {
	rows, err := db.query(ctx, problemIncidentsSQL, problemID)
	return collect(rows, err, "problem incidents", scanIncident)
}

// ProblemSuggestions applies the recurrence rule at now to the incidents
// it could concern, reusing the last answer while no incident changed.
func (db *DB) ProblemSuggestions(ctx context.Context, now time.Time) ([]model.ProblemSuggestion, error) {
	c := &db.suggest
	c.mu.Lock()
	defer c.mu.Unlock()
	var version int64
	if err := db.queryRow(ctx, incidentsChangedSQL).Scan(&version); err != nil {
		return nil, fmt.Errorf("read problem suggestions: %w", unreachable(err))
	}
	if c.valid && c.version == version && !now.Before(c.at) && now.Sub(c.at) < suggestionsFresh {
		return slices.Clone(c.list), nil
	}
	rows, err := db.query(ctx, suggestionCandidatesSQL, now.Add(-model.RecurrenceWithin).UnixMilli())
	list, err := collect(rows, err, "problem suggestions", rowcodec.ScanRecurrenceCandidate)
	if err != nil {
		return nil, err
	}
	c.list, c.version, c.at, c.valid = model.SuggestProblems(list, now), version, now, true
	return slices.Clone(c.list), nil
}
