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
	top int // the first line shown
}

func (h *helpLayer) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	km := m.s.km
	switch {
	case key.Matches(msg, km.Help, km.Back, km.Quit):
		return nil, closed
	case key.Matches(msg, km.Down, km.PageDown):
		h.top++
	case key.Matches(msg, km.Up, km.PageUp):
		h.top = max(h.top-1, 0)
	}
	return nil, kept
}

func (h *helpLayer) view(m *Model, w, bodyH int) string {
	return m.overlay(m.helpView(h, bodyH), w, bodyH)
}

func (*helpLayer) actions() []key.Binding { return nil }
func (*helpLayer) typing() bool           { return false }

func (m *Model) paneKeys() []key.Binding {
	var out []key.Binding
	where := map[string][]string{}
	sources := make([]interface {
		title() string
		actions() []key.Binding
	}, 0, len(m.panes)+1)
	for _, p := range m.panes {
		sources = append(sources, p)
	}
	// A key that does different things in different panes ("c" is a new
	// change in the calendar, a new problem among problems) gets a line
	// for each meaning.
	meaning := func(b key.Binding) string {
		desc, _, _ := strings.Cut(b.Help().Desc, needsMark)
		return b.Help().Key + "\x00" + desc
	}
	for _, p := range append(sources, problemsHelp{m.s}) {
		for _, b := range p.actions() {
			k := meaning(b)
			if _, seen := where[k]; !seen {
				out = append(out, b)
			}
			where[k] = append(where[k], strings.ToLower(p.title()))
		}
	}
	for i, b := range out {
		h := b.Help()
		desc, need, needs := strings.Cut(h.Desc, needsMark)
		desc += " (" + strings.Join(where[meaning(b)], ", ") + ")"
		if needs {
			desc += needsMark + need
		}
		out[i] = key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(h.Key, desc))
	}
	return out
}

// helpView lists every binding, generated from the key map: the global
// groups plus the actions of whatever has focus.
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
	groups = append(groups, group{"In panes", m.paneKeys()})
	cols := make([]string, 0, len(groups))
	for _, g := range groups {
		keyW := 0
		for _, b := range g.bindings {
			keyW = max(keyW, width(b.Help().Key))
		}
		lines := []string{st.Label.Render(g.name)}
		for _, b := range g.bindings {
			h := b.Help()
			lines = append(lines, st.FooterKey.Render(fit(h.Key, keyW))+"  "+h.Desc)
		}
		cols = append(cols, strings.Join(lines, "\n"))
	}
	// All groups side by side when there is room, else two per row so the
	// whole list still fits 80x24.
	perRow := 2
	if m.w >= 110 {
		perRow = len(cols)
	}
	pad := m.s.Renderer.NewStyle().PaddingRight(3)
	var rows []string
	for i := 0; i < len(cols); i += perRow {
		row := cols[i:min(i+perRow, len(cols))]
		for j := range row {
			row[j] = pad.Render(row[j])
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	body := lipgloss.JoinVertical(lipgloss.Left, rows...)
	title := st.Bold.Render("Keys") + st.Dim.Render("  (override in config.toml [keys]; ? or esc closes)")
	lines := strings.Split(body, "\n")
	// On a short screen the help scrolls rather than overflow the frame.
	room := bodyH - 3 // border and title
	if len(lines) > room {
		top := min(h.top, len(lines)-room+1)
		more := st.Dim.Render(fmt.Sprintf("↑/↓ scroll · lines %d–%d of %d", top+1, top+room-1, len(lines)))
		lines = append(lines[top:top+room-1], more)
	}
	return st.Overlay.Render(title + "\n" + strings.Join(lines, "\n"))
}
