package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Retention: records older than the plan's windows are archived and then
// deleted, a bounded batch per transaction. Every batch is found through an
// index, so it reads about what it removes however large the tables are.
const (
	// prunableAlertsCTE lists the severities that non-firing alerts have,
	// storm members and the rest apart, one seek each on alerts_feed (a
	// loose index scan), so that "storm_member = m AND firing = 0 AND
	// severity = s AND last_seen < ?1" is a range of that index for each:
	// exactly the old alerts that are not firing. The stale ones among
	// them are not resolved and stay.
	prunableAlertsCTE = `WITH RECURSIVE sev(m, s) AS (
    SELECT 0, (SELECT min(severity) FROM alerts WHERE storm_member = 0 AND firing = 0)
    UNION ALL
    SELECT 1, (SELECT min(severity) FROM alerts WHERE storm_member = 1 AND firing = 0)
    UNION ALL
    SELECT m, (SELECT min(severity) FROM alerts WHERE storm_member = m AND firing = 0 AND severity > s) FROM sev WHERE s IS NOT NULL
)
`
	prunableAlertsSQL = prunableAlertsCTE + `SELECT a.id, a.storm_id FROM sev CROSS JOIN alerts a
WHERE a.storm_member = sev.m AND a.firing = 0 AND a.severity = sev.s AND a.last_seen < ?1 AND a.state = 'resolved'
LIMIT ?2`
	countPrunableAlertsSQL = prunableAlertsCTE + `SELECT count(*), ifnull(sum((SELECT count(*) FROM alert_changes c WHERE c.alert_id = a.id)), 0)
FROM sev CROSS JOIN alerts a
WHERE a.storm_member = sev.m AND a.firing = 0 AND a.severity = sev.s AND a.last_seen < ?1 AND a.state = 'resolved'`

	// ?1 is a JSON array of ids.
	alertRowsSQL         = `SELECT * FROM alerts WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id`
	alertChangeRowsSQL   = `SELECT * FROM alert_changes WHERE alert_id IN (SELECT value FROM json_each(?1)) ORDER BY alert_id, at`
	deleteAlertChanges   = `DELETE FROM alert_changes WHERE alert_id IN (SELECT value FROM json_each(?1))`
	deleteAlertsSQL      = `DELETE FROM alerts WHERE id IN (SELECT value FROM json_each(?1))`
	deleteStormsSQL      = `DELETE FROM storms WHERE id IN (SELECT value FROM json_each(?1))`
	resizeStormSQL       = `UPDATE storms SET size = (SELECT count(*) FROM alerts WHERE storm_id = ?1) WHERE id = ?1`
	stormMembersLeftSQL  = `SELECT count(*) FROM alerts WHERE storm_id = ?1`
	stormRowsSQL         = `SELECT * FROM storms WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id`
	countEmptiedStormSQL = `SELECT count(*) FROM storms s
WHERE EXISTS (SELECT 1 FROM alerts WHERE storm_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM alerts WHERE storm_id = s.id AND NOT (state = 'resolved' AND last_seen < ?1))`

	// alert_changes has no index on at, and needs none: rows are added as
	// things happen, so rowid order is time order but for the odd late
	// row. A binary search over rowids finds where the cutoff falls and a
	// batch reads from the start up to there; a late row beyond it waits
	// for a later prune.
	changeAtOrAfterSQL = `SELECT rowid, at FROM alert_changes WHERE rowid >= ?1 ORDER BY rowid LIMIT 1`
	lastChangeSQL      = `SELECT ifnull(max(rowid), 0) FROM alert_changes`
	oldChangesSQL      = `SELECT rowid, * FROM alert_changes WHERE rowid < ?1 AND at < ?2 ORDER BY rowid LIMIT ?3`
	deleteChangesSQL   = `DELETE FROM alert_changes WHERE rowid IN (SELECT value FROM json_each(?1))`
	countOldChangesSQL = `SELECT count(*) FROM alert_changes c WHERE rowid < ?1 AND at < ?2
  AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = c.alert_id AND a.state = 'resolved' AND a.last_seen < ?3)`
	oldDropsSQL          = `SELECT * FROM drops WHERE at < ?1 ORDER BY at LIMIT ?2`
	deleteDropsSQL       = `DELETE FROM drops WHERE sha256 IN (SELECT value FROM json_each(?1))`
	countOldDropsSQL     = `SELECT count(*) FROM drops WHERE at < ?1`
	oldAuditSQL          = `SELECT * FROM audit WHERE at < ?1 ORDER BY at, id LIMIT ?2`
	openAuditGateSQL     = `INSERT INTO retention_gate (id, audit_before) VALUES (1, ?1)`
	deleteAuditSQL       = `DELETE FROM audit WHERE id IN (SELECT value FROM json_each(?1))`
	closeAuditGateSQL    = `DELETE FROM retention_gate`
	countOldAuditSQL     = `SELECT count(*) FROM audit WHERE at < ?1`
	retentionBatchNeeded = "a batch limit above zero"
)

// PruneAlerts archives and deletes up to limit resolved alerts last seen
// before the cutoff, with their state changes and the storms they leave
// empty; storms that keep members elect their feed row again and count
// what is left.
func (t *tx) PruneAlerts(before time.Time, limit int, to model.Archive) (model.Pruned, error) {
	var out model.Pruned
	if limit <= 0 {
		return out, errors.New("prune alerts: " + retentionBatchNeeded)
	}
	rows, err := t.sqlTx().QueryContext(t.ctx, prunableAlertsSQL, before.UnixMilli(), limit)
	if err != nil {
		return out, fmt.Errorf("prune alerts: %w", err)
	}
	var ids []int64
	storms := map[int64]bool{}
	for rows.Next() {
		var id int64
		var storm sql.NullInt64
		if err := rows.Scan(&id, &storm); err != nil {
			rows.Close()
			return out, fmt.Errorf("prune alerts: %w", err)
		}
		ids = append(ids, id)
		if storm.Valid {
			storms[storm.Int64] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("prune alerts: %w", err)
	}
	if len(ids) == 0 {
		return out, nil
	}
	idList := jsonIDs(ids)
	if out.Alerts, err = t.archive(to, "alerts", alertRowsSQL, idList); err != nil {
		return out, err
	}
	if out.AlertChanges, err = t.archive(to, "alert_changes", alertChangeRowsSQL, idList); err != nil {
		return out, err
	}
	if _, err := t.sqlTx().ExecContext(t.ctx, deleteAlertChanges, idList); err != nil {
		return out, fmt.Errorf("prune alert history: %w", err)
	}
	if _, err := t.sqlTx().ExecContext(t.ctx, deleteAlertsSQL, idList); err != nil {
		return out, fmt.Errorf("prune alerts: %w", err)
	}
	// What LookupAlerts read ahead may name alerts gone now: an upsert of
	// one must not take it as stored (nor a held alert the id it had).
	t.known = nil
	// A storm some of whose alerts went: gone with them when none is
	// left, else shown by its most pressing member and sized as it is.
	var emptied []int64
	for id := range storms {
		var left int
		if err := t.sqlTx().QueryRowContext(t.ctx, stormMembersLeftSQL, id).Scan(&left); err != nil {
			return out, fmt.Errorf("prune storm %d: %w", id, err)
		}
		if left == 0 {
			emptied = append(emptied, id)
			continue
		}
		if err := t.RefreshStorm(id); err != nil {
			return out, err
		}
		if _, err := t.sqlTx().ExecContext(t.ctx, resizeStormSQL, id); err != nil {
			return out, fmt.Errorf("prune storm %d: %w", id, err)
		}
	}
	if len(emptied) > 0 {
		stormList := jsonIDs(emptied)
		if out.Storms, err = t.archive(to, "storms", stormRowsSQL, stormList); err != nil {
			return out, err
		}
		if _, err := t.sqlTx().ExecContext(t.ctx, deleteStormsSQL, stormList); err != nil {
			return out, fmt.Errorf("prune storms: %w", err)
		}
	}
	return out, nil
}

// PruneAlertChanges archives and deletes up to limit state changes
// recorded before the cutoff.
func (t *tx) PruneAlertChanges(before time.Time, limit int, to model.Archive) (int, error) {
	if limit <= 0 {
		return 0, errors.New("prune alert history: " + retentionBatchNeeded)
	}
	bound, err := changesBound(t.ctx, t.sqlTx(), before.UnixMilli())
	if err != nil {
		return 0, err
	}
	rows, err := t.sqlTx().QueryContext(t.ctx, oldChangesSQL, bound, before.UnixMilli(), limit)
	if err != nil {
		return 0, fmt.Errorf("prune alert history: %w", err)
	}
	var rowids []int64
	cols, kept, err := readRows(rows, func(v []any) { rowids = append(rowids, v[0].(int64)) })
	if err != nil {
		return 0, fmt.Errorf("prune alert history: %w", err)
	}
	if len(kept) == 0 {
		return 0, nil
	}
	for i := range kept {
		kept[i] = kept[i][1:] // the rowid is no record's field
	}
	if err := to.Keep("alert_changes", cols[1:], kept); err != nil {
		return 0, err
	}
	if _, err := t.sqlTx().ExecContext(t.ctx, deleteChangesSQL, jsonIDs(rowids)); err != nil {
		return 0, fmt.Errorf("prune alert history: %w", err)
	}
	return len(kept), nil
}

// PruneDrops archives and deletes up to limit records of drop files
// applied before the cutoff. A file delivered again after that is taken
// as new; its alerts' own times keep an old report from changing anything.
func (t *tx) PruneDrops(before time.Time, limit int, to model.Archive) (int, error) {
	if limit <= 0 {
		return 0, errors.New("prune drops: " + retentionBatchNeeded)
	}
	rows, err := t.sqlTx().QueryContext(t.ctx, oldDropsSQL, before.UnixMilli(), limit)
	if err != nil {
		return 0, fmt.Errorf("prune drops: %w", err)
	}
	var keys []string
	cols, kept, err := readRows(rows, func(v []any) { keys = append(keys, v[0].(string)) })
	if err != nil || len(kept) == 0 {
		return 0, err
	}
	if err := to.Keep("drops", cols, kept); err != nil {
		return 0, err
	}
	list, _ := json.Marshal(keys)
	if _, err := t.sqlTx().ExecContext(t.ctx, deleteDropsSQL, string(list)); err != nil {
		return 0, fmt.Errorf("prune drops: %w", err)
	}
	return len(kept), nil
}

// PruneAudit archives and deletes up to limit audit entries written before
// the cutoff, through the gate the audit log's delete trigger checks
// (migration 0015), closed again before the transaction ends.
func (t *tx) PruneAudit(before time.Time, limit int, to model.Archive) (int, error) {
	if limit <= 0 {
		return 0, errors.New("prune audit: " + retentionBatchNeeded)
	}
	rows, err := t.sqlTx().QueryContext(t.ctx, oldAuditSQL, before.UnixMilli(), limit)
	if err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	var ids []int64
	cols, kept, err := readRows(rows, func(v []any) { ids = append(ids, v[0].(int64)) })
	if err != nil || len(kept) == 0 {
		return 0, err
	}
	if err := to.Keep("audit", cols, kept); err != nil {
		return 0, err
	}
	if _, err := t.sqlTx().ExecContext(t.ctx, openAuditGateSQL, before.UnixMilli()); err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	if _, err := t.sqlTx().ExecContext(t.ctx, deleteAuditSQL, jsonIDs(ids)); err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	if _, err := t.sqlTx().ExecContext(t.ctx, closeAuditGateSQL); err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	return len(kept), nil
}

// Prunable counts what a prune at these cutoffs would remove, in one read
// transaction. A zero cutoff ("forever") counts nothing.
func (db *DB) Prunable(ctx context.Context, c model.Cutoffs) (model.Pruned, error) {
	var out model.Pruned
	rtx, err := db.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return out, fmt.Errorf("count prunable: %w", err)
	}
	defer rtx.Rollback()
	count := func(into *int, query string, args ...any) error {
		if err := rtx.QueryRowContext(ctx, query, args...).Scan(into); err != nil {
			return fmt.Errorf("count prunable: %w", err)
		}
		return nil
	}
	alerts := int64(-1 << 62) // no alert is older: none goes
	if !c.Alerts.IsZero() {
		alerts = c.Alerts.UnixMilli()
		if err := rtx.QueryRowContext(ctx, countPrunableAlertsSQL, alerts).Scan(&out.Alerts, &out.AlertChanges); err != nil {
			return out, fmt.Errorf("count prunable: %w", err)
		}
		if err := count(&out.Storms, countEmptiedStormSQL, alerts); err != nil {
			return out, err
		}
		if err := count(&out.Drops, countOldDropsSQL, alerts); err != nil {
			return out, err
		}
	}
	if !c.AlertHistory.IsZero() {
		at := c.AlertHistory.UnixMilli()
		bound, err := changesBound(ctx, rtx, at)
		if err != nil {
			return out, err
		}
		var more int
		if err := count(&more, countOldChangesSQL, bound, at, alerts); err != nil {
			return out, err
		}
		out.AlertChanges += more
	}
	if !c.Audit.IsZero() {
		if err := count(&out.Audit, countOldAuditSQL, c.Audit.UnixMilli()); err != nil {
			return out, err
		}
	}
	return out, nil
}

// rowReader is a *sql.Tx, on either side.
type rowReader interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// changesBound is the rowid of the first state change recorded at or after
// at (milliseconds), or one past the last when there is none: the end of
// what a prune at that cutoff reads.
func changesBound(ctx context.Context, q rowReader, at int64) (int64, error) {
	var hi int64
	if err := q.QueryRowContext(ctx, lastChangeSQL).Scan(&hi); err != nil {
		return 0, fmt.Errorf("find old alert history: %w", err)
	}
	lo, found := int64(1), hi+1
	for lo <= hi {
		mid := lo + (hi-lo)/2
		var rowid, seen int64
		switch err := q.QueryRowContext(ctx, changeAtOrAfterSQL, mid).Scan(&rowid, &seen); {
		case errors.Is(err, sql.ErrNoRows):
			hi = mid - 1
			continue
		case err != nil:
			return 0, fmt.Errorf("find old alert history: %w", err)
		}
		if seen >= at {
			found, hi = rowid, mid-1
		} else {
			lo = rowid + 1
		}
	}
	return found, nil
}

// archive reads the rows query selects (whole rows, SELECT *), hands them
// to the archive and says how many there were.
func (t *tx) archive(to model.Archive, table, query string, args ...any) (int, error) {
	rows, err := t.sqlTx().QueryContext(t.ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("archive %s: %w", table, err)
	}
	cols, kept, err := readRows(rows, nil)
	if err != nil {
		return 0, fmt.Errorf("archive %s: %w", table, err)
	}
	if len(kept) == 0 {
		return 0, nil
	}
	if err := to.Keep(table, cols, kept); err != nil {
		return 0, err // the archive's own error names its file
	}
	return len(kept), nil
}

// readRows reads every row as SQLite stores it, calling each (when not
// nil) with every row as it is read, and closes rows.
func readRows(rows *sql.Rows, each func([]any)) ([]string, [][]any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		if each != nil {
			each(values)
		}
		out = append(out, values)
	}
	return cols, out, rows.Err()
}

func jsonIDs(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}
