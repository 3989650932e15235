package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
)

// helpLayer is the list of every key, over whatever is open; it scrolls
// when taller than the screen.
type helpLayer struct {
	top  int // the first line shown
	page int // lines shown at once, when it scrolls: what a page key moves
}

func (h *helpLayer) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	km := m.s.km
	switch {
	case key.Matches(msg, km.Help, km.Back, km.Quit):
		return nil, closed
	case key.Matches(msg, km.Down):
		h.top++
	case key.Matches(msg, km.Up):
		h.top = max(h.top-1, 0)
	case key.Matches(msg, km.PageDown):
		h.top += max(h.page, 1)
	case key.Matches(msg, km.PageUp):
		h.top = max(h.top-max(h.page, 1), 0)
	case key.Matches(msg, km.Top):
		h.top = 0
	case key.Matches(msg, km.Bottom):
		h.top = 1 << 20 // the view stops it at the last page
	}
	return nil, kept
}

func (h *helpLayer) view(m *Model, w, bodyH int) string {
	return m.overlay(m.helpView(h, bodyH), w, bodyH)
}

func (*helpLayer) actions() []key.Binding { return nil }
func (*helpLayer) typing() bool           { return false }

// keysHere are the keys of what has the focus: the top layer's, else the
// focused pane's. A key this operator's role may not use says the role it
// needs (session.offer).
func (m *Model) keysHere() []key.Binding {
	if top := m.underHelp(); top != nil {
		return top.actions()
	}
	return m.panes[m.focus].actions()
}

// helpView is the help for what is in front of the operator, generated
// from the key map: the global groups, the keys of whatever has focus
// (each the operator may not use marked with the role it needs), and the
// legend of its marks and of the header and footer.
func (m *Model) helpView(h *helpLayer, bodyH int) string {
	km, st := m.s.km, m.s.st
	type group struct {
		name     string
		bindings []key.Binding
	}
	groups := []group{
		{keymaps.GroupNavigate, km.Group(keymaps.GroupNavigate)},
		{keymaps.GroupPanes, km.Group(keymaps.GroupPanes)},
		{keymaps.GroupGeneral, append(km.Group(keymaps.GroupGeneral), m.s.offer(km.New, model.PermOpenIncident))},
	}
	where, marks := m.legendHere()
	groups = append(groups, group{"Keys in " + where, m.keysHere()})
	if len(marks) > 0 {
		groups = append(groups, group{"Marks in " + where, marksAsBindings(marks)})
	}
	groups = append(groups, group{"Header and footer", marksAsBindings(chromeLegend())})
	cols := make([]string, 0, len(groups))
	for _, g := range groups {
		keyW := 0
		for _, b := range g.bindings {
			keyW = max(keyW, width(b.Help().Key))
		}
		lines := []string{st.Label.Render(g.name)}
		// A description longer than the screen wraps under itself.
		descW := max(m.w-10-keyW, 20)
		for _, b := range g.bindings {
			h := b.Help()
			for i, d := range wrap(h.Desc, descW) {
				k := strings.Repeat(" ", keyW)
				if i == 0 {
					k = st.FooterKey.Render(fit(h.Key, keyW))
				}
				lines = append(lines, k+"  "+d)
			}
		}
		cols = append(cols, strings.Join(lines, "\n"))
	}
	// As many groups side by side as the screen holds, in order, so the
	// whole list fits 200x60 and scrolls at 80x24.
	pad := m.s.Renderer.NewStyle().PaddingRight(3)
	var rows, row []string
	rowW := 0
	for _, c := range cols {
		c = pad.Render(c)
		if cw := lipgloss.Width(c); len(row) > 0 && rowW+cw > m.w-4 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		row = append(row, c)
		rowW += lipgloss.Width(c)
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	body := lipgloss.JoinVertical(lipgloss.Left, rows...)
	title := st.Bold.Render("Keys") + st.Dim.Render(strings.Join(wrap("  (override in config.toml [keys]; ? or esc closes)", m.w-8), "\n"))
	for _, l := range wrap(fmt.Sprintf("You are %s (%s): a key marked \"needs …\" needs another role.", m.s.Actor.Name, m.s.Actor.Role), m.w-6) {
		title += "\n" + st.Dim.Render(l)
	}
	lines := strings.Split(body, "\n")
	// On a short screen the help scrolls rather than overflow the frame.
	room := bodyH - 2 - strings.Count(title, "\n") - 1 // border and title
	if len(lines) > room {
		// The top stops at the last page, so ↑ moves at once after it.
		h.top = max(min(h.top, len(lines)-room+1), 0)
		h.page = room - 1
		more := st.Dim.Render(fmt.Sprintf("↑/↓ scroll · lines %d–%d of %d", h.top+1, h.top+room-1, len(lines)))
		lines = append(lines[h.top:h.top+room-1], more)
	}
	return st.Overlay.Render(title + "\n" + strings.Join(lines, "\n"))
}
