package ui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// RoleChangedMsg tells a running console that the support plan now gives
// its operator another role; cmd sends it when the plan reloads. Writes from
// then on carry the new role, so the service layer checks that one.
type RoleChangedMsg struct{ Role model.Role }

// setRole applies a role the plan changed. It runs on the UI goroutine, like
// every read of the role that decides what the console offers.
func (m *Model) setRole(role model.Role) tea.Cmd {
	if m.s.Actor.Role == role {
		return nil
	}
	m.s.Actor.Role = role
	m.layout() // the leads' banner comes or goes with the role
	text := "the support plan changed your role to " + role.String()
	return tea.Batch(m.refreshAll(), func() tea.Msg { return noticeMsg{text: text} })
}
