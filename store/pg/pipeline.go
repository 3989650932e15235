package pg

import (
	"errors"
	"fmt"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A write transaction pipelines the writes whose outcome nothing waits for
// (an alert's upsert whose outcome the read-ahead already knows, its marks,
// a storm's growth, the drop's record, the audit row): they are queued and
// go to the server with the transaction's next statement, in the same
// round trip, and each queued write's outcome is checked when its result
// comes back. A drop of 10,000 alerts is otherwise 10,000 round trips.
// Once pushAt writes are queued they are sent ahead (push) and the service
// layer goes on working out the next ones while the server applies them;
// their results are read before the next statement.
//
// The queue is sent before any statement of the transaction, so every read
// sees every earlier write, and at the end of each savepoint and before
// the commit, so a write's error comes out of the savepoint or the Write
// that made it and undoes what it should.

// pushAt is how many queued writes are sent ahead without waiting for a
// statement: enough to be worth a message, few enough that the server
// starts on a drop's upserts while the intake works out the rest.
const pushAt = 32

// queued is a write in the queue, at the same index in tx.queue.
type queued struct {
	what  string // names the write in its error: "upsert alert \"k\""
	check func(pgconn.CommandTag) error
}

// later queues a write. check, if not nil, says whether its outcome is the
// one expected; its error is returned as it is.
func (t *tx) later(what string, check func(pgconn.CommandTag) error, query string, args ...any) {
	t.statements++
	t.closeRun()
	t.queue.Queue(query, args...)
	t.queued = append(t.queued, queued{what, check})
	if t.weight++; t.weight >= pushAt {
		t.push()
	}
}

// push sends the queued writes ahead, once those sent before have been
// answered. An error stays in t.err for the next statement to return.
func (t *tx) push() {
	if t.drain() != nil {
		return
	}
	b := &pgx.Batch{QueuedQueries: t.queue.QueuedQueries}
	t.inflight, t.inflightWrites = t.tx.SendBatch(t.ctx, b), t.queued
	t.queue, t.queued, t.weight = pgx.Batch{}, nil, 0
	t.sends++
}

// drain reads the answers to the writes sent ahead, and returns the first
// error of any write sent ahead in the transaction.
func (t *tx) drain() error {
	if t.inflight == nil {
		return t.err
	}
	err := checkWrites(t.inflight, t.inflightWrites)
	if cerr := t.inflight.Close(); err == nil && cerr != nil {
		err = unreachable(cerr)
	}
	t.inflight, t.inflightWrites = nil, nil
	if t.err == nil {
		t.err = err
	}
	return t.err
}

// discard forgets the queue and what was sent ahead, whatever it did: the
// caller rolls it back.
func (t *tx) discard() {
	if t.inflight != nil {
		t.inflight.Close()
	}
	t.inflight, t.inflightWrites, t.err = nil, nil, nil
	t.queue, t.queued, t.weight, t.run = pgx.Batch{}, nil, 0, nil
}

// checkWrites reads the results of writes and checks each outcome.
func checkWrites(br pgx.BatchResults, writes []queued) error {
	for _, w := range writes {
		tag, err := br.Exec()
		if err != nil {
			return fmt.Errorf("%s: %w", w.what, unreachable(err))
		}
		if w.check != nil {
			if err := w.check(tag); err != nil {
				return err
			}
		}
	}
	return nil
}

// hitOne is the check of a write that must hit exactly the record named ref.
func hitOne(ref string) func(pgconn.CommandTag) error {
	return func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("%s: %w", ref, model.ErrNotFound)
		}
		return nil
	}
}

// send sends the queued writes and then the statements of then in one
// round trip, checks each write's outcome, and returns the results
// positioned at then's first statement. The caller closes them.
func (t *tx) send(then *pgx.Batch) (pgx.BatchResults, error) {
	t.statements++
	t.closeRun()
	if err := t.drain(); err != nil {
		return nil, err
	}
	b := &pgx.Batch{QueuedQueries: t.queue.QueuedQueries}
	if then != nil {
		b.QueuedQueries = append(b.QueuedQueries, then.QueuedQueries...)
	}
	writes := t.queued
	t.queue, t.queued, t.weight = pgx.Batch{}, nil, 0
	t.sends++
	br := t.tx.SendBatch(t.ctx, b) // reads b until it is closed
	if err := checkWrites(br, writes); err != nil {
		br.Close()
		t.err = err
		return nil, err
	}
	return br, nil
}

// flush sends what is queued, if anything.
func (t *tx) flush() error {
	t.closeRun()
	if len(t.queued) == 0 {
		return t.drain()
	}
	br, err := t.send(nil)
	if err != nil {
		return err
	}
	return unreachable(br.Close())
}

func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	t.statements++
	t.closeRun()
	if len(t.queued) == 0 && t.inflight == nil && t.err == nil {
		tag, err := t.tx.Exec(t.ctx, query, args...)
		return tag, unreachable(err)
	}
	var then pgx.Batch
	then.Queue(query, args...)
	br, err := t.send(&then)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, unreachable(err)
}

func (t *tx) queryRow(query string, args ...any) pgx.Row {
	t.statements++
	t.closeRun()
	if len(t.queued) == 0 && t.inflight == nil && t.err == nil {
		return t.tx.QueryRow(t.ctx, query, args...)
	}
	var then pgx.Batch
	then.Queue(query, args...)
	br, err := t.send(&then)
	return batchRow{br, err}
}

func (t *tx) query(query string, args ...any) (pgx.Rows, error) {
	t.statements++
	t.closeRun()
	if len(t.queued) == 0 && t.inflight == nil && t.err == nil {
		return t.tx.Query(t.ctx, query, args...)
	}
	var then pgx.Batch
	then.Queue(query, args...)
	br, err := t.send(&then)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return batchRows{rows, br}, nil
}

// batchRow is the row of a query sent after queued writes.
type batchRow struct {
	br  pgx.BatchResults
	err error // a queued write's
}

func (r batchRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.br.QueryRow().Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// batchRows are the rows of a query sent after queued writes: closing them
// closes the batch.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	r.br.Close()
}

// Savepoint runs fn inside a savepoint of the transaction: an error from fn
// undoes what fn wrote, and only that, before it is returned. SAVEPOINT
// and RELEASE are queued like writes, and fn's writes are sent when it
// returns, so a drop of several in one transaction costs one round trip of
// its own at most, and an error of one of fn's queued writes comes out of
// Savepoint, undoing fn alone. A write queued before the savepoint whose
// outcome is checked is sent first, so that its error is not fn's.
func (t *tx) Savepoint(fn func() error) error {
	t.closeRun() // a run open before belongs outside
	if t.checked() {
		if err := t.flush(); err != nil {
			return err
		}
	}
	t.saves++
	name := fmt.Sprintf("hc_save%d", t.saves)
	defer func() { t.saves-- }()
	mark, sends, used := len(t.queued), t.sends, t.used
	t.later("savepoint", nil, "SAVEPOINT "+name)
	err := fn()
	if err == nil {
		// Sent before the RELEASE: a write whose check fails is undone
		// with the savepoint it was in.
		if err = t.flush(); err == nil {
			t.later("release savepoint", nil, "RELEASE SAVEPOINT "+name)
			return nil
		}
	}
	// What was read ahead may describe what fn wrote: it is read again.
	// The ids taken for fn's new alerts are free again, as its inserts
	// are undone.
	t.known, t.used = nil, used
	if t.sends == sends {
		// Nothing of fn reached the server: forgetting its queue undoes it.
		t.queue.QueuedQueries, t.queued, t.run = t.queue.QueuedQueries[:mark], t.queued[:mark], nil
		return err
	}
	t.discard()
	if _, rerr := t.tx.Exec(t.ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
		return errors.Join(err, fmt.Errorf("roll back to savepoint: %w", unreachable(rerr)))
	}
	return err
}

// checked reports whether a write queued or sent ahead has an outcome
// still to check.
func (t *tx) checked() bool {
	for _, w := range t.queued {
		if w.check != nil {
			return true
		}
	}
	for _, w := range t.inflightWrites {
		if w.check != nil {
			return true
		}
	}
	return false
}
