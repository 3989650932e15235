package ui

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
)

// textEditor is the console's one multi-line editor: a note on an
// incident, an article's Markdown. ctrl+s saves, ctrl+e hands the text to
// the operator's $VISUAL or $EDITOR through the terminal where one can run
// (a local console), and esc twice throws the text away.
type textEditor struct {
	s     *session
	title string
	what  string // "note", "article": what esc throws away
	ta    textarea.Model
	// discard is set by esc on written text: a second esc throws it away.
	discard bool
	// err is why the last save was refused (a parse error with its line);
	// the text stays for the operator to fix.
	err string
	// save checks the text and returns the write that saves it; an error
	// keeps the editor open with the reason.
	save func(text string) (tea.Cmd, error)
	// saveOnReturn saves what the external editor wrote as soon as it
	// exits, as lazygit commits when the message editor closes; otherwise
	// the text is loaded here to be read over and saved with ctrl+s.
	saveOnReturn bool
	// fill sizes the editor to the screen when it opens, the cursor at
	// the end of line cursor: an article is longer than a note.
	fill   bool
	cursor int
}

// editorDoneMsg carries the text written in the external editor.
type editorDoneMsg struct {
	text string
	err  error
}

// openEditorMsg asks the console to open an editor; with external set, it
// goes straight to $EDITOR, the built-in one staying behind for errors.
type openEditorMsg struct {
	ed       *textEditor
	external bool
}

// reopenEditorMsg brings an editor back, text and all, with the error its
// save met in the service layer.
type reopenEditorMsg struct {
	ed  *textEditor
	err error
}

// newTextEditor makes an editor rows lines high and w cells wide.
func newTextEditor(s *session, title, what, text, placeholder string, w, rows int) *textEditor {
	ta := textarea.New()
	ta.Placeholder = placeholder
	ta.SetWidth(w)
	ta.ShowLineNumbers = false
	ta.CharLimit = 0
	ta.MaxHeight = 0 // as many lines as the text has; the view scrolls
	ta.SetHeight(rows)
	ta.SetValue(text)
	return &textEditor{s: s, title: title, what: what, ta: ta}
}

// cursorTo puts the cursor at the end of line n (from 0).
func (e *textEditor) cursorTo(n int) {
	for e.ta.Line() > n {
		e.ta.CursorUp()
	}
	e.ta.CursorEnd()
}

func (e *textEditor) focus() tea.Cmd { return e.ta.Focus() }

// fit sizes a filling editor for a body w×h and puts its cursor in place.
func (e *textEditor) fit(w, h int) {
	if !e.fill {
		return
	}
	e.ta.SetWidth(max(min(w-8, 100), 20))
	e.ta.SetHeight(max(h-8, 3)) // the border, the title and room for an error
	e.cursorTo(e.cursor)
}

func (e *textEditor) key(_ *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	cmd, done := e.handle(msg)
	if done {
		return cmd, closed
	}
	return cmd, kept
}

func (*textEditor) typing() bool { return true }

func (e *textEditor) actions() []key.Binding {
	bs := []key.Binding{key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save"))}
	if e.s.Editor != "" {
		bs = append(bs, key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "$EDITOR")))
	}
	return append(bs, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")))
}

// handle takes a key; done is true when the editor should close.
func (e *textEditor) handle(msg tea.KeyMsg) (tea.Cmd, bool) {
	if msg.Type != tea.KeyEsc {
		e.discard = false
	}
	switch msg.Type {
	case tea.KeyEsc:
		// Written text is not thrown away by one stray esc.
		if strings.TrimSpace(e.ta.Value()) == "" || e.discard {
			return nil, true
		}
		e.discard = true
		return nil, false
	case tea.KeyCtrlE:
		if e.s.Editor == "" {
			return notice(fmt.Errorf("no editor here: set $VISUAL or $EDITOR and run hypercare locally (over SSH, write the %s here)", e.what)), false
		}
		return editInEditor(e.s.Editor, e.ta.Value()), false
	case tea.KeyCtrlS:
		return e.submit(e.ta.Value())
	}
	var cmd tea.Cmd
	e.ta, cmd = e.ta.Update(msg)
	return cmd, false
}

// submit saves text; a refusal keeps the editor open with the reason.
func (e *textEditor) submit(text string) (tea.Cmd, bool) {
	cmd, err := e.save(text)
	if err != nil {
		e.err = err.Error()
		return nil, false
	}
	e.err = ""
	return e.reopenOnError(cmd), true
}

// reopenOnError runs the save; when the service layer refuses it the
// editor comes back with the reason and the text, as a form does.
func (e *textEditor) reopenOnError(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if n, ok := msg.(noticeMsg); ok && n.err != nil && !errors.Is(n.err, errReadOnly) {
			return reopenEditorMsg{ed: e, err: n.err}
		}
		return msg
	}
}

// returned takes the text the external editor wrote: saved at once, or
// loaded for the operator to read over.
func (e *textEditor) returned(text string) (cmd tea.Cmd, done bool) {
	e.ta.SetValue(text)
	if e.saveOnReturn {
		return e.submit(text)
	}
	what := e.what
	return func() tea.Msg {
		return noticeMsg{text: what + " loaded from the editor: review it, then ctrl+s saves"}
	}, false
}

func (e *textEditor) view(m *Model, w, h int) string { return m.overlay(e.box(), w, h) }

// box is the editor's dialog.
func (e *textEditor) box() string {
	st := e.s.st
	keys := "   ctrl+s save · esc cancel"
	if e.s.Editor != "" {
		keys = "   ctrl+s save · ctrl+e $EDITOR · esc cancel"
	}
	body := st.Bold.Render(e.title) + st.Dim.Render(keys) + "\n\n" + e.ta.View()
	if e.err != "" {
		body += "\n\n" + st.Error.Render(e.err)
	}
	if e.discard {
		body += "\n\n" + st.Error.Render("esc again throws this "+e.what+" away; any other key keeps writing")
	}
	return st.Overlay.Render(body)
}

// editInEditor hands the terminal to the operator's editor on a temporary
// file holding text, and reads the file back when the editor exits. The
// editor command may carry arguments ("code --wait"); it runs through the
// shell as editors conventionally do.
func editInEditor(editor, text string) tea.Cmd {
	f, err := os.CreateTemp("", "hypercare-*.md")
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
			return editorDoneMsg{err: fmt.Errorf("editor %q: %w; the text is unchanged", editor, err)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return editorDoneMsg{err: fmt.Errorf("editor: %w", err)}
		}
		return editorDoneMsg{text: string(b)}
	})
}
