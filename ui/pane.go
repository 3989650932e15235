package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// pane is one of the console's views. Panes never query in View: they ask
// for data with commands and render what they hold.
type pane interface {
	// title names the pane in its border and tab; status is a short live
	// figure beside it ("12 open").
	title() string
	status() string
	setSize(w, h int)
	// refresh re-queries what the pane shows, after a change notification.
	refresh() tea.Cmd
	// update receives every message that is not a key press.
	update(msg tea.Msg) tea.Cmd
	// key handles a key press while the pane has focus; handled reports
	// whether the pane used it.
	key(msg tea.KeyMsg) (cmd tea.Cmd, handled bool)
	// view renders the pane's content at the size last set.
	view(focused bool) string
	// actions are the pane's own bindings, for help and the footer.
	actions() []key.Binding
	// filtering reports whether the filter prompt has the keyboard.
	filtering() bool
}

// filterBox is the "/" prompt every list pane shares.
type filterBox struct {
	input  textinput.Model
	active bool
	text   string // the applied filter
}

func newFilterBox(placeholder string) filterBox {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = placeholder
	in.CharLimit = 200
	return filterBox{input: in}
}

// start opens the prompt with the current filter.
func (f *filterBox) start() tea.Cmd {
	f.active = true
	f.input.SetValue(f.text)
	f.input.CursorEnd()
	return f.input.Focus()
}

// handle takes a key while the prompt is open. It returns changed when the
// applied filter text changed, so the pane re-queries as the user types.
func (f *filterBox) handle(msg tea.KeyMsg) (cmd tea.Cmd, changed bool) {
	switch msg.Type {
	case tea.KeyEnter:
		f.active = false
		f.input.Blur()
		return nil, false
	case tea.KeyEsc:
		f.active = false
		f.input.Blur()
		f.input.SetValue("")
	default:
		f.input, cmd = f.input.Update(msg)
	}
	v := strings.TrimSpace(f.input.Value())
	if v != f.text {
		f.text = v
		return cmd, true
	}
	return cmd, false
}

// clear drops the applied filter; it reports whether there was one.
func (f *filterBox) clear() bool {
	had := f.text != ""
	f.text = ""
	f.input.SetValue("")
	return had
}

// line is the filter row shown above a list, or "" when there is none.
func (f *filterBox) line(st *Styles, w int) string {
	switch {
	case f.active:
		f.input.Width = max(w-4, 1)
		return f.input.View()
	case f.text != "":
		return st.Dim.Render("/ ") + st.Bold.Render(f.text) + st.Dim.Render("  (esc clears)")
	}
	return ""
}

// box draws a bordered pane with its title set into the top border. body
// must already be exactly w-2 cells wide (padLines makes it so), which saves
// measuring every line twice per frame.
func box(st *Styles, title, status, body string, w, h int, focused bool) string {
	b, style, ts := lipgloss.NormalBorder(), st.Pane, st.PaneTitle
	if focused {
		b, style, ts = lipgloss.ThickBorder(), st.PaneFocused, st.PaneTitleFocused
	}
	paint := style
	inner := w - 2
	head := " " + title + " "
	if status != "" {
		head += st.Dim.Render(status) + " "
	}
	head = ansi.Truncate(ts.Render(head), max(inner-1, 0), "…")
	fill := max(inner-1-width(head), 0)

	var out strings.Builder
	out.Grow((len(body)/max(h-2, 1) + 16) * h)
	out.WriteString(paint.Render(b.TopLeft+b.Top) + head + paint.Render(strings.Repeat(b.Top, fill)+b.TopRight))
	lines := strings.Split(body, "\n")
	left, right := paint.Render(b.Left), paint.Render(b.Right)
	for i := 0; i < h-2; i++ {
		out.WriteByte('\n')
		line := blank(inner)
		if i < len(lines) {
			line = lines[i]
		}
		out.WriteString(left + line + right)
	}
	out.WriteByte('\n')
	out.WriteString(paint.Render(b.BottomLeft + strings.Repeat(b.Bottom, max(inner, 0)) + b.BottomRight))
	return out.String()
}
