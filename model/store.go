package model

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnreachable marks a store error that says the database could not be
// reached (a PostgreSQL server restarting, failing over, or cut off), not
// that anything was wrong with what was asked. Nothing was written; the
// store reconnects on its own, and the console says so until it is back.
var ErrUnreachable = errors.New("store unreachable")

// QueueQuery selects incidents for the queue pane.
type QueueQuery struct {
	// Filter is words, each of which must appear in the ref, title,
	// service, assignee or team; empty for all.
	Filter string
	// Fields are conditions on IncidentFields (service=checkout), all of
	// which must hold.
	Fields []Matcher
	All    bool // include resolved, closed and cancelled
	AtRisk bool // only open incidents at risk (Incident.AtRisk)
	// Narrowing by field; zero values do not narrow. Several priorities or
	// states mean any of them.
	Priorities []Priority
	Major      bool
	Assignee   string
	Unassigned bool
	States     []IncidentState
	Offset     int
	Limit      int
}

// FeedQuery selects alerts for the feed pane. A storm shows as one row (its
// first alert, with StormSize set) unless Storm asks for its members.
type FeedQuery struct {
	// Filter is words, each of which must appear in the id, name,
	// service or summary; empty for all.
	Filter string
	Firing bool  // only firing alerts
	Storm  int64 // only the alerts of this storm, all of them
	// Only narrows to alerts in every one of these conditions: "acked",
	// "silenced", "flapping", "incident" (attached to one) or "stale"
	// (firing, but not repeated by its sender for longer than its repeat
	// interval).
	Only []string
	// Labels are matchers on the alerts' labels, all of which must hold;
	// "service" compares the alert's service.
	Labels []Matcher
	// Members lists storm members as rows of their own, as a filter
	// does: every alert (what a silence's preview counts).
	Members bool
	Offset  int
	Limit   int
}

// Upserted says what Tx.UpsertAlert did with one delivery.
type Upserted struct {
	New     bool // the alert was not known before
	Changed bool // its state changed (true for new alerts too)
	Older   bool // older than the stored state (a replay, a late copy): nothing changed
	// Changes counts the alert's state changes since the flapping window
	// began, this delivery's own included, when it changed the state (for
	// a new alert, 1); otherwise 0.
	Changes int
}

// FeedConditions are the values FeedQuery.Only accepts.
var FeedConditions = []string{"acked", "silenced", "flapping", "incident", "stale"}

// ArticleQuery selects knowledge base articles; with Search set the result is
// ranked by relevance, otherwise by title, whatever its case.
type ArticleQuery struct {
	Search string
	// Any matches articles with any of the words rather than all of them
	// (suggestions from an incident's title), still best first.
	Any bool
	// Published leaves out drafts and articles in review: what viewers
	// read by default. All takes retired articles in too (an export).
	Published bool
	All       bool
	// Kind, with no search, lists the articles of one kind, newest first:
	// the past handovers.
	Kind   ArticleKind
	Offset int
	Limit  int
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	Since  time.Time
	Filter string
	// Hide leaves out entries with these actions (the console hides
	// SystemActions unless asked).
	Hide   []string
	Offset int
	Limit  int
}

// Reader is everything the console and CLI read. Implementations must be
// safe for concurrent use.
type Reader interface {
	Counts(ctx context.Context) (Counts, error)
	Queue(ctx context.Context, q QueueQuery) ([]Incident, error)
	Feed(ctx context.Context, q FeedQuery) ([]Alert, error)
	// ChangesBetween lists the changes whose planned time overlaps [from,
	// to), and NextChange the first open one from after, with what lists
	// and the change rules use: id, title, services, type, state, risk,
	// implementer, start, end, reason and close code. Change reads the
	// whole record.
	ChangesBetween(ctx context.Context, from, to time.Time) ([]Change, error)
	NextChange(ctx context.Context, after time.Time) (Change, error)
	Services(ctx context.Context) ([]Service, error)
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	Incident(ctx context.Context, id int64) (Incident, error)
	Timeline(ctx context.Context, incidentID int64) ([]TimelineEntry, error)
	// Links lists an incident's links to changes and articles, with titles.
	Links(ctx context.Context, incidentID int64) ([]IncidentLink, error)
	// IncidentAlerts lists the alerts linked to an incident, newest first.
	IncidentAlerts(ctx context.Context, incidentID int64, limit int) ([]Alert, error)
	Alert(ctx context.Context, id int64) (Alert, error)
	AlertHistory(ctx context.Context, alertID int64) ([]AlertChange, error)
	// Silences lists silences, newest first, with how many firing alerts
	// each mutes; only those not yet ended at activeAt, or all when it is zero.
	Silences(ctx context.Context, activeAt time.Time) ([]Silence, error)
	Change(ctx context.Context, id int64) (Change, error)
	// ChangeApprovals lists every verdict on a change, ChangeTimeline its
	// steps, oldest first.
	ChangeApprovals(ctx context.Context, id int64) ([]ChangeApproval, error)
	ChangeTimeline(ctx context.Context, id int64) ([]ChangeEvent, error)
	// CriticalIncidents lists open P1/P2 incidents on any of the services.
	CriticalIncidents(ctx context.Context, services []string) ([]Incident, error)
	// ChangeIncidents lists the incidents linked to a change as caused or
	// resolved by it.
	ChangeIncidents(ctx context.Context, changeID int64) ([]ChangeIncident, error)
	// DeploysBetween lists the deploys that started in [from, to), by
	// start; Deploys those a change covers, by start.
	DeploysBetween(ctx context.Context, from, to time.Time) ([]Deploy, error)
	Deploys(ctx context.Context, changeID int64) ([]Deploy, error)
	// OpenIncidentsOn lists the open incidents and requests on any of the
	// services, by priority then age: what is wrong on what a record
	// depends on.
	OpenIncidentsOn(ctx context.Context, services []string) ([]Incident, error)
	// Certificates lists the certificates read from live endpoints, by
	// endpoint.
	Certificates(ctx context.Context) ([]Certificate, error)

	MetricsReader
	ProblemReader
	ArticleReader
	NotifyReader
	JobReader
}

// NotifyReader reads the outbox and the war rooms.
type NotifyReader interface {
	// Notifications lists outbox messages, newest first.
	Notifications(ctx context.Context, q NotificationQuery) ([]Notification, error)
	// NextNotification is the earliest time a message can be claimed: a
	// pending one's next attempt, or a sending one's lease end (in the past
	// when one is due now). ErrNotFound when nothing waits.
	NextNotification(ctx context.Context) (time.Time, error)
	// WarRooms lists the open war rooms (WarRoom.Active) with their
	// incidents, by priority then declaration.
	WarRooms(ctx context.Context) ([]WarRoom, error)
	// WarRoom reads an incident's war room, open or not, with the incident.
	WarRoom(ctx context.Context, incidentID int64) (WarRoom, error)
}

// JobReader reads the runs of the plan's scheduled jobs and backups.
type JobReader interface {
	// JobRuns lists a job's newest runs, newest first by JobRun.At.
	JobRuns(ctx context.Context, job string, limit int) ([]JobRun, error)
	// JobRunsBetween lists every job's runs whose JobRun.At is in [from,
	// to), by that time (the calendar).
	JobRunsBetween(ctx context.Context, from, to time.Time) ([]JobRun, error)
	// LastGoodRun is a job's run that most recently finished without
	// failing; ErrNotFound when none has.
	LastGoodRun(ctx context.Context, job string) (JobRun, error)
	// JobsWatched says since when the sweep has watched each job.
	JobsWatched(ctx context.Context) (map[string]time.Time, error)
}

// ArticleReader reads the knowledge base: articles as they are in force,
// their versions, who read them, and what the training matrix needs.
type ArticleReader interface {
	Articles(ctx context.Context, q ArticleQuery) ([]ArticleHit, error)
	// Article reads an article as it is in force (the newest published
	// version, else the newest); ArticleBySlug finds one by its slug.
	Article(ctx context.Context, id int64) (Article, error)
	ArticleBySlug(ctx context.Context, slug string) (Article, error)
	// ArticleVersions lists every version of an article, newest first,
	// with their text; ArticleVersion reads one.
	ArticleVersions(ctx context.Context, id int64) ([]ArticleVersion, error)
	ArticleVersion(ctx context.Context, id int64, version int) (ArticleVersion, error)
	// ArticleReads lists who read which version of an article, newest first.
	ArticleReads(ctx context.Context, id int64) ([]ArticleRead, error)
	// ArticlesDue lists the published articles whose review is due at
	// (Article.ReviewDue), by owner then title, without their text.
	ArticlesDue(ctx context.Context, at time.Time) ([]Article, error)
	// TrainingData reads the roster, the required articles (without
	// their text) and the reads of them.
	TrainingData(ctx context.Context) (TrainingData, error)
	// ArticleUses lists the articles used on incidents in [since, until),
	// most used first, at most limit.
	ArticleUses(ctx context.Context, since, until time.Time, limit int) ([]ArticleUse, error)
}

// MetricsReader reads what the metrics view and the report measure.
type MetricsReader interface {
	// AlertVolume counts the alerts first seen in each hour of [since,
	// until): [0] is the hour from since.
	AlertVolume(ctx context.Context, since, until time.Time) ([]int, error)
	// IncidentsSince lists every incident and request opened or resolved
	// at or after since, and every one still open, by opening time:
	// everything ComputeMetrics needs for a window that starts at since.
	IncidentsSince(ctx context.Context, since time.Time) ([]Incident, error)
	// ChangeCauses lists the "caused by" links of incidents opened at or
	// after since.
	ChangeCauses(ctx context.Context, since time.Time) ([]ChangeCause, error)
}

// ProblemQuery selects problems for the problems view and the CLI.
type ProblemQuery struct {
	Filter string // free text over ref, title, service, owner; empty for all
	All    bool   // include closed problems
	Offset int
	Limit  int
}

// ProblemReader reads problem records, their RCA actions and linked
// incidents, and the recurrence rule's suggestions.
type ProblemReader interface {
	// Problems lists problems with their linked-incident and open-action
	// counts: open ones before resolved, closed last (only with q.All),
	// most recently updated first.
	Problems(ctx context.Context, q ProblemQuery) ([]Problem, error)
	Problem(ctx context.Context, id int64) (Problem, error)
	// ProblemActions lists a problem's RCA actions in the order they were added.
	ProblemActions(ctx context.Context, problemID int64) ([]ProblemAction, error)
	// ProblemIncidents lists the incidents linked to a problem, oldest first.
	ProblemIncidents(ctx context.Context, problemID int64) ([]Incident, error)
	// ProblemSuggestions applies SuggestProblems at now to every incident
	// it could concern.
	ProblemSuggestions(ctx context.Context, now time.Time) ([]ProblemSuggestion, error)
}

// Notifier tells readers that something was committed, by this process or
// another one. Each subscriber gets a channel with a buffer of one: bursts of
// commits coalesce into a single wake-up, and a slow reader never blocks a writer.
type Notifier interface {
	Subscribe() (ch <-chan struct{}, cancel func())
}

// A Part is a part of the store that changes seldom but that every
// console shows and reads again after each commit: the knowledge pane, the
// calendar, the war room banner, the certificates behind the expiry
// banner. Under a flood of alerts nearly every commit leaves them alone.
type Part int

const (
	PartKnowledge    Part = iota // articles, their uses and reads, the roster
	PartCalendar                 // changes, deploys, job runs
	PartWarRooms                 // war rooms and their incidents
	PartCertificates             // the certificates checked
	PartCount
)

// Versions are the parts' change counters, by Part: each goes up with
// every commit that changes its part.
type Versions [PartCount]int64

// Versioner is a Reader that counts its parts' changes. A reader that
// keeps answers across commits (ui.Shared) keeps those of a part whose
// version did not move; so every read of a part must read only what its
// version counts.
type Versioner interface {
	Versions(ctx context.Context) (Versions, error)
}

// Compacter is a Store that can hand back the disk space its write-ahead
// log holds (SQLite's WAL, which grows under a flood of writes and keeps
// its size). Prune calls it when it has removed something, so that what
// the disk holds after a prune is the records kept.
type Compacter interface {
	Compact(ctx context.Context) error
}

// Store is the persistence the service layer writes through.
type Store interface {
	Reader
	RetentionReader
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

	// UpsertAlert inserts the alert or, when its DedupKey exists, updates
	// state, severity, text and last-seen, counting deliveries and firings;
	// fields left empty (a resolve that names only the key) keep their
	// stored values. A delivery older than the stored state (a firing that
	// started before the stored resolve ended, a resolve that ended before
	// the stored firing started, by the sender's own times) changes
	// nothing, and *a becomes the whole stored record. Otherwise it fills
	// in *a what the intake works with, not the whole record: ID, State,
	// the fields a delivery may leave empty as stored (Source, Name,
	// Severity, Service, Summary, Labels, Group) and the marks (SilencedBy,
	// Flapping, AfterChange, IncidentID, Truncated, StormID); and counts in
	// Upserted.Changes the alert's state changes since flapSince. A new
	// alert is stored as a member of the storm a.StormID names, if any: one
	// of a group that storms joins it as it is written.
	UpsertAlert(a *Alert, flapSince time.Time) (Upserted, error)
	// LookupAlerts reads ahead, at once, what UpsertAlert needs to know of
	// the stored alerts with these keys, for one delivery of each: a
	// drop's upserts then need not each read its alert back. It changes
	// nothing UpsertAlert reports; it only makes it cheaper.
	LookupAlerts(keys []string, flapSince time.Time) error
	// Savepoint runs fn inside the transaction so that an error from fn
	// undoes what fn wrote, and only that: one drop of several applied in
	// one transaction.
	Savepoint(fn func() error) error
	// RefreshStorm elects the alert that stands for a storm in the feed
	// (firing first, then the worst severity, then the latest) and
	// recounts its firing members; call it after changing members.
	RefreshStorm(stormID int64) error
	AlertByID(id int64) (Alert, error)
	// AlertByKey finds an alert by dedup key; ErrNotFound when new.
	AlertByKey(key string) (Alert, error)
	// UpdateAlertAck records who acknowledged an alert, when and until when
	// (zero: until it resolves); an empty by clears the ack.
	UpdateAlertAck(id int64, by string, at, until time.Time) error
	// SetAlertMarks stores what the service layer worked out about an
	// alert: SilencedBy, Flapping, AfterChange, IncidentID, Truncated and
	// StormID (a storm's first alert stands for it; the rest are members).
	SetAlertMarks(a Alert) error

	// DropSeen reports whether a drop with this content hash was applied;
	// RecordDrop remembers one, in the same transaction as its alerts.
	DropSeen(sha256 string) (bool, error)
	RecordDrop(d Drop, alerts int) error

	// Storm bookkeeping: GroupSince counts a group's alerts first seen
	// since a time; OpenStorm returns the group's storm still growing
	// since then (ErrNotFound when none); StartStorm makes one whose
	// members are the group's alerts first seen since then; GrowStorm counts
	// alerts that joined it (their StormID set through SetAlertMarks).
	GroupSince(group string, since time.Time) (int, error)
	OpenStorm(group string, since time.Time) (stormID int64, err error)
	StartStorm(group string, since, at time.Time) (stormID int64, err error)
	GrowStorm(stormID int64, by int, at time.Time) error

	// Silences in force at t, and writes.
	ActiveSilences(t time.Time) ([]Silence, error)
	InsertSilence(s *Silence) error
	ExpireSilence(id int64, at time.Time) error
	SetSilenceEnd(id int64, end time.Time) error
	// FiringAlerts calls fn for every firing alert, so a new or expired
	// silence can be applied to them.
	FiringAlerts(fn func(Alert) error) error
	// StaleAlerts lists the firing alerts of a source last heard from
	// before a time (stale, or to check against the source's own list);
	// MarkStale marks one stale, which takes it out of the firing counts
	// until its sender reports it again.
	StaleAlerts(source string, heardBefore time.Time) ([]Alert, error)
	MarkStale(id int64) error

	// ChangeStartedBetween finds the latest change on a service that
	// started within [from, to]; ErrNotFound when none.
	ChangeStartedBetween(service string, from, to time.Time) (Change, error)
	// OpenIncidents lists every open incident, for the SLA sweep.
	OpenIncidents() ([]Incident, error)
	// OpenIncidentForGroup finds the open incident a route opened for this
	// service and alert group; ErrNotFound when none.
	OpenIncidentForGroup(service, group string) (Incident, error)
	// SetIncidentGroup records the alert group an incident was opened for.
	SetIncidentGroup(incidentID int64, group string) error
	// FiringForIncident counts the firing alerts attached to an incident.
	FiringForIncident(incidentID int64) (int, error)

	// InsertLink relates an incident to a change or an article; linking
	// the same pair twice is a no-op.
	InsertLink(l IncidentLink) error
	// LinksOf lists an incident's links inside the transaction.
	LinksOf(incidentID int64) ([]IncidentLink, error)
	// MoveIncidentLinks moves alerts and links from one incident to
	// another (a merge) and reports how many moved.
	MoveIncidentLinks(from, to int64) (int, error)
	// ArticleByID reads an article inside the transaction.
	ArticleByID(id int64) (Article, error)

	ChangeTx
	DeployTx
	ArticleTx
	ExpiryTx
	JobTx
	RetentionTx
	// ReplaceServices makes the stored services exactly the given set.
	ReplaceServices(services []Service) error

	AppendAudit(e AuditEntry) error

	ProblemTx
	NotifyTx
}

// NotifyTx is the outbox and war-room part of a write transaction.
type NotifyTx interface {
	// InsertNotification adds a message to the outbox and sets its ID;
	// one whose Key is there already is left alone (false).
	InsertNotification(n *Notification) (bool, error)
	// ClaimNotification takes the oldest message due at now (pending with
	// NextAt passed, or sending with its lease run out): it becomes
	// sending, leased to worker until leaseUntil, its attempt counted.
	// ErrNotFound when none is due.
	ClaimNotification(worker string, now, leaseUntil time.Time) (Notification, error)
	NotificationByID(id int64) (Notification, error)
	// UpdateNotification writes a message's state, attempts, times,
	// lease and error.
	UpdateNotification(n Notification) error
	// WarRoom reads an incident's war room with the incident;
	// ErrNotFound when it was never major. ActiveWarRooms lists the open ones.
	WarRoom(incidentID int64) (WarRoom, error)
	ActiveWarRooms() ([]WarRoom, error)
	// UpsertWarRoom writes a war room (its Incident is not written).
	UpsertWarRoom(w WarRoom) error
	// TimelineOf lists an incident's timeline inside the transaction, oldest first.
	TimelineOf(incidentID int64) ([]TimelineEntry, error)
}

// ChangeTx is the change part of a write transaction.
type ChangeTx interface {
	InsertChange(c *Change) error
	ChangeByID(id int64) (Change, error)
	// UpdateChange writes every field but the requester and creation time.
	UpdateChange(c Change) error
	// ChangesBetween lists the changes whose planned time overlaps [from,
	// to), with the fields Reader.ChangesBetween gives.
	ChangesBetween(from, to time.Time) ([]Change, error)
	AddChangeApproval(id int64, a ChangeApproval) error
	ChangeApprovals(id int64) ([]ChangeApproval, error)
	AppendChangeEvent(id int64, e ChangeEvent) error
	CriticalIncidents(services []string) ([]Incident, error)
}

// ArticleTx is the knowledge base part of a write transaction. The
// articles table holds each article as it is in force; every version,
// that one included, is kept apart.
type ArticleTx interface {
	// ArticleBySlug finds an article by slug; ErrNotFound when new.
	ArticleBySlug(slug string) (Article, error)
	// InsertArticle stores a new article and sets its ID; UpdateArticle
	// rewrites it, all but its helpful and unhelpful counts.
	InsertArticle(a *Article) error
	UpdateArticle(a Article) error
	// UpsertArticle writes an article by slug without a version: for
	// generators of test data, never for the service layer.
	UpsertArticle(a *Article) error
	InsertArticleVersion(v ArticleVersion) error
	ArticleVersion(id int64, version int) (ArticleVersion, error)
	// SetArticleVersionState changes a version's state and, when by is
	// not empty, records its review.
	SetArticleVersionState(id int64, version int, state ArticleState, by string, at time.Time) error
	// RecordArticleRead remembers that an operator read a version (the
	// first read of a version stands).
	RecordArticleRead(r ArticleRead) error
	// SetArticleFeedback records an operator's verdict on an article,
	// replacing any earlier one, and recounts the article's verdicts.
	SetArticleFeedback(id int64, operator string, helpful bool, at time.Time) error
	// ReplaceRoster makes the stored roster exactly these people.
	ReplaceRoster(people []Person) error
}

// ExpiryTx is the part of a write transaction that watches expiries: the
// certificates read from endpoints, and the warning last raised for each
// licence or certificate (by its Key).
type ExpiryTx interface {
	// Certificate reads an endpoint's last check; ErrNotFound when none.
	Certificate(endpoint string) (Certificate, error)
	// UpsertCertificate stores an endpoint's check over its previous one.
	UpsertCertificate(c Certificate) error
	Certificates() ([]Certificate, error)
	ExpiryNotices() ([]ExpiryNotice, error)
	// PutExpiryNotice stores the notice for its key over any earlier one.
	PutExpiryNotice(n ExpiryNotice) error
	DeleteExpiryNotice(key string) error
}

// DeployTx is the deploy part of a write transaction.
type DeployTx interface {
	// DeployByKey finds a deploy by its service and key; ErrNotFound when new.
	DeployByKey(service, key string) (Deploy, error)
	// InsertDeploy stores a new deploy and sets its ID.
	InsertDeploy(d *Deploy) error
	// UpdateDeploy writes a deploy's status, end, URL, change, flag and note.
	UpdateDeploy(d Deploy) error
}

// JobTx is the scheduled-jobs part of a write transaction.
type JobTx interface {
	// JobRunByID finds a run by its job and run id, JobRunBySlot by its
	// job and scheduled time; ErrNotFound when there is none.
	JobRunByID(job, runID string) (JobRun, error)
	JobRunBySlot(job string, slot time.Time) (JobRun, error)
	// OpenJobRun is the job's newest run that started and has not
	// finished; ErrNotFound when none.
	OpenJobRun(job string) (JobRun, error)
	// InsertJobRun stores a new run and sets its ID; UpdateJobRun writes
	// every field of a stored one but its job and recording time.
	InsertJobRun(r *JobRun) error
	UpdateJobRun(r JobRun) error
	// RunningJobRuns lists the runs in JobRunning, for the sweep.
	RunningJobRuns() ([]JobRun, error)
	// AlertingJobRuns lists a job's runs whose alert is open.
	AlertingJobRuns(job string) ([]JobRun, error)
	// JobWatch says since when the sweep watches a job and up to when it
	// has looked for missed runs; ErrNotFound for a job it never saw.
	// SetJobWatch records both.
	JobWatch(job string) (since, sweptTo time.Time, err error)
	SetJobWatch(job string, since, sweptTo time.Time) error
}

// ProblemTx is the problem part of a write transaction.
type ProblemTx interface {
	InsertProblem(p *Problem) error
	// ProblemByID reads a problem inside the transaction (counts left 0).
	ProblemByID(id int64) (Problem, error)
	UpdateProblem(p Problem) error
	InsertProblemAction(a *ProblemAction) error
	ProblemActionByID(id int64) (ProblemAction, error)
	UpdateProblemAction(a ProblemAction) error
	// LinkedIncidents lists the incidents linked to a problem.
	LinkedIncidents(problemID int64) ([]Incident, error)
}
