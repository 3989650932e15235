package ui

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// listSpec describes one list pane: where its rows come from and how one
// row looks. The queue, feed, knowledge base and audit log are all lists.
type listSpec[T any] struct {
	name        string
	placeholder string // hint in the filter prompt
	empty       string // shown when there are no rows
	id          func(T) int64
	fetch       func(ctx context.Context, q listQuery) ([]T, error)
	// drill, when set, says whether enter on a row narrows the list to the
	// records the row stands for (a storm's alerts) instead of opening it,
	// and names that scope for the border.
	drill func(T) (scope int64, label string, ok bool)
	// header is the column heading line, or "" for none.
	header func(w int) string
	// row renders one row plain-or-styled through paint, exactly w cells.
	row func(row T, w int, paint func(lipgloss.Style, string) string) string
	// shareRows, when set, says a row is drawn from nothing but the row,
	// the width, the time to the second, the palette, the plan and what
	// shareRows returns (comparable): rows not selected are then drawn
	// once for every session showing the same answer (drawnRows).
	shareRows func() any
	// timeless says the rows show no time (no age, no countdown): the
	// pane's cell stands through the clock's ticks (cells.go).
	timeless bool
	// status is the short figure in the pane's border.
	status func(c countsMsg, filtered bool) string
	// note, when set, is what the filter leaves out by default, said
	// first in the border (the audit log hides system rows).
	note func(filter string) string
	// legend explains the marks the rows use, for ?.
	legend []mark
	// open is what enter does on a row.
	open func(T) tea.Cmd
	// keys handles the pane's own actions on the selected row.
	keys func(row T, msg tea.KeyMsg) (tea.Cmd, bool)
	// bindings are those keys as the operator is offered them; asked each
	// time, as the plan may change their role.
	bindings func() []key.Binding
}

// clockStep is how often, in seconds, the time the rows show changes.
func (p *listPane[T]) clockStep() int64 {
	if p.spec.timeless {
		return 1 << 40
	}
	return 1
}

// listQuery is what a list pane asks its source for.
type listQuery struct {
	filter        string
	scope         int64 // a drilled-into group (storm id), 0 for the whole list
	offset, limit int
}

type listPane[T any] struct {
	s          *session
	spec       listSpec[T]
	scope      int64
	scopeLabel string
	list       rowList[T]
	filter     filterBox
	w, h       int
	err        error
	counts     countsMsg
	// typed counts the filter's edits; a pause in typing (filterSettled)
	// queries only when no key came after it.
	typed int
	// running are the fetches not answered yet, by sequence, and asked
	// is what they ask for: a fetch for another filter or scope cancels
	// them, as their answers would never be drawn.
	running map[int]context.CancelFunc
	asked   listQuery
}

// filterPause is how long typing in a filter must pause before the list
// asks again: a word typed at speed is one query, not one per key, and the
// keys never wait for a query.
const filterPause = 150 * time.Millisecond

// filterSettled says typing paused after the edit numbered typed.
type filterSettled struct {
	pane  any
	typed int
}

// listData carries a fetched window to the pane that asked for it.
type listData[T any] struct {
	pane               *listPane[T]
	seq, offset, limit int
	rows               []T
	err                error
}

func (d listData[T]) forPane() pane { return d.pane }

// unchanged reports whether the answer holds what the list shows already:
// the same rows of the same window, with nothing to clear. An empty list
// answered empty again is unchanged too, once it has been answered.
func (d listData[T]) unchanged() bool {
	p := d.pane
	if d.err != nil || p.err != nil || d.seq != p.list.seq || d.offset != p.list.base || !p.list.answered() {
		return false
	}
	return len(d.rows) == 0 && len(p.list.rows) == 0 || reflect.DeepEqual(d.rows, p.list.rows)
}

func newListPane[T any](s *session, spec listSpec[T]) *listPane[T] {
	return &listPane[T]{s: s, spec: spec, list: newRowList(spec.id), filter: newFilterBox(spec.placeholder)}
}

func (p *listPane[T]) title() string { return p.spec.name }

// listOf is the pane its answers name (cells.go's inner), also for the
// panes that embed it.
func (p *listPane[T]) listOf() pane { return p }

func (p *listPane[T]) legend() []mark { return p.spec.legend }

func (p *listPane[T]) status() string {
	if p.scope != 0 {
		return p.scopeLabel + " · esc back"
	}
	status := p.spec.status(p.counts, p.filter.text != "")
	if p.spec.note != nil {
		status = p.spec.note(p.filter.text) + " · " + status
	}
	return status
}

func (p *listPane[T]) setSize(w, h int) {
	p.w, p.h = w, h
	p.list.setHeight(h - p.chromeRows())
}

// chromeRows are the rows above the list: filter prompt and column header.
func (p *listPane[T]) chromeRows() int {
	n := 0
	if p.filter.active || p.filter.text != "" {
		n++
	}
	if p.spec.header != nil {
		n++
	}
	return n
}

func (p *listPane[T]) fetch() tea.Cmd {
	seq := p.list.begin()
	offset, limit := p.list.window()
	q, fetch := listQuery{filter: p.filter.text, scope: p.scope, offset: offset, limit: limit}, p.spec.fetch
	if q.filter != p.asked.filter || q.scope != p.asked.scope {
		// The list asks something else now: stop the reads of the old.
		for _, cancel := range p.running {
			cancel()
		}
		clear(p.running)
	}
	if p.running == nil {
		p.running = map[int]context.CancelFunc{}
	}
	p.asked = q
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	p.running[seq] = cancel
	return func() tea.Msg {
		defer cancel()
		rows, err := fetch(ctx, q)
		return listData[T]{pane: p, seq: seq, offset: offset, limit: limit, rows: rows, err: err}
	}
}

func (p *listPane[T]) refresh() tea.Cmd { return p.fetch() }

// ensure fetches when the visible window is not in the buffer.
func (p *listPane[T]) ensure() tea.Cmd {
	if p.list.needsFetch() {
		return p.fetch()
	}
	return nil
}

func (p *listPane[T]) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case listData[T]:
		if msg.pane != p {
			return nil
		}
		delete(p.running, msg.seq)
		if msg.seq == p.list.seq {
			p.err = msg.err
		}
		if msg.err == nil {
			p.list.apply(msg.seq, msg.offset, msg.limit, msg.rows)
		} else if msg.seq == p.list.seq {
			p.list.pending = false
		}
	case countsMsg:
		p.counts = msg
		return nil
	case filterSettled:
		if msg.pane != p || msg.typed != p.typed {
			return nil // another list's, or typing went on
		}
		p.list.reset()
		return p.fetch()
	default:
		return nil
	}
	if p.list.needsFetch() {
		return p.fetch()
	}
	return nil
}

func (p *listPane[T]) filtering() bool { return p.filter.active }

func (p *listPane[T]) selected() (T, bool) { return p.list.selected() }

func (p *listPane[T]) key(msg tea.KeyMsg) (tea.Cmd, bool) {
	km := p.s.km
	if p.filter.active {
		cmd, changed := p.filter.handle(msg)
		p.setSize(p.w, p.h)
		if changed {
			// The rows shown stay until typing pauses and the new
			// filter's answer comes.
			p.typed++
			typed := p.typed
			return tea.Batch(cmd, tea.Tick(filterPause, func(time.Time) tea.Msg { return filterSettled{pane: p, typed: typed} })), true
		}
		return cmd, true
	}
	switch {
	case key.Matches(msg, km.Filter):
		cmd := p.filter.start()
		p.setSize(p.w, p.h)
		return cmd, true
	case key.Matches(msg, km.Back):
		switch {
		case p.filter.clear():
			p.setSize(p.w, p.h)
		case p.scope != 0:
			p.scope, p.scopeLabel = 0, ""
		default:
			return nil, false
		}
		p.list.reset()
		return p.fetch(), true
	case key.Matches(msg, km.Enter):
		row, ok := p.list.selected()
		if !ok {
			return nil, true
		}
		if p.spec.drill != nil && p.scope == 0 {
			if scope, label, ok := p.spec.drill(row); ok {
				p.scope, p.scopeLabel = scope, label
				p.list.reset()
				return p.fetch(), true
			}
		}
		if p.spec.open != nil {
			return p.spec.open(row), true
		}
		return nil, true
	}
	if row, ok := p.list.selected(); ok && p.spec.keys != nil {
		if cmd, handled := p.spec.keys(row, msg); handled {
			return cmd, true
		}
	}
	if p.list.move(msg, km) {
		if p.list.needsFetch() {
			return p.fetch(), true
		}
		return nil, true
	}
	return nil, false
}

func (p *listPane[T]) actions() []key.Binding {
	if p.spec.bindings == nil {
		return nil
	}
	return p.spec.bindings()
}

func (p *listPane[T]) view(focused bool) string {
	st := p.s.st
	lines := make([]string, 0, p.h)
	if l := p.filter.line(st, p.w); l != "" {
		lines = append(lines, l)
	}
	if p.spec.header != nil {
		lines = append(lines, st.Dim.Render(fit(p.spec.header(p.w-2), p.w)))
	}
	var bad badFilter
	switch {
	case errors.As(p.err, &bad):
		lines = append(lines, st.Error.Render("  filter: "+bad.Error()))
	case p.err != nil:
		lines = append(lines, st.Error.Render("  query failed: "+p.err.Error()))
	}
	// An answered list, not one being read: an empty list read again
	// at a commit says so all along, as the kept frame of it does.
	if len(p.list.rows) == 0 && p.list.answered() && p.err == nil {
		empty := p.spec.empty
		if p.filter.text != "" {
			empty = "Nothing matches the filter."
		}
		lines = append(lines, st.Dim.Render("  "+empty))
	}
	var shared rowKey
	if p.spec.shareRows != nil {
		shared = rowKey{w: p.w, second: p.s.Now().Unix(), look: st.look, plan: p.s.plan(), also: p.spec.shareRows()}
	}
	p.list.visible(func(i int, row *T) {
		selected := focused && i == p.list.cursor && !p.s.Wall // a wall has nobody to select
		var line string
		switch {
		case selected:
			line = st.RowSelected.Render(fit(cursorMark(true)+p.spec.row(*row, p.w-2, painter(true)), p.w))
		case p.spec.shareRows != nil:
			key := shared
			key.row = row
			line = drawnRows.get(key, func() string { return cursorMark(false) + p.spec.row(*row, p.w-2, painter(false)) })
		default:
			line = cursorMark(false) + p.spec.row(*row, p.w-2, painter(false))
		}
		lines = append(lines, line)
	})
	return padLines(lines, p.w, p.h)
}

// cursorMark is the gutter that shows the selected row even on a
// monochrome terminal, where reverse video may not show.
func cursorMark(selected bool) string {
	if selected {
		return "▶ "
	}
	return "  "
}

// painter styles cells of a row, or leaves them plain on the selected row so
// the row's reverse video is not broken by the cells' own resets.
func painter(selected bool) func(lipgloss.Style, string) string {
	if selected {
		return func(_ lipgloss.Style, s string) string { return s }
	}
	return func(st lipgloss.Style, s string) string { return st.Render(s) }
}

// setFilter applies a filter from the command line.
func (p *listPane[T]) setFilter(text string) tea.Cmd {
	p.typed++ // a pause still pending from the prompt must not ask again
	p.filter.text = strings.TrimSpace(text)
	p.filter.input.SetValue(p.filter.text)
	p.list.reset()
	p.setSize(p.w, p.h)
	return p.fetch()
}

// badFilter is a filter line the model could not read: the pane says what
// to fix in it rather than that a query failed.
type badFilter struct{ error }
