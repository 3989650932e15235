package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
)

// noteEditor is the multi-line note prompt for an incident.
type noteEditor struct {
	s  *session
	id int64
	ta textarea.Model
	w  int
	// discard is set by esc on a written note: a second esc throws it away.
	discard bool
}

func newNoteEditor(s *session, id int64, w int) *noteEditor {
	ta := textarea.New()
	ta.Placeholder = "What did you find or do? (ctrl+s saves, ctrl+e opens $EDITOR, esc cancels)"
	ta.SetWidth(min(w-8, 90))
	ta.SetHeight(8)
	ta.ShowLineNumbers = false
	ta.CharLimit = 10000
	return &noteEditor{s: s, id: id, ta: ta, w: w}
}

func (n *noteEditor) focus() tea.Cmd { return n.ta.Focus() }

func (n *noteEditor) key(_ *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	cmd, done := n.handle(msg)
	if done {
		return cmd, closed
	}
	return cmd, kept
}

func (*noteEditor) typing() bool { return true }

func (n *noteEditor) actions() []key.Binding {
	bs := []key.Binding{key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save"))}
	if n.s.Editor != "" {
		bs = append(bs, key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "$EDITOR")))
	}
	return append(bs, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")))
}

// handle takes a key; done is true when the editor should close.
func (n *noteEditor) handle(msg tea.KeyMsg) (tea.Cmd, bool) {
	if msg.Type != tea.KeyEsc {
		n.discard = false
	}
	switch msg.Type {
	case tea.KeyEsc:
		// A written note is not thrown away by one stray esc.
		if strings.TrimSpace(n.ta.Value()) == "" || n.discard {
			return nil, true
		}
		n.discard = true
		return nil, false
	case tea.KeyCtrlE:
		if n.s.Editor == "" {
			return notice(fmt.Errorf("no editor here: set $VISUAL or $EDITOR and run hypercare locally (over SSH, write the note here)")), false
		}
		return editInEditor(n.s.Editor, n.ta.Value()), false
	case tea.KeyCtrlS:
		text, s, id := n.ta.Value(), n.s, n.id
		if strings.TrimSpace(text) == "" {
			return notice(fmt.Errorf("the note is empty: write something, or esc to cancel")), false
		}
		return s.write(fmt.Sprintf("note added to INC-%d", id), func(ctx context.Context, a Actions) error {
			return a.AddNote(ctx, s.Actor, id, text)
		}), true
	}
	var cmd tea.Cmd
	n.ta, cmd = n.ta.Update(msg)
	return cmd, false
}

func (n *noteEditor) view(m *Model, w, h int) string { return m.overlay(n.box(), w, h) }

// box is the editor's dialog.
func (n *noteEditor) box() string {
	st := n.s.st
	keys := "   ctrl+s save · esc cancel"
	if n.s.Editor != "" {
		keys = "   ctrl+s save · ctrl+e $EDITOR · esc cancel"
	}
	title := st.Bold.Render(fmt.Sprintf("Note on INC-%d", n.id)) + st.Dim.Render(keys)
	body := title + "\n\n" + n.ta.View()
	if n.discard {
		body += "\n\n" + st.Error.Render("esc again throws this note away; any other key keeps writing")
	}
	return st.Overlay.Render(body)
}
