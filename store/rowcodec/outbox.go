package rowcodec

import (
	"encoding/json"
	"fmt"

	"github.com/hypercare-ops/hypercare/model"
)

// NotificationArgs are the 14 parameters of the stores'
// insertNotificationSQL. The message's fields are a JSON list ("[]" for
// none).
func NotificationArgs(n *model.Notification) ([]any, error) {
	fields := "[]"
	if len(n.Fields) > 0 {
		b, err := json.Marshal(n.Fields)
		if err != nil {
			return nil, fmt.Errorf("outbox fields: %w", err)
		}
		fields = string(b)
	}
	return []any{n.Key, string(n.Event), n.Entity, n.Rule, string(n.Channel), n.Target, n.Subject, n.Text, fields,
		string(n.State), n.Attempts, n.MaxAttempts, Millis(n.CreatedAt), Millis(n.NextAt)}, nil
}

// ScanNotification scans the stores' outboxColumns.
func ScanNotification(row Row) (model.Notification, error) {
	var n model.Notification
	var fields string
	err := row.Scan(&n.ID, &n.Key, &n.Event, &n.Entity, &n.Rule, &n.Channel, &n.Target, &n.Subject, &n.Text, &fields,
		&n.State, &n.Attempts, &n.MaxAttempts, Time(&n.CreatedAt), Time(&n.NextAt), &n.LeaseOwner, Time(&n.LeaseUntil),
		&n.LastError, Time(&n.SentAt))
	if err == nil && fields != "[]" {
		if err = json.Unmarshal([]byte(fields), &n.Fields); err != nil {
			err = fmt.Errorf("%s fields: %w", n.Ref(), err)
		}
	}
	return n, err
}

// ScanWarRoom scans the stores' warRoomColumns: the war room, then its
// incident.
func ScanWarRoom(row Row) (model.WarRoom, error) {
	var w model.WarRoom
	err := row.Scan(append([]any{&w.IncidentID, Time(&w.DeclaredAt), &w.DeclaredBy, &w.Commander, &w.Comms, &w.Scribe,
		Time(&w.LastUpdate), &w.Updates, Time(&w.RemindedFor), Time(&w.StoodDownAt), NullInt(&w.Review)},
		IncidentFields(&w.Incident)...)...)
	return w, err
}
