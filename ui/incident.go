package ui

import (
	"context"
	"fmt"
	"time"

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
	return []key.Binding{km.Ack, km.Assign, km.Note, km.Resolve, km.Escalate}
}

// recordAction is something done to the selected incident or alert, from a
// key or from the command line.
type recordAction int

const (
	actAck recordAction = iota + 1
	actTake
	actNote
	actResolve
	actEscalate
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
	case key.Matches(msg, km.Resolve):
		return incidentAction(s, id, actResolve), true
	case key.Matches(msg, km.Escalate):
		return incidentAction(s, id, actEscalate), true
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
	case actResolve:
		if s.Actions == nil {
			return s.readOnly()
		}
		return func() tea.Msg { return openFormMsg{form: resolveForm(s, id)} }
	case actEscalate:
		return s.write(ref+" escalated", func(ctx context.Context, a Actions) error {
			_, err := a.Escalate(ctx, s.Actor, id, "")
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

// newIncidentForm opens the form for a new incident or request. The
// priority it will get is shown as the impact and urgency change.
func newIncidentForm(s *session) tea.Cmd {
	if s.Actions == nil {
		return s.readOnly()
	}
	var services []string
	if p := s.plan(); p != nil {
		for _, sv := range p.Services {
			services = append(services, sv.ID)
		}
	}
	levels := []string{"high", "medium", "low"}
	f := newForm(s, "New incident").
		field("service", firstOr(services, ""), "a service id from the plan", services...).
		field("title", "", "what is wrong, in one line").
		field("impact", "medium", "", levels...).
		field("urgency", "medium", "", levels...).
		field("category", "availability", "", model.Categories...).
		field("type", "incident", "", string(model.KindIncident), string(model.KindRequest)).
		field("details", "", "what you see, since when (optional)")
	f.preview = func(v []string) string {
		imp, err1 := model.ParseLevel(v[2])
		urg, err2 := model.ParseLevel(v[3])
		if err1 != nil || err2 != nil {
			return s.st.Dim.Render("priority: choose impact and urgency")
		}
		p, _ := model.PriorityFor(imp, urg)
		return "priority " + s.st.Priority[p].Render(" "+p.String()+" ") + s.st.Dim.Render("  (impact × urgency; P1 on a tier-1 service is a major incident)")
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := choice("service", v[0], services); err != nil {
			return nil, 0, err
		}
		if v[1] == "" {
			return nil, 1, fmt.Errorf("title: say what is wrong")
		}
		imp, err := model.ParseLevel(v[2])
		if err != nil {
			return nil, 2, fmt.Errorf("impact: %v", err)
		}
		urg, err := model.ParseLevel(v[3])
		if err != nil {
			return nil, 3, fmt.Errorf("urgency: %v", err)
		}
		if err := choice("category", v[4], model.Categories); err != nil {
			return nil, 4, err
		}
		if err := choice("type", v[5], []string{string(model.KindIncident), string(model.KindRequest)}); err != nil {
			return nil, 5, err
		}
		n := model.NewIncident{Service: v[0], Title: v[1], Impact: imp, Urgency: urg, Category: v[4], Kind: model.Kind(v[5]), Description: v[6]}
		acts, actor := s.Actions, s.Actor
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			in, err := acts.CreateIncident(ctx, actor, n)
			if err != nil {
				return noticeMsg{err: err}
			}
			return openDetailMsg{kind: detailIncident, id: in.ID}
		}, 0, nil
	}
	return func() tea.Msg { return openFormMsg{form: f} }
}

// resolveForm asks for the resolution code (required) and a note.
func resolveForm(s *session, id int64) *form {
	f := newForm(s, fmt.Sprintf("Resolve INC-%d", id)).
		field("code", "fixed", "", model.ResolutionCodes...).
		field("note", "", "what fixed it (goes on the timeline)")
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := choice("code", v[0], model.ResolutionCodes); err != nil {
			return nil, 0, err
		}
		return s.write(fmt.Sprintf("INC-%d resolved (%s)", id, v[0]), func(ctx context.Context, a Actions) error {
			_, err := a.Transition(ctx, s.Actor, id, model.StateChange{To: model.StateResolved, Code: v[0], Reason: v[1]})
			return err
		}), 0, nil
	}
	return f
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}
