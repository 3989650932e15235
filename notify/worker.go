package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Desk is what the worker needs of the service layer; model.Desk is one.
type Desk interface {
	ClaimNotification(ctx context.Context, worker string, now time.Time) (model.Notification, error)
	FinishNotification(ctx context.Context, worker string, id int64, d model.Delivery) (model.Notification, error)
}

// Outbox is what the worker reads to know when to wake: the store.
type Outbox interface {
	model.Notifier
	NextNotification(ctx context.Context) (time.Time, error)
}

// Worker delivers the outbox's messages for as long as it runs. Several
// may run on one database (the console and serve): the desk's claims keep
// each message to one of them at a time.
type Worker struct {
	Desk   Desk
	Outbox Outbox
	Send   func(ctx context.Context, n model.Notification) error
	Now    func() time.Time
	// ID names this worker in its claims; NewWorker makes a random one.
	ID string
	// Logf, when set, is told about each delivery that failed.
	Logf func(format string, args ...any)
	// Idle bounds a sleep with nothing due, as a safety net beside the
	// store's wake-ups; zero is a minute.
	Idle time.Duration
}

// NewWorker makes a worker with a random ID.
func NewWorker(desk Desk, outbox Outbox, send func(context.Context, model.Notification) error, now func() time.Time) *Worker {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return &Worker{Desk: desk, Outbox: outbox, Send: send, Now: now, ID: "worker-" + hex.EncodeToString(b)}
}

// Drain delivers every message due now, one at a time, and reports how
// many it finished. It stops at the first error of the desk (the database),
// and leaves what it claimed to the lease.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	done := 0
	for ctx.Err() == nil {
		n, err := w.Desk.ClaimNotification(ctx, w.ID, w.Now())
		if errors.Is(err, model.ErrNotFound) {
			return done, nil
		}
		if err != nil {
			return done, err
		}
		sendCtx, cancel := context.WithTimeout(ctx, SendTimeout)
		sendErr := w.Send(sendCtx, n)
		cancel()
		if ctx.Err() != nil {
			// Stopping mid-delivery: whether it arrived is unknown, so
			// nothing is recorded; the lease runs out and the message is
			// sent again, with the same idempotency key.
			return done, ctx.Err()
		}
		d := model.Delivery{Err: sendErr, Permanent: IsPermanent(sendErr)}
		after, err := w.Desk.FinishNotification(ctx, w.ID, n.ID, d)
		if errors.Is(err, model.ErrLeaseLost) {
			continue
		}
		if err != nil {
			return done, err
		}
		if sendErr != nil && w.Logf != nil {
			w.Logf("notify: %s (%s) to %s %s: attempt %d of %d failed, now %s: %v", n.Ref(), n.Event, n.Channel,
				model.NotifyTargetShown(n.Target), after.Attempts, after.MaxAttempts, after.State, sendErr)
		}
		done++
	}
	return done, ctx.Err()
}

// Run delivers messages as they fall due until ctx ends. Between them it
// sleeps until the next is due, or a commit (a new message, by this
// process or another) wakes it; it reads before it claims, so a commit
// with nothing for it costs a read, not a write. A failing database is
// tried again after a pause.
func (w *Worker) Run(ctx context.Context) {
	wake, stop := w.Outbox.Subscribe()
	defer stop()
	idle := w.Idle
	if idle <= 0 {
		idle = time.Minute
	}
	for ctx.Err() == nil {
		wait, err := w.step(ctx, idle)
		if err != nil && ctx.Err() == nil && w.Logf != nil {
			w.Logf("notify: %v; trying again in %s", err, wait)
		}
		if wait == 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// step drains the outbox if something is due and says how long to sleep.
func (w *Worker) step(ctx context.Context, idle time.Duration) (time.Duration, error) {
	next, err := w.Outbox.NextNotification(ctx)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return idle, nil
	case err != nil:
		return model.NotifyBackoff, err
	case next.After(w.Now()):
		return min(next.Sub(w.Now()), idle), nil
	}
	done, err := w.Drain(ctx)
	switch {
	case err != nil:
		return model.NotifyBackoff, err
	case done == 0:
		// Due by the read, gone by the claim: another worker took it.
		return time.Second, nil
	}
	return 0, nil
}
