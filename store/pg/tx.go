package pg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5"
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
	growStormSQL = `UPDATE storms SET size = size + $2, last_at = $3 WHERE id = $1`
	// refreshStormSQL recounts a storm's firing members and elects its
	// row in the feed (its head) again; when the head changes, the old
	// head becomes a member and the new one stops being one. Every part
	// sees the alerts as they were before the statement, so the election
	// does not see the membership it changes. It returns a row if the
	// storm exists.
	refreshStormSQL = `WITH was AS (SELECT head_alert FROM storms WHERE id = $1),
elected AS (UPDATE storms SET
	firing = (SELECT count(*) FROM alerts WHERE storm_id = $1 AND firing),
	head_alert = coalesce((SELECT id FROM alerts WHERE storm_id = $1 ORDER BY firing DESC, severity, last_seen DESC, id DESC LIMIT 1), head_alert)
WHERE id = $1
RETURNING head_alert),
members AS (UPDATE alerts SET storm_member = (alerts.id <> elected.head_alert)
FROM was, elected WHERE was.head_alert <> elected.head_alert AND alerts.id IN (was.head_alert, elected.head_alert))
SELECT 1 FROM elected`
	// The silences not ended at $1, those that start later too.
	liveSilencesSQL = `SELECT id, matchers, author, comment, starts_at, ends_at, created_at, 0 FROM silences
WHERE ends_at > $1 ORDER BY id`
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

	// queue holds the writes sent with the next statement (pipeline.go),
	// queued says what each is; sends counts the round trips that sent
	// the queue, so a savepoint knows whether its own has gone yet.
	queue  pgx.Batch
	queued []queued
	sends  int
	saves  int // savepoints open (Savepoint)
	// run is the open run of upserts (upsertmany.go), queued as one
	// statement when anything else is; weight counts the queued writes,
	// each alert of a run as one, towards pushAt.
	run    *run
	weight int

	// silences are those not ended at silencesAt, read once for the
	// transaction's drops (ActiveSilences): the write lock keeps others
	// from changing them, and this transaction's own silence writes
	// forget them.
	silences   []model.Silence
	silencesAt time.Time
	// groupSince is GroupSince's answer, read with OpenStorm's in one
	// round trip, for the statement right after it (statements counts
	// the transaction's statements).
	groupSince groupSince
	statements int

	// inflight are writes sent ahead while the service layer goes on
	// (push), their results not read yet; err is the first error of one,
	// which every later statement returns.
	inflight       pgx.BatchResults
	inflightWrites []queued
	err            error

	// known is what LookupAlerts read ahead, by key: nil for a key that
	// was not stored. Each entry serves one UpsertAlert. taken are the
	// alert ids taken ahead for the new ones, lowest first; those before
	// used are used.
	known map[string]*knownAlert
	taken []int64
	used  int
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

// RefreshStorm elects the storm's row in the feed again and recounts its
// firing members, after a drop changed some of them. It is one statement
// (refreshStormSQL) and nothing waits for it: it goes with the next.
func (t *tx) RefreshStorm(stormID int64) error {
	what := fmt.Sprintf("storm %d", stormID)
	t.later("refresh "+what, hitOne(what), refreshStormSQL, stormID)
	return nil
}

func (t *tx) AlertByKey(key string) (model.Alert, error) {
	a, err := scanAlert(t.queryRow(alertByKeySQL, key))
	return a, found(err, "read alert %q", key)
}

func (t *tx) UpdateAlertAck(id int64, by string, at, until time.Time) error {
	return t.execOne(fmt.Sprintf("ALR-%d", id), ackAlertSQL, id, by, ms(at), ms(until))
}

// SetAlertMarks is sent with the next statement (pipeline.go): the intake
// sets the marks of nearly every alert of a storm, and waits on none.
func (t *tx) SetAlertMarks(a model.Alert) error {
	t.later("update "+a.Ref(), hitOne(a.Ref()), setAlertMarksSQL, a.ID, nullID(a.SilencedBy), a.Flapping,
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
//
// Nothing waits for it: it goes with the next statement.
func (t *tx) RecordDrop(d model.Drop, alerts int) error {
	t.later("record drop "+d.Name, nil, recordDropSQL, d.SHA256, d.Name, d.Format, alerts, ms(d.Received))
	return nil
}

// groupSince is an answer of GroupSince read ahead.
type groupSince struct {
	group     string
	since     time.Time
	n         int
	statement int // the statement count it holds for
}

// GroupSince is read with OpenStorm, which the intake asks first, when it
// asks right after.
func (t *tx) GroupSince(group string, since time.Time) (int, error) {
	if g := t.groupSince; g.statement == t.statements && g.group == group && g.since.Equal(since) {
		return g.n, nil
	}
	return t.count("group arrivals", groupSinceSQL, group, ms(since))
}

// OpenStorm reads the group's arrivals since then too, in the same round
// trip: the intake asks for them when the group has no open storm.
func (t *tx) OpenStorm(group string, since time.Time) (int64, error) {
	var reads pgx.Batch
	reads.Queue(openStormSQL, group, ms(since))
	reads.Queue(groupSinceSQL, group, ms(since))
	br, err := t.send(&reads)
	if err != nil {
		return 0, fmt.Errorf("find storm of %q: %w", group, err)
	}
	defer br.Close()
	var id int64
	if err := found(br.QueryRow().Scan(&id), "find storm of %q", group); err != nil && !errors.Is(err, model.ErrNotFound) {
		return 0, err
	} else if err == nil {
		return id, unreachable(br.Close())
	}
	var n int
	if err := br.QueryRow().Scan(&n); err != nil {
		return 0, fmt.Errorf("count group arrivals: %w", unreachable(err))
	}
	if err := br.Close(); err != nil {
		return 0, fmt.Errorf("count group arrivals: %w", unreachable(err))
	}
	t.groupSince = groupSince{group, since, n, t.statements}
	return 0, model.ErrNotFound
}

func (t *tx) StartStorm(group string, since, at time.Time) (int64, error) {
	var id, head int64
	if err := t.queryRow(startStormSQL, group, ms(since), ms(at)).Scan(&id, &head); err != nil {
		return 0, fmt.Errorf("start storm of %q: %w", group, unreachable(err))
	}
	// Nothing waits for the members: they go with the next statement.
	t.later(fmt.Sprintf("start storm of %q", group), nil, stormMembersSQL, group, ms(since), id, head)
	return id, nil
}

// GrowStorm goes with the next statement: nothing waits for it.
func (t *tx) GrowStorm(stormID int64, by int, at time.Time) error {
	what := fmt.Sprintf("storm %d", stormID)
	t.later("update "+what, hitOne(what), growStormSQL, stormID, by, ms(at))
	return nil
}

func (t *tx) StaleAlerts(source string, heardBefore time.Time) ([]model.Alert, error) {
	rows, err := t.query(staleAlertsSQL, source, ms(heardBefore))
	return collect(rows, err, "stale alerts", scanAlert)
}

func (t *tx) MarkStale(id int64) error {
	return t.execOne(fmt.Sprintf("ALR-%d", id), markStaleSQL, id)
}

// ActiveSilences reads the silences not ended at once per transaction, for
// a later time as well: the transaction's drops each ask.
func (t *tx) ActiveSilences(at time.Time) ([]model.Silence, error) {
	if t.silences == nil || at.Before(t.silencesAt) {
		rows, err := t.query(liveSilencesSQL, ms(at))
		live, err := collect(rows, err, "active silences", scanSilence)
		if err != nil {
			return nil, err
		}
		t.silences, t.silencesAt = append([]model.Silence{}, live...), at
	}
	var active []model.Silence
	for _, sil := range t.silences {
		if !sil.StartsAt.After(at) && sil.EndsAt.After(at) {
			active = append(active, sil)
		}
	}
	return active, nil
}

func (t *tx) InsertSilence(sil *model.Silence) error {
	t.silences = nil
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
	t.silences = nil
	return t.execOne(fmt.Sprintf("SIL-%d", id), expireSilenceSQL, id, ms(at))
}

// SetSilenceEnd moves a silence's end (an extension).
func (t *tx) SetSilenceEnd(id int64, end time.Time) error {
	t.silences = nil
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

// AppendAudit goes with the next statement: nothing waits for it.
func (t *tx) AppendAudit(e model.AuditEntry) error {
	t.later(fmt.Sprintf("append audit %s %s", e.Action, e.Entity), nil,
		insertAuditSQL, ms(e.At), e.Actor, e.Action, e.Entity, e.Before, e.After)
	return nil
}
