package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// Checkpoints copy the WAL back into the database file. SQLite runs one by
// default inside the commit that takes the WAL past 1,000 pages, on the
// committing connection: here the writer, which then waits for the copy and
// for an fsync of the database file before it can start the next
// transaction. In a burst of drops at 1M alerts that was a sixth of the
// writer's time (bench/ingest). So the checkpoints run on a connection of
// their own, beside the writer, shortly after its commits; a PASSIVE
// checkpoint takes no lock the writer or the readers need. The writer's own
// automatic checkpoint stays, at checkpointBackstop pages, for a WAL that
// grows faster than this connection copies it.
const (
	// checkpointBackstop is the writer's wal_autocheckpoint, in pages
	// (about 40 MB).
	checkpointBackstop = 10000
	// checkpointPause is the least time between two checkpoints: commits
	// coming faster share one.
	checkpointPause = 100 * time.Millisecond
	// checkpointDelay is how long a checkpoint waits after the commit
	// that woke it, so as not to take a core from the sessions reading
	// and drawing that commit.
	checkpointDelay = 20 * time.Millisecond
)

// checkpointer is the connection that checkpoints, and what it has done.
type checkpointer struct {
	conn *sql.DB
	wake chan struct{} // a commit since the last checkpoint; see afterCommit
	stop context.CancelFunc
	done chan struct{}

	// Of the last checkpoint: the WAL's frames and how many of them are
	// in the database file now (SQLite's PRAGMA wal_checkpoint answer).
	walFrames, copiedFrames atomic.Int64
	ran                     chan struct{} // after each checkpoint, for tests to wait on
}

// startCheckpointer opens the checkpoint connection and starts its loop.
func (db *DB) startCheckpointer(ctx context.Context) error {
	conn, err := openPool(ctx, db.path, 1, "_pragma=synchronous(NORMAL)")
	if err != nil {
		return err
	}
	loopCtx, stop := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{}), ran: make(chan struct{}, 1)}
	db.ckpt = c
	go func() {
		defer close(c.done)
		for {
			select {
			case <-loopCtx.Done():
				return
			case <-c.wake:
			}
			// The commit's readers (every session redrawing) go first.
			select {
			case <-loopCtx.Done():
				return
			case <-time.After(checkpointDelay):
			}
			c.checkpoint(loopCtx)
			select {
			case <-loopCtx.Done():
				return
			case <-time.After(checkpointPause):
			}
		}
	}()
	return nil
}

// afterCommit tells the checkpointer the writer committed; it never blocks.
func (c *checkpointer) afterCommit() {
	if c == nil {
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// checkpoint copies what it can of the WAL. PASSIVE waits for no one: a
// part that a reader still reads from the WAL stays there, for the next.
// An error (the database closing) is left for the next commit to retry:
// the writer's backstop bounds the WAL meanwhile.
func (c *checkpointer) checkpoint(ctx context.Context) {
	var busy, log, copied int64
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied); err != nil {
		return
	}
	c.walFrames.Store(log)
	c.copiedFrames.Store(copied)
	select {
	case c.ran <- struct{}{}:
	default:
	}
}

// Compact copies the whole WAL into the database file and truncates it to
// nothing (a TRUNCATE checkpoint). It waits, up to the busy timeout, for
// the writer's transaction and for readers of the WAL to finish, and holds
// off new writes meanwhile: for after a prune, not for every commit. A WAL
// still in use when the wait ends is left for the checkpoints after.
func (db *DB) Compact(ctx context.Context) error {
	var busy, log, copied int64
	if err := db.ckpt.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &copied); err != nil {
		return fmt.Errorf("compact the WAL of %s: %w", db.path, err)
	}
	return nil
}

// close stops the loop and closes the connection.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.stop()
	<-c.done
	return c.conn.Close()
}
