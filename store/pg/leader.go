package pg

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Time-driven work (the SLA sweep and escalations, stale alerts, expiry
// warnings, missed jobs, notifications) needs no one at a keyboard, and
// every process that could do it shares the database: one of them, the
// leader, does it. Leadership is a session advisory lock held on a
// connection of its own, so PostgreSQL hands it to another process the
// moment the leader's connection ends (a crash, a restart, a network
// partition), with no lease to time out. Writes are serialised anyway
// (DB.Write), so even two leaders would raise each event once; the leader
// keeps the others from repeating work and side effects outside the
// database.
type leader struct {
	mu      sync.Mutex
	cfg     *pgx.ConnConfig
	conn    *pgx.Conn
	leading bool
}

const lockLead = 0x6863_0003

// Leading reports whether this process leads the time-driven work now,
// taking the lead when nobody holds it. It is cheap enough to ask on every
// tick: one round trip on the leader's own connection.
func (db *DB) Leading(ctx context.Context) bool {
	l := &db.lead
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		if l.leading {
			// Still ours while the session lives.
			if _, err := l.conn.Exec(ctx, "SELECT 1"); err == nil {
				return true
			}
		} else if err := l.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockLead, db.key).Scan(&l.leading); err == nil {
			return l.leading
		}
		l.drop(db.key)
	}
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return false
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockLead, db.key).Scan(&l.leading); err != nil {
		conn.Close(context.Background())
		return false
	}
	l.conn = conn
	return l.leading
}

// Leader names the session that leads the time-driven work of this
// hypercare now, by its application_name ("hypercare PID@HOST" unless the
// URL sets another), or "" when nobody leads.
func (db *DB) Leader(ctx context.Context) (string, error) {
	var name string
	err := db.pool.QueryRow(ctx, `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2::oid
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, lockLead, uint32(db.key)).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("who leads: %w", unreachable(err))
	}
	return name, nil
}

// drop closes the leader's connection, giving up the lead if it was held.
// A leader that stops says so first, so another process takes over on its
// next tick rather than when the server notices the session has gone.
func (l *leader) drop(key int32) {
	if l.conn != nil {
		if l.leading {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockLead, key)
			cancel()
		}
		l.conn.Close(context.Background())
	}
	l.conn, l.leading = nil, false
}

func (l *leader) close(key int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop(key)
}
