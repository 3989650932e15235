package pg

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
	"github.com/jackc/pgx/v5"
)

// upsertAlertInsert is one statement per delivery, the same rules as the
// SQLite store's (see the long comment on store/tx.go's upsertAlertSQL):
// every right-hand side of DO UPDATE sees the stored row (a.), a delivery
// older than the stored state updates nothing (the WHERE), empty fields
// keep stored values, the ack is cleared only when a resolved alert fires
// again, and count is the firings. $10 and $11 are the sender's start and
// end, $13 the arrival, $15 the stale mark. A new alert is stored in the
// storm $16 names, if any. %s and %s are the id column and its value,
// filled in by upsertAlertSQL.
const upsertAlertInsert = `INSERT INTO alerts AS a (%sdedup_key, source, name, severity, state, service, summary, labels,
	annotations, starts_at, ends_at, first_seen, last_seen, group_key, count, storm_id, storm_member)
VALUES (%s$1::text, $2::text, CASE WHEN $3::text = '' THEN $1::text ELSE $3::text END,
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
	OR ($5::text = 'firing' AND a.state = 'resolved' AND $10::bigint = a.ends_at), false)`

var (
	// upsertAlertSQL returns what the intake works with, and no more
	// (reading every column back, labels and annotations decoded, costs
	// more than the upsert, as on SQLite): the id; whether it is new and
	// whether its state changed; its state changes since $17 (the
	// flapping window) before this one, for a change of a known alert (a
	// change is stamped with the alert's last_seen, $13 for this one,
	// whose own trigger row is not visible here anyway); its marks; and,
	// only when the delivery left a field empty, the stored fields as one
	// JSON object. A delivery the WHERE holds back returns no row. A
	// stored alert's insert names its own id, so that the update takes no
	// id from the sequence: ids stay dense, as on SQLite, and the same
	// whether or not the alert was read ahead.
	upsertAlertSQL = fmt.Sprintf(upsertAlertInsert, "id, ",
		"coalesce((SELECT id FROM alerts WHERE dedup_key = $1::text), nextval(pg_get_serial_sequence('alerts', 'id'))), ") + `
RETURNING a.id, a.prev_state IS NULL, a.prev_state IS DISTINCT FROM a.state,
	CASE WHEN a.prev_state IS NOT NULL AND a.prev_state IS DISTINCT FROM a.state THEN
		(SELECT count(*) FROM alert_changes c WHERE c.alert_id = a.id AND c.at >= $17::bigint AND c.at < $13::bigint)
	ELSE 0 END,
	a.silenced_by, a.flapping, a.after_change, a.incident_id, a.truncated, a.storm_id,
	CASE WHEN $2::text = '' OR $3::text = '' OR $4::int = 0 OR $6::text = '' OR $7::text = '' OR $8::text = '{}' OR $14::text = ''
	THEN json_build_object('source', a.source, 'name', a.name, 'severity', a.severity, 'service', a.service,
		'summary', a.summary, 'labels', a.labels::json, 'group', a.group_key)::text END`
)

const (
	// lookupAlertsSQL reads ahead, for the keys in $1, what UpsertAlert
	// reports of a known alert: its id, state and marks, its state changes
	// since $2, what decides whether a delivery is older than it, and the
	// fields a delivery may leave empty.
	lookupAlertsSQL = `SELECT dedup_key, id, state, stale, starts_at, ends_at,
	silenced_by, flapping, after_change, incident_id, truncated, storm_id,
	(SELECT count(*) FROM alert_changes c WHERE c.alert_id = a.id AND c.at >= $2),
	source, name, severity, service, summary, labels, group_key
FROM alerts a WHERE dedup_key = ANY($1::text[])`

	// takeIDsSQL takes alert ids for the keys of $1 not stored, less the
	// $2 taken before and not used yet: nextval, as the insert's own
	// default would, in the same round trip as the read-ahead.
	// $3 is the sequence (DB.alertSeq).
	takeIDsSQL = `SELECT nextval($3::regclass)
FROM generate_series(1, cardinality($1::text[]) - (SELECT count(*) FROM alerts WHERE dedup_key = ANY($1::text[]))::int - $2::int)`

	// alertSeqSQL names the sequence of the alerts' ids, once per DB:
	// looking it up costs more than taking a drop's ids from it.
	alertSeqSQL = `SELECT pg_get_serial_sequence('alerts', 'id')`
)

// knownAlert is a stored alert as LookupAlerts read it.
type knownAlert struct {
	id               int64
	state            model.AlertState
	stale            bool
	startsAt, endsAt *int64
	marks            model.Alert // SilencedBy, Flapping, AfterChange, IncidentID, Truncated, StormID
	changes          int
	// The fields a delivery may leave empty, as stored.
	source, name, service, summary, group string
	severity                              int
	labels                                string
}

// LookupAlerts reads ahead, in one round trip with the writes queued
// before it, what UpsertAlert needs to know of the alerts with these keys,
// and takes ids for those not stored: a drop's upserts are then queued and
// sent together (pipeline.go) rather than each waiting for its answer.
func (t *tx) LookupAlerts(keys []string, flapSince time.Time) error {
	t.known = make(map[string]*knownAlert, len(keys))
	distinct := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, dup := t.known[k]; !dup {
			t.known[k] = nil
			distinct = append(distinct, k)
		}
	}
	var reads pgx.Batch
	reads.Queue(lookupAlertsSQL, distinct, ms(flapSince))
	reads.Queue(takeIDsSQL, distinct, len(t.taken)-t.used, t.db.alertSeq)
	br, err := t.send(&reads)
	if err != nil {
		return fmt.Errorf("look up alerts: %w", err)
	}
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("look up alerts: %w", unreachable(err))
	}
	for rows.Next() {
		var key string
		k := &knownAlert{}
		m := &k.marks
		if err := rows.Scan(&key, &k.id, &k.state, &k.stale, &k.startsAt, &k.endsAt,
			nullInt{&m.SilencedBy}, &m.Flapping, nullInt{&m.AfterChange}, nullInt{&m.IncidentID}, &m.Truncated, nullInt{&m.StormID},
			&k.changes, &k.source, &k.name, &k.severity, &k.service, &k.summary, &k.labels, &k.group); err != nil {
			rows.Close()
			return fmt.Errorf("look up alerts: %w", unreachable(err))
		}
		t.known[key] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up alerts: %w", unreachable(err))
	}
	if rows, err = br.Query(); err != nil {
		return fmt.Errorf("take alert ids: %w", unreachable(err))
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("take alert ids: %w", unreachable(err))
		}
		t.taken = append(t.taken, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("take alert ids: %w", unreachable(err))
	}
	return unreachable(br.Close())
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
	if k, ahead := t.known[a.DedupKey]; ahead {
		// Read ahead for one delivery: a second one of the key in the same
		// drop is sent at once and reads its answer, as it is after the
		// first.
		delete(t.known, a.DedupKey)
		if k != nil || t.used < len(t.taken) {
			return t.upsertKnown(a, k, firstSeen)
		}
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
		return t.older(a)
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

// older is UpsertAlert's answer to a delivery older than the stored state,
// which changes nothing: *a becomes the whole stored record.
func (t *tx) older(a *model.Alert) (model.Upserted, error) {
	whole, err := t.AlertByKey(a.DedupKey)
	if err != nil {
		return model.Upserted{}, err
	}
	*a = whole
	return model.Upserted{Older: true}, nil
}

// upsertKnown is UpsertAlert for an alert LookupAlerts read ahead (k) or
// found not stored (k nil, an id taken for it): it works out what the
// upsert does from what was read, as the statement's own rules do, and
// adds the delivery to the open run of upserts (upsertmany.go), whose
// statement is checked to have done just that. Writers hold
// the write lock, so nothing but this transaction changes the alert in
// between; a check that fails is a bug, and fails the write.
func (t *tx) upsertKnown(a *model.Alert, k *knownAlert, firstSeen time.Time) (model.Upserted, error) {
	if k != nil && !k.stale && olderThan(a, k) {
		return t.older(a)
	}
	id := k.idOr(t)
	t.addRun(k != nil, id, a, firstSeen)
	a.ID = id
	if k == nil {
		return rowcodec.Stored(a, false, model.Alert{}, "", 0), nil
	}
	if err := k.fill(a); err != nil {
		return model.Upserted{}, fmt.Errorf("upsert alert %q: %w", a.DedupKey, err)
	}
	return rowcodec.Stored(a, true, k.marks, k.state, k.changes), nil
}

// idOr is the stored alert's id, or for a new one the lowest id taken
// ahead.
func (k *knownAlert) idOr(t *tx) int64 {
	if k != nil {
		return k.id
	}
	t.used++
	return t.taken[t.used-1]
}

// olderThan is the upsert's WHERE: whether a (not stale) stored alert
// holds back the delivery a, by the sender's own times.
func olderThan(a *model.Alert, k *knownAlert) bool {
	sent, stored := a.EndsAt, k.endsAt
	if a.State == model.AlertFiring {
		sent = a.StartsAt
	}
	if k.state == model.AlertFiring {
		stored = k.startsAt
	}
	if !sent.IsZero() && stored != nil && sent.UnixMilli() < *stored {
		return true
	}
	return a.State == model.AlertFiring && k.state == model.AlertResolved &&
		!a.StartsAt.IsZero() && k.endsAt != nil && a.StartsAt.UnixMilli() == *k.endsAt
}

// fill gives the fields the delivery a left empty their stored values, as
// the upsert keeps them.
func (k *knownAlert) fill(a *model.Alert) error {
	if a.Source == "" {
		a.Source = k.source
	}
	if a.Name == "" {
		a.Name = k.name
	}
	if a.Severity == 0 {
		a.Severity = model.Severity(k.severity)
	}
	if a.Service == "" {
		a.Service = k.service
	}
	if a.Summary == "" {
		a.Summary = k.summary
	}
	if a.Group == "" {
		a.Group = k.group
	}
	if len(a.Labels) == 0 {
		a.Labels = nil
		if err := json.Unmarshal([]byte(k.labels), &a.Labels); err != nil {
			return fmt.Errorf("stored labels: %w", err)
		}
	}
	return nil
}
