package ui

import (
	"fmt"
	"os"
	"os/exec"

	tea "github.com/charmbracelet/bubbletea"
)

// editorDoneMsg carries the text written in the external editor.
type editorDoneMsg struct {
	text string
	err  error
}

// editInEditor hands the terminal to the operator's editor on a temporary
// file holding text, and reads the file back when the editor exits. The
// editor command may carry arguments ("code --wait"); it runs through the
// shell as editors conventionally do.
func editInEditor(editor, text string) tea.Cmd {
	f, err := os.CreateTemp("", "hypercare-note-*.md")
	if err != nil {
		return func() tea.Msg { return editorDoneMsg{err: fmt.Errorf("editor: %w", err)} }
	}
	path := f.Name()
	_, werr := f.WriteString(text)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return func() tea.Msg { return editorDoneMsg{err: fmt.Errorf("editor: %w", werr)} }
	}
	cmd := exec.Command("/bin/sh", "-c", editor+` "$1"`, "hypercare-editor", path)
	return tea.ExecProcess(cmd, func(err error) tea.Msg {
		defer os.Remove(path)
		if err != nil {
			return editorDoneMsg{err: fmt.Errorf("editor %q: %w; the note is unchanged", editor, err)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return editorDoneMsg{err: fmt.Errorf("editor: %w", err)}
		}
		return editorDoneMsg{text: string(b)}
	})
}
