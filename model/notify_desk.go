package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The outbox's side of the desk: a worker claims a due message, delivers
// it outside any transaction, and reports how it went.
//
// Why nothing is lost or sent twice:
//   - a message is written in the transaction of its event, so it exists
//     exactly when the event does;
//   - claiming marks it sending with a lease, counting the attempt, in one
//     immediate transaction: two workers (the console and serve on one
//     database) never claim it at once;
//   - it is marked sent in a transaction that checks the lease is still the
//     worker's own. A worker that dies after claiming (kill -9) leaves a
//     lease that runs out, and the message is claimed again; one that dies
//     after the receiver took the message but before marking it sent is the
//     one case a message goes twice, and it carries the same idempotency
//     key both times (Idempotency-Key header, e-mail Message-ID), so the
//     receiver can drop the repeat.

// ErrLeaseLost says a worker's claim on a message ran out and another
// worker took the message over: the first one's outcome is not recorded.
var ErrLeaseLost = errors.New("the claim ran out and another worker took the message over")

// ClaimNotification claims the next message due at now for a worker: a
// pending message whose time came, else a sending one whose worker's lease
// ran out. It counts the attempt. ErrNotFound when nothing is due.
func (s *Desk) ClaimNotification(ctx context.Context, worker string, now time.Time) (Notification, error) {
	var n Notification
	now = now.UTC()
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.ClaimNotification(worker, now, now.Add(NotifyLease))
		return err
	})
	return n, err
}

// Delivery is how one attempt to deliver a message went.
type Delivery struct {
	Err error // nil: delivered
	// Permanent says trying again cannot help (the receiver refused the
	// message, the target is not configured): it fails at once.
	Permanent bool
}

// FinishNotification records a worker's attempt on a message it claimed:
// sent; or tried again after a backoff; or, once its attempts are used up
// or the failure is permanent, failed, which raises a NotificationFailed
// alert in the feed. A delivery that succeeds resolves that alert for its
// rule and target. ErrLeaseLost when the claim is no longer the worker's.
func (s *Desk) FinishNotification(ctx context.Context, worker string, id int64, d Delivery) (Notification, error) {
	var after Notification
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := tx.NotificationByID(id)
		if err != nil {
			return fmt.Errorf("MSG-%d: %w", id, err)
		}
		if before.State != NotifySending || before.LeaseOwner != worker {
			return fmt.Errorf("%s: %w", before.Ref(), ErrLeaseLost)
		}
		now := s.Now().UTC()
		after = before
		after.LeaseOwner, after.LeaseUntil = "", time.Time{}
		action := "notification.sent"
		switch {
		case d.Err == nil:
			after.State, after.SentAt, after.LastError = NotifySent, now, ""
			if err := s.notifyAlert(tx, after, now); err != nil {
				return err
			}
		case d.Permanent || after.Attempts >= after.MaxAttempts:
			action = "notification.failed"
			after.State, after.LastError = NotifyFailed, Clean(d.Err.Error(), false)
			if err := s.notifyAlert(tx, after, now); err != nil {
				return err
			}
		default:
			action = "notification.retry"
			after.State, after.LastError = NotifyPending, Clean(d.Err.Error(), false)
			after.NextAt = now.Add(Backoff(after.Attempts))
		}
		if err := tx.UpdateNotification(after); err != nil {
			return err
		}
		return s.audit(tx, System, action, after.Ref(), before, after)
	})
	return after, err
}

// notifyFailedSource is the Source of the feed's NotificationFailed alerts.
// The plan names no such sender, so they never go stale: a failure stays
// in the feed until a message to the same target gets through.
const notifyFailedSource = "outbox"

// notifyAlert raises the feed's alert for a failed message, or resolves it
// when a message to the same rule and target was delivered.
func (s *Desk) notifyAlert(tx Tx, n Notification, now time.Time) error {
	key := "notify-failed:" + n.Rule + ":" + n.Target
	if n.State == NotifySent {
		al, err := tx.AlertByKey(key)
		if errors.Is(err, ErrNotFound) || (err == nil && al.State != AlertFiring) {
			return nil
		} else if err != nil {
			return err
		}
		_, err = tx.UpsertAlert(&Alert{DedupKey: key, State: AlertResolved, EndsAt: now, LastSeen: now, FirstSeen: now}, time.Time{})
		return err
	}
	target := NotifyTargetShown(n.Target)
	about := string(n.Event)
	if n.Entity != "" {
		about += " " + n.Entity
	}
	al := Alert{
		DedupKey: key, Source: notifyFailedSource, Name: "NotificationFailed", Severity: SevWarning, State: AlertFiring,
		Summary: fmt.Sprintf("%s (%s) to %s %s was not delivered after %d attempt(s): %s", n.Ref(), about, n.Channel, target, n.Attempts, n.LastError),
		Labels:  map[string]string{"alertname": "NotificationFailed", "rule": n.Rule, "channel": string(n.Channel)},
		Annotations: map[string]string{"message": n.Subject, "target": target, "error": n.LastError,
			"what to do": fmt.Sprintf("check the target of the plan's [[notify]] rule %q (and its environment variable, if it names one); hypercare list notifications --filter failed lists what was not sent", n.Rule)},
		StartsAt: now, FirstSeen: now, LastSeen: now, Group: notifyFailedSource,
	}
	if _, err := tx.UpsertAlert(&al, time.Time{}); err != nil {
		return err
	}
	silences, err := tx.ActiveSilences(now)
	if err != nil {
		return err
	}
	if sil := silencedBy(silences, al.Labels); sil != al.SilencedBy {
		al.SilencedBy = sil
		return tx.SetAlertMarks(al)
	}
	return nil
}

// QueueReport puts a report into the outbox for the named daily_report
// rules. key names the report's day ("report/2026-11-25"): a report queued
// twice for a day, by a restart or by a second process, is one message per
// target. It reports how many messages were new.
func (s *Desk) QueueReport(ctx context.Context, key string, rules []string, subject, text string) (int, error) {
	pol := s.pol().NotifyPolicy()
	pol.Rules = slices.DeleteFunc(slices.Clone(pol.Rules), func(r NotifyRule) bool { return !slices.Contains(rules, r.Name) })
	ev := NotifyEvent{Kind: EventDailyReport, Key: key, Subject: subject, Text: text}
	queued := 0
	err := s.store.Write(ctx, func(tx Tx) error {
		queued = 0
		now := s.Now().UTC()
		for _, n := range ev.messages(pol, now) {
			ok, err := tx.InsertNotification(&n)
			if err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
			if ok {
				queued++
			}
		}
		if queued == 0 {
			return errQuiet // already queued: nothing to commit or audit
		}
		return s.audit(tx, System, "report.queue", key, nil, rules)
	})
	if errors.Is(err, errQuiet) {
		err = nil
	}
	return queued, err
}
