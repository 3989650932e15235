package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/notify"
	"github.com/hypercare-ops/hypercare/plan"
)

// startNotify delivers the outbox for the life of ctx, and queues the daily
// report at each daily_report rule's time. It runs where the sweeps run
// (the console and serve), and like them in the process that leads the
// time-driven work when several share a PostgreSQL database; the desk's
// claims keep each message to one worker even while the lead changes
// hands, and a day's report is one message per target whichever process
// queues it. The returned func waits for both to end once ctx has: call it
// before closing the database.
func startNotify(ctx context.Context, a *app, logf func(string, ...any)) (wait func()) {
	w := notify.NewWorker(a.desk, a.db, senders(a.plan.Plan).Send, a.desk.Now)
	w.Logf = logf
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); whileLeading(ctx, a.db.leading, leadCheckEvery, w.Run) }()
	go func() {
		defer wg.Done()
		whileLeading(ctx, a.db.leading, leadCheckEvery, func(ctx context.Context) { dailyReports(ctx, a, reportCheckEvery, logf) })
	}()
	return wg.Wait
}

// senders deliver through the current plan's mail server.
func senders(current func() *plan.Plan) notify.Senders {
	return notify.Senders{SMTP: func() notify.SMTP {
		s := current().SMTP
		if s.Host == "" {
			return notify.SMTP{}
		}
		return notify.SMTP{Host: s.Host, Port: s.SMTPPort(), From: s.From, Username: s.Username, PasswordEnv: s.PasswordEnv, TLS: s.TLS}
	}}
}

// reportCheckEvery is how late after its time a daily report is queued.
const reportCheckEvery = time.Minute

// dailyReports checks every so often whether a daily report is due.
func dailyReports(ctx context.Context, a *app, every time.Duration, logf func(string, ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	r := &reportSchedule{queued: map[string]string{}}
	for {
		if err := r.queueDue(ctx, a, a.desk.Now()); err != nil && logf != nil && ctx.Err() == nil {
			logf("notify: daily report: %v; trying again in %s", err, every)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reportSchedule remembers which rules had today's report queued by this
// process, so the report is built once a day; the outbox's keys keep it to
// one message per target across restarts and processes.
type reportSchedule struct {
	queued map[string]string // rule → the day (plan timezone) its report was queued
}

// queueDue queues the report of the last 24 hours for the daily_report
// rules whose time of day has come today and that have not had today's.
// A process started after the time sends the day's report at once, unless
// another process (or this one before a restart) already did.
func (r *reportSchedule) queueDue(ctx context.Context, a *app, now time.Time) error {
	p := a.plan.Plan()
	local := now.In(p.Location())
	day := local.Format("2006-01-02")
	var due []string
	for _, rule := range p.NotifyPolicy().Rules {
		at := time.Date(local.Year(), local.Month(), local.Day(), int(rule.At/time.Hour), int(rule.At%time.Hour/time.Minute), 0, 0, p.Location())
		if rule.Wants(model.EventDailyReport, 0) && r.queued[rule.Name] != day && !now.Before(at) {
			due = append(due, rule.Name)
		}
	}
	if len(due) == 0 {
		return nil
	}
	doc, err := buildReport(ctx, a.db, a.desk, p, now, 24*time.Hour)
	if err != nil {
		return err
	}
	var md strings.Builder
	if err := writeReport(&md, doc, 24*time.Hour, p.Location()); err != nil {
		return err
	}
	name := p.Hypercare.Service
	if name == "" {
		name = "hypercare"
	}
	subject := fmt.Sprintf("%s: daily war-room report, %s", name, local.Format("Mon 02 Jan 2006"))
	if _, err := a.desk.QueueReport(ctx, "report/"+day, due, subject, md.String()); err != nil {
		return err
	}
	for _, name := range due {
		r.queued[name] = day
	}
	return nil
}

// notificationQuery reads list notifications' --filter: a state (pending,
// sending, sent, failed) or the record messages are about (INC-3).
func notificationQuery(filter string) (model.NotificationQuery, error) {
	filter = strings.TrimSpace(filter)
	switch st := model.NotificationState(strings.ToLower(filter)); st {
	case "":
		return model.NotificationQuery{}, nil
	case model.NotifyPending, model.NotifySending, model.NotifySent, model.NotifyFailed:
		return model.NotificationQuery{State: st}, nil
	}
	if prefix, _, ok := strings.Cut(strings.ToUpper(filter), "-"); ok {
		if _, err := model.ParseRef(filter, prefix); err == nil {
			return model.NotificationQuery{Entity: strings.ToUpper(filter)}, nil
		}
	}
	return model.NotificationQuery{}, usagef("list notifications: --filter %q: give a state (pending, sending, sent, failed) or a record such as INC-3", filter)
}

// notificationRow is a message as list prints it in JSON: with its
// reference, the target shown as in the table (a webhook URL's path is its
// secret), and without the lease bookkeeping.
type notificationRow struct {
	Ref string `json:"ref"`
	model.Notification
	LeaseOwner string    `json:"lease_owner,omitzero"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

func notificationRows(list []model.Notification) []notificationRow {
	out := make([]notificationRow, len(list))
	for i, n := range list {
		n.Target = model.NotifyTargetShown(n.Target)
		out[i] = notificationRow{Ref: n.Ref(), Notification: n}
	}
	return out
}

// notificationTable prints messages newest first: where each stands, what
// it is about, where it goes, and when it was sent or is tried next.
func notificationTable(tw interface{ Write([]byte) (int, error) }, list []model.Notification) {
	fmt.Fprintln(tw, "REF\tSTATE\tEVENT\tABOUT\tCHANNEL\tTARGET\tTRIES\tWHEN\tSUBJECT / LAST ERROR")
	for _, n := range list {
		when, last := n.CreatedAt, n.Subject
		switch n.State {
		case model.NotifySent:
			when = n.SentAt
		case model.NotifyPending:
			when = n.NextAt
		case model.NotifySending:
			when = n.LeaseUntil
		}
		if n.LastError != "" && n.State != model.NotifySent {
			last = n.LastError
		}
		about := n.Entity
		if about == "" {
			about = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", n.Ref(), n.State, n.Event, about, n.Channel,
			model.NotifyTargetShown(n.Target), n.Attempts, n.MaxAttempts, when.Local().Format("2006-01-02 15:04:05"), last)
	}
}
