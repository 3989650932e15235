package ui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// newNoteEditor is the note prompt for an incident.
func newNoteEditor(s *session, id int64, w int) *textEditor {
	e := newTextEditor(s, fmt.Sprintf("Note on INC-%d", id), "note", "",
		"What did you find or do? (ctrl+s saves, ctrl+e opens $EDITOR, esc cancels)", min(w-8, 90), 8)
	e.ta.CharLimit = 10000
	e.save = func(text string) (tea.Cmd, error) {
		if strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("the note is empty: write something, or esc to cancel")
		}
		return s.write(fmt.Sprintf("note added to INC-%d", id), func(ctx context.Context, a Actions) error {
			return a.AddNote(ctx, s.Actor, id, text)
		}), nil
	}
	return e
}
