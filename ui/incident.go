package ui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
)

// openDetailMsg asks the console to open a record's detail view.
type openDetailMsg struct {
	kind  detailKind
	id    int64
	audit model.AuditEntry // for detailAudit: the entry itself, which never changes
}

func openIncident(id int64) tea.Cmd {
	return func() tea.Msg { return openDetailMsg{kind: detailIncident, id: id} }
}

// openNoteMsg asks the console to open the note editor for an incident.
type openNoteMsg struct{ id int64 }

// incidentBindings are the actions on an incident, in the queue and its detail.
func incidentBindings(km *keymaps.KeyMap) []key.Binding {
	return []key.Binding{km.Ack, km.Assign, km.Note}
}

// recordAction is something done to the selected incident or alert, from a
// key or from the command line.
type recordAction int

const (
	actAck recordAction = iota + 1
	actTake
	actNote
)

// incidentKeys maps a key press to an incident action.
func incidentKeys(s *session, id int64, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := s.km
	switch {
	case key.Matches(msg, km.Ack):
		return incidentAction(s, id, actAck), true
	case key.Matches(msg, km.Assign):
		return incidentAction(s, id, actTake), true
	case key.Matches(msg, km.Note):
		return incidentAction(s, id, actNote), true
	}
	return nil, false
}

// incidentAction performs an action on an incident; the service layer
// decides whether this operator may.
func incidentAction(s *session, id int64, act recordAction) tea.Cmd {
	ref := fmt.Sprintf("INC-%d", id)
	switch act {
	case actAck:
		return s.write(ref+" acknowledged", func(ctx context.Context, a Actions) error {
			_, err := a.AckIncident(ctx, s.Actor, id)
			return err
		})
	case actTake:
		return s.write(ref+" assigned to "+s.Actor.Name, func(ctx context.Context, a Actions) error {
			_, err := a.Assign(ctx, s.Actor, id, "", s.Actor.Name)
			return err
		})
	case actNote:
		if s.Actions == nil {
			return s.readOnly()
		}
		// Refuse before the operator types a note the service layer would reject.
		if s.Actor.Role < model.RoleOperator {
			err := model.ErrForbidden{Actor: s.Actor, Action: "add notes", Needs: model.RoleOperator}
			return func() tea.Msg { return noticeMsg{err: err} }
		}
		return func() tea.Msg { return openNoteMsg{id: id} }
	}
	return nil
}
