package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	insertIncidentSQL = `INSERT INTO incidents (kind, title, description, service, category, impact, urgency,
	priority, state, major, team, assignee, escalation, opened_at, updated_at, ack_at, resolved_at, resolve_due,
	resolution, reopens, respond_due, hold_reason, hold_since, paused_ms, satisfaction, merged_into, problem_id,
	sla_flags, level_since)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
	?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)
RETURNING id`

	updateIncidentSQL = `UPDATE incidents SET kind = ?1, title = ?2, description = ?3, service = ?4,
	category = ?5, impact = ?6, urgency = ?7, priority = ?8, state = ?9, major = ?10, team = ?11, assignee = ?12,
	escalation = ?13, opened_at = ?14, updated_at = ?15, ack_at = ?16, resolved_at = ?17, resolve_due = ?18,
	resolution = ?19, reopens = ?20, respond_due = ?21, hold_reason = ?22, hold_since = ?23, paused_ms = ?24,
	satisfaction = ?25, merged_into = ?26, problem_id = ?27, sla_flags = ?28, level_since = ?29
WHERE id = ?30`

	openIncidentsSQL = `SELECT ` + incidentColumns + ` FROM incidents WHERE is_open ORDER BY major DESC, priority, due_order, id`

	insertTimelineSQL = `INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES (?1, ?2, ?3, ?4, ?5)
RETURNING id`

	// newAlertColumns and newAlertValues are what a delivery makes of an
	// alert not stored before, from the upsert's arguments; insertHeldSQL
	// writes the same, row by row.
	newAlertColumns = `dedup_key, source, name, severity, state, service, summary, labels,
	annotations, starts_at, ends_at, first_seen, last_seen, group_key, count, storm_id, storm_member`
	newAlertValues = `?1, ?2, iif(?3 = '', ?1, ?3), iif(?4 = 0, 2, ?4), ?5, ?6, ?7, ?8, ?9,
	iif(?5 = 'firing', coalesce(?10, ?13), ?10), iif(?5 = 'resolved', coalesce(?11, ?13), ?11), ?12, ?13, ?14, ?5 = 'firing',
	?16, ?16 IS NOT NULL`

	// upsertAlertSQL is one statement per delivery. In DO UPDATE every
	// right-hand side sees the stored row, so prev_state = state keeps the
	// state this delivery replaces, and the ack is cleared only when a
	// resolved alert fires again (an ack belongs to one firing episode).
	// Empty fields (a resolve that names only its key) keep stored values.
	//
	// A delivery never moves an alert backwards (the WHERE). Each report
	// has a time of its own: a firing one when it started (?10, the
	// sender's startsAt), a resolved one when it ended (?11); the stored
	// alert has its latest, starts_at while firing, ends_at once resolved.
	// A report older than that is an old copy, a replay or a second
	// replica's late send; so is a firing report at the very time the
	// stored resolve ended (the resolve is the later event of the two).
	// Such a delivery updates nothing and returns no row. A report without
	// times of its own cannot be placed, and is taken in arrival order; it
	// is stamped with the time it arrived (?13).
	//
	// count is the firings: 1 for a new firing alert, one more for each
	// re-fire after a resolve; deliveries counts every report applied. Any
	// applied report is news of the alert, so it is no longer stale, except
	// the resolve hypercare infers for a stale alert (?15): that one stays
	// marked, so that the sender's next report, whatever its times, is
	// believed over the guess.
	upsertAlertSQL = upsertAlertExecSQL + `
RETURNING ` + upsertedColumns
	upsertAlertExecSQL = `INSERT INTO alerts (` + newAlertColumns + `)
VALUES (` + newAlertValues + `)
ON CONFLICT (dedup_key) DO UPDATE SET
	prev_state  = state,
	state       = excluded.state,
	stale       = ?15,
	source      = iif(?2 = '', source, excluded.source),
	name        = iif(?3 = '', name, excluded.name),
	severity    = iif(?4 = 0, severity, excluded.severity),
	service     = iif(?6 = '', service, excluded.service),
	summary     = iif(?7 = '', summary, excluded.summary),
	labels      = iif(?8 = '{}', labels, excluded.labels),
	annotations = iif(?9 = '{}', annotations, excluded.annotations),
	group_key   = iif(?14 = '', group_key, excluded.group_key),
	starts_at   = iif(state = 'resolved' AND ?5 = 'firing', coalesce(?10, ?13), coalesce(?10, starts_at)),
	ends_at     = CASE WHEN ?5 = 'firing' THEN ?11 WHEN state = 'resolved' THEN coalesce(?11, ends_at) ELSE coalesce(?11, ?13) END,
	last_seen   = max(last_seen, excluded.last_seen),
	count       = count + (state = 'resolved' AND ?5 = 'firing'),
	deliveries  = deliveries + 1,
	ack_by      = iif(state = 'resolved' AND excluded.state = 'firing', '', ack_by),
	ack_at      = iif(state = 'resolved' AND excluded.state = 'firing', NULL, ack_at),
	ack_until   = iif(state = 'resolved' AND excluded.state = 'firing', NULL, ack_until)
WHERE stale OR NOT coalesce(
	iif(?5 = 'firing', ?10, ?11) < iif(state = 'firing', starts_at, ends_at)
	OR ?5 = 'firing' AND state = 'resolved' AND ?10 = ends_at, FALSE)`

	// upsertedColumns are what the intake works with after a delivery, and
	// no more: reading every column back (labels and annotations decoded)
	// cost more than the upsert. They are its id; whether it is new, and
	// whether its state changed; its state changes since ?17 (the flapping
	// window) before this one, counted only for a change of a known alert
	// (a change is stamped with the alert's last_seen, ?13 for this one, so
	// at < ?13 counts the earlier ones whether or not this statement's own
	// trigger row is visible here); its marks; and, only when the delivery
	// left a field empty, the stored fields as one JSON object.
	upsertedColumns = `id, prev_state IS NULL, prev_state IS NOT state,
	iif(prev_state IS NOT NULL AND prev_state IS NOT state,
		(SELECT count(*) FROM alert_changes c WHERE c.alert_id = alerts.id AND c.at >= ?17 AND c.at < ?13), 0),
	silenced_by, flapping, after_change, incident_id, truncated, storm_id,
	iif(?2 = '' OR ?3 = '' OR ?4 = 0 OR ?6 = '' OR ?7 = '' OR ?8 = '{}' OR ?14 = '',
		json_object('source', source, 'name', name, 'severity', severity, 'service', service, 'summary', summary,
			'labels', json(labels), 'group', group_key), NULL)`

	ackAlertSQL = `UPDATE alerts SET ack_by = ?2, ack_at = ?3, ack_until = ?4 WHERE id = ?1`

	alertByKeySQL = `SELECT ` + alertColumns + ` FROM alerts WHERE dedup_key = ?1`

	// A storm's first alert stands for it in the feed; the rest are members.
	// A storm is never left: no storm (?7 NULL) keeps the stored one.
	setAlertMarksSQL = `UPDATE alerts SET silenced_by = ?2, flapping = ?3, after_change = ?4,
	incident_id = ?5, truncated = ?6, storm_id = coalesce(?7, storm_id),
	storm_member = coalesce(?7, storm_id) IS NOT NULL
		AND ifnull((SELECT head_alert FROM storms WHERE storms.id = coalesce(?7, storm_id)), 0) <> ?1
WHERE id = ?1`

	// lookupAlertsSQL reads ahead, for the keys in ?1 (a JSON array), what
	// UpsertAlert reports of a known alert: its id, state and marks, and
	// its state changes since ?2.
	lookupAlertsSQL = `SELECT dedup_key, id, state, silenced_by, flapping, after_change, incident_id, truncated, storm_id,
	(SELECT count(*) FROM alert_changes c WHERE c.alert_id = alerts.id AND c.at >= ?2)
FROM alerts WHERE dedup_key IN (SELECT value FROM json_each(?1))`

	dropSeenSQL   = `SELECT EXISTS (SELECT 1 FROM drops WHERE sha256 = ?1)`
	recordDropSQL = `INSERT INTO drops (sha256, name, format, alerts, at) VALUES (?1, ?2, ?3, ?4, ?5)`

	groupSinceSQL = `SELECT count(*) FROM alerts WHERE group_key = ?1 AND first_seen >= ?2`
	openStormSQL  = `SELECT id FROM storms WHERE group_key = ?1 AND last_at >= ?2 ORDER BY last_at DESC LIMIT 1`
	// A storm starts with every alert of the group that arrived in the
	// window; the first of them stands for it in the feed.
	startStormSQL = `INSERT INTO storms (group_key, head_alert, started_at, last_at, size)
SELECT ?1, min(id), min(first_seen), ?3, count(*) FROM alerts WHERE group_key = ?1 AND first_seen >= ?2 AND storm_id IS NULL
RETURNING id, head_alert`
	stormMembersSQL = `UPDATE alerts SET storm_id = ?3, storm_member = (id <> ?4)
WHERE group_key = ?1 AND first_seen >= ?2 AND storm_id IS NULL`
	growStormSQL = `UPDATE storms SET size = size + ?2, last_at = ?3 WHERE id = ?1`
	// A storm's row in the feed is its most pressing member, elected off
	// the index alerts_storm; its firing members are counted off the same.
	stormHeadSQL    = `SELECT head_alert FROM storms WHERE id = ?1`
	refreshStormSQL = `UPDATE storms SET
	firing = (SELECT count(*) FROM alerts WHERE storm_id = ?1 AND firing = 1),
	head_alert = ifnull((SELECT id FROM alerts WHERE storm_id = ?1 ORDER BY firing DESC, severity, last_seen DESC, id DESC LIMIT 1), head_alert)
WHERE id = ?1
RETURNING head_alert`
	stormMemberSQL   = `UPDATE alerts SET storm_member = ?2 WHERE id = ?1`
	activeSilenceSQL = `SELECT id, matchers, author, comment, starts_at, ends_at, created_at, 0 FROM silences
WHERE starts_at <= ?1 AND ends_at > ?1 ORDER BY id`
	insertSilenceSQL = `INSERT INTO silences (matchers, author, comment, starts_at, ends_at, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id`
	expireSilenceSQL = `UPDATE silences SET ends_at = ?2 WHERE id = ?1 AND ends_at > ?2 AND starts_at <= ?2`
	silenceEndSQL    = `UPDATE silences SET ends_at = ?2 WHERE id = ?1`
	firingAlertsSQL  = `SELECT ` + alertColumns + ` FROM alerts WHERE storm_member IN (0, 1) AND firing = 1`
	// Firing alerts of a source not heard from since ?2: the firing range of
	// alerts_feed, last_seen tested on its entries, so only the stale ones
	// are read from the table.
	staleAlertsSQL = `SELECT ` + alertColumns + ` FROM alerts WHERE storm_member IN (0, 1) AND firing = 1 AND last_seen < ?2 AND source = ?1`
	markStaleSQL   = `UPDATE alerts SET stale = 1 WHERE id = ?1 AND state = 'firing'`

	openIncidentForGroupSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE service = ?1 AND alert_group = ?2 AND is_open AND alert_group <> '' ORDER BY id DESC LIMIT 1`
	setIncidentGroupSQL  = `UPDATE incidents SET alert_group = ?2 WHERE id = ?1`
	firingForIncidentSQL = `SELECT count(*) FROM alerts WHERE incident_id = ?1 AND state = 'firing'`

	deleteServicesSQL = `DELETE FROM services`
	insertServiceSQL  = `INSERT INTO services (id, name, tier, owner, environment, depends_on, version, platform, urls, rpo, rto)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`

	insertAuditSQL = `INSERT INTO audit (at, actor, action, entity, before_json, after_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)`
)

// writeQueries are prepared once on the writer at Open. They cannot be
// prepared lazily: the writer has one connection, and inside a transaction
// that connection is taken, so preparing through the pool would wait forever.
var writeQueries = slices.Concat(articleWriteQueries, notifyWriteQueries, jobWriteQueries, heldQueries(), []string{
	incidentSQL, insertIncidentSQL, updateIncidentSQL, insertTimelineSQL, openIncidentsSQL,
	alertSQL, upsertAlertSQL, upsertAlertExecSQL, lookupAlertsSQL, ackAlertSQL, alertByKeySQL, setAlertMarksSQL,
	dropSeenSQL, recordDropSQL, groupSinceSQL, openStormSQL, startStormSQL, stormMembersSQL, growStormSQL,
	stormHeadSQL, refreshStormSQL, stormMemberSQL,
	activeSilenceSQL, insertSilenceSQL, expireSilenceSQL, silenceEndSQL, firingAlertsSQL, staleAlertsSQL, markStaleSQL,
	openIncidentForGroupSQL, setIncidentGroupSQL, firingForIncidentSQL,
	deleteServicesSQL, insertServiceSQL, insertAuditSQL,
	insertLinkSQL, moveLinksSQL, moveAlertsSQL, linksSQL,
	problemByIDSQL, insertProblemSQL, updateProblemSQL, problemActionSQL, insertProblemActSQL, updateProblemActSQL,
	problemIncidentsSQL,
	changeSQL, insertChangeSQL, updateChangeSQL, changeStartedBetweenSQL, changesBetweenSQL,
	insertChangeApprovalSQL, changeApprovalsSQL, insertChangeEventSQL, criticalIncidentsSQL,
	deployByKeySQL, insertDeploySQL, updateDeploySQL,
	certificateSQL, upsertCertificateSQL, certificatesSQL, expiryNoticesSQL, putExpiryNoticeSQL, deleteExpiryNoticeSQL,
})

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
	ctx   context.Context
	tx    *sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt // bound to this transaction, by query
	saves int                  // savepoints open (Savepoint)
	// known is what LookupAlerts read ahead, by key: nil for a key that
	// was not stored. Each entry serves one UpsertAlert.
	known map[string]*knownAlert
	heldAlerts
}

// knownAlert is a stored alert as LookupAlerts read it.
type knownAlert struct {
	id      int64
	state   model.AlertState
	marks   model.Alert // SilencedBy, Flapping, AfterChange, IncidentID, Truncated, StormID
	changes int
}

// stmt is bound, for any statement that may see the alerts table, after
// the held alerts are written (held.go). A failure to write them is kept
// for the innermost Savepoint, or for Write, to report.
func (t *tx) stmt(query string) *sql.Stmt {
	if len(t.held) > 0 {
		_ = t.writeHeld()
	}
	return t.bound(query)
}

// bound binds a prepared writer statement to this transaction, once per
// transaction: database/sql reuses the statement already prepared on the
// writer connection, and a drop's thousands of upserts reuse the binding.
func (t *tx) bound(query string) *sql.Stmt {
	if st, ok := t.stmts[query]; ok {
		return st
	}
	st, ok := t.db.writeStmts[query]
	if !ok {
		// A programming error that every test of the method catches.
		panic("store: write statement missing from writeQueries")
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	bound := t.tx.StmtContext(t.ctx, st)
	t.stmts[query] = bound
	return bound
}

// Savepoint runs fn inside a savepoint of the transaction: an error from fn
// undoes what fn wrote, and only that, before it is returned. The alerts
// fn held back are fn's writes: written before the RELEASE, and if that
// fails, fn fails.
func (t *tx) Savepoint(fn func() error) error {
	if err := t.writeHeld(); err != nil {
		return err // held before the savepoint: not fn's
	}
	t.saves++
	name := fmt.Sprintf("s%d", t.saves)
	defer func() { t.saves-- }()
	if _, err := t.tx.ExecContext(t.ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	err := fn()
	if err == nil {
		err = t.writeHeld()
	}
	if t.lost != nil {
		return t.lost // the transaction is gone, savepoint and all
	}
	if t.failed != nil {
		// Writing what fn held failed, and whatever fn made of the reads
		// after that is undone with the rest.
		err, t.failed = t.failed, nil
	}
	if err != nil {
		t.dropHeld()
		if _, rerr := t.tx.ExecContext(t.ctx, "ROLLBACK TO "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("roll back to savepoint: %w", rerr))
		}
		if _, rerr := t.tx.ExecContext(t.ctx, "RELEASE "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("release savepoint: %w", rerr))
		}
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, "RELEASE "+name); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
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
		ms(in.ResolvedAt), ms(in.ResolveDue), in.Resolution, in.Reopens,
		ms(in.RespondDue), in.HoldReason, ms(in.HoldSince), in.Paused.Milliseconds(), in.Satisfaction,
		nullID(in.MergedInto), nullID(in.ProblemID), int(in.SLAFlags), ms(in.LevelSince)}
}

func (t *tx) InsertIncident(in *model.Incident) error {
	if err := t.stmt(insertIncidentSQL).QueryRowContext(t.ctx, incidentArgs(in)...).Scan(&in.ID); err != nil {
		return fmt.Errorf("insert incident %q: %w", in.Title, err)
	}
	return nil
}

// OpenIncidents reads the open incidents through the queue index.
func (t *tx) OpenIncidents() ([]model.Incident, error) {
	rows, err := t.stmt(openIncidentsSQL).QueryContext(t.ctx)
	if err != nil {
		return nil, fmt.Errorf("open incidents: %w", err)
	}
	defer rows.Close()
	var out []model.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("open incidents: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
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

// LookupAlerts reads ahead, in one statement, what UpsertAlert needs to
// know of the alerts with these keys, so that a drop's upserts need not
// read each alert back.
func (t *tx) LookupAlerts(keys []string, flapSince time.Time) error {
	t.known = make(map[string]*knownAlert, len(keys))
	for _, k := range keys {
		t.known[k] = nil
	}
	list, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("look up alerts: %w", err)
	}
	rows, err := t.stmt(lookupAlertsSQL).QueryContext(t.ctx, string(list), ms(flapSince))
	if err != nil {
		return fmt.Errorf("look up alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		k := &knownAlert{}
		if err := rows.Scan(&key, &k.id, &k.state, nullInt{&k.marks.SilencedBy}, &k.marks.Flapping, nullInt{&k.marks.AfterChange},
			nullInt{&k.marks.IncidentID}, &k.marks.Truncated, nullInt{&k.marks.StormID}, &k.changes); err != nil {
			return fmt.Errorf("look up alerts: %w", err)
		}
		t.known[key] = k
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up alerts: %w", err)
	}
	return nil
}

// upsertKnown is UpsertAlert for an alert LookupAlerts read ahead, with
// every field a delivery may leave empty given: what it reports is known
// without reading the alert back, so the upsert is executed without
// RETURNING. It runs without writing the held alerts first (held.go):
// it touches its own row only, whose key no held alert has (they were not
// stored when this one was), and its triggers add to counts and history
// what the held alerts' add, in either order.
func (t *tx) upsertKnown(a *model.Alert, k *knownAlert, firstSeen time.Time) (model.Upserted, error) {
	args := upsertArgs(a, firstSeen)
	res, err := t.bound(upsertAlertExecSQL).ExecContext(t.ctx, args[:]...)
	if err != nil {
		return model.Upserted{}, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return model.Upserted{}, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
	}
	if n == 0 {
		// The WHERE of the upsert held it back: older than what is stored.
		whole, err := t.AlertByKey(a.DedupKey)
		if err != nil {
			return model.Upserted{}, err
		}
		*a = whole
		return model.Upserted{Older: true}, nil
	}
	a.ID = k.id
	return rowcodec.Stored(a, true, k.marks, k.state, k.changes), nil
}

// upsertArgs are an upsert's arguments ?1 to ?16.
func upsertArgs(a *model.Alert, firstSeen time.Time) [16]any {
	return [16]any{a.DedupKey, a.Source, a.Name, int(a.Severity), string(a.State), a.Service, a.Summary,
		jsonMap(a.Labels), jsonMap(a.Annotations),
		ms(a.StartsAt), ms(a.EndsAt), ms(firstSeen), ms(a.LastSeen), a.Group, a.Stale, nullID(a.StormID)}
}

// UpsertAlert records one delivery. A delivery without LastSeen was seen
// now; a new alert was first seen when this delivery says, or now. It
// fills in *a what model.Tx.UpsertAlert says, not the whole record.
func (t *tx) UpsertAlert(a *model.Alert, flapSince time.Time) (model.Upserted, error) {
	if a.LastSeen.IsZero() {
		a.LastSeen = time.Now().UTC()
	}
	firstSeen := a.FirstSeen
	if firstSeen.IsZero() {
		firstSeen = a.LastSeen
	}
	k, ahead := t.known[a.DedupKey]
	if ahead {
		// Read ahead for one delivery: a second one of the key in the same
		// drop reads the alert back, as it is after the first.
		delete(t.known, a.DedupKey)
		switch {
		case k == nil:
			if up, held, err := t.hold(a, firstSeen); held || err != nil {
				return up, err
			}
		case complete(a):
			return t.upsertKnown(a, k, firstSeen)
		}
	}
	args := upsertArgs(a, firstSeen)
	row := t.stmt(upsertAlertSQL).QueryRowContext(t.ctx, append(args[:], ms(flapSince))...)
	var up model.Upserted
	var stored sql.NullString
	err := row.Scan(&a.ID, &up.New, &up.Changed, &up.Changes,
		nullInt{&a.SilencedBy}, &a.Flapping, nullInt{&a.AfterChange}, nullInt{&a.IncidentID}, &a.Truncated, nullInt{&a.StormID},
		&stored)
	if errors.Is(err, sql.ErrNoRows) {
		// The WHERE of the upsert held it back: older than what is stored.
		whole, err := t.AlertByKey(a.DedupKey)
		if err != nil {
			return up, err
		}
		*a = whole
		return model.Upserted{Older: true}, nil
	}
	if err != nil {
		return up, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
	}
	if stored.Valid {
		// The delivery left fields empty: the alert is as stored.
		var f struct {
			Source, Name, Service, Summary, Group string
			Severity                              int
			Labels                                map[string]string
		}
		if err := json.Unmarshal([]byte(stored.String), &f); err != nil {
			return up, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
		}
		a.Source, a.Name, a.Severity, a.Service, a.Summary, a.Labels, a.Group = f.Source, f.Name, model.Severity(f.Severity), f.Service, f.Summary, f.Labels, f.Group
	}
	if up.Changed {
		up.Changes++ // this delivery's own change
	}
	return up, nil
}

// complete reports whether a delivery gives every field UpsertAlert fills
// in from the stored alert when a delivery leaves it empty.
func complete(a *model.Alert) bool {
	return a.Source != "" && a.Name != "" && a.Severity != 0 && a.Service != "" && a.Summary != "" && len(a.Labels) > 0 && a.Group != ""
}

// RefreshStorm elects the storm's row in the feed again and recounts its
// firing members, after a drop changed some of them.
func (t *tx) RefreshStorm(stormID int64) error {
	what := fmt.Sprintf("storm %d", stormID)
	var before, after int64
	if err := t.stmt(stormHeadSQL).QueryRowContext(t.ctx, stormID).Scan(&before); err != nil {
		return fmt.Errorf("refresh %s: %w", what, err)
	}
	if err := t.stmt(refreshStormSQL).QueryRowContext(t.ctx, stormID).Scan(&after); err != nil {
		return fmt.Errorf("refresh %s: %w", what, err)
	}
	if before == after {
		return nil
	}
	if _, err := t.exec(stormMemberSQL, before, true); err != nil {
		return fmt.Errorf("refresh %s: %w", what, err)
	}
	if _, err := t.exec(stormMemberSQL, after, false); err != nil {
		return fmt.Errorf("refresh %s: %w", what, err)
	}
	return nil
}

// scanAlertThen scans an alert followed by extra columns.
func scanAlertThen(s scanner, extra ...any) (model.Alert, error) {
	var a model.Alert
	err := s.Scan(append(alertFields(&a), extra...)...)
	return a, err
}

func (t *tx) AlertByKey(key string) (model.Alert, error) {
	a, err := scanAlert(t.stmt(alertByKeySQL).QueryRowContext(t.ctx, key))
	if errors.Is(err, sql.ErrNoRows) {
		return a, model.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("read alert %q: %w", key, err)
	}
	return a, nil
}

func (t *tx) UpdateAlertAck(id int64, by string, at, until time.Time) error {
	return t.execOne(fmt.Sprintf("ALR-%d", id), ackAlertSQL, id, by, ms(at), ms(until))
}

func (t *tx) SetAlertMarks(a model.Alert) error {
	if t.markHeld(a) {
		return nil
	}
	return t.execOne(a.Ref(), setAlertMarksSQL, a.ID, nullID(a.SilencedBy), a.Flapping,
		nullID(a.AfterChange), nullID(a.IncidentID), a.Truncated, nullID(a.StormID))
}

// count runs a one-number query.
func (t *tx) count(what, query string, args ...any) (int, error) {
	var n int
	if err := t.stmt(query).QueryRowContext(t.ctx, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", what, err)
	}
	return n, nil
}

func (t *tx) DropSeen(sha string) (bool, error) {
	n, err := t.count("drops", dropSeenSQL, sha)
	return n > 0, err
}

func (t *tx) RecordDrop(d model.Drop, alerts int) error {
	if _, err := t.exec(recordDropSQL, d.SHA256, d.Name, d.Format, alerts, ms(d.Received)); err != nil {
		return fmt.Errorf("record drop %s: %w", d.Name, err)
	}
	return nil
}

func (t *tx) GroupSince(group string, since time.Time) (int, error) {
	return t.count("group arrivals", groupSinceSQL, group, ms(since))
}

func (t *tx) OpenStorm(group string, since time.Time) (int64, error) {
	var id int64
	err := t.stmt(openStormSQL).QueryRowContext(t.ctx, group, ms(since)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, model.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("find storm of %q: %w", group, err)
	}
	return id, nil
}

func (t *tx) StartStorm(group string, since, at time.Time) (int64, error) {
	var id, head int64
	if err := t.stmt(startStormSQL).QueryRowContext(t.ctx, group, ms(since), ms(at)).Scan(&id, &head); err != nil {
		return 0, fmt.Errorf("start storm of %q: %w", group, err)
	}
	if _, err := t.exec(stormMembersSQL, group, ms(since), id, head); err != nil {
		return 0, fmt.Errorf("start storm of %q: %w", group, err)
	}
	return id, nil
}

func (t *tx) GrowStorm(stormID int64, by int, at time.Time) error {
	return t.execOne(fmt.Sprintf("storm %d", stormID), growStormSQL, stormID, by, ms(at))
}

func (t *tx) StaleAlerts(source string, heardBefore time.Time) ([]model.Alert, error) {
	rows, err := t.stmt(staleAlertsSQL).QueryContext(t.ctx, source, ms(heardBefore))
	return collect(rows, err, "stale alerts", scanAlert)
}

func (t *tx) MarkStale(id int64) error {
	return t.execOne(fmt.Sprintf("ALR-%d", id), markStaleSQL, id)
}

func (t *tx) ActiveSilences(at time.Time) ([]model.Silence, error) {
	rows, err := t.stmt(activeSilenceSQL).QueryContext(t.ctx, ms(at))
	return collect(rows, err, "active silences", scanSilence)
}

func (t *tx) InsertSilence(sil *model.Silence) error {
	err := t.stmt(insertSilenceSQL).QueryRowContext(t.ctx, encodeMatchers(sil.Matchers), sil.Author, sil.Comment,
		ms(sil.StartsAt), ms(sil.EndsAt), ms(sil.CreatedAt)).Scan(&sil.ID)
	if err != nil {
		return fmt.Errorf("insert silence: %w", err)
	}
	return nil
}

// ExpireSilence ends an active silence; a missing or already ended one is
// model.ErrNotFound.
func (t *tx) ExpireSilence(id int64, at time.Time) error {
	return t.execOne(fmt.Sprintf("SIL-%d", id), expireSilenceSQL, id, ms(at))
}

// SetSilenceEnd moves a silence's end (an extension).
func (t *tx) SetSilenceEnd(id int64, end time.Time) error {
	return t.execOne(fmt.Sprintf("SIL-%d", id), silenceEndSQL, id, ms(end))
}

// FiringAlerts reads every firing alert before calling fn, because fn may
// write and the writer has one connection.
func (t *tx) FiringAlerts(fn func(model.Alert) error) error {
	rows, err := t.stmt(firingAlertsSQL).QueryContext(t.ctx)
	alerts, err := collect(rows, err, "firing alerts", scanAlert)
	if err != nil {
		return err
	}
	for _, a := range alerts {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) OpenIncidentForGroup(service, group string) (model.Incident, error) {
	in, err := scanIncident(t.stmt(openIncidentForGroupSQL).QueryRowContext(t.ctx, service, group))
	if errors.Is(err, sql.ErrNoRows) {
		return in, model.ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("find incident for %s/%s: %w", service, group, err)
	}
	return in, nil
}

func (t *tx) SetIncidentGroup(incidentID int64, group string) error {
	return t.execOne(fmt.Sprintf("INC-%d", incidentID), setIncidentGroupSQL, incidentID, group)
}

func (t *tx) FiringForIncident(incidentID int64) (int, error) {
	return t.count("firing alerts of an incident", firingForIncidentSQL, incidentID)
}

func (t *tx) ReplaceServices(services []model.Service) error {
	if _, err := t.exec(deleteServicesSQL); err != nil {
		return fmt.Errorf("replace services: %w", err)
	}
	for _, sv := range services {
		if _, err := t.exec(insertServiceSQL, sv.ID, sv.Name, sv.Tier, sv.Owner, sv.Environment, jsonList(sv.DependsOn),
			sv.Version, sv.Platform, jsonList(sv.URLs), sv.RPO.Milliseconds(), sv.RTO.Milliseconds()); err != nil {
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
