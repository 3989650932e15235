package store

import (
	"context"
	"fmt"
	"time"
)

// Subscribe returns a channel that receives after every commit, by this
// process or another, and a func that ends the subscription. The channel is
// not closed by cancel (a close would read as a commit to a plain receive),
// so a goroutine waiting on it should also watch its own context. A burst of
// commits coalesces into one wake-up and a slow reader never holds up a writer.
func (db *DB) Subscribe() (<-chan struct{}, func()) {
	return db.subs.Subscribe()
}

// startWatch polls PRAGMA data_version, which changes on a connection when
// any other connection commits, so writes by another hypercare process (or
// `hypercare ingest`) reach this process's subscribers within one interval.
// It also sees this process's own commits; those cause at most one extra,
// coalesced wake-up after the immediate one Write sends.
func (db *DB) startWatch(ctx context.Context, interval time.Duration) error {
	// data_version is per connection, so the poll must stay on one.
	conn, err := db.watch.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open change watch: %w", err)
	}
	last, err := dataVersion(ctx, conn)
	if err != nil {
		conn.Close()
		return err
	}
	watchCtx, stop := context.WithCancel(context.Background())
	db.stopWatch, db.watchDone = stop, make(chan struct{})
	go func() {
		defer close(db.watchDone)
		defer conn.Close()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-watchCtx.Done():
				return
			case <-ticker.C:
			}
			v, err := dataVersion(watchCtx, conn)
			if err != nil {
				// The DB closing ends the loop at the Done case; anything
				// else (a busy moment during WAL recovery) is retried on
				// the next tick.
				continue
			}
			if v != last {
				last = v
				db.subs.Notify()
			}
		}
	}()
	return nil
}

func dataVersion(ctx context.Context, conn rowQuerier) (int64, error) {
	var v int64
	if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read data_version: %w", err)
	}
	return v, nil
}
