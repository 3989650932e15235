package ui

import (
	"context"
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// session is what every component of one console shares: its dependencies,
// styles and keys. One exists per terminal, local or SSH.
type session struct {
	Deps
	st *Styles
	km *keymaps.KeyMap
	// notices are the session's recent notices, for :messages.
	notices *noticeLog
}

func (s *session) now() time.Time { return s.Now().In(s.loc()) }

func (s *session) plan() *plan.Plan {
	if s.Plan == nil {
		return nil
	}
	return s.Plan.Plan()
}

// clock is the SLA clock an incident's targets are counted on: the plan's
// (business hours or 24x7), or 24x7 when no plan is loaded.
func (s *session) clock(in model.Incident) model.Clock {
	if p := s.plan(); p != nil {
		return p.SLAFor(in.Kind, in.Priority).Clock
	}
	return model.WallClock{}
}

// loc is the timezone for display: explicit, else the plan's, else UTC.
func (s *session) loc() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	if p := s.plan(); p != nil {
		return p.Location()
	}
	return time.UTC
}

// ioTimeout bounds every read and write the console makes, so a stuck
// database shows as an error instead of a frozen screen.
const ioTimeout = 5 * time.Second

// query runs a read off the UI goroutine with a deadline, so a stuck
// database can never freeze the screen.
func query[T any](fn func(ctx context.Context) (T, error), wrap func(T, error) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		return wrap(fn(ctx))
	}
}

// noticeMsg reports the outcome of an action in the footer.
type noticeMsg struct {
	text string
	err  error
}

// write runs an action through the service layer and says done when it
// succeeds, or explains that this session cannot write.
func (s *session) write(done string, fn func(ctx context.Context, a Actions) error) tea.Cmd {
	return writeThen(s, func(ctx context.Context, a Actions) (struct{}, error) { return struct{}{}, fn(ctx, a) },
		func(struct{}) tea.Msg { return noticeMsg{text: done} })
}

// writeThen runs an action through the service layer, off the UI goroutine,
// and turns its result into the message that follows: a notice naming what
// changed, or a view to open. An error becomes a notice (a form's write
// brings its form back with it).
func writeThen[T any](s *session, do func(ctx context.Context, a Actions) (T, error), then func(T) tea.Msg) tea.Cmd {
	if s.Actions == nil {
		return s.readOnly()
	}
	acts := s.Actions
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		out, err := do(ctx, acts)
		if err != nil {
			return noticeMsg{err: err}
		}
		return then(out)
	}
}

// refuse returns the notice that stops an action before its form opens:
// this console is read-only, or the operator's role lacks p. It returns nil
// when the action may go ahead; the service layer checks again on write.
func (s *session) refuse(p model.Perm) tea.Cmd {
	if s.Actions == nil {
		return s.readOnly()
	}
	if err := s.check(p); err != nil {
		return func() tea.Msg { return noticeMsg{err: err} }
	}
	return nil
}

// check asks the operator's role about p, with the role the plan sets
// where it sets one (who may silence), as the desk will.
func (s *session) check(p model.Perm) error {
	if pl := s.plan(); pl != nil && p == model.PermSilence {
		return s.Actor.CheckAs(p, pl.AlertRules().SilenceRole)
	}
	return s.Actor.Check(p)
}

// may reports whether this console may do p: it can write, and the
// operator's role allows it.
func (s *session) may(p model.Perm) bool { return s.Actions != nil && s.check(p) == nil }

// needsMark starts what an offered key needs, at the end of its help text.
const needsMark = " · needs "

// offer is b as this operator is offered it: as it is when they may do p,
// else disabled, its help saying what it needs. The footer leaves disabled
// keys out; the help lists them with what they need. The key itself still
// works, to say why it is refused.
func (s *session) offer(b key.Binding, p model.Perm) key.Binding {
	if s.may(p) {
		return b
	}
	need := "a console that can write"
	var forbidden model.ErrForbidden
	if err := s.check(p); errors.As(err, &forbidden) && s.Actions != nil {
		need = "the " + forbidden.Needs.String() + " role"
	}
	h := b.Help()
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(h.Key, h.Desc+needsMark+need), key.WithDisabled())
}

func (s *session) readOnly() tea.Cmd {
	return func() tea.Msg {
		return noticeMsg{err: errReadOnly}
	}
}

var errReadOnly = errors.New("this console is read-only")
