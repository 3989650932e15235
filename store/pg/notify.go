package pg

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Subscribe returns a channel that receives after every commit, by this
// process or another one on the same database, and a func that ends the
// subscription. As for the SQLite store, bursts coalesce into one wake-up
// and the channel is never closed.
func (db *DB) Subscribe() (<-chan struct{}, func()) {
	return db.subs.Subscribe()
}

// listener holds one connection outside the pool in LISTEN on the
// database's channel. Every write transaction sends a NOTIFY on that
// channel as it commits, so a commit anywhere wakes this process's
// subscribers: no table is polled. When the connection drops (a restart, a
// failover) it wakes the subscribers, whose reads then fail as unreachable,
// reconnects with backoff, and wakes them again once it is back, since
// commits made meanwhile sent nothing it could hear.
type listener struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Backoff between attempts to reconnect the listener.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

func (db *DB) startListening(ctx context.Context, cfg *pgx.ConnConfig) error {
	cfg = cfg.Copy()
	conn, err := db.listenOn(ctx, cfg)
	if err != nil {
		return fmt.Errorf("database %s: listen for changes: %w", db.where, unreachable(err))
	}
	lctx, cancel := context.WithCancel(context.Background())
	db.listen = listener{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(db.listen.done)
		retry := listenRetryMin
		for {
			if conn != nil {
				n, err := conn.WaitForNotification(lctx)
				if err == nil {
					retry = listenRetryMin
					if n.Payload != db.self {
						db.subs.Notify()
					}
					continue
				}
				conn.Close(context.Background())
				conn = nil
				if lctx.Err() != nil {
					return
				}
				// The server went away: the pool's idle connections went
				// with it, and the first read on each would fail after it
				// is back. Drop them; the pool connects afresh. The
				// subscribers read now, fail, and say the store is
				// unreachable until the wake-up that says it is back.
				db.pool.Reset()
				db.subs.Notify()
			}
			select {
			case <-lctx.Done():
				return
			case <-time.After(retry):
			}
			retry = min(2*retry, listenRetryMax)
			if conn, err = db.listenOn(lctx, cfg); err == nil {
				db.subs.Notify() // whatever was committed while we were away
			}
		}
	}()
	return nil
}

// listenOn connects and listens on the database's channel.
func (db *DB) listenOn(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

func (l *listener) stop() {
	l.once.Do(func() {
		if l.cancel != nil {
			l.cancel()
			<-l.done
		}
	})
}
