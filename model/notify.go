package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Notifications out: what happens in hypercare that people outside the
// console are told about, by webhook or e-mail. The desk writes each message
// into the outbox in the same transaction as the event it reports, so an
// event is never committed without its messages nor a message without its
// event; a worker (package notify) delivers them later, with retries.

// EventKind is something the plan's [[notify]] rules can ask to be told about.
type EventKind string

// The events hypercare reports.
const (
	EventP1Opened     EventKind = "p1_opened"        // an incident opened as P1, or raised to P1
	EventSLABreach    EventKind = "sla_breach"       // a respond or resolve target passed
	EventMajor        EventKind = "major_declared"   // an incident became a major incident
	EventStandDown    EventKind = "major_stood_down" // a major incident was stood down
	EventStatusUpdate EventKind = "status_update"    // a major incident's stakeholder update
	EventUpdateDue    EventKind = "update_due"       // a major incident's status update is due
	EventDailyReport  EventKind = "daily_report"     // the war-room report, at the rule's time of day
)

// EventKinds lists every event, for plan checks and help.
var EventKinds = []EventKind{EventP1Opened, EventSLABreach, EventMajor, EventStandDown, EventStatusUpdate, EventUpdateDue, EventDailyReport}

// Channel is how a message travels.
type Channel string

// Channels: a generic JSON webhook, Slack's and Teams' incoming webhooks,
// and e-mail over the plan's SMTP server.
const (
	ChannelWebhook Channel = "webhook"
	ChannelSlack   Channel = "slack"
	ChannelTeams   Channel = "teams"
	ChannelEmail   Channel = "email"
)

// Channels lists every channel, for plan checks.
var Channels = []Channel{ChannelWebhook, ChannelSlack, ChannelTeams, ChannelEmail}

// NotifyRule is one [[notify]] rule of the plan: who is told about which
// events, through which channel.
type NotifyRule struct {
	Name   string
	Events []EventKind
	// Priorities narrows incident events to these priorities; empty: all.
	// Events that concern no incident (the daily report) always pass.
	Priorities []Priority
	Channel    Channel
	// Targets are webhook URLs or e-mail addresses; one written "$NAME" is
	// read from that environment variable when it is sent, so secrets
	// (Slack and Teams URLs are credentials) stay out of the plan and the
	// database.
	Targets []string
	// Attempts is how many times a message is tried before it is given up
	// as failed; zero: DefaultNotifyAttempts.
	Attempts int
	// At is the time of day (in the plan's timezone) the daily report goes
	// out, for a rule with the daily_report event.
	At time.Duration
}

// Wants reports whether the rule asks for an event of this kind and priority
// (0: the event concerns no incident).
func (r NotifyRule) Wants(kind EventKind, p Priority) bool {
	if !slices.Contains(r.Events, kind) {
		return false
	}
	return p == 0 || len(r.Priorities) == 0 || slices.Contains(r.Priorities, p)
}

// NotifyPolicy is what the plan says about notifications.
type NotifyPolicy struct {
	Rules []NotifyRule
}

// Delivery defaults: a message is tried DefaultNotifyAttempts times, waiting
// NotifyBackoff after the first failure, twice as long after each next one,
// up to NotifyBackoffMax. Eight attempts span about an hour and a half: a
// receiver down for a deploy or a short outage still gets the message.
const (
	DefaultNotifyAttempts = 8
	NotifyBackoff         = 30 * time.Second
	NotifyBackoffMax      = 30 * time.Minute
	// NotifyLease is how long a claimed message is a worker's own: longer
	// than any one delivery may take (notify's timeouts), so a live worker
	// never loses its message to another, and short enough that one that
	// died (kill -9, power) holds nothing for long.
	NotifyLease = 2 * time.Minute
)

// Backoff is how long to wait after the attempt-th failed attempt (1 for
// the first) before the next.
func Backoff(attempt int) time.Duration {
	d := NotifyBackoff
	for i := 1; i < attempt && d < NotifyBackoffMax; i++ {
		d *= 2
	}
	return min(d, NotifyBackoffMax)
}

// NotificationState is where a message is on its way out.
type NotificationState string

// Message states: pending (waiting for its next attempt), sending (claimed
// by a worker until its lease ends), sent, or failed (given up; a feed alert
// says so).
const (
	NotifyPending NotificationState = "pending"
	NotifySending NotificationState = "sending"
	NotifySent    NotificationState = "sent"
	NotifyFailed  NotificationState = "failed"
)

// NotifyField is one labelled value of a message (priority, service, who
// commands): webhooks carry them as data, Slack and Teams as facts.
type NotifyField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Notification is one message in the outbox: one event, for one target of
// one rule.
type Notification struct {
	ID int64 `json:"id"`
	// Key is the message's idempotency key, unique in the outbox: the
	// event's own key, the rule and the target. Writing the same event
	// twice (two processes sending the same daily report) makes one
	// message, and receivers are given a digest of it (IdempotencyKey) to
	// drop a repeat.
	Key     string            `json:"key"`
	Event   EventKind         `json:"event"`
	Entity  string            `json:"entity,omitzero"` // INC-3; empty for the daily report
	Rule    string            `json:"rule"`
	Channel Channel           `json:"channel"`
	Target  string            `json:"target"` // a URL, an address, or $NAME
	Subject string            `json:"subject"`
	Text    string            `json:"text"`
	Fields  []NotifyField     `json:"fields,omitzero"`
	State   NotificationState `json:"state"`
	// Attempts counts the deliveries begun; MaxAttempts is where it gives up.
	Attempts    int       `json:"attempts"`
	MaxAttempts int       `json:"max_attempts"`
	CreatedAt   time.Time `json:"created_at"`
	NextAt      time.Time `json:"next_at,omitzero"` // when a pending message is tried next
	// LeaseOwner is the worker that claimed a sending message, until
	// LeaseUntil; after that another worker may take it over.
	LeaseOwner string    `json:"lease_owner,omitzero"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	LastError  string    `json:"last_error,omitzero"`
	SentAt     time.Time `json:"sent_at,omitzero"`
}

// Ref is the message's identifier: MSG-12.
func (n Notification) Ref() string { return fmt.Sprintf("MSG-%d", n.ID) }

// NotificationQuery selects messages for lists, newest first.
type NotificationQuery struct {
	State  NotificationState // empty: every state
	Entity string            // only those about this record (INC-3)
	Limit  int
}

// NotifyEvent is one thing to tell people about, before it is fanned out
// to the rules that want it.
type NotifyEvent struct {
	Kind EventKind
	// Key is unique per occurrence: INC-3/sla_breach/resolve,
	// report/2026-11-25. The same occurrence written twice is one message.
	Key      string
	Entity   string
	Priority Priority // 0: concerns no incident
	Subject  string
	Text     string
	Fields   []NotifyField
}

// messages fans an event out to the rules that want it: one message per
// rule and target, due at once.
func (e NotifyEvent) messages(pol NotifyPolicy, now time.Time) []Notification {
	var out []Notification
	for _, r := range pol.Rules {
		if !r.Wants(e.Kind, e.Priority) {
			continue
		}
		attempts := r.Attempts
		if attempts <= 0 {
			attempts = DefaultNotifyAttempts
		}
		for _, target := range r.Targets {
			out = append(out, Notification{
				Key: e.Key + "|" + r.Name + "|" + target, Event: e.Kind, Entity: e.Entity, Rule: r.Name,
				Channel: r.Channel, Target: target, Subject: Clean(e.Subject, false), Text: Clean(e.Text, true),
				Fields: e.Fields, State: NotifyPending, MaxAttempts: attempts, CreatedAt: now, NextAt: now,
			})
		}
	}
	return out
}

// enqueue writes an event's messages into the outbox inside tx, the
// transaction of the event itself.
func (s *Desk) enqueue(tx Tx, e NotifyEvent, now time.Time) error {
	for _, n := range e.messages(s.pol().NotifyPolicy(), now) {
		if _, err := tx.InsertNotification(&n); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

// incidentFields are the facts every incident message carries.
func incidentFields(in Incident) []NotifyField {
	f := []NotifyField{
		{"Priority", in.Priority.String()},
		{"Service", in.Service},
		{"State", in.State.Label()},
	}
	if in.Assignee != "" {
		f = append(f, NotifyField{"Assignee", in.Assignee})
	}
	return f
}

// incidentEvent is an event about an incident: subject "INC-3 P1 major
// declared: title", the text given.
func incidentEvent(kind EventKind, key string, in Incident, what, text string) NotifyEvent {
	return NotifyEvent{Kind: kind, Key: key, Entity: in.Ref(), Priority: in.Priority,
		Subject: fmt.Sprintf("%s %s %s: %s", in.Ref(), in.Priority, what, in.Title),
		Text:    text, Fields: incidentFields(in)}
}

// incidentWritten raises the events an incident's write may carry: opened
// as (or raised to) P1, declared major. before is nil for a new incident.
// It also opens the war room of a newly major incident. Every path that
// writes an incident calls it inside its transaction.
func (s *Desk) incidentWritten(tx Tx, a Actor, before *Incident, after Incident, now time.Time) error {
	if after.Kind != KindIncident {
		return nil
	}
	if after.Priority == 1 && (before == nil || before.Priority != 1) && after.State.Open() {
		what, text := "opened", fmt.Sprintf("%s opened %s as P1 on %s.", a.Name, after.Ref(), after.Service)
		if before != nil {
			what, text = "raised to P1", fmt.Sprintf("%s raised %s from %s to P1.", a.Name, after.Ref(), before.Priority)
		}
		if err := s.enqueue(tx, incidentEvent(EventP1Opened, after.Ref()+"/p1_opened", after, what, text), now); err != nil {
			return err
		}
	}
	if after.Major && (before == nil || !before.Major) {
		return s.openWarRoom(tx, a, after, now)
	}
	return nil
}

// NotifyTargetShown is a target as lists show it: an address or $NAME
// whole, a URL cut to its host, since the path of a Slack or Teams
// webhook is its secret.
func NotifyTargetShown(target string) string {
	rest, ok := strings.CutPrefix(target, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(target, "http://")
	}
	if !ok {
		return target
	}
	host, path, _ := strings.Cut(rest, "/")
	if path == "" {
		return target
	}
	return strings.TrimSuffix(target, rest) + host + "/…"
}
