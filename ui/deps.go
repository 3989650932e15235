package ui

import (
	"context"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// Actions are the writes the console offers; model.Desk provides them. The
// service layer checks roles, so a viewer pressing a key gets a clear refusal.
type Actions interface {
	CreateIncident(ctx context.Context, a model.Actor, n model.NewIncident) (model.Incident, error)
	Transition(ctx context.Context, a model.Actor, id int64, c model.StateChange) (model.Incident, error)
	Escalate(ctx context.Context, a model.Actor, id int64, reason string) (model.Incident, error)
	Retriage(ctx context.Context, a model.Actor, id int64, impact, urgency model.Level, reason string) (model.Incident, error)
	Merge(ctx context.Context, a model.Actor, dupID, intoID int64) (model.Incident, error)
	SetMajor(ctx context.Context, a model.Actor, id int64, major bool, reason string) (model.Incident, error)
	Link(ctx context.Context, a model.Actor, id int64, kind string, target int64) (model.Incident, error)
	CreateChange(ctx context.Context, a model.Actor, c model.Change) (model.Change, []model.Conflict, error)
	EditChange(ctx context.Context, a model.Actor, id int64, c model.Change) (model.Change, []model.Conflict, error)
	StepChange(ctx context.Context, a model.Actor, id int64, step model.ChangeStep) (model.Change, []model.Conflict, error)
	AckIncident(ctx context.Context, a model.Actor, id int64) (model.Incident, error)
	Assign(ctx context.Context, a model.Actor, id int64, team, assignee string) (model.Incident, error)
	AddNote(ctx context.Context, a model.Actor, id int64, text string) error
	AckAlert(ctx context.Context, a model.Actor, id int64, until time.Time) error
	IncidentForAlert(ctx context.Context, a model.Actor, alertID int64) (model.Incident, error)
	CreateSilence(ctx context.Context, a model.Actor, matchers []model.Matcher, d time.Duration, comment string) (model.Silence, error)
	ExpireSilence(ctx context.Context, a model.Actor, id int64) error
	AssignMajorRoles(ctx context.Context, a model.Actor, id int64, r model.MajorRoles) (model.WarRoom, error)
	PostStatusUpdate(ctx context.Context, a model.Actor, id int64, text string) (model.WarRoom, error)
	ExtendSilence(ctx context.Context, a model.Actor, id int64, d time.Duration) (model.Silence, error)
	ReplaceSilence(ctx context.Context, a model.Actor, id int64, matchers []model.Matcher, d time.Duration, comment string) (model.Silence, error)
	ProblemActions
	ArticleActions
}

// ArticleActions are the knowledge base's writes: a version saved, a step
// of its lifecycle, an old version restored, a read recorded, a handover
// drafted.
type ArticleActions interface {
	SaveArticle(ctx context.Context, a model.Actor, ar model.Article) (model.Article, error)
	StepArticle(ctx context.Context, a model.Actor, id int64, act model.ArticleAction, comment string) (model.Article, error)
	RestoreArticle(ctx context.Context, a model.Actor, id int64, version int) (model.ArticleVersion, error)
	ReadArticle(ctx context.Context, a model.Actor, id int64) (model.ArticleRead, error)
	RateArticle(ctx context.Context, a model.Actor, id int64, helpful bool) (model.Article, error)
	// DraftHandover saves a handover drafted from the live state.
	DraftHandover(ctx context.Context, a model.Actor) (model.Article, error)
}

// Planner answers the change board's questions that need the plan as well
// as the store; model.Desk provides them. They are reads, so a read-only
// console has them too.
type Planner interface {
	ViewChange(ctx context.Context, id int64) (model.ChangeView, error)
	CheckChange(ctx context.Context, c model.Change) ([]model.Conflict, error)
	NextSlot(ctx context.Context, services []string, implementer string, d time.Duration, after time.Time) (model.Span, error)
	SuspectChanges(ctx context.Context, in model.Incident) ([]model.Change, error)
	// DraftStatusUpdate fills a status update template for a major incident.
	DraftStatusUpdate(ctx context.Context, id int64, template string) (string, error)
}

// PlanSource hands out the current support plan and tells when it changes.
type PlanSource interface {
	model.Notifier
	// Plan is the last good plan.
	Plan() *plan.Plan
	// Err is why the newest edit was refused, or nil when it loaded.
	Err() error
}

// Deps is everything a console session needs; cmd wires one per session.
type Deps struct {
	Reader   model.Reader
	Notifier model.Notifier
	Actions  Actions
	Planner  Planner
	Plan     PlanSource
	Actor    model.Actor
	Keys     *keymaps.KeyMap
	Renderer *lipgloss.Renderer
	// Now is the clock; tests fix it so goldens are stable.
	Now func() time.Time
	// DropsDir is shown in the footer so operators know where alerts come from.
	DropsDir string
	// Drops reports the drop folder's intake for the footer; nil when this
	// process does not watch it.
	Drops func() DropStatus
	// Presence, when set, is who else is connected to this process; Session
	// is this console's entry in it.
	Presence *model.Presence
	Session  int64
	// Wall makes a wall screen: read-only, the largest grid that fits, a
	// header to read from across the room, and with Rotate set, the zoomed
	// pane changes every Rotate.
	Wall   bool
	Rotate time.Duration
	// Editor is the command that edits a note in a file ($VISUAL or
	// $EDITOR); empty where no local editor can run, such as over SSH.
	Editor string
	// Location is the timezone times are shown in; the plan's when nil.
	Location *time.Location
}

// DropStatus is the drop folder's intake as the footer shows it.
type DropStatus struct {
	Watching            bool
	Queue               int
	Processed, Rejected int
	LastFile            string
	LastAt              time.Time
	LastRejected        bool
	Problem             string // why intake is stuck (database locked…), "" when fine
	// Sources says why a sender hypercare checks with (an Alertmanager in
	// the plan) could not be asked, "" when fine.
	Sources string
	// Retention says why the last prune of records past the plan's
	// retention failed (the archive could not be written…), "" when fine.
	Retention string
	// Ignored counts the entries in the drop folder left alone because they
	// are not regular files (directories, links, FIFOs, devices);
	// LastIgnored names the latest, with what it is.
	Ignored     int
	LastIgnored string
}
