package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// form is a small modal form: labelled one-line fields, tab between them,
// enter submits. Validation happens in submit, and a problem is shown in the
// form with the cursor on the field to fix, so nothing typed is lost.
type form struct {
	s      *session
	title  string
	fields []formField
	focus  int
	err    string
	errFor string // the values err is about
	// submit checks the values; it returns the field to fix and why, or
	// the command that does the work.
	submit func(values []string) (cmd tea.Cmd, badField int, err error)
	// preview, when set, is a live line under the fields (a computed priority).
	preview func(values []string) string
	// lookup, when set, is called as the values change; its command reads
	// something for the form (article suggestions) and answers with a
	// formHintMsg. key is what the answer is for: an answer for values
	// since changed is dropped.
	lookup  func(values []string) (key string, cmd tea.Cmd)
	lastKey string
	hint    string
	// shown, when set, says which fields the values so far make relevant
	// (a state form shows a hold reason only for on hold); the others are
	// neither drawn nor visited.
	shown func(values []string, field int) bool
	// initial are the values before the first key, so esc on a form with
	// something typed in it asks before throwing it away (discarding).
	initial    []string
	discarding bool
}

// reopenFormMsg shows a form again, with the error its write met.
type reopenFormMsg struct {
	form *form
	err  error
}

// reopenOnError runs the form's work; when the service layer refuses it
// (no such record, not allowed, a rule broken) the form comes back with
// the reason and everything typed, instead of closing on a notice.
func (f *form) reopenOnError(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if n, ok := msg.(noticeMsg); ok && n.err != nil && !errors.Is(n.err, errReadOnly) {
			return reopenFormMsg{form: f, err: n.err}
		}
		return msg
	}
}

// formHintMsg carries a lookup's answer back to the form that asked.
type formHintMsg struct {
	form *form
	key  string
	text string
}

// changed runs the lookup when the values it depends on changed.
func (f *form) changed() tea.Cmd {
	if f.err != "" && strings.Join(f.values(), "\x00") != f.errFor {
		f.err = "" // it was about what has since been changed
	}
	if f.lookup == nil {
		return nil
	}
	key, cmd := f.lookup(f.values())
	if key == f.lastKey {
		return nil
	}
	f.lastKey = key
	return cmd
}

// setHint shows a lookup's answer if it is still current.
func (f *form) setHint(msg formHintMsg) {
	if msg.key == f.lastKey {
		f.hint = msg.text
	}
}

type formField struct {
	label   string
	in      textinput.Model
	options []string // when set, the value must be one of these; ←/→ cycle
	// search is what was typed into an options field: the value becomes the
	// first option containing it, so typing finds a choice and can never
	// make one that does not exist.
	search string
	miss   string // typed text no option contains, said under the field
	// area, when set, makes the field multi-line: enter starts a new line
	// and ctrl+s saves the form.
	area *textarea.Model
}

// openFormMsg asks the console to show a form.
type openFormMsg struct{ form *form }

func newForm(s *session, title string) *form { return &form{s: s, title: title} }

// field adds a field with a starting value and a placeholder.
func (f *form) field(label, value, placeholder string, options ...string) *form {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = 2000
	in.Placeholder = placeholder
	in.SetValue(value)
	f.fields = append(f.fields, formField{label: label, in: in, options: options})
	return f
}

// area adds a multi-line field of rows lines with a starting value.
func (f *form) area(label, value, placeholder string, rows int) *form {
	ta := textarea.New()
	ta.Prompt = ""
	ta.ShowLineNumbers = false
	ta.CharLimit = 10000
	ta.Placeholder = placeholder
	ta.SetHeight(rows)
	ta.SetValue(value)
	f.fields = append(f.fields, formField{label: label, area: &ta})
	return f
}

// multiline reports whether any field is multi-line: then enter is a new
// line and only ctrl+s saves.
func (f *form) multiline() bool {
	return slices.ContainsFunc(f.fields, func(fl formField) bool { return fl.area != nil })
}

func (f *form) values() []string {
	out := make([]string, len(f.fields))
	for i, fl := range f.fields {
		if fl.area != nil {
			out[i] = strings.TrimSpace(fl.area.Value())
			continue
		}
		out[i] = strings.TrimSpace(fl.in.Value())
	}
	return out
}

func (f *form) focusCmd() tea.Cmd {
	for i := range f.fields {
		f.fields[i].in.Blur()
		if f.fields[i].area != nil {
			f.fields[i].area.Blur()
		}
	}
	if ta := f.fields[f.focus].area; ta != nil {
		return ta.Focus()
	}
	f.fields[f.focus].in.CursorEnd()
	return f.fields[f.focus].in.Focus()
}

func (f *form) key(_ *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	cmd, done := f.handle(msg)
	if done {
		return cmd, closed
	}
	return cmd, kept
}

func (*form) typing() bool { return true }

func (f *form) actions() []key.Binding {
	save := "enter"
	if f.multiline() {
		save = "ctrl+s"
	}
	return []key.Binding{
		key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		key.NewBinding(key.WithKeys(save), key.WithHelp(save, "save")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func (f *form) view(m *Model, w, h int) string { return m.overlay(f.box(min(w-4, 96)), w, h) }

// visible reports whether field i is drawn and visited now.
func (f *form) visible(i int) bool { return f.shown == nil || f.shown(f.values(), i) }

// step moves the focus to the next visible field in direction dir (±1).
func (f *form) step(dir int) tea.Cmd {
	for range f.fields {
		f.focus = (f.focus + dir + len(f.fields)) % len(f.fields)
		if f.visible(f.focus) {
			break
		}
	}
	return f.focusCmd()
}

// dirty reports whether anything was typed or chosen since the form opened.
func (f *form) dirty() bool { return f.initial != nil && !slices.Equal(f.values(), f.initial) }

// escape closes the form, or first asks when something typed would be lost.
func (f *form) escape() (tea.Cmd, bool) {
	if f.dirty() {
		f.discarding = true
		return nil, false
	}
	return nil, true
}

// handle takes a key; done is true when the form should close.
func (f *form) handle(msg tea.KeyMsg) (tea.Cmd, bool) {
	if f.initial == nil {
		f.initial = f.values()
	}
	if f.discarding {
		// "Discard what you typed?": y throws it away, anything else keeps editing.
		f.discarding = false
		return nil, msg.Type == tea.KeyRunes && string(msg.Runes) == "y"
	}
	fl := &f.fields[f.focus]
	if fl.area != nil {
		return f.areaKey(fl.area, msg)
	}
	switch msg.Type {
	case tea.KeyEsc:
		return f.escape()
	case tea.KeyCtrlS:
		return f.save()
	case tea.KeyTab, tea.KeyDown:
		return f.step(1), false
	case tea.KeyShiftTab, tea.KeyUp:
		return f.step(-1), false
	case tea.KeyLeft, tea.KeyRight:
		if len(fl.options) > 0 {
			step := 1
			if msg.Type == tea.KeyLeft {
				step = len(fl.options) - 1
			}
			i := slices.Index(fl.options, strings.TrimSpace(fl.in.Value()))
			if i < 0 { // nothing chosen yet: → takes the first, ← the last
				i = len(fl.options) - 1
				if msg.Type == tea.KeyLeft {
					i = 0
				}
			}
			fl.in.SetValue(fl.options[(i+step)%len(fl.options)])
			fl.in.CursorEnd()
			fl.search, fl.miss = "", ""
			return f.changed(), false
		}
	case tea.KeyEnter:
		if f.multiline() {
			return f.step(1), false
		}
		return f.save()
	}
	if len(fl.options) > 0 {
		return f.findOption(fl, msg), false
	}
	var cmd tea.Cmd
	fl.in, cmd = fl.in.Update(msg)
	return tea.Batch(cmd, f.changed()), false
}

// findOption types into an options field: the typed text picks the first
// option that contains it; text that matches none is not taken.
func (f *form) findOption(fl *formField, msg tea.KeyMsg) tea.Cmd {
	search := fl.search
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		search += string(msg.Runes)
	case tea.KeyBackspace:
		if r := []rune(search); len(r) > 0 {
			search = string(r[:len(r)-1])
		}
	default:
		return nil
	}
	for _, o := range fl.options {
		if strings.Contains(strings.ToLower(o), strings.ToLower(search)) {
			fl.search, fl.miss = search, ""
			if search != "" {
				fl.in.SetValue(o)
				fl.in.CursorEnd()
			}
			return f.changed()
		}
	}
	fl.miss = search
	return nil
}

// areaKey handles a key in a multi-line field: tab moves on, ctrl+s saves,
// everything else (enter, arrows) edits the text.
func (f *form) areaKey(ta *textarea.Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	switch msg.Type {
	case tea.KeyEsc:
		return f.escape()
	case tea.KeyCtrlS:
		return f.save()
	case tea.KeyTab:
		return f.step(1), false
	case tea.KeyShiftTab:
		return f.step(-1), false
	}
	var cmd tea.Cmd
	*ta, cmd = ta.Update(msg)
	return tea.Batch(cmd, f.changed()), false
}

// save submits the values; a problem keeps the form open on the field to fix.
func (f *form) save() (tea.Cmd, bool) {
	cmd, bad, err := f.submit(f.values())
	if err != nil {
		f.err, f.errFor, f.focus = err.Error(), strings.Join(f.values(), "\x00"), bad
		return f.focusCmd(), false
	}
	return f.reopenOnError(cmd), true
}

// choice checks a value against a field's options, for submit functions.
// chosen is choice for a field that starts empty, so that enter on a form
// opened by mistake does nothing: nothing chosen says what to choose.
func chosen(label, value, what string, options []string) error {
	if value == "" {
		return fmt.Errorf("%s: choose %s with ←/→ (%s)", label, what, strings.Join(options, ", "))
	}
	return choice(label, value, options)
}

func choice(label, value string, options []string) error {
	if slices.Contains(options, value) {
		return nil
	}
	return fmt.Errorf("%s: %q is not one of %s (←/→ cycles them)", label, value, strings.Join(options, ", "))
}

// box is the form's dialog, w cells wide.
func (f *form) box(w int) string {
	st := f.s.st
	labelW := 0
	for _, fl := range f.fields {
		labelW = max(labelW, width(fl.label)+1)
	}
	keys := "   tab next field · enter save · esc cancel"
	if f.multiline() {
		keys = "   tab next field · ctrl+s save · esc cancel"
	}
	lines := []string{st.Bold.Render(f.title) + st.Dim.Render(keys), ""}
	for i, fl := range f.fields {
		if !f.visible(i) {
			continue
		}
		label := st.Label.Render(fit(fl.label, labelW))
		if i == f.focus {
			label = st.Bold.Render(fit("▶"+fl.label, labelW))
		}
		if fl.area != nil {
			fl.area.SetWidth(max(w-labelW-6, 10))
			for j, l := range strings.Split(fl.area.View(), "\n") {
				if j > 0 {
					label = strings.Repeat(" ", labelW)
				}
				lines = append(lines, label+" "+l)
			}
			continue
		}
		fl.in.Width = max(w-labelW-6, 10)
		line := label + " " + fl.in.View()
		if len(fl.options) > 0 && i == f.focus {
			if fl.miss != "" {
				line += st.Error.Render(fmt.Sprintf("  no choice contains %q", fl.miss))
			} else {
				line += st.Dim.Render("  ←/→ or type: " + strings.Join(fl.options, " "))
			}
		}
		lines = append(lines, line)
	}
	if f.preview != nil {
		lines = append(lines, "", f.preview(f.values()))
	}
	if f.hint != "" {
		lines = append(lines, "", f.hint)
	}
	if f.err != "" && !strings.Contains(ansi.Strip(f.hint), f.err) { // the hint may say it already
		lines = append(lines, "", st.Error.Render(f.err))
	}
	if f.discarding {
		lines = append(lines, "", st.Warn.Render("Discard what you typed? y discards · any other key keeps editing"))
	}
	return st.Overlay.Width(w).Render(strings.Join(lines, "\n"))
}
