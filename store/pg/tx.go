package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The write statements, as store/tx.go has them for SQLite.
const (
	insertIncidentSQL = `INSERT INTO incidents (kind, title, description, service, category, impact, urgency,
	priority, state, major, team, assignee, escalation, opened_at, updated_at, ack_at, resolved_at, resolve_due,
	resolution, reopens, respond_due, hold_reason, hold_since, paused_ms, satisfaction, merged_into, problem_id,
	sla_flags, level_since)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
	$21, $22, $23, $24, $25, $26, $27, $28, $29)
RETURNING id`

	updateIncidentSQL = `UPDATE incidents SET kind = $1, title = $2, description = $3, service = $4,
	category = $5, impact = $6, urgency = $7, priority = $8, state = $9, major = $10, team = $11, assignee = $12,
	escalation = $13, opened_at = $14, updated_at = $15, ack_at = $16, resolved_at = $17, resolve_due = $18,
	resolution = $19, reopens = $20, respond_due = $21, hold_reason = $22, hold_since = $23, paused_ms = $24,
	satisfaction = $25, merged_into = $26, problem_id = $27, sla_flags = $28, level_since = $29
WHERE id = $30`

	openIncidentsSQL = `SELECT ` + incidentColumns + ` FROM incidents WHERE is_open ORDER BY major DESC, priority, due_order, id`

	insertTimelineSQL = `INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES ($1, $2, $3, $4, $5)
RETURNING id`

	// upsertAlertSQL is one statement per delivery, the same rules as the
	// SQLite store's (see the long comment on store/tx.go's upsertAlertSQL):
	// every right-hand side of DO UPDATE sees the stored row (a.), a
	// delivery older than the stored state updates nothing and returns no
	// row (the WHERE), empty fields keep stored values, the ack is cleared
	// only when a resolved alert fires again, and count is the firings.
	// $10 and $11 are the sender's start and end, $13 the arrival, $15 the
	// stale mark. A new alert is stored in the storm $16 names, if any. It
	// returns what the intake works with, and no more (reading every column
	// back, labels and annotations decoded, costs more than the upsert, as
	// on SQLite): the id; whether it is new and whether its state changed;
	// its state changes since $17 (the flapping window) before this one,
	// for a change of a known alert (a change is stamped with the alert's
	// last_seen, $13 for this one, whose own trigger row is not visible
	// here anyway); its marks; and, only when the delivery left a field
	// empty, the stored fields as one JSON object.
	upsertAlertSQL = `INSERT INTO alerts AS a (dedup_key, source, name, severity, state, service, summary, labels,
	annotations, starts_at, ends_at, first_seen, last_seen, group_key, count, storm_id, storm_member)
VALUES ($1::text, $2::text, CASE WHEN $3::text = '' THEN $1::text ELSE $3::text END,
	CASE WHEN $4::int = 0 THEN 2 ELSE $4::int END, $5::text, $6::text, $7::text, $8::text, $9::text,
	CASE WHEN $5::text = 'firing' THEN coalesce($10::bigint, $13::bigint) ELSE $10::bigint END,
	CASE WHEN $5::text = 'resolved' THEN coalesce($11::bigint, $13::bigint) ELSE $11::bigint END,
	$12::bigint, $13::bigint, $14::text, CASE WHEN $5::text = 'firing' THEN 1 ELSE 0 END,
	$16::bigint, $16::bigint IS NOT NULL)
ON CONFLICT (dedup_key) DO UPDATE SET
	prev_state  = a.state,
	state       = excluded.state,
	stale       = $15::boolean,
	source      = CASE WHEN $2::text = '' THEN a.source ELSE excluded.source END,
	name        = CASE WHEN $3::text = '' THEN a.name ELSE excluded.name END,
	severity    = CASE WHEN $4::int = 0 THEN a.severity ELSE excluded.severity END,
	service     = CASE WHEN $6::text = '' THEN a.service ELSE excluded.service END,
	summary     = CASE WHEN $7::text = '' THEN a.summary ELSE excluded.summary END,
	labels      = CASE WHEN $8::text = '{}' THEN a.labels ELSE excluded.labels END,
	annotations = CASE WHEN $9::text = '{}' THEN a.annotations ELSE excluded.annotations END,
	group_key   = CASE WHEN $14::text = '' THEN a.group_key ELSE excluded.group_key END,
	starts_at   = CASE WHEN a.state = 'resolved' AND $5::text = 'firing' THEN coalesce($10::bigint, $13::bigint)
	                   ELSE coalesce($10::bigint, a.starts_at) END,
	ends_at     = CASE WHEN $5::text = 'firing' THEN $11::bigint WHEN a.state = 'resolved' THEN coalesce($11::bigint, a.ends_at)
	                   ELSE coalesce($11::bigint, $13::bigint) END,
	last_seen   = greatest(a.last_seen, excluded.last_seen),
	count       = a.count + CASE WHEN a.state = 'resolved' AND $5::text = 'firing' THEN 1 ELSE 0 END,
	deliveries  = a.deliveries + 1,
	ack_by      = CASE WHEN a.state = 'resolved' AND excluded.state = 'firing' THEN '' ELSE a.ack_by END,
	ack_at      = CASE WHEN a.state = 'resolved' AND excluded.state = 'firing' THEN NULL ELSE a.ack_at END,
	ack_until   = CASE WHEN a.state = 'resolved' AND excluded.state = 'firing' THEN NULL ELSE a.ack_until END
WHERE a.stale OR NOT coalesce(
	CASE WHEN $5::text = 'firing' THEN $10::bigint ELSE $11::bigint END
	  < CASE WHEN a.state = 'firing' THEN a.starts_at ELSE a.ends_at END
	OR ($5::text = 'firing' AND a.state = 'resolved' AND $10::bigint = a.ends_at), false)
RETURNING a.id, a.prev_state IS NULL, a.prev_state IS DISTINCT FROM a.state,
	CASE WHEN a.prev_state IS NOT NULL AND a.prev_state IS DISTINCT FROM a.state THEN
		(SELECT count(*) FROM alert_changes c WHERE c.alert_id = a.id AND c.at >= $17::bigint AND c.at < $13::bigint)
	ELSE 0 END,
	a.silenced_by, a.flapping, a.after_change, a.incident_id, a.truncated, a.storm_id,
	CASE WHEN $2::text = '' OR $3::text = '' OR $4::int = 0 OR $6::text = '' OR $7::text = '' OR $8::text = '{}' OR $14::text = ''
	THEN json_build_object('source', a.source, 'name', a.name, 'severity', a.severity, 'service', a.service,
		'summary', a.summary, 'labels', a.labels::json, 'group', a.group_key)::text END`

	ackAlertSQL = `UPDATE alerts SET ack_by = $2, ack_at = $3, ack_until = $4 WHERE id = $1`

	alertByKeySQL = `SELECT ` + alertColumns + ` FROM alerts a WHERE a.dedup_key = $1`

	// A storm's first alert stands for it; the rest are members. A storm
	// is never left: no storm ($7 NULL) keeps the stored one.
	setAlertMarksSQL = `UPDATE alerts SET silenced_by = $2, flapping = $3, after_change = $4,
	incident_id = $5, truncated = $6, storm_id = coalesce($7::bigint, storm_id),
	storm_member = (coalesce($7::bigint, storm_id) IS NOT NULL
		AND coalesce((SELECT head_alert FROM storms WHERE storms.id = coalesce($7::bigint, storm_id)), 0) <> $1)
WHERE id = $1`

	dropSeenSQL   = `SELECT count(*) FROM drops WHERE sha256 = $1`
	recordDropSQL = `INSERT INTO drops (sha256, name, format, alerts, at) VALUES ($1, $2, $3, $4, $5)`

	groupSinceSQL = `SELECT count(*) FROM alerts WHERE group_key = $1 AND first_seen >= $2`
	openStormSQL  = `SELECT id FROM storms WHERE group_key = $1 AND last_at >= $2 ORDER BY last_at DESC LIMIT 1`
	startStormSQL = `INSERT INTO storms (group_key, head_alert, started_at, last_at, size)
SELECT $1, min(id), min(first_seen), $3, count(*) FROM alerts WHERE group_key = $1 AND first_seen >= $2 AND storm_id IS NULL
RETURNING id, head_alert`
	stormMembersSQL = `UPDATE alerts SET storm_id = $3, storm_member = (id <> $4)
WHERE group_key = $1 AND first_seen >= $2 AND storm_id IS NULL`
	growStormSQL    = `UPDATE storms SET size = size + $2, last_at = $3 WHERE id = $1`
	stormHeadSQL    = `SELECT head_alert FROM storms WHERE id = $1`
	refreshStormSQL = `UPDATE storms SET
	firing = (SELECT count(*) FROM alerts WHERE storm_id = $1 AND firing),
	head_alert = coalesce((SELECT id FROM alerts WHERE storm_id = $1 ORDER BY firing DESC, severity, last_seen DESC, id DESC LIMIT 1), head_alert)
WHERE id = $1
RETURNING head_alert`
	stormMemberSQL   = `UPDATE alerts SET storm_member = $2 WHERE id = $1`
	activeSilenceSQL = `SELECT id, matchers, author, comment, starts_at, ends_at, created_at, 0 FROM silences
WHERE starts_at <= $1 AND ends_at > $1 ORDER BY id`
	insertSilenceSQL = `INSERT INTO silences (matchers, author, comment, starts_at, ends_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	expireSilenceSQL = `UPDATE silences SET ends_at = $2 WHERE id = $1 AND ends_at > $2 AND starts_at <= $2`
	silenceEndSQL    = `UPDATE silences SET ends_at = $2 WHERE id = $1`
	firingAlertsSQL  = `SELECT ` + alertColumns + ` FROM alerts a WHERE a.firing`
	staleAlertsSQL   = `SELECT ` + alertColumns + ` FROM alerts a WHERE a.firing AND a.last_seen < $2 AND a.source = $1`
	markStaleSQL     = `UPDATE alerts SET stale = true WHERE id = $1 AND state = 'firing'`

	openIncidentForGroupSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE service = $1 AND alert_group = $2 AND is_open AND alert_group <> '' ORDER BY id DESC LIMIT 1`
	setIncidentGroupSQL  = `UPDATE incidents SET alert_group = $2 WHERE id = $1`
	firingForIncidentSQL = `SELECT count(*) FROM alerts WHERE incident_id = $1 AND state = 'firing'`

	deleteServicesSQL = `DELETE FROM services`
	insertServiceSQL  = `INSERT INTO services (id, name, tier, owner, environment, depends_on, version, platform, urls, rpo, rto)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

	insertAuditSQL = `INSERT INTO audit (at, actor, action, entity, before_json, after_json)
VALUES ($1, $2, $3, $4, $5, $6)`
)

// tx implements model.Tx over one PostgreSQL transaction.
type tx struct {
	ctx context.Context
	tx  pgx.Tx
	db  *DB

	// later holds writes whose outcome nothing waits for (an alert's
	// marks): they go to the server with the next statement, in one round
	// trip, rather than one each. A drop of 10,000 alerts is otherwise
	// twice as many round trips as alerts. laterRefs names each, for its
	// error.
	later     pgx.Batch
	laterRefs []string
}

// execLater queues an UPDATE that must hit the record named by ref, to be
// sent before (and with) the next statement of the transaction.
func (t *tx) execLater(ref, query string, args ...any) {
	t.later.Queue(query, args...)
	t.laterRefs = append(t.laterRefs, ref)
}

// sendLater sends what is queued and query after it in one round trip, and
// returns the results positioned at query's, or the first queued write's
// error.
func (t *tx) sendLater(query string, args ...any) (pgx.BatchResults, error) {
	t.later.Queue(query, args...)
	b, refs := &pgx.Batch{QueuedQueries: t.later.QueuedQueries}, t.laterRefs
	t.later, t.laterRefs = pgx.Batch{}, nil
	br := t.tx.SendBatch(t.ctx, b) // reads b until it is closed
	for _, ref := range refs {
		tag, err := br.Exec()
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("%s: %w", ref, model.ErrNotFound)
		}
		if err != nil {
			br.Close()
			return nil, fmt.Errorf("update %s: %w", ref, unreachable(err))
		}
	}
	return br, nil
}

// flush sends what is queued, before a commit.
func (t *tx) flush() error {
	if t.later.Len() == 0 {
		return nil
	}
	_, err := t.exec("SELECT 1")
	return err
}

func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	if t.later.Len() == 0 {
		tag, err := t.tx.Exec(t.ctx, query, args...)
		return tag, unreachable(err)
	}
	br, err := t.sendLater(query, args...)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, unreachable(err)
}

func (t *tx) queryRow(query string, args ...any) pgx.Row {
	if t.later.Len() == 0 {
		return t.tx.QueryRow(t.ctx, query, args...)
	}
	br, err := t.sendLater(query, args...)
	return batchRow{br, err}
}

func (t *tx) query(query string, args ...any) (pgx.Rows, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return t.tx.Query(t.ctx, query, args...)
}

// batchRow is the row of a query sent after queued writes.
type batchRow struct {
	br  pgx.BatchResults
	err error // a queued write's
}

func (r batchRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.br.QueryRow().Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// execOne runs an UPDATE that must hit exactly the record named by ref.
func (t *tx) execOne(ref, query string, args ...any) error {
	tag, err := t.exec(query, args...)
	if err != nil {
		return fmt.Errorf("update %s: %w", ref, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", ref, model.ErrNotFound)
	}
	return nil
}

// lookupErr maps a lookup inside a transaction: a missing record is
// model.ErrNotFound unadorned, as the service layer names the record itself.
func lookupErr(err error, refFormat string, id int64) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return model.ErrNotFound
	default:
		return fmt.Errorf("read "+refFormat+": %w", id, unreachable(err))
	}
}

// found maps "no rows" to model.ErrNotFound and wraps other errors.
func found(err error, format string, args ...any) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return model.ErrNotFound
	default:
		return fmt.Errorf(format+": %w", append(args, unreachable(err))...)
	}
}

func (t *tx) Incident(id int64) (model.Incident, error) {
	in, err := scanIncident(t.queryRow(incidentSQL, id))
	return in, lookupErr(err, "INC-%d", id)
}

func (t *tx) AlertByID(id int64) (model.Alert, error) {
	a, err := scanAlert(t.queryRow(alertSQL, id))
	return a, lookupErr(err, "ALR-%d", id)
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
	if err := t.queryRow(insertIncidentSQL, incidentArgs(in)...).Scan(&in.ID); err != nil {
		return fmt.Errorf("insert incident %q: %w", in.Title, unreachable(err))
	}
	return nil
}

func (t *tx) OpenIncidents() ([]model.Incident, error) {
	rows, err := t.query(openIncidentsSQL)
	return collect(rows, err, "open incidents", scanIncident)
}

func (t *tx) UpdateIncident(in model.Incident) error {
	return t.execOne(in.Ref(), updateIncidentSQL, append(incidentArgs(&in), in.ID)...)
}

func (t *tx) AddTimeline(e *model.TimelineEntry) error {
	err := t.queryRow(insertTimelineSQL, e.IncidentID, ms(e.At), e.Actor, e.Kind, e.Text).Scan(&e.ID)
	if isForeignKeyErr(err) {
		return fmt.Errorf("timeline of INC-%d: %w", e.IncidentID, model.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("timeline of INC-%d: %w", e.IncidentID, unreachable(err))
	}
	return nil
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
	row := t.queryRow(upsertAlertSQL,
		a.DedupKey, a.Source, a.Name, int(a.Severity), string(a.State), a.Service, a.Summary,
		jsonMap(a.Labels), jsonMap(a.Annotations),
		ms(a.StartsAt), ms(a.EndsAt), ms(firstSeen), ms(a.LastSeen), a.Group, a.Stale, nullID(a.StormID), ms(flapSince))
	var up model.Upserted
	var stored *string
	err := row.Scan(&a.ID, &up.New, &up.Changed, &up.Changes,
		nullInt{&a.SilencedBy}, &a.Flapping, nullInt{&a.AfterChange}, nullInt{&a.IncidentID}, &a.Truncated, nullInt{&a.StormID},
		&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		// The WHERE of the upsert held it back: older than what is stored.
		whole, err := t.AlertByKey(a.DedupKey)
		if err != nil {
			return up, err
		}
		*a = whole
		return model.Upserted{Older: true}, nil
	}
	if err != nil {
		return up, fmt.Errorf("upsert alert %q: %w", a.DedupKey, unreachable(err))
	}
	if stored != nil {
		// The delivery left fields empty: the alert is as stored.
		var f struct {
			Source, Name, Service, Summary, Group string
			Severity                              int
			Labels                                map[string]string
		}
		if err := json.Unmarshal([]byte(*stored), &f); err != nil {
			return up, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
		}
		a.Source, a.Name, a.Severity, a.Service, a.Summary, a.Labels, a.Group = f.Source, f.Name, model.Severity(f.Severity), f.Service, f.Summary, f.Labels, f.Group
	}
	if up.Changed {
		up.Changes++ // this delivery's own change
	}
	return up, nil
}

// LookupAlerts reads nothing ahead on PostgreSQL: each upsert returns what
// the intake needs in its own round trip (RETURNING), so a read ahead
// would add a statement rather than save one. UpsertAlert reports the
// same either way.
func (t *tx) LookupAlerts(keys []string, flapSince time.Time) error { return nil }

// Savepoint runs fn inside a savepoint of the transaction: an error from fn
// undoes what fn wrote, and only that, before it is returned.
func (t *tx) Savepoint(fn func() error) error {
	if err := t.flush(); err != nil { // writes queued before belong outside it
		return err
	}
	outer := t.tx
	sp, err := outer.Begin(t.ctx) // SAVEPOINT
	if err != nil {
		return fmt.Errorf("savepoint: %w", unreachable(err))
	}
	t.tx = sp
	defer func() { t.tx = outer }()
	if err := fn(); err != nil {
		t.later, t.laterRefs = pgx.Batch{}, nil // undone with the rest
		if rerr := sp.Rollback(t.ctx); rerr != nil {
			return errors.Join(err, fmt.Errorf("roll back to savepoint: %w", unreachable(rerr)))
		}
		return err
	}
	if err := t.flush(); err != nil {
		sp.Rollback(t.ctx)
		return err
	}
	if err := sp.Commit(t.ctx); err != nil { // RELEASE
		return fmt.Errorf("release savepoint: %w", unreachable(err))
	}
	return nil
}

// RefreshStorm elects the storm's row in the feed again and recounts its
// firing members, after a drop changed some of them.
func (t *tx) RefreshStorm(stormID int64) error {
	what := fmt.Sprintf("storm %d", stormID)
	var before, after int64
	if err := t.queryRow(stormHeadSQL, stormID).Scan(&before); err != nil {
		return fmt.Errorf("refresh %s: %w", what, unreachable(err))
	}
	if err := t.queryRow(refreshStormSQL, stormID).Scan(&after); err != nil {
		return fmt.Errorf("refresh %s: %w", what, unreachable(err))
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

func (t *tx) AlertByKey(key string) (model.Alert, error) {
	a, err := scanAlert(t.queryRow(alertByKeySQL, key))
	return a, found(err, "read alert %q", key)
}

func (t *tx) UpdateAlertAck(id int64, by string, at, until time.Time) error {
	return t.execOne(fmt.Sprintf("ALR-%d", id), ackAlertSQL, id, by, ms(at), ms(until))
}

// SetAlertMarks is sent with the next statement (execLater): the intake
// sets the marks of nearly every alert of a storm, and waits on none.
func (t *tx) SetAlertMarks(a model.Alert) error {
	t.execLater(a.Ref(), setAlertMarksSQL, a.ID, nullID(a.SilencedBy), a.Flapping,
		nullID(a.AfterChange), nullID(a.IncidentID), a.Truncated, nullID(a.StormID))
	return nil
}

// count runs a one-number query.
func (t *tx) count(what, query string, args ...any) (int, error) {
	var n int
	if err := t.queryRow(query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", what, unreachable(err))
	}
	return n, nil
}

func (t *tx) DropSeen(sha string) (bool, error) {
	n, err := t.count("drops", dropSeenSQL, sha)
	return n > 0, err
}

// RecordDrop remembers a drop. Writers queue on the write lock, so a drop
// another process applied is seen by DropSeen first; the primary key on
// the hash refuses a second record whatever happens.
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
	err := t.queryRow(openStormSQL, group, ms(since)).Scan(&id)
	return id, found(err, "find storm of %q", group)
}

func (t *tx) StartStorm(group string, since, at time.Time) (int64, error) {
	var id, head int64
	if err := t.queryRow(startStormSQL, group, ms(since), ms(at)).Scan(&id, &head); err != nil {
		return 0, fmt.Errorf("start storm of %q: %w", group, unreachable(err))
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
	rows, err := t.query(staleAlertsSQL, source, ms(heardBefore))
	return collect(rows, err, "stale alerts", scanAlert)
}

func (t *tx) MarkStale(id int64) error {
	return t.execOne(fmt.Sprintf("ALR-%d", id), markStaleSQL, id)
}

func (t *tx) ActiveSilences(at time.Time) ([]model.Silence, error) {
	rows, err := t.query(activeSilenceSQL, ms(at))
	return collect(rows, err, "active silences", scanSilence)
}

func (t *tx) InsertSilence(sil *model.Silence) error {
	err := t.queryRow(insertSilenceSQL, encodeMatchers(sil.Matchers), sil.Author, sil.Comment,
		ms(sil.StartsAt), ms(sil.EndsAt), ms(sil.CreatedAt)).Scan(&sil.ID)
	if err != nil {
		return fmt.Errorf("insert silence: %w", unreachable(err))
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

// FiringAlerts reads every firing alert before calling fn, because fn
// writes on the same connection.
func (t *tx) FiringAlerts(fn func(model.Alert) error) error {
	rows, err := t.query(firingAlertsSQL)
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
	in, err := scanIncident(t.queryRow(openIncidentForGroupSQL, service, group))
	return in, found(err, "find incident for %s/%s", service, group)
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
