package model

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Retention is how long hypercare keeps what piles up with every drop: the
// plan's [retention]. Older records are written to the archive and then
// removed, so the database stays the size of the window.
type Retention struct {
	// Alerts is how long a resolved alert is kept after it was last seen;
	// it goes with its state history, a storm it leaves empty, and the
	// records of the drop files that were applied that long ago.
	Alerts time.Duration
	// AlertHistory is how long the state changes of the alerts that stay
	// (firing, or seen since) are kept.
	AlertHistory time.Duration
	// Audit is how long audit entries are kept.
	Audit time.Duration
}

// DefaultRetention keeps ninety days of each.
func DefaultRetention() Retention {
	const days90 = 90 * 24 * time.Hour
	return Retention{Alerts: days90, AlertHistory: days90, Audit: days90}
}

// MinRetention is the shortest window the plan may set: a prune must never
// take the day the team is working on.
const MinRetention = 24 * time.Hour

// Cutoffs are the times before which each kind of record goes; the zero
// time for a kind kept forever.
type Cutoffs struct {
	Alerts, AlertHistory, Audit time.Time
}

// Cutoffs are the retention's windows counted back from now. A zero
// window is "forever".
func (r Retention) Cutoffs(now time.Time) Cutoffs {
	back := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		return now.Add(-d)
	}
	return Cutoffs{Alerts: back(r.Alerts), AlertHistory: back(r.AlertHistory), Audit: back(r.Audit)}
}

// Archive keeps what a prune removes. Keep is called inside the
// transaction that removes the rows, before it commits, and returns only
// once they are durable (written and synced), so a record is never lost:
// at worst, after a crash between the two, it is archived twice.
type Archive interface {
	// Keep appends rows of a table; values are as the store holds them
	// (times in unix milliseconds, lists and labels as JSON text), each
	// row in the order of columns.
	Keep(table string, columns []string, rows [][]any) error
}

// Pruned counts the records a prune removed, or would remove.
type Pruned struct {
	Alerts       int `json:"alerts"`        // resolved alerts
	AlertChanges int `json:"alert_changes"` // state changes: of those alerts, and older ones of the alerts kept
	Storms       int `json:"storms"`        // storms none of whose alerts are left
	Drops        int `json:"drops"`         // records of drop files applied (what stops a file applying twice)
	Audit        int `json:"audit"`         // audit entries
}

func (p *Pruned) add(q Pruned) {
	p.Alerts += q.Alerts
	p.AlertChanges += q.AlertChanges
	p.Storms += q.Storms
	p.Drops += q.Drops
	p.Audit += q.Audit
}

// Total is every record counted.
func (p Pruned) Total() int { return p.Alerts + p.AlertChanges + p.Storms + p.Drops + p.Audit }

// RetentionTx removes records in bounded batches: each method archives and
// deletes at most limit records (alerts, state changes, drop records,
// audit entries) older than before, and says how many went. Fewer than
// limit means none is left.
type RetentionTx interface {
	// PruneAlerts removes resolved alerts last seen before the cutoff,
	// with their state changes, and the storms they leave empty; a storm
	// that keeps members elects its row in the feed again and counts what
	// is left.
	PruneAlerts(before time.Time, limit int, to Archive) (Pruned, error)
	// PruneAlertChanges removes state changes recorded before the cutoff.
	PruneAlertChanges(before time.Time, limit int, to Archive) (int, error)
	// PruneDrops removes the records of drop files applied before the cutoff.
	PruneDrops(before time.Time, limit int, to Archive) (int, error)
	// PruneAudit removes audit entries written before the cutoff; the
	// audit log refuses any other delete.
	PruneAudit(before time.Time, limit int, to Archive) (int, error)
}

// RetentionReader counts what a prune at these cutoffs would remove,
// without removing it.
type RetentionReader interface {
	Prunable(ctx context.Context, c Cutoffs) (Pruned, error)
}

// PruneRun says how to prune.
type PruneRun struct {
	// Archive receives every record before it is removed; required unless
	// DryRun.
	Archive Archive
	// DryRun counts what would go and removes nothing.
	DryRun bool
	// Batch bounds the records removed per transaction, so a prune of a
	// million rows never holds the database for long; 0 is DefaultPruneBatch.
	Batch int
	// Pause is waited between batches, so that other processes' writes
	// (a CLI next to serve) get the lock in between.
	Pause time.Duration
}

// DefaultPruneBatch keeps each prune transaction to tens of milliseconds.
const DefaultPruneBatch = 1000

// Prune archives and removes what is older than the plan's retention at
// now: resolved alerts (with their history and the storms they leave
// empty) and the records of old drop files, then the older state changes
// of the alerts kept, then audit entries. Each batch is its own
// transaction with its own audit entry (retention.prune), so consoles and
// the intake go on writing between batches and what was removed is on
// record even if the prune is stopped half-way. A dry run counts instead,
// for anyone; removing takes PermPrune.
func (s *Desk) Prune(ctx context.Context, a Actor, now time.Time, run PruneRun) (Pruned, error) {
	var total Pruned
	cut := s.pol().Retention().Cutoffs(now.UTC())
	if run.DryRun {
		return s.store.Prunable(ctx, cut) // only counts: anyone may ask
	}
	if err := a.Check(PermPrune); err != nil {
		return total, err
	}
	if run.Archive == nil {
		return total, errors.New("prune: no archive to keep the records in")
	}
	batch := run.Batch
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	steps := []struct {
		what   string
		before time.Time
		prune  func(tx Tx) (Pruned, error)
	}{
		{"alerts", cut.Alerts, func(tx Tx) (Pruned, error) { return tx.PruneAlerts(cut.Alerts, batch, run.Archive) }},
		{"drops", cut.Alerts, func(tx Tx) (Pruned, error) {
			n, err := tx.PruneDrops(cut.Alerts, batch, run.Archive)
			return Pruned{Drops: n}, err
		}},
		{"alert_changes", cut.AlertHistory, func(tx Tx) (Pruned, error) {
			n, err := tx.PruneAlertChanges(cut.AlertHistory, batch, run.Archive)
			return Pruned{AlertChanges: n}, err
		}},
		{"audit", cut.Audit, func(tx Tx) (Pruned, error) {
			n, err := tx.PruneAudit(cut.Audit, batch, run.Archive)
			return Pruned{Audit: n}, err
		}},
	}
	for _, st := range steps {
		if st.before.IsZero() {
			continue // kept forever
		}
		for {
			var got Pruned
			err := s.store.Write(ctx, func(tx Tx) error {
				var err error
				if got, err = st.prune(tx); err != nil {
					return err
				}
				if got.Total() == 0 {
					return errQuiet
				}
				return s.audit(tx, a, "retention.prune", st.what, nil, struct {
					Before time.Time `json:"before"`
					Pruned
				}{st.before.UTC(), got})
			})
			if errors.Is(err, errQuiet) {
				break
			}
			if err != nil {
				return total, fmt.Errorf("prune %s: %w", st.what, err)
			}
			total.add(got)
			if primary(st.what, got) < batch {
				break
			}
			if err := pause(ctx, run.Pause); err != nil {
				return total, err
			}
		}
	}
	if c, ok := s.store.(Compacter); ok && total.Total() > 0 {
		if err := c.Compact(ctx); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
	}
	return total, nil
}

// primary is the count a step's batch limit applies to.
func primary(what string, p Pruned) int {
	switch what {
	case "alerts":
		return p.Alerts
	case "drops":
		return p.Drops
	case "alert_changes":
		return p.AlertChanges
	}
	return p.Audit
}

func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
