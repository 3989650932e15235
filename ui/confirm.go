package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// confirmLayer asks before a write that is hard to undo (escalate, approve,
// major on or off, ending a silence): enter goes ahead, esc does not, and
// no other key does anything, so a key pressed by mistake cannot do it.
type confirmLayer struct {
	s        *session
	question string
	run      tea.Cmd
}

// openLayerMsg asks the console to put a layer on top.
type openLayerMsg struct{ layer layer }

// askFirst puts question to the operator and runs run on enter. Refusals
// (role, read-only console) should come before it, so nobody confirms a
// write that will be refused.
func askFirst(s *session, question string, run tea.Cmd) tea.Cmd {
	if run == nil {
		return nil
	}
	return func() tea.Msg { return openLayerMsg{layer: &confirmLayer{s: s, question: question, run: run}} }
}

func (c *confirmLayer) key(_ *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	switch {
	case key.Matches(msg, c.s.km.Enter):
		return c.run, closed
	case key.Matches(msg, c.s.km.Back):
		return nil, closed
	}
	return nil, kept
}

func (c *confirmLayer) view(m *Model, w, h int) string {
	st := c.s.st
	text := st.Bold.Render(c.question) + "\n\n" + st.Dim.Render("enter: yes, do it · esc: no")
	return m.overlay(st.Overlay.Width(min(w-4, 72)).Render(text), w, h)
}

func (c *confirmLayer) actions() []key.Binding {
	yes, no := c.s.km.Enter, c.s.km.Back
	yes.SetHelp(yes.Help().Key, "yes")
	no.SetHelp(no.Help().Key, "no")
	return []key.Binding{yes, no}
}

func (*confirmLayer) typing() bool { return false }
