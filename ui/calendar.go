package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// calendarPane is the change calendar: a week of changes with maintenance
// windows and freezes from the plan, today marked.
type calendarPane struct {
	s       *session
	week    time.Time // Monday 00:00 of the shown week, in display time
	changes []model.Change
	cursor  int // index into changes
	seq     int
	err     error
	w, h    int

	// The week's items change only with data, plan, week or the minute, not
	// per frame, so they are built once and reused.
	cached    calKey
	items     [7][]calItem
	frozen    [7]bool
	dataStamp int // bumped whenever changes arrive
}

type calKey struct {
	data   int
	week   time.Time
	plan   *plan.Plan
	minute int64
}

type calendarData struct {
	seq     int
	changes []model.Change
	err     error
}

func newCalendar(s *session) *calendarPane {
	p := &calendarPane{s: s}
	p.week = weekStart(s.now())
	return p
}

// weekStart is Monday 00:00 of t's week in t's location.
func weekStart(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func (p *calendarPane) title() string { return "Changes" }

func (p *calendarPane) status() string {
	end := p.week.AddDate(0, 0, 6)
	return fmt.Sprintf("%s – %s · %d changes · ○ maintenance window · ▓░ freeze", p.week.Format("02 Jan"), end.Format("02 Jan"), len(p.changes))
}

func (p *calendarPane) setSize(w, h int) { p.w, p.h = w, h }

func (p *calendarPane) refresh() tea.Cmd {
	p.seq++
	seq, from, to, r := p.seq, p.week, p.week.AddDate(0, 0, 7), p.s.Reader
	return query(func(ctx context.Context) ([]model.Change, error) { return r.ChangesBetween(ctx, from, to) },
		func(cs []model.Change, err error) tea.Msg { return calendarData{seq: seq, changes: cs, err: err} })
}

func (p *calendarPane) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(calendarData); ok && msg.seq == p.seq {
		p.err = msg.err
		if msg.err == nil {
			p.changes = msg.changes
			p.dataStamp++
			p.cursor = min(p.cursor, max(len(p.changes)-1, 0))
		}
	}
	return nil
}

func (p *calendarPane) filtering() bool { return false }

func (p *calendarPane) key(msg tea.KeyMsg) (tea.Cmd, bool) {
	km := p.s.km
	switch {
	case key.Matches(msg, km.CalPrev):
		p.week = p.week.AddDate(0, 0, -7)
	case key.Matches(msg, km.CalNext):
		p.week = p.week.AddDate(0, 0, 7)
	case key.Matches(msg, km.CalToday):
		p.week = weekStart(p.s.now())
	case key.Matches(msg, km.Up):
		p.moveCursor(-1)
		return nil, true
	case key.Matches(msg, km.Down):
		p.moveCursor(1)
		return nil, true
	case key.Matches(msg, km.PageUp):
		p.moveCursor(-5)
		return nil, true
	case key.Matches(msg, km.PageDown):
		p.moveCursor(5)
		return nil, true
	case key.Matches(msg, km.Top):
		p.cursor = 0
		return nil, true
	case key.Matches(msg, km.Bottom):
		p.cursor = max(len(p.changes)-1, 0)
		return nil, true
	case key.Matches(msg, km.Approve):
		if p.cursor < len(p.changes) {
			return approveChange(p.s, p.changes[p.cursor].ID), true
		}
		return nil, true
	case key.Matches(msg, km.Enter):
		if p.cursor < len(p.changes) {
			return openDetail(changeBody{id: p.changes[p.cursor].ID}), true
		}
		return nil, true
	default:
		return nil, false
	}
	p.cursor = 0
	return p.refresh(), true
}

// moveCursor steps through the week's changes in time order.
func (p *calendarPane) moveCursor(by int) {
	p.cursor = min(max(p.cursor+by, 0), max(len(p.changes)-1, 0))
}

func (p *calendarPane) actions() []key.Binding {
	km := p.s.km
	return []key.Binding{p.s.offer(km.Approve, model.PermApproveChange), km.CalPrev, km.CalNext, km.CalToday}
}

// calItem is one entry in a day: a freeze, a maintenance window, a change or
// the "now" marker.
type calItem struct {
	at     time.Time
	text   string
	detail string // second line in the narrow grid columns (a change's title)
	style  lipgloss.Style
	change int // index into changes, or -1
}

// days groups the week's items by weekday (0 = Monday), in time order, and
// reports which days fall in a freeze.
func (p *calendarPane) days() (items [7][]calItem, frozen [7]bool) {
	st, loc, now := p.s.st, p.s.loc(), p.s.now()
	from, to := p.week, p.week.AddDate(0, 0, 7)
	// dayOf counts calendar days, not 24-hour spans, so DST weeks line up.
	dayOf := func(t time.Time) int {
		if t.Before(from) {
			return -1
		}
		for d := 0; d < 7; d++ {
			if t.Before(from.AddDate(0, 0, d+1)) {
				return d
			}
		}
		return 7
	}
	if pl := p.s.plan(); pl != nil {
		for _, f := range pl.FreezesBetween(from, to) {
			kind := "soft freeze"
			if f.Hard {
				kind = "HARD FREEZE"
			}
			scope := ""
			if len(f.Services) > 0 {
				scope = " (" + strings.Join(f.Services, ", ") + ")"
			}
			for d := 0; d < 7; d++ {
				ds, de := from.AddDate(0, 0, d), from.AddDate(0, 0, d+1)
				if f.Start.Before(de) && f.End.After(ds) {
					frozen[d] = true
					items[d] = append(items[d], calItem{at: ds, text: "▓ " + kind, detail: f.Name + scope, style: st.Freeze, change: -1})
				}
			}
		}
		for _, o := range pl.MaintenanceBetween(from, to) {
			if d := dayOf(o.Start); d >= 0 && d < 7 {
				items[d] = append(items[d], calItem{at: o.Start, text: "○ " + o.Start.In(loc).Format("15:04") + " " + o.Service, style: st.Maintenance, change: -1})
			}
		}
	}
	for i, c := range p.changes {
		d := max(dayOf(c.Start), 0) // a change that began last week shows on Monday
		if d < 7 {
			items[d] = append(items[d], calItem{at: c.Start, text: c.Start.In(loc).Format("15:04") + " " + c.Ref(), detail: c.Title, style: st.Risk[c.Risk], change: i})
		}
	}
	if d := dayOf(now); d >= 0 && d < 7 && !now.Before(from) {
		items[d] = append(items[d], calItem{at: now, text: "── now " + now.Format("15:04") + " ──", style: st.Today, change: -1})
	}
	for d := range items {
		sort.SliceStable(items[d], func(i, j int) bool { return items[d][i].at.Before(items[d][j].at) })
	}
	return items, frozen
}

func (p *calendarPane) view(focused bool) string {
	if p.err != nil {
		return padLines([]string{p.s.st.Error.Render("query failed: " + p.err.Error())}, p.w, p.h)
	}
	key := calKey{data: p.dataStamp, week: p.week, plan: p.s.plan(), minute: p.s.Now().Unix() / 60}
	if key != p.cached {
		p.items, p.frozen = p.days()
		p.cached = key
	}
	items, frozen := p.items, p.frozen
	if p.w >= 7*12+6 {
		return p.grid(items, frozen, focused)
	}
	return p.agenda(items, frozen, focused)
}

// itemLines renders one item: on one line in the agenda, with a change's
// title on a second line in the narrow grid columns. The selected change is
// reversed and marked.
func (p *calendarPane) itemLines(it calItem, w int, focused, twoLines bool) []string {
	text, second := it.text, ""
	if it.detail != "" {
		if twoLines {
			second = " " + it.detail
		} else {
			text += " " + it.detail
		}
	}
	if it.change >= 0 && focused && it.change == p.cursor {
		out := []string{p.s.st.RowSelected.Render(fit("▶"+text, w))}
		if second != "" {
			out = append(out, p.s.st.RowSelected.Render(fit(second, w)))
		}
		return out
	}
	out := []string{it.style.Render(fit(text, w))}
	if second != "" {
		out = append(out, fit(second, w))
	}
	return out
}

func (p *calendarPane) dayLabel(d int) (string, bool) {
	day := p.week.AddDate(0, 0, d)
	today := sameDay(day, p.s.now())
	label := day.Format("Mon 02 Jan")
	if today {
		label = "● " + label + " today"
	}
	return label, today
}

// grid draws seven day columns side by side.
func (p *calendarPane) grid(items [7][]calItem, frozen [7]bool, focused bool) string {
	st := p.s.st
	cw := (p.w - 6) / 7
	cols := make([][]string, 7)
	for d := 0; d < 7; d++ {
		label, today := p.dayLabel(d)
		head := st.Bold.Render(fit(label, cw))
		if today {
			head = st.Today.Render(fit(label, cw))
		} else if d >= 5 {
			head = st.Weekend.Render(fit(label, cw))
		}
		col := []string{head, st.Dim.Render(strings.Repeat("─", cw))}
		for i, it := range items[d] {
			lines := p.itemLines(it, cw, focused, true)
			if len(col)+len(lines) > p.h-1 && i < len(items[d])-1 {
				col = append(col, st.Dim.Render(fit(fmt.Sprintf(" +%d more", len(items[d])-i), cw)))
				break
			}
			col = append(col, lines...)
		}
		col = col[:min(len(col), p.h)]
		for len(col) < p.h {
			fill := blank(cw)
			if frozen[d] {
				fill = st.Freeze.Render(strings.Repeat("░", cw))
			}
			col = append(col, fill)
		}
		cols[d] = col
	}
	sep := st.Dim.Render("│")
	lines := make([]string, p.h)
	for i := range lines {
		parts := make([]string, 7)
		for d := range cols {
			parts[d] = cols[d][i]
		}
		lines[i] = strings.Join(parts, sep) + blank(p.w-7*cw-6)
	}
	return strings.Join(lines, "\n")
}

// agenda lists the week day by day for narrow terminals, scrolled so the
// selected change stays in view.
func (p *calendarPane) agenda(items [7][]calItem, frozen [7]bool, focused bool) string {
	st := p.s.st
	var lines []string
	selectedLine := 0
	for d := 0; d < 7; d++ {
		label, today := p.dayLabel(d)
		style := st.Bold
		if today {
			style = st.Today
		}
		if frozen[d] {
			label += "  ▓ freeze"
		}
		lines = append(lines, style.Render(label))
		if len(items[d]) == 0 {
			lines = append(lines, st.Dim.Render("   nothing scheduled"))
		}
		for _, it := range items[d] {
			if it.change == p.cursor {
				selectedLine = len(lines)
			}
			for _, l := range p.itemLines(it, p.w-2, focused, false) {
				lines = append(lines, "  "+l)
			}
		}
	}
	top := 0
	if selectedLine >= p.h {
		top = selectedLine - p.h + 1
	}
	if p.cursor >= len(p.changes)-1 {
		// at the last change, show the rest of the week below it
		top = max(min(len(lines)-p.h, selectedLine), top)
	}
	return padLines(lines[top:], p.w, p.h)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return ay == by && am == bm && ad == bd
}

// changeBody is a planned change.
type changeBody struct{ id int64 }

func (b changeBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	title, text, err := changeDetail(ctx, s, b.id, w, s.loc())
	return b, title, text, err
}

func (b changeBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	if key.Matches(msg, m.s.km.Approve) {
		return approveChange(m.s, b.id), true
	}
	return nil, false
}

func (changeBody) actions(s *session) []key.Binding {
	return []key.Binding{s.offer(s.km.Approve, model.PermApproveChange)}
}

func changeDetail(ctx context.Context, s *session, id int64, w int, loc *time.Location) (string, string, error) {
	c, err := s.Reader.Change(ctx, id)
	if err != nil {
		return "", "", fmt.Errorf("CHG-%d: %w", id, err)
	}
	st := s.st
	lines := []string{st.Risk[c.Risk].Render(" risk "+c.Risk.String()+" ") + " " + st.Bold.Render(c.Title), ""}
	lines = append(lines, fieldLines(st,
		"type", string(c.Type),
		"state", string(c.State),
		"service", serviceLine(s, c.Service()),
		"implementer", c.Implementer,
		"start", stamp(c.Start, loc),
		"end", stamp(c.End, loc),
		"duration", countdown(c.End.Sub(c.Start)),
		"close code", c.CloseCode,
	)...)
	if c.Description != "" {
		lines = append(lines, "", st.Bold.Render("Plan"))
		lines = append(lines, wrap(c.Description, w-2)...)
	}
	return c.Ref(), strings.Join(lines, "\n"), nil
}

// approveChange records the operator's approval of a change waiting in
// assess or authorize; the plan's rule decides when it is authorised (the
// service layer refuses those who may not approve it, and says why).
func approveChange(s *session, id int64) tea.Cmd {
	return writeThen(s, func(ctx context.Context, a Actions) (model.Change, error) {
		c, _, err := a.StepChange(ctx, s.Actor, id, model.ChangeStep{Action: model.ChangeApprove})
		return c, err
	}, func(c model.Change) tea.Msg {
		text := fmt.Sprintf("%s approved; now %s", c.Ref(), c.State)
		if c.State == model.ChangeScheduled {
			text = c.Ref() + " approved and scheduled"
		}
		return noticeMsg{text: text}
	})
}
