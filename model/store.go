package model

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// QueueQuery selects incidents for the queue pane.
type QueueQuery struct {
	Filter string // free text over ref, title, service, assignee; empty for all
	All    bool   // include resolved, closed and cancelled
	Offset int
	Limit  int
}

// FeedQuery selects alerts for the feed pane.
type FeedQuery struct {
	Filter string // free text over name, service, summary
	Firing bool   // only firing alerts
	Offset int
	Limit  int
}

// ArticleQuery selects knowledge base articles; with Search set the result is
// ranked by relevance, otherwise by title.
type ArticleQuery struct {
	Search string
	Offset int
	Limit  int
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	Since  time.Time
	Filter string
	Offset int
	Limit  int
}

// Reader is everything the console and CLI read. Implementations must be
// safe for concurrent use.
type Reader interface {
	Counts(ctx context.Context) (Counts, error)
	Queue(ctx context.Context, q QueueQuery) ([]Incident, error)
	Feed(ctx context.Context, q FeedQuery) ([]Alert, error)
	ChangesBetween(ctx context.Context, from, to time.Time) ([]Change, error)
	NextChange(ctx context.Context, after time.Time) (Change, error)
	Articles(ctx context.Context, q ArticleQuery) ([]ArticleHit, error)
	Services(ctx context.Context) ([]Service, error)
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	Incident(ctx context.Context, id int64) (Incident, error)
	Timeline(ctx context.Context, incidentID int64) ([]TimelineEntry, error)
	Alert(ctx context.Context, id int64) (Alert, error)
	Change(ctx context.Context, id int64) (Change, error)
	Article(ctx context.Context, id int64) (Article, error)
}

// Notifier tells readers that something was committed, by this process or
// another one. Each subscriber gets a channel with a buffer of one: bursts of
// commits coalesce into a single wake-up, and a slow reader never blocks a writer.
type Notifier interface {
	Subscribe() (ch <-chan struct{}, cancel func())
}

// Store is the persistence the service layer writes through.
type Store interface {
	Reader
	Notifier
	// Write runs fn in one write transaction; an error from fn rolls it back.
	Write(ctx context.Context, fn func(Tx) error) error
}

// Tx is a write transaction. Its methods are the only way data changes, and
// only the service layer calls them, so every write is checked and audited.
type Tx interface {
	Incident(id int64) (Incident, error)
	InsertIncident(in *Incident) error
	UpdateIncident(in Incident) error
	AddTimeline(e *TimelineEntry) error

	// UpsertAlert inserts the alert or, when its DedupKey exists, updates state,
	// severity, text and last-seen and bumps the count. It fills in ID and
	// reports whether the alert's state changed (or it is new).
	UpsertAlert(a *Alert) (changed bool, err error)
	AlertByID(id int64) (Alert, error)
	UpdateAlertAck(id int64, by string, at time.Time) error

	InsertChange(c *Change) error
	UpsertArticle(a *Article) error
	// ReplaceServices makes the stored services exactly the given set.
	ReplaceServices(services []Service) error

	AppendAudit(e AuditEntry) error
}
