package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/keymaps"
)

// rowList is a cursor over a list too big to hold: it keeps only a buffer of
// rows around the visible window and asks its pane to fetch another window
// when the cursor leaves the buffer. Rendering touches visible rows only.
type rowList[T any] struct {
	rows    []T
	base    int // index of rows[0] in the full list
	end     int // length of the full list once known, else -1
	cursor  int
	top     int
	height  int
	seq     int // sequence of the newest fetch; older answers are ignored
	pending bool
	id      func(T) int64
}

func newRowList[T any](id func(T) int64) rowList[T] {
	return rowList[T]{end: -1, id: id}
}

// window is the range a fetch should cover: a page either side of the view,
// or at the top of the list the view and the page below it. (Not two pages
// below there: every commit re-reads the window of each pane on screen, and
// rows nobody can scroll to within a page only cost that read time.)
func (l *rowList[T]) window() (offset, limit int) {
	h := max(l.height, 1)
	offset = max(0, l.top-h)
	return offset, l.top - offset + 2*h
}

// needsFetch reports whether the visible window is not covered by the buffer.
func (l *rowList[T]) needsFetch() bool {
	if l.pending {
		return false
	}
	last := l.top + l.height
	if l.end >= 0 {
		last = min(last, l.end)
	}
	return l.top < l.base || last > l.base+len(l.rows)
}

// begin records that a fetch was started and returns its sequence number.
func (l *rowList[T]) begin() int {
	l.seq++
	l.pending = true
	return l.seq
}

// apply installs a fetched window. It keeps the cursor on the same record
// when that record is still in the buffer, so live updates do not move the
// operator's selection under them; at the very top it stays at the top so new
// rows scroll in like a tail.
func (l *rowList[T]) apply(seq, offset, limit int, rows []T) {
	if seq != l.seq {
		return
	}
	l.pending = false
	var selected int64
	keep := l.cursor > 0
	if cur, ok := l.selected(); ok && keep {
		selected = l.id(cur)
	}
	l.rows, l.base = rows, offset
	if len(rows) < limit {
		l.end = offset + len(rows)
	} else if l.end >= 0 && l.end < offset+len(rows) {
		l.end = -1
	}
	if keep {
		for i, r := range rows {
			if l.id(r) == selected {
				l.cursor = offset + i
				break
			}
		}
	}
	l.clamp()
}

// reset forgets the buffer, for a new filter.
// answered reports whether rows hold an answer: rows, or the list's end.
// (Before the first answer, and after a reset, they hold neither.)
func (l *rowList[T]) answered() bool {
	return len(l.rows) > 0 || l.end >= 0
}

func (l *rowList[T]) reset() {
	l.rows, l.base, l.end, l.cursor, l.top, l.pending = nil, 0, -1, 0, 0, false
}

func (l *rowList[T]) selected() (T, bool) {
	i := l.cursor - l.base
	if i < 0 || i >= len(l.rows) {
		var zero T
		return zero, false
	}
	return l.rows[i], true
}

func (l *rowList[T]) setHeight(h int) {
	l.height = max(h, 1)
	l.clamp()
}

func (l *rowList[T]) clamp() {
	if l.end >= 0 && l.cursor >= l.end {
		l.cursor = max(l.end-1, 0)
	}
	l.cursor = max(l.cursor, 0)
	if l.cursor < l.top {
		l.top = l.cursor
	}
	if l.cursor >= l.top+l.height {
		l.top = l.cursor - l.height + 1
	}
	if l.end >= 0 && l.top+l.height > l.end {
		l.top = max(l.end-l.height, 0)
	}
}

// move handles the navigation keys; it reports whether the key was one.
func (l *rowList[T]) move(msg tea.KeyMsg, km *keymaps.KeyMap) bool {
	switch {
	case key.Matches(msg, km.Up):
		l.cursor--
	case key.Matches(msg, km.Down):
		if l.end < 0 || l.cursor < l.end-1 {
			l.cursor++
		}
	case key.Matches(msg, km.PageUp):
		l.cursor -= l.height / 2
	case key.Matches(msg, km.PageDown):
		l.cursor += l.height / 2
	case key.Matches(msg, km.Top):
		l.cursor = 0
	case key.Matches(msg, km.Bottom):
		if l.end < 0 {
			// The length is unknown until a short page comes back; jump a
			// long way and let the fetch clamp us to the real end.
			l.cursor += 1000 * max(l.height, 1)
			l.end = -1
		} else {
			l.cursor = l.end - 1
		}
	default:
		return false
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	l.clamp()
	return true
}

// visible calls fn for each buffered row in the view, with its list index.
// The row is the answer's own (rows are never changed in place): under
// serve, the same one every session showing that answer holds.
func (l *rowList[T]) visible(fn func(i int, row *T)) {
	for i := l.top; i < l.top+l.height; i++ {
		j := i - l.base
		if j < 0 || j >= len(l.rows) {
			continue
		}
		fn(i, &l.rows[j])
	}
}
