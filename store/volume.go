package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Alert volume per hour (the metrics view's chart). first_seen is when
// hypercare first took the alert in, so it grows with the id: the window's
// first alert is found by a binary search over ids, a few primary-key
// seeks, and only the window's rows are read — no index on first_seen,
// which every insert would pay for.
const (
	alertAtOrAfterSQL = `SELECT id, first_seen FROM alerts WHERE id >= ?1 ORDER BY id LIMIT 1`
	lastAlertSQL      = `SELECT ifnull(max(id), 0) FROM alerts`
	// Bucketed in Go as the rows stream: a GROUP BY would sort them first.
	alertVolumeSQL = `SELECT first_seen FROM alerts WHERE id >= ?1 AND first_seen >= ?2 AND first_seen < ?3`
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
	if err != nil {
		return nil, fmt.Errorf("read alert volume: %w", err)
	}
	defer rows.Close()
	base := since.UnixMilli()
	for rows.Next() {
		var seen int64
		if err := rows.Scan(&seen); err != nil {
			return nil, fmt.Errorf("read alert volume: %w", err)
		}
		if h := int((seen - base) / int64(time.Hour/time.Millisecond)); h >= 0 && h < hours {
			out[h]++
		}
	}
	return out, rows.Err()
}

// firstAlertAt is the id of the first alert first seen at or after at
// (milliseconds), 0 when there is none.
func (db *DB) firstAlertAt(ctx context.Context, at int64) (int64, error) {
	row, err := db.queryRow(ctx, lastAlertSQL)
	if err != nil {
		return 0, err
	}
	var hi int64
	if err := row.Scan(&hi); err != nil {
		return 0, fmt.Errorf("read alert volume: %w", err)
	}
	lo, found := int64(1), int64(0)
	for lo <= hi {
		mid := lo + (hi-lo)/2
		row, err := db.queryRow(ctx, alertAtOrAfterSQL, mid)
		if err != nil {
			return 0, err
		}
		var id, seen int64
		switch err := row.Scan(&id, &seen); {
		case errors.Is(err, sql.ErrNoRows):
			hi = mid - 1
			continue
		case err != nil:
			return 0, fmt.Errorf("read alert volume: %w", err)
		}
		if seen >= at {
			found, hi = id, mid-1
		} else {
			lo = id + 1
		}
	}
	return found, nil
}
