package ui

import tea "github.com/charmbracelet/bubbletea"

// A commit reaches every session as one refresh, and mostly changes one
// pane: a new alert changes the feed, not the queue, the calendar or the
// knowledge base. With a hundred sessions on a grid of four panes, drawing
// the three unchanged panes again on every commit was most of the server's
// work, so each pane's drawn cell is kept and drawn again only when
// something it shows may have changed.
//
// The rule is deliberately narrow: only a store refresh whose answers say
// which pane they are for (and whether they differ from what it shows)
// leaves the other panes' cells standing. Any other message that changes
// the screen (a key, presence, a notice, the plan) forgets every cell.
// The clock's tick forgets none by itself: the time a pane shows is in
// its key, to the second for the panes with countdowns and ages, to the
// minute for those that show nothing finer (clockStep).

// cell is a pane as last drawn, boxed, and what it was drawn for.
type cell struct {
	key cellKey
	out string
	ok  bool
}

type cellKey struct {
	w, h          int
	focused       bool
	title, status string
	second        int64 // the time shown, in the pane's clockStep
}

// paneData is an answer for one pane (listData says which).
type paneData interface{ forPane() pane }

// forget marks the cells msg may change as to be drawn again. It is
// called for each message that changes the screen (not quiet); a store
// refresh's answers come here one by one.
func (m *Model) forget(msg tea.Msg) {
	switch msg := msg.(type) {
	case countsMsg:
		// The header's, and the panes' status lines, which are in the key.
	case tickMsg:
		// The time shown is in the key; what else a tick changes (a notice
		// gone, a wall's rotation) changes the panes' sizes or focus, also
		// in the key.
	case calendarData:
		m.forgetPane(paneCalendar)
	case paneData:
		for i, p := range m.panes {
			if inner(p) == msg.forPane() {
				m.forgetPane(i)
				return
			}
		}
		m.forgetAll()
	default:
		m.forgetAll()
	}
}

// inner is the pane an answer names as its own (paneData) for p: the
// list inside a pane that wraps one, as the knowledge pane does.
func inner(p pane) pane {
	if w, ok := p.(interface{ listOf() pane }); ok {
		return w.listOf()
	}
	return p
}

func (m *Model) forgetPane(i int) {
	if i >= 0 && i < len(m.cells) {
		m.cells[i].ok = false
	}
}

func (m *Model) forgetAll() {
	for i := range m.cells {
		m.cells[i].ok = false
	}
}

// cell draws pane i boxed at w×h, or gives it as last drawn when nothing
// it shows may have changed since.
func (m *Model) cell(i int, title string, w, h int, focused bool) string {
	p := m.panes[i]
	step := int64(1)
	if c, ok := p.(interface{ clockStep() int64 }); ok {
		step = c.clockStep()
	}
	key := cellKey{w: w, h: h, focused: focused, title: title, status: p.status(), second: m.s.Now().Unix() / step}
	if i < len(m.cells) && m.cells[i].ok && m.cells[i].key == key {
		return m.cells[i].out
	}
	out := box(m.s.st, title, key.status, p.view(focused), w, h, focused)
	if i < len(m.cells) {
		m.cells[i] = cell{key: key, out: out, ok: true}
	}
	return out
}
