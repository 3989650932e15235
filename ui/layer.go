package ui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// layer is one thing open over the panes: a record's detail, the problems
// list, a question, the help, a form, the palette, the note editor or the
// command line. The console keeps them on one stack (Model.layers), and the
// stack is the order of precedence: the top layer takes the keys and draws
// the body, and esc closes it and no other.
type layer interface {
	// key handles a key while the layer is on top.
	key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome)
	// view draws the body, w×h cells, while the layer is on top. A layer
	// that leaves what is below it in sight draws that with m.below.
	view(m *Model, w, h int) string
	// actions are the keys the footer offers while the layer is on top.
	actions() []key.Binding
	// typing reports whether a text field has the keyboard: keys then
	// arrive whole, and none of them is a command.
	typing() bool
}

// outcome is what a layer did with a key.
type outcome int

const (
	kept   outcome = iota // used it; the layer stays
	closed                // used it, and the layer is done: it leaves the stack
	passed                // not its key: the console's global keys may take it
)

// live is a layer that shows data, like a pane: it is sized with the body,
// reads what it shows when it comes to the top of the stack (opened, or
// uncovered) and after every change while there, and receives the messages
// that are not keys, its answers among them.
type live interface {
	layer
	setSize(w, h int)
	refresh() tea.Cmd
	update(msg tea.Msg) tea.Cmd
}

// top is the layer that has the keys, or nil when the panes have them.
func (m *Model) top() layer {
	if len(m.layers) == 0 {
		return nil
	}
	return m.layers[len(m.layers)-1]
}

// topLive is the highest layer showing data, or nil when the panes are
// what the dialogs on top (if any) are over.
func (m *Model) topLive() live {
	for i := len(m.layers) - 1; i >= 0; i-- {
		if l, ok := m.layers[i].(live); ok {
			return l
		}
	}
	return nil
}

// push opens l on top of the others.
func (m *Model) push(l layer) tea.Cmd {
	return m.setLayers(append(slices.Clip(m.layers), l))
}

// remove closes l wherever it is in the stack: a layer that ran a command
// on its way out may have opened others above itself.
func (m *Model) remove(l layer) tea.Cmd {
	return m.setLayers(slices.DeleteFunc(slices.Clone(m.layers), func(o layer) bool { return o == l }))
}

// closeAbove closes every layer above l, which stays open; it reports
// whether l is in the stack.
func (m *Model) closeAbove(l layer) (tea.Cmd, bool) {
	i := slices.Index(m.layers, l)
	if i < 0 {
		return nil, false
	}
	return m.setLayers(m.layers[: i+1 : i+1]), true
}

// setLayers replaces the stack. The live layer that comes to the top reads
// what it shows (a detail just opened, a list uncovered); when none is
// left, the panes catch up with what they missed behind the layers.
func (m *Model) setLayers(ls []layer) tea.Cmd {
	before := m.topLive()
	m.layers = ls
	m.layout()
	after := m.topLive()
	m.look()
	switch {
	case after == before:
		return nil
	case after == nil:
		return m.ensure()
	}
	return after.refresh()
}

// find returns the open layer of type L nearest the top.
func find[L layer](m *Model) (L, bool) {
	for i := len(m.layers) - 1; i >= 0; i-- {
		if l, ok := m.layers[i].(L); ok {
			return l, true
		}
	}
	var none L
	return none, false
}

// below draws what is under l: the layer beneath it, or the panes.
func (m *Model) below(l layer, w, h int) string {
	i := slices.Index(m.layers, l)
	if i > 0 {
		return m.layers[i-1].view(m, w, h)
	}
	return m.panesView(h)
}

// under is the layer directly beneath l, or nil.
func (m *Model) under(l layer) layer {
	if i := slices.Index(m.layers, l); i > 0 {
		return m.layers[i-1]
	}
	return nil
}
