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

// startWatch looks for commits by other processes (another hypercare,
// `hypercare ingest`) every interval. It reads PRAGMA data_version on the
// writer connection: on a connection, data_version changes only when some
// other connection commits, and the writer is the only connection of this
// process that commits. So a change there is exactly a commit made
// elsewhere, and each commit wakes subscribers once: this process's own
// from Write, as soon as they commit, and others' from here.
func (db *DB) startWatch(ctx context.Context, interval time.Duration) error {
	last, err := dataVersion(ctx, db.writer)
	if err != nil {
		return err
	}
	watchCtx, stop := context.WithCancel(context.Background())
	db.stopWatch, db.watchDone = stop, make(chan struct{})
	go func() {
		defer close(db.watchDone)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-watchCtx.Done():
				return
			case <-ticker.C:
			}
			// The writer is one connection: while a write transaction holds
			// it, this waits for the commit, which is at most one write.
			v, err := dataVersion(watchCtx, db.writer)
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
