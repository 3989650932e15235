package pg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
	"github.com/jackc/pgx/v5"
)

// The outbox (migration 0013) and the war rooms (0014), as store/outbox.go.
const (
	outboxColumns = `id, key, event, entity, rule, channel, target, subject, body, fields, state, attempts,
	max_attempts, created_at, next_at, lease_owner, lease_until, last_error, sent_at`

	insertNotificationSQL = `INSERT INTO outbox (key, event, entity, rule, channel, target, subject, body, fields,
	state, attempts, max_attempts, created_at, next_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (key) DO NOTHING
RETURNING id`

	// claimNotificationSQL takes the message due longest in one statement,
	// so a claim and its attempt are one write. Claims happen inside Write,
	// which queues writers, so two workers never take the same message.
	claimNotificationSQL = `UPDATE outbox SET state = 'sending', lease_owner = $1, lease_until = $3, attempts = attempts + 1
WHERE id = (SELECT id FROM (
	SELECT id, next_at AS due FROM outbox WHERE state = 'pending' AND next_at <= $2
	UNION ALL
	SELECT id, lease_until AS due FROM outbox WHERE state = 'sending' AND lease_until <= $2
	ORDER BY due, id LIMIT 1) d)
RETURNING ` + outboxColumns

	notificationSQL       = `SELECT ` + outboxColumns + ` FROM outbox WHERE id = $1`
	updateNotificationSQL = `UPDATE outbox SET state = $2, attempts = $3, next_at = $4, lease_owner = $5, lease_until = $6,
	last_error = $7, sent_at = $8 WHERE id = $1`

	// $1 state ('' for any), $2 entity ('' for any).
	notificationsSQL = `SELECT ` + outboxColumns + ` FROM outbox
WHERE ($1::text = '' OR state = $1) AND ($2::text = '' OR entity = $2)
ORDER BY id DESC LIMIT $3`

	nextNotificationSQL = `SELECT least(
	(SELECT min(next_at) FROM outbox WHERE state = 'pending'),
	(SELECT min(lease_until) FROM outbox WHERE state = 'sending'))`

	warRoomColumns = `w.incident_id, w.declared_at, w.declared_by, w.commander, w.comms, w.scribe, w.last_update,
	w.updates, w.reminded_for, w.stood_down_at, w.review_id, ` + incidentColumns
	warRoomFrom = ` FROM war_rooms w JOIN incidents ON incidents.id = w.incident_id`

	warRoomSQL        = `SELECT ` + warRoomColumns + warRoomFrom + ` WHERE w.incident_id = $1`
	activeWarRoomsSQL = `SELECT ` + warRoomColumns + warRoomFrom + `
WHERE w.stood_down_at IS NULL AND state NOT IN ('closed', 'cancelled')
ORDER BY priority, w.declared_at, w.incident_id`

	upsertWarRoomSQL = `INSERT INTO war_rooms (incident_id, declared_at, declared_by, commander, comms, scribe,
	last_update, updates, reminded_for, stood_down_at, review_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (incident_id) DO UPDATE SET declared_at = excluded.declared_at, declared_by = excluded.declared_by,
	commander = excluded.commander, comms = excluded.comms, scribe = excluded.scribe, last_update = excluded.last_update,
	updates = excluded.updates, reminded_for = excluded.reminded_for, stood_down_at = excluded.stood_down_at,
	review_id = excluded.review_id`
)

func (t *tx) InsertNotification(n *model.Notification) (bool, error) {
	args, err := rowcodec.NotificationArgs(n)
	if err != nil {
		return false, err
	}
	err = t.queryRow(insertNotificationSQL, args...).Scan(&n.ID)
	switch {
	case errors.Is(err, pgx.ErrNoRows): // the key is there: this event was written before
		return false, nil
	case err != nil:
		return false, fmt.Errorf("insert message %q: %w", n.Key, unreachable(err))
	}
	return true, nil
}

func (t *tx) ClaimNotification(worker string, now, leaseUntil time.Time) (model.Notification, error) {
	n, err := rowcodec.ScanNotification(t.queryRow(claimNotificationSQL, worker, ms(now), ms(leaseUntil)))
	return n, found(err, "claim a message")
}

func (t *tx) NotificationByID(id int64) (model.Notification, error) {
	n, err := rowcodec.ScanNotification(t.queryRow(notificationSQL, id))
	return n, lookupErr(err, "MSG-%d", id)
}

func (t *tx) UpdateNotification(n model.Notification) error {
	return t.execOne(n.Ref(), updateNotificationSQL, n.ID, string(n.State), n.Attempts, ms(n.NextAt), n.LeaseOwner,
		ms(n.LeaseUntil), n.LastError, ms(n.SentAt))
}

// Notifications lists outbox messages, newest first.
func (db *DB) Notifications(ctx context.Context, q model.NotificationQuery) ([]model.Notification, error) {
	rows, err := db.query(ctx, notificationsSQL, string(q.State), q.Entity, limit(q.Limit))
	return collect(rows, err, "outbox", rowcodec.ScanNotification)
}

// NextNotification is when the next message can be claimed.
func (db *DB) NextNotification(ctx context.Context) (time.Time, error) {
	var at time.Time
	if err := db.queryRow(ctx, nextNotificationSQL).Scan(rowcodec.Time(&at)); err != nil {
		return at, fmt.Errorf("read the outbox: %w", unreachable(err))
	}
	if at.IsZero() {
		return at, model.ErrNotFound
	}
	return at, nil
}

func (t *tx) WarRoom(incidentID int64) (model.WarRoom, error) {
	w, err := rowcodec.ScanWarRoom(t.queryRow(warRoomSQL, incidentID))
	return w, lookupErr(err, "war room of INC-%d", incidentID)
}

func (t *tx) ActiveWarRooms() ([]model.WarRoom, error) {
	rows, err := t.query(activeWarRoomsSQL)
	return collect(rows, err, "war rooms", rowcodec.ScanWarRoom)
}

func (t *tx) UpsertWarRoom(w model.WarRoom) error {
	_, err := t.exec(upsertWarRoomSQL, w.IncidentID, ms(w.DeclaredAt), w.DeclaredBy, w.Commander, w.Comms, w.Scribe,
		ms(w.LastUpdate), w.Updates, ms(w.RemindedFor), ms(w.StoodDownAt), nullID(w.Review))
	if err != nil {
		return fmt.Errorf("write the war room of INC-%d: %w", w.IncidentID, err)
	}
	return nil
}

func (t *tx) TimelineOf(incidentID int64) ([]model.TimelineEntry, error) {
	rows, err := t.query(timelineSQL, incidentID)
	return collect(rows, err, "timeline", rowcodec.ScanTimeline)
}

// WarRooms lists the open war rooms, the most pressing first.
func (db *DB) WarRooms(ctx context.Context) ([]model.WarRoom, error) {
	rows, err := db.query(ctx, activeWarRoomsSQL)
	return collect(rows, err, "war rooms", rowcodec.ScanWarRoom)
}

// WarRoom reads an incident's war room, open or not.
func (db *DB) WarRoom(ctx context.Context, incidentID int64) (model.WarRoom, error) {
	return one(db.queryRow(ctx, warRoomSQL, incidentID), fmt.Sprintf("war room of INC-%d", incidentID), rowcodec.ScanWarRoom)
}
