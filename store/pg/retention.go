package pg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5"
)

// Retention, as store/retention.go has it for SQLite: records older than
// the plan's windows are archived and then deleted, a bounded batch per
// transaction, each batch found through an index (migration 0015). A
// DELETE … RETURNING hands the rows to the archive inside the transaction,
// so a batch the archive could not keep is never committed.
const (
	prunableAlertsSQL = `SELECT id, storm_id FROM alerts
WHERE state = 'resolved' AND last_seen < $1 ORDER BY last_seen, id LIMIT $2`
	countPrunableAlertsSQL = `SELECT count(*), coalesce(sum((SELECT count(*) FROM alert_changes c WHERE c.alert_id = a.id)), 0)
FROM alerts a WHERE a.state = 'resolved' AND a.last_seen < $1`
	deleteAlertChangesOfSQL = `DELETE FROM alert_changes WHERE alert_id = ANY($1) RETURNING *`
	deleteAlertsSQL         = `DELETE FROM alerts WHERE id = ANY($1) RETURNING *`
	stormMembersLeftSQL     = `SELECT count(*) FROM alerts WHERE storm_id = $1`
	resizeStormSQL          = `UPDATE storms SET size = (SELECT count(*) FROM alerts WHERE storm_id = $1) WHERE id = $1`
	deleteStormsSQL         = `DELETE FROM storms WHERE id = ANY($1) RETURNING *`
	countEmptiedStormSQL    = `SELECT count(*) FROM storms s
WHERE EXISTS (SELECT 1 FROM alerts WHERE storm_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM alerts WHERE storm_id = s.id AND NOT (state = 'resolved' AND last_seen < $1))`
	deleteOldChangesSQL = `DELETE FROM alert_changes WHERE seq IN
	(SELECT seq FROM alert_changes WHERE at < $1 ORDER BY at, seq LIMIT $2) RETURNING *`
	countOldChangesSQL = `SELECT count(*) FROM alert_changes c WHERE at < $1
  AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = c.alert_id AND a.state = 'resolved' AND a.last_seen < $2)`
	deleteOldDropsSQL = `DELETE FROM drops WHERE sha256 IN
	(SELECT sha256 FROM drops WHERE at < $1 ORDER BY at LIMIT $2) RETURNING *`
	countOldDropsSQL = `SELECT count(*) FROM drops WHERE at < $1`
	openAuditGateSQL = `INSERT INTO retention_gate (id, audit_before) VALUES (1, $1)`
	deleteOldAudit   = `DELETE FROM audit WHERE id IN
	(SELECT id FROM audit WHERE at < $1 ORDER BY at, id LIMIT $2) RETURNING *`
	closeAuditGateSQL    = `DELETE FROM retention_gate`
	countOldAuditSQL     = `SELECT count(*) FROM audit WHERE at < $1`
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
	if err := t.flush(); err != nil {
		return out, err
	}
	rows, err := t.query(prunableAlertsSQL, before.UnixMilli(), limit)
	if err != nil {
		return out, fmt.Errorf("prune alerts: %w", unreachable(err))
	}
	var ids []int64
	storms := map[int64]bool{}
	for rows.Next() {
		var id int64
		var storm *int64
		if err := rows.Scan(&id, &storm); err != nil {
			rows.Close()
			return out, fmt.Errorf("prune alerts: %w", unreachable(err))
		}
		ids = append(ids, id)
		if storm != nil {
			storms[*storm] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("prune alerts: %w", unreachable(err))
	}
	if len(ids) == 0 {
		return out, nil
	}
	// The history first: alert_changes goes with its alert (ON DELETE
	// CASCADE), and is archived as itself.
	if out.AlertChanges, err = t.deleteKeeping(to, "alert_changes", deleteAlertChangesOfSQL, ids); err != nil {
		return out, err
	}
	if out.Alerts, err = t.deleteKeeping(to, "alerts", deleteAlertsSQL, ids); err != nil {
		return out, err
	}
	// What LookupAlerts read ahead may name alerts gone now: an upsert of
	// one must not take it as stored.
	t.known = nil
	var emptied []int64
	for id := range storms {
		var left int
		if err := t.queryRow(stormMembersLeftSQL, id).Scan(&left); err != nil {
			return out, fmt.Errorf("prune storm %d: %w", id, unreachable(err))
		}
		if left == 0 {
			emptied = append(emptied, id)
			continue
		}
		if err := t.RefreshStorm(id); err != nil {
			return out, err
		}
		if _, err := t.exec(resizeStormSQL, id); err != nil {
			return out, fmt.Errorf("prune storm %d: %w", id, err)
		}
	}
	if len(emptied) > 0 {
		if out.Storms, err = t.deleteKeeping(to, "storms", deleteStormsSQL, emptied); err != nil {
			return out, err
		}
	}
	return out, nil
}

// PruneAlertChanges archives and deletes up to limit state changes
// recorded before the cutoff (alert_changes_at, migration 0015).
func (t *tx) PruneAlertChanges(before time.Time, limit int, to model.Archive) (int, error) {
	if limit <= 0 {
		return 0, errors.New("prune alert history: " + retentionBatchNeeded)
	}
	return t.deleteKeeping(to, "alert_changes", deleteOldChangesSQL, before.UnixMilli(), limit)
}

// PruneDrops archives and deletes up to limit records of drop files
// applied before the cutoff. A file delivered again after that is taken
// as new; its alerts' own times keep an old report from changing anything.
func (t *tx) PruneDrops(before time.Time, limit int, to model.Archive) (int, error) {
	if limit <= 0 {
		return 0, errors.New("prune drops: " + retentionBatchNeeded)
	}
	return t.deleteKeeping(to, "drops", deleteOldDropsSQL, before.UnixMilli(), limit)
}

// PruneAudit archives and deletes up to limit audit entries written before
// the cutoff, through the gate the audit log's delete trigger checks
// (migration 0015), closed again before the transaction ends.
func (t *tx) PruneAudit(before time.Time, limit int, to model.Archive) (int, error) {
	if limit <= 0 {
		return 0, errors.New("prune audit: " + retentionBatchNeeded)
	}
	if _, err := t.exec(openAuditGateSQL, before.UnixMilli()); err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	n, err := t.deleteKeeping(to, "audit", deleteOldAudit, before.UnixMilli(), limit)
	if err != nil {
		return 0, err
	}
	if _, err := t.exec(closeAuditGateSQL); err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	return n, nil
}

// deleteKeeping runs a DELETE … RETURNING * and hands the rows it removed
// to the archive, as the SQLite store holds them (asStored), before the
// transaction can commit; it says how many there were.
func (t *tx) deleteKeeping(to model.Archive, table, query string, args ...any) (int, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return 0, fmt.Errorf("prune %s: %w", table, unreachable(err))
	}
	defer rows.Close()
	var cols []string
	for _, f := range rows.FieldDescriptions() {
		cols = append(cols, f.Name)
	}
	var kept [][]any
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return 0, fmt.Errorf("prune %s: %w", table, err)
		}
		for i, v := range values {
			values[i] = asStored(v)
		}
		kept = append(kept, values)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("prune %s: %w", table, unreachable(err))
	}
	if len(kept) == 0 {
		return 0, nil
	}
	if err := to.Keep(table, cols, kept); err != nil {
		return 0, err // the archive's own error names its file
	}
	return len(kept), nil
}

// Prunable counts what a prune at these cutoffs would remove, in one read
// transaction. A zero cutoff ("forever") counts nothing.
func (db *DB) Prunable(ctx context.Context, c model.Cutoffs) (model.Pruned, error) {
	var out model.Pruned
	rtx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return out, fmt.Errorf("count prunable: %w", unreachable(err))
	}
	defer rtx.Rollback(context.WithoutCancel(ctx))
	count := func(into *int, query string, args ...any) error {
		if err := rtx.QueryRow(ctx, query, args...).Scan(into); err != nil {
			return fmt.Errorf("count prunable: %w", unreachable(err))
		}
		return nil
	}
	alerts := int64(-1 << 62) // no alert is older: none goes
	if !c.Alerts.IsZero() {
		alerts = c.Alerts.UnixMilli()
		if err := rtx.QueryRow(ctx, countPrunableAlertsSQL, alerts).Scan(&out.Alerts, &out.AlertChanges); err != nil {
			return out, fmt.Errorf("count prunable: %w", unreachable(err))
		}
		if err := count(&out.Storms, countEmptiedStormSQL, alerts); err != nil {
			return out, err
		}
		if err := count(&out.Drops, countOldDropsSQL, alerts); err != nil {
			return out, err
		}
	}
	if !c.AlertHistory.IsZero() {
		var more int
		if err := count(&more, countOldChangesSQL, c.AlertHistory.UnixMilli(), alerts); err != nil {
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
