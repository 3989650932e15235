package pg

import (
	"context"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// Changes, their approvals and timeline (migrations 0001 and 0008), as
// store/changes.go.
const (
	changeColumns = `id, title, services, type, state, impact, probability, risk, requester, implementer,
	start_at, end_at, description, backout, test_plan, incident_id, problem_id, reason, round, close_code, created_at`

	changeSQL = `SELECT ` + changeColumns + ` FROM changes WHERE id = $1`

	changeListColumns = `id, title, services, type, state, risk, implementer, start_at, end_at, reason, close_code`

	// A change overlaps [$1, $2) when it starts before the end and ends
	// after the start; none that overlaps starts before $1 minus the
	// longest change, so the index range is short however long the history.
	changesBetweenSQL = `SELECT ` + changeListColumns + ` FROM changes
WHERE start_at < $2 AND end_at > $1
  AND start_at >= $1 - (SELECT coalesce(max(end_at - start_at), 0) FROM changes)
ORDER BY start_at, end_at, id`

	nextChangeSQL = `SELECT ` + changeListColumns + ` FROM changes
WHERE start_at >= $1 AND state NOT IN ('closed', 'cancelled')
ORDER BY start_at, end_at, id
LIMIT 1`

	changeStartedBetweenSQL = `SELECT ` + changeColumns + ` FROM changes
WHERE start_at >= $2 AND start_at <= $3 AND state NOT IN ('new', 'assess', 'authorize', 'cancelled')
  AND (service = $1 OR services::jsonb ? $1)
ORDER BY start_at DESC LIMIT 1`

	insertChangeSQL = `INSERT INTO changes (title, service, services, type, state, impact, probability, risk,
	requester, implementer, start_at, end_at, description, backout, test_plan, incident_id, problem_id, reason,
	round, close_code, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint, $12, $13, $14, $15, $16, $17, $18, $19, $20,
	coalesce($21::bigint, $11::bigint))
RETURNING id`

	updateChangeSQL = `UPDATE changes SET title = $2, service = $3, services = $4, type = $5, state = $6,
	impact = $7, probability = $8, risk = $9, implementer = $10, start_at = $11, end_at = $12,
	description = $13, backout = $14, test_plan = $15, incident_id = $16, problem_id = $17, reason = $18,
	round = $19, close_code = $20
WHERE id = $1`

	insertChangeApprovalSQL = `INSERT INTO change_approvals (change_id, round, approver, approve, comment, at)
VALUES ($1, $2, $3, $4, $5, $6)`
	changeApprovalsSQL = `SELECT round, approver, approve, comment, at FROM change_approvals
WHERE change_id = $1 ORDER BY at, seq`

	insertChangeEventSQL = `INSERT INTO change_events (change_id, at, actor, kind, text) VALUES ($1, $2, $3, $4, $5)`
	changeEventsSQL      = `SELECT at, actor, kind, text FROM change_events WHERE change_id = $1 ORDER BY at, id`

	// The subquery names its columns so none clashes with the incident's own.
	changeIncidentsSQL = `SELECT lk, ` + incidentColumns + ` FROM
	(SELECT kind AS lk, incident_id AS iid FROM incident_links WHERE kind IN ('caused_by', 'resolved_by') AND target = $1) l
	JOIN incidents ON incidents.id = iid
ORDER BY opened_at, id`

	changeCausesSQL = `SELECT l.target, l.incident_id, i.priority, i.opened_at
FROM incident_links l JOIN incidents i ON i.id = l.incident_id
WHERE l.kind = 'caused_by' AND i.opened_at >= $1
ORDER BY i.opened_at, l.incident_id`

	// Open P1 and P2 incidents on some services (a JSON list in $1).
	criticalIncidentsSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE is_open AND priority <= 2 AND service IN (SELECT jsonb_array_elements_text($1::jsonb))
ORDER BY priority, id`
)

// ChangesBetween lists changes that overlap [from, to), by start.
func (db *DB) ChangesBetween(ctx context.Context, from, to time.Time) ([]model.Change, error) {
	rows, err := db.query(ctx, changesBetweenSQL, from.UnixMilli(), to.UnixMilli())
	return collect(rows, err, "changes", rowcodec.ScanChangeListing)
}

// NextChange is the first open change starting at or after after.
func (db *DB) NextChange(ctx context.Context, after time.Time) (model.Change, error) {
	return one(db.queryRow(ctx, nextChangeSQL, after.UnixMilli()), "next change", rowcodec.ScanChangeListing)
}

// Change reads one change.
func (db *DB) Change(ctx context.Context, id int64) (model.Change, error) {
	return one(db.queryRow(ctx, changeSQL, id), fmt.Sprintf("CHG-%d", id), rowcodec.ScanChange)
}

// ChangeApprovals lists every verdict on a change, oldest first.
func (db *DB) ChangeApprovals(ctx context.Context, id int64) ([]model.ChangeApproval, error) {
	rows, err := db.query(ctx, changeApprovalsSQL, id)
	return collect(rows, err, "change approvals", rowcodec.ScanApproval)
}

// ChangeTimeline lists a change's events, oldest first.
func (db *DB) ChangeTimeline(ctx context.Context, id int64) ([]model.ChangeEvent, error) {
	rows, err := db.query(ctx, changeEventsSQL, id)
	return collect(rows, err, "change timeline", rowcodec.ScanChangeEvent)
}

// CriticalIncidents lists open P1/P2 incidents on any of the services.
func (db *DB) CriticalIncidents(ctx context.Context, services []string) ([]model.Incident, error) {
	rows, err := db.query(ctx, criticalIncidentsSQL, jsonList(services))
	return collect(rows, err, "open P1/P2 incidents", scanIncident)
}

// ChangeIncidents lists the incidents a change caused or resolved.
func (db *DB) ChangeIncidents(ctx context.Context, changeID int64) ([]model.ChangeIncident, error) {
	rows, err := db.query(ctx, changeIncidentsSQL, changeID)
	return collect(rows, err, "incidents of a change", rowcodec.ScanChangeIncident)
}

// ChangeCauses lists the "caused by" links of incidents opened since.
func (db *DB) ChangeCauses(ctx context.Context, since time.Time) ([]model.ChangeCause, error) {
	rows, err := db.query(ctx, changeCausesSQL, since.UnixMilli())
	return collect(rows, err, "change-caused incidents", rowcodec.ScanChangeCause)
}

func (t *tx) ChangeStartedBetween(service string, from, to time.Time) (model.Change, error) {
	c, err := rowcodec.ScanChange(t.queryRow(changeStartedBetweenSQL, service, ms(from), ms(to)))
	return c, found(err, "find change on %s", service)
}

func (t *tx) InsertChange(c *model.Change) error {
	err := t.queryRow(insertChangeSQL, c.Title, c.Service(), jsonList(c.Services), string(c.Type),
		string(c.State), int(c.Impact), int(c.Probability), int(c.Risk), c.Requester, c.Implementer, ms(c.Start), ms(c.End),
		c.Description, c.Backout, c.TestPlan, nullID(c.Incident), nullID(c.Problem), c.Reason, c.Round, c.CloseCode,
		ms(c.Created)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("insert change %q: %w", c.Title, unreachable(err))
	}
	return nil
}

func (t *tx) UpdateChange(c model.Change) error {
	return t.execOne(c.Ref(), updateChangeSQL, c.ID, c.Title, c.Service(), jsonList(c.Services), string(c.Type),
		string(c.State), int(c.Impact), int(c.Probability), int(c.Risk), c.Implementer, ms(c.Start), ms(c.End),
		c.Description, c.Backout, c.TestPlan, nullID(c.Incident), nullID(c.Problem), c.Reason, c.Round, c.CloseCode)
}

func (t *tx) ChangeByID(id int64) (model.Change, error) {
	c, err := rowcodec.ScanChange(t.queryRow(changeSQL, id))
	return c, lookupErr(err, "CHG-%d", id)
}

func (t *tx) ChangesBetween(from, to time.Time) ([]model.Change, error) {
	rows, err := t.query(changesBetweenSQL, from.UnixMilli(), to.UnixMilli())
	return collect(rows, err, "changes", rowcodec.ScanChangeListing)
}

func (t *tx) AddChangeApproval(id int64, a model.ChangeApproval) error {
	if _, err := t.exec(insertChangeApprovalSQL, id, a.Round, a.Approver, a.Approve, a.Comment, ms(a.At)); err != nil {
		return fmt.Errorf("record approval of CHG-%d: %w", id, err)
	}
	return nil
}

func (t *tx) ChangeApprovals(id int64) ([]model.ChangeApproval, error) {
	rows, err := t.query(changeApprovalsSQL, id)
	return collect(rows, err, "change approvals", rowcodec.ScanApproval)
}

func (t *tx) AppendChangeEvent(id int64, e model.ChangeEvent) error {
	if _, err := t.exec(insertChangeEventSQL, id, ms(e.At), e.Actor, e.Kind, e.Text); err != nil {
		return fmt.Errorf("write CHG-%d timeline: %w", id, err)
	}
	return nil
}

func (t *tx) CriticalIncidents(services []string) ([]model.Incident, error) {
	rows, err := t.query(criticalIncidentsSQL, jsonList(services))
	return collect(rows, err, "open P1/P2 incidents", scanIncident)
}
