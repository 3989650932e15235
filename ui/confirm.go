package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// confirmLayer asks before a write that is hard to undo (escalate, approve,
// major on or off, confirm a change as the cause, publish a known error):
// "Escalate INC-12 to L2 (Priya Shah)? y/n". y goes ahead; n or esc does
// not; no other key does anything — not even enter, so a key pressed once
// too often cannot do it.
type confirmLayer struct {
	s        *session
	question string
	run      tea.Cmd
}

// openLayerMsg asks the console to put a layer on top.
type openLayerMsg struct{ layer layer }

// askFirst is the one way the console asks before a write: it puts
// question to the operator and runs run on yes. Refusals (role, read-only
// console, a state that does not allow it) should come before it, so
// nobody confirms a write that will be refused.
func askFirst(s *session, question string, run tea.Cmd) tea.Cmd {
	if run == nil {
		return nil
	}
	return func() tea.Msg { return askMsg(s, question, run) }
}

// askMsg is askFirst's message, for a question that can only be put once
// something was read (the level an escalation goes to).
func askMsg(s *session, question string, run tea.Cmd) tea.Msg {
	return openLayerMsg{layer: &confirmLayer{s: s, question: question, run: run}}
}

func (c *confirmLayer) key(_ *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	switch {
	case key.Matches(msg, c.s.km.Yes):
		return c.run, closed
	case key.Matches(msg, c.s.km.No, c.s.km.Back):
		return nil, closed
	}
	return nil, kept
}

func (c *confirmLayer) view(m *Model, w, h int) string {
	st, km := c.s.st, c.s.km
	answers := km.Yes.Help().Key + "/" + km.No.Help().Key
	text := st.Bold.Render(c.question+" "+answers) + "\n\n" +
		st.Dim.Render(km.Yes.Help().Key+": yes, do it · "+km.No.Help().Key+" or "+km.Back.Help().Key+": no, leave it as it is")
	return m.overlay(st.Overlay.Width(min(w-4, 72)).Render(text), w, h)
}

func (c *confirmLayer) actions() []key.Binding {
	yes, no := c.s.km.Yes, c.s.km.No
	yes.SetHelp(yes.Help().Key, "yes")
	no.SetHelp(no.Help().Key+"/"+c.s.km.Back.Help().Key, "no")
	return []key.Binding{yes, no}
}

func (*confirmLayer) typing() bool { return false }
