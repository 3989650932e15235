package pg

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5"
)

// incidentsSinceSQL reads what the metrics need in three disjoint parts,
// each served by an index, as store/metrics.go: the open records
// (incidents_queue), the others opened since $1 (incidents_opened), and the
// others opened before but resolved since (incidents_resolved).
const incidentsSinceSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE is_open
UNION ALL
SELECT ` + incidentColumns + ` FROM incidents
WHERE opened_at >= $1 AND NOT is_open
UNION ALL
SELECT ` + incidentColumns + ` FROM incidents
WHERE resolved_at >= $1 AND opened_at < $1 AND NOT is_open`

// IncidentsSince lists every incident and request opened or resolved at or
// after since, and every one still open, by opening time.
func (db *DB) IncidentsSince(ctx context.Context, since time.Time) ([]model.Incident, error) {
	rows, err := db.query(ctx, incidentsSinceSQL, since.UnixMilli())
	list, err := collect(rows, err, "incidents for metrics", scanIncident)
	slices.SortFunc(list, func(a, b model.Incident) int {
		return cmp.Or(a.OpenedAt.Compare(b.OpenedAt), cmp.Compare(a.ID, b.ID))
	})
	return list, err
}

// Alert volume per hour (the metrics view's chart), found as the SQLite
// store finds it: first_seen grows with the id, so the window's first alert
// is a binary search over ids, a few primary-key seeks, and only the
// window's rows are read.
const (
	alertAtOrAfterSQL = `SELECT id, first_seen FROM alerts WHERE id >= $1 ORDER BY id LIMIT 1`
	lastAlertSQL      = `SELECT coalesce(max(id), 0) FROM alerts`
	alertVolumeSQL    = `SELECT first_seen FROM alerts WHERE id >= $1 AND first_seen >= $2 AND first_seen < $3`
)

// AlertVolume counts the alerts first seen in each hour of [since, until):
// out[0] is the hour from since.
func (db *DB) AlertVolume(ctx context.Context, since, until time.Time) ([]int, error) {
	hours := int((until.Sub(since) + time.Hour - 1) / time.Hour)
	out := make([]int, max(hours, 0))
	if hours <= 0 {
		return out, nil
	}
	from, err := db.firstAlertAt(ctx, since.UnixMilli())
	if err != nil || from == 0 {
		return out, err
	}
	rows, err := db.query(ctx, alertVolumeSQL, from, since.UnixMilli(), until.UnixMilli())
	seen, err := collect(rows, err, "alert volume", func(s scanner) (int64, error) {
		var v int64
		return v, s.Scan(&v)
	})
	if err != nil {
		return nil, err
	}
	base := since.UnixMilli()
	for _, v := range seen {
		if h := int((v - base) / int64(time.Hour/time.Millisecond)); h >= 0 && h < hours {
			out[h]++
		}
	}
	return out, nil
}

// firstAlertAt is the id of the first alert first seen at or after at
// (milliseconds), 0 when there is none.
func (db *DB) firstAlertAt(ctx context.Context, at int64) (int64, error) {
	var hi int64
	if err := db.queryRow(ctx, lastAlertSQL).Scan(&hi); err != nil {
		return 0, fmt.Errorf("read alert volume: %w", unreachable(err))
	}
	lo, found := int64(1), int64(0)
	for lo <= hi {
		mid := lo + (hi-lo)/2
		var id, seen int64
		switch err := db.queryRow(ctx, alertAtOrAfterSQL, mid).Scan(&id, &seen); {
		case errors.Is(err, pgx.ErrNoRows):
			hi = mid - 1
			continue
		case err != nil:
			return 0, fmt.Errorf("read alert volume: %w", unreachable(err))
		}
		if seen >= at {
			found, hi = id, mid-1
		} else {
			lo = id + 1
		}
	}
	return found, nil
}
