package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	insertIncidentSQL = `INSERT INTO incidents (kind, title, description, service, category, impact, urgency,
	priority, state, major, team, assignee, escalation, opened_at, updated_at, ack_at, resolved_at, resolve_due,
	resolution, reopens)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
RETURNING id`

	updateIncidentSQL = `UPDATE incidents SET kind = ?1, title = ?2, description = ?3, service = ?4,
	category = ?5, impact = ?6, urgency = ?7, priority = ?8, state = ?9, major = ?10, team = ?11, assignee = ?12,
	escalation = ?13, opened_at = ?14, updated_at = ?15, ack_at = ?16, resolved_at = ?17, resolve_due = ?18,
	resolution = ?19, reopens = ?20
WHERE id = ?21`

	insertTimelineSQL = `INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES (?1, ?2, ?3, ?4, ?5)
RETURNING id`

	// upsertAlertSQL is one statement per delivery. In DO UPDATE every
	// right-hand side sees the stored row, so prev_state = state keeps the
	// state this delivery replaces, and the ack is cleared only when a
	// resolved alert fires again (an ack belongs to one firing episode).
	upsertAlertSQL = `INSERT INTO alerts (dedup_key, source, name, severity, state, service, summary, labels,
	annotations, starts_at, ends_at, first_seen, last_seen)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
ON CONFLICT (dedup_key) DO UPDATE SET
	prev_state  = state,
	state       = excluded.state,
	source      = excluded.source,
	name        = excluded.name,
	severity    = excluded.severity,
	service     = excluded.service,
	summary     = excluded.summary,
	labels      = excluded.labels,
	annotations = excluded.annotations,
	starts_at   = coalesce(excluded.starts_at, starts_at),
	ends_at     = excluded.ends_at,
	last_seen   = max(last_seen, excluded.last_seen),
	count       = count + 1,
	ack_by      = iif(state = 'resolved' AND excluded.state = 'firing', '', ack_by),
	ack_at      = iif(state = 'resolved' AND excluded.state = 'firing', NULL, ack_at)
RETURNING id, first_seen, last_seen, count, ack_by, ack_at, prev_state IS NOT state`

	ackAlertSQL = `UPDATE alerts SET ack_by = ?2, ack_at = ?3 WHERE id = ?1`

	insertChangeSQL = `INSERT INTO changes (title, service, type, state, risk, implementer, start_at, end_at,
	description, close_code)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
RETURNING id`

	upsertArticleSQL = `INSERT INTO articles (slug, title, kind, state, service, tags, body, updated_at, author)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (slug) DO UPDATE SET
	title = excluded.title, kind = excluded.kind, state = excluded.state, service = excluded.service,
	tags = excluded.tags, body = excluded.body, updated_at = excluded.updated_at, author = excluded.author
RETURNING id`

	deleteServicesSQL = `DELETE FROM services`
	insertServiceSQL  = `INSERT INTO services (id, name, tier, owner, environment, depends_on)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)`

	insertAuditSQL = `INSERT INTO audit (at, actor, action, entity, before_json, after_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)`
)

// writeQueries are prepared once on the writer at Open. They cannot be
// prepared lazily: the writer has one connection, and inside a transaction
// that connection is taken, so preparing through the pool would wait forever.
var writeQueries = []string{
	incidentSQL, insertIncidentSQL, updateIncidentSQL, insertTimelineSQL,
	alertSQL, upsertAlertSQL, ackAlertSQL,
	insertChangeSQL, upsertArticleSQL, deleteServicesSQL, insertServiceSQL, insertAuditSQL,
}

func (db *DB) prepareWrites(ctx context.Context) error {
	db.writeStmts = make(map[string]*sql.Stmt, len(writeQueries))
	for _, q := range writeQueries {
		st, err := db.writer.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare write statement: %w", err)
		}
		db.writeStmts[q] = st
	}
	return nil
}

// tx implements model.Tx over the writer's transaction.
type tx struct {
	ctx context.Context
	tx  *sql.Tx
	db  *DB
}

// stmt binds a prepared writer statement to this transaction; database/sql
// reuses the statement already prepared on the writer connection.
func (t *tx) stmt(query string) *sql.Stmt {
	st, ok := t.db.writeStmts[query]
	if !ok {
		// A programming error that every test of the method catches.
		panic("store: write statement missing from writeQueries")
	}
	return t.tx.StmtContext(t.ctx, st)
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	return t.stmt(query).ExecContext(t.ctx, args...)
}

// execOne runs an UPDATE that must hit exactly the record named by ref.
func (t *tx) execOne(ref, query string, args ...any) error {
	res, err := t.exec(query, args...)
	if err != nil {
		return fmt.Errorf("update %s: %w", ref, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", ref, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", ref, model.ErrNotFound)
	}
	return nil
}

// Incident reads an incident inside the transaction. A missing one is
// model.ErrNotFound unadorned: the service layer names the record itself.
func (t *tx) Incident(id int64) (model.Incident, error) {
	in, err := scanIncident(t.stmt(incidentSQL).QueryRowContext(t.ctx, id))
	return in, lookupErr(err, "INC-%d", id)
}

// AlertByID reads an alert inside the transaction; errors as for Incident.
func (t *tx) AlertByID(id int64) (model.Alert, error) {
	a, err := scanAlert(t.stmt(alertSQL).QueryRowContext(t.ctx, id))
	return a, lookupErr(err, "ALR-%d", id)
}

func lookupErr(err error, refFormat string, id int64) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return model.ErrNotFound
	default:
		return fmt.Errorf("read "+refFormat+": %w", id, err)
	}
}

func incidentArgs(in *model.Incident) []any {
	return []any{string(in.Kind), in.Title, in.Description, in.Service, in.Category,
		int(in.Impact), int(in.Urgency), int(in.Priority), string(in.State), in.Major,
		in.Team, in.Assignee, in.Escalation, ms(in.OpenedAt), ms(in.UpdatedAt), ms(in.AckAt),
		ms(in.ResolvedAt), ms(in.ResolveDue), in.Resolution, in.Reopens}
}

func (t *tx) InsertIncident(in *model.Incident) error {
	if err := t.stmt(insertIncidentSQL).QueryRowContext(t.ctx, incidentArgs(in)...).Scan(&in.ID); err != nil {
		return fmt.Errorf("insert incident %q: %w", in.Title, err)
	}
	return nil
}

func (t *tx) UpdateIncident(in model.Incident) error {
	return t.execOne(in.Ref(), updateIncidentSQL, append(incidentArgs(&in), in.ID)...)
}

func (t *tx) AddTimeline(e *model.TimelineEntry) error {
	err := t.stmt(insertTimelineSQL).QueryRowContext(t.ctx, e.IncidentID, ms(e.At), e.Actor, e.Kind, e.Text).Scan(&e.ID)
	if isForeignKeyErr(err) {
		return fmt.Errorf("timeline of INC-%d: %w", e.IncidentID, model.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("timeline of INC-%d: %w", e.IncidentID, err)
	}
	return nil
}

func isForeignKeyErr(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// UpsertAlert records one delivery. A delivery without LastSeen was seen
// now; a new alert was first seen when this delivery says, or now.
func (t *tx) UpsertAlert(a *model.Alert) (changed bool, err error) {
	if a.LastSeen.IsZero() {
		a.LastSeen = time.Now().UTC()
	}
	firstSeen := a.FirstSeen
	if firstSeen.IsZero() {
		firstSeen = a.LastSeen
	}
	err = t.stmt(upsertAlertSQL).QueryRowContext(t.ctx,
		a.DedupKey, a.Source, a.Name, int(a.Severity), string(a.State), a.Service, a.Summary,
		jsonMap(a.Labels), jsonMap(a.Annotations),
		ms(a.StartsAt), ms(a.EndsAt), ms(firstSeen), ms(a.LastSeen),
	).Scan(&a.ID, millis{&a.FirstSeen}, millis{&a.LastSeen}, &a.Count, &a.AckBy, millis{&a.AckAt}, &changed)
	if err != nil {
		return false, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
	}
	return changed, nil
}

func (t *tx) UpdateAlertAck(id int64, by string, at time.Time) error {
	return t.execOne(fmt.Sprintf("ALR-%d", id), ackAlertSQL, id, by, ms(at))
}

func (t *tx) InsertChange(c *model.Change) error {
	err := t.stmt(insertChangeSQL).QueryRowContext(t.ctx, c.Title, c.Service, string(c.Type), string(c.State),
		int(c.Risk), c.Implementer, ms(c.Start), ms(c.End), c.Description, c.CloseCode).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("insert change %q: %w", c.Title, err)
	}
	return nil
}

func (t *tx) UpsertArticle(a *model.Article) error {
	err := t.stmt(upsertArticleSQL).QueryRowContext(t.ctx, a.Slug, a.Title, string(a.Kind), string(a.State),
		a.Service, jsonList(a.Tags), a.Body, ms(a.UpdatedAt), a.Author).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("save article %q: %w", a.Slug, err)
	}
	return nil
}

func (t *tx) ReplaceServices(services []model.Service) error {
	if _, err := t.exec(deleteServicesSQL); err != nil {
		return fmt.Errorf("replace services: %w", err)
	}
	for _, sv := range services {
		if _, err := t.exec(insertServiceSQL, sv.ID, sv.Name, sv.Tier, sv.Owner, sv.Environment, jsonList(sv.DependsOn)); err != nil {
			return fmt.Errorf("store service %q: %w", sv.ID, err)
		}
	}
	return nil
}

func (t *tx) AppendAudit(e model.AuditEntry) error {
	if _, err := t.exec(insertAuditSQL, ms(e.At), e.Actor, e.Action, e.Entity, e.Before, e.After); err != nil {
		return fmt.Errorf("append audit %s %s: %w", e.Action, e.Entity, err)
	}
	return nil
}
