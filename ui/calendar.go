package ui

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
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
	deploys []model.Deploy // the week's deploys; the unauthorised ones are shown
	runs    []model.JobRun // the week's job runs, for the outcome of each
	cursor  int            // index into changes
	seq     int
	err     error
	w, h    int
	layout  calView
	day     int  // the day the day view shows, 0 = Monday
	placed  bool // the cursor has been put at the first change not yet over

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
	deploys []model.Deploy
	runs    []model.JobRun
	err     error
}

// gridWidth is the narrowest pane the week grid fits: seven columns of 12.
const gridWidth = 7*12 + 6

// calView is how the calendar lays out its week.
type calView int

const (
	calAuto   calView = iota // the week grid where it fits, else the agenda
	calAgenda                // the week as a list, day by day
	calDay                   // one day, hour by hour
)

func newCalendar(s *session) *calendarPane {
	p := &calendarPane{s: s}
	p.week = weekStart(s.now())
	p.day = dayOfWeek(s.now())
	return p
}

// dayOfWeek is t's day in its week, 0 = Monday.
func dayOfWeek(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// weekStart is Monday 00:00 of t's week in t's location.
func weekStart(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func (p *calendarPane) title() string { return "Changes" }

func (p *calendarPane) legend() []mark { return calendarLegend }

func (p *calendarPane) status() string {
	end := p.week.AddDate(0, 0, 6)
	return fmt.Sprintf("%s – %s · %d changes · ! conflict ✗ blocked · ○ window · ⟳ job · ☎ on call · ▓░ freeze", p.week.Format("02 Jan"), end.Format("02 Jan"), len(p.changes))
}

func (p *calendarPane) setSize(w, h int) { p.w, p.h = w, h }

func (p *calendarPane) refresh() tea.Cmd {
	p.seq++
	seq, from, to, r := p.seq, p.week, p.week.AddDate(0, 0, 7), p.s.Reader
	type week struct {
		changes []model.Change
		deploys []model.Deploy
		runs    []model.JobRun
	}
	return query(func(ctx context.Context) (week, error) {
		cs, err := r.ChangesBetween(ctx, from, to)
		if err != nil {
			return week{}, err
		}
		ds, err := r.DeploysBetween(ctx, from, to)
		if err != nil {
			return week{}, err
		}
		rs, err := r.JobRunsBetween(ctx, from, to)
		return week{cs, ds, rs}, err
	}, func(w week, err error) tea.Msg {
		return calendarData{seq: seq, changes: w.changes, deploys: w.deploys, runs: w.runs, err: err}
	})
}

// unchanged reports whether the answer holds the week shown already.
func (p *calendarPane) unchanged(msg calendarData) bool {
	return msg.seq == p.seq && msg.err == nil && p.err == nil && p.placed &&
		reflect.DeepEqual(msg.changes, p.changes) && reflect.DeepEqual(msg.deploys, p.deploys) && reflect.DeepEqual(msg.runs, p.runs)
}

func (p *calendarPane) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(calendarData); ok && msg.seq == p.seq {
		p.err = msg.err
		if msg.err == nil {
			// The week's items are built again only when what they show
			// changed: every commit brings the week again, mostly as it was.
			if !reflect.DeepEqual(msg.changes, p.changes) || !reflect.DeepEqual(msg.deploys, p.deploys) || !reflect.DeepEqual(msg.runs, p.runs) {
				p.dataStamp++
			}
			p.changes, p.deploys, p.runs = msg.changes, msg.deploys, msg.runs
			p.cursor = min(p.cursor, max(len(p.changes)-1, 0))
			if !p.placed && sameDay(p.week, weekStart(p.s.now())) {
				// The calendar opens at what is on now or next, not at
				// the start of the week.
				now := p.s.Now()
				if i := slices.IndexFunc(p.changes, func(c model.Change) bool { return c.End.After(now) }); i >= 0 {
					p.cursor = i
				}
				p.placed = true
			}
		}
	}
	return nil
}

func (p *calendarPane) filtering() bool { return false }

func (p *calendarPane) key(msg tea.KeyMsg) (tea.Cmd, bool) {
	km := p.s.km
	switch {
	case key.Matches(msg, km.CalPrev) && p.layout == calDay:
		return p.stepDay(-1), true
	case key.Matches(msg, km.CalNext) && p.layout == calDay:
		return p.stepDay(1), true
	case key.Matches(msg, km.CalPrev):
		p.week = p.week.AddDate(0, 0, -7)
	case key.Matches(msg, km.CalNext):
		p.week = p.week.AddDate(0, 0, 7)
	case key.Matches(msg, km.CalToday):
		p.week, p.day = weekStart(p.s.now()), dayOfWeek(p.s.now())
	case key.Matches(msg, km.CalView):
		p.layout = (p.layout + 1) % 3
		if p.layout == calAgenda && p.w < gridWidth {
			p.layout = calDay // the automatic layout is the agenda already
		}
		if p.layout == calDay && p.cursor < len(p.changes) {
			if d := p.dayIndex(p.changes[p.cursor].Start); d >= 0 && d < 7 {
				p.day = d
			}
		}
		p.cached = calKey{} // the layout changed
		return nil, true
	case key.Matches(msg, km.State):
		if p.cursor < len(p.changes) {
			return changeStepForm(p.s, p.changes[p.cursor]), true
		}
		return nil, true
	case key.Matches(msg, km.Edit):
		if p.cursor < len(p.changes) {
			c := p.changes[p.cursor]
			return changeForm(p.s, &c), true
		}
		return nil, true
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
			return openDetail(changeBody{id: p.changes[p.cursor].ID, c: p.changes[p.cursor]}), true
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

// stepDay moves the day view a day, into the next or previous week at
// the ends.
func (p *calendarPane) stepDay(by int) tea.Cmd {
	p.day += by
	switch {
	case p.day < 0:
		p.day, p.week = 6, p.week.AddDate(0, 0, -7)
	case p.day > 6:
		p.day, p.week = 0, p.week.AddDate(0, 0, 7)
	default:
		return nil
	}
	p.cursor = 0
	return p.refresh()
}

// newRecord opens the form for a new change: "new" in the calendar makes
// a change, not an incident.
func (p *calendarPane) newRecord() tea.Cmd { return changeForm(p.s, nil) }

func (p *calendarPane) actions() []key.Binding {
	km := p.s.km
	newChange := km.New
	newChange.SetHelp(newChange.Help().Key, "new change")
	step := km.State
	step.SetHelp(step.Help().Key, "next step")
	return []key.Binding{p.s.offer(newChange, model.PermCreateChange), p.s.offer(km.Approve, model.PermApproveChange),
		p.s.offer(step, model.PermCreateChange), km.CalPrev, km.CalNext, km.CalToday, km.CalView}
}

// dayIndex is the day of the shown week t falls on, -1 before it, 7 after.
// It counts calendar days, not 24-hour spans, so DST weeks line up.
func (p *calendarPane) dayIndex(t time.Time) int {
	from := p.week
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

// calItem is one entry in a day: a freeze, a maintenance window, a change or
// the "now" marker.
type calItem struct {
	at     time.Time
	text   string
	detail string // second line in the narrow grid columns (a change's title)
	style  lipgloss.Style
	change int // index into changes, or -1
	// routine marks maintenance windows, job runs and on-call hand-overs:
	// the week grid sums them up in one line per day so its narrow columns
	// keep room for the changes; the agenda and the day view list them in
	// their hours.
	routine byte // 'w' window, 'j' job, 'o' on-call shift, 0 anything else
}

// days groups the week's items by weekday (0 = Monday), in time order, and
// reports which days fall in a freeze.
func (p *calendarPane) days() (items [7][]calItem, frozen [7]bool) {
	st, loc, now := p.s.st, p.s.loc(), p.s.now()
	from, to := p.week, p.week.AddDate(0, 0, 7)
	dayOf := p.dayIndex
	pl := p.s.plan()
	if pl != nil {
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
				items[d] = append(items[d], calItem{at: o.Start, text: "○ " + o.Start.In(loc).Format("15:04") + " " + o.Service, style: st.Maintenance, change: -1, routine: 'w'})
			}
		}
		// Each scheduled run with its outcome once it has one; a run that
		// failed, was missed or ran late stands out of the grid's summary.
		recorded := map[string]model.JobRun{}
		for _, r := range p.runs {
			if !r.Scheduled.IsZero() {
				recorded[r.Job+"@"+r.Scheduled.UTC().String()] = r
			}
		}
		for _, r := range plannedRuns(pl, from, to) {
			d := dayOf(r.Start)
			if d < 0 || d >= 7 || r.Job.Frequent() {
				// Hourly feeds would fill every day; they show in the jobs
				// view, and here only when a run went wrong (below).
				continue
			}
			it := calItem{at: r.Start, text: "⟳ " + r.Start.In(loc).Format("15:04") + " " + r.Job.Kind + " " + r.Job.Service,
				style: st.Maintenance, change: -1, routine: 'j'}
			if run, ok := recorded[r.Job.ID+"@"+r.Start.UTC().String()]; ok {
				it = runItem(st, loc, run, r.Job.Kind+" "+r.Job.Service)
			}
			items[d] = append(items[d], it)
		}
		// A frequent job's runs that went wrong are summed up, one item per
		// job and day: "stock-feed: 3 failed, 1 missed".
		type jobDay struct {
			job string
			day int
		}
		trouble := map[jobDay]*calItem{}
		counts := map[jobDay]map[model.JobStatus]int{}
		var order []jobDay
		for _, run := range p.runs {
			j, ok := pl.Job(run.Job)
			d := dayOf(run.At())
			switch {
			case !ok || d < 0 || d >= 7:
			case !j.Frequent():
				if run.Scheduled.IsZero() { // a re-run
					items[d] = append(items[d], runItem(st, loc, run, j.Kind+" "+j.Service))
				}
			case run.Status != model.JobOK && run.Status != model.JobRunning:
				k := jobDay{run.Job, d}
				if trouble[k] == nil {
					it := runItem(st, loc, run, "")
					trouble[k], counts[k] = &it, map[model.JobStatus]int{}
					order = append(order, k)
				}
				counts[k][run.Status]++
			}
		}
		for _, k := range order {
			it := trouble[k]
			var parts []string
			for _, s := range []model.JobStatus{model.JobFailed, model.JobMissed, model.JobLate} {
				if n := counts[k][s]; n > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", n, s))
				}
			}
			it.detail = strings.Join(parts, ", ")
			items[k.day] = append(items[k.day], *it)
		}
	}
	if pl != nil {
		for _, r := range pl.Rotas() {
			for _, sh := range r.Between(from, to) {
				if d := dayOf(sh.From); d >= 0 && d < 7 && !sh.From.Before(from) {
					text := "☎ " + sh.From.In(loc).Format("15:04") + " " + r.Team + " " + r.Level + " " + sh.Who
					if sh.Cover {
						text += " (cover)"
					}
					items[d] = append(items[d], calItem{at: sh.From, text: text, style: st.Maintenance, change: -1, routine: 'o'})
				}
			}
		}
	}
	for i, c := range p.changes {
		d := max(dayOf(c.Start), 0) // a change that began last week shows on Monday
		if d < 7 {
			items[d] = append(items[d], calItem{at: c.Start, text: conflictMark(p.s, c, p.changes, pl) + c.Start.In(loc).Format("15:04") + " " + c.Ref(),
				detail: stateTag(c) + " " + c.Title, style: changeStyle(st, c), change: i})
		}
	}
	for _, dp := range p.deploys {
		if !dp.Unauthorised {
			continue
		}
		if d := dayOf(dp.Start); d >= 0 && d < 7 {
			items[d] = append(items[d], calItem{at: dp.Start, text: "✗ " + dp.Start.In(loc).Format("15:04") + " " + dp.Ref() + " unauthorised",
				detail: dp.Service + " " + dp.Version, style: st.Error, change: -1})
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

// runItem is a recorded job run on the calendar, with its outcome: a
// good or running one is routine (summed up in the week grid), one that
// failed, was missed or ran late stands on its own lines, named by its job
// with what went wrong under it, and a re-run says so.
func runItem(st *Styles, loc *time.Location, r model.JobRun, what string) calItem {
	at := r.At()
	it := calItem{at: at, text: r.Status.Mark() + " " + at.In(loc).Format("15:04") + " " + what, style: st.Maintenance, change: -1, routine: 'j'}
	switch {
	case r.Status != model.JobOK && r.Status != model.JobRunning:
		it.text = r.Status.Mark() + " " + at.In(loc).Format("15:04") + " " + r.Job
		it.detail, it.style, it.routine = string(r.Status), runStyle(st, r.Status), 0
	case r.Scheduled.IsZero():
		it.text, it.routine = it.text+" re-run", 0
	}
	if r.Scheduled.IsZero() && it.detail != "" {
		it.detail += " re-run"
	}
	return it
}

// clockStep: the calendar shows nothing finer than the minute (its week
// is worked out again each minute, below).
func (p *calendarPane) clockStep() int64 { return 60 }

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
	switch {
	case p.layout == calDay:
		return p.dayView(items, frozen, focused)
	case p.layout == calAuto && p.w >= gridWidth:
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
	if it.change >= 0 && focused && it.change == p.cursor && !p.s.Wall {
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
		var shown []calItem
		count := map[byte]int{}
		for _, it := range items[d] {
			if it.routine != 0 {
				count[it.routine]++
			} else {
				shown = append(shown, it)
			}
		}
		summary := len(count) > 0
		line := fmt.Sprintf("○%d ⟳%d", count['w'], count['j'])
		if count['o'] > 0 {
			line += fmt.Sprintf(" ☎%d", count['o'])
		}
		for i, it := range shown {
			if summary && !strings.HasPrefix(it.text, "▓") {
				// after the freeze banner, before the changes
				col = append(col, st.Maintenance.Render(fit(line, cw)))
				summary = false
			}
			lines := p.itemLines(it, cw, focused, true)
			if len(col)+len(lines) > p.h-1 && i < len(shown)-1 {
				col = append(col, st.Dim.Render(fit(fmt.Sprintf(" +%d more", len(shown)-i), cw)))
				break
			}
			col = append(col, lines...)
		}
		if summary {
			col = append(col, st.Maintenance.Render(fit(line, cw)))
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
	selectedLine, selectedDay := 0, 0
	for d := 0; d < 7; d++ {
		label, today := p.dayLabel(d)
		style := st.Bold
		if today {
			style = st.Today
		}
		if frozen[d] {
			label += "  ▓ freeze"
		}
		dayLine := len(lines)
		lines = append(lines, style.Render(label))
		if len(items[d]) == 0 {
			lines = append(lines, st.Dim.Render("   nothing scheduled"))
		}
		for _, it := range items[d] {
			if it.change == p.cursor {
				selectedLine, selectedDay = len(lines), dayLine
			}
			for _, l := range p.itemLines(it, p.w-2, focused, false) {
				lines = append(lines, "  "+l)
			}
		}
	}
	top := 0
	if selectedLine >= p.h {
		// The selected change's day starts the view when it fits, so the
		// agenda opens at today.
		top = selectedLine - p.h + 1
		if selectedLine-selectedDay < p.h {
			top = selectedDay
		}
	}
	if p.cursor >= len(p.changes)-1 {
		// at the last change, show the rest of the week below it
		top = max(min(len(lines)-p.h, selectedLine), top)
	}
	return padLines(lines[top:], p.w, p.h)
}

// stateTag is a change's state, short enough for a grid column.
func stateTag(c model.Change) string {
	tags := map[model.ChangeState]string{model.ChangeNew: "new", model.ChangeAssess: "assess", model.ChangeAuthorize: "auth",
		model.ChangeScheduled: "sched", model.ChangeImplement: "▶impl", model.ChangeReview: "review", model.ChangeClosed: "done",
		model.ChangeCancelled: "cancelled"}
	return tags[c.State]
}

// changeStyle colours a change by risk while it is ahead or running, and
// dims it once closed or cancelled.
func changeStyle(st *Styles, c model.Change) lipgloss.Style {
	if !c.Open() {
		return st.Dim
	}
	return st.Risk[c.Risk]
}

// conflictMark is "✗ " for a change a hard freeze blocks, "! " for one
// with any other conflict, "" for none, and nothing for one that is over:
// the week's changes and the plan's calendar are all it needs, so it is
// worked out here with the model's rules, without a read. Open incidents
// are left to the change's detail.
func conflictMark(s *session, c model.Change, week []model.Change, pl *plan.Plan) string {
	if pl == nil || !c.Open() || c.State == model.ChangeImplement {
		return ""
	}
	cs := model.Conflicts(model.ConflictInput{Change: c, Others: week, Plan: pl.ChangeCalendar(c.Services, c.Start, c.End), Loc: s.loc()})
	if _, blocked := model.Blocking(c, cs); blocked {
		return "✗"
	}
	if len(cs) > 0 {
		return "!"
	}
	return ""
}

// dayView draws one day hour by hour, with the week's freeze and the
// day's windows, jobs and changes in their hours.
func (p *calendarPane) dayView(items [7][]calItem, frozen [7]bool, focused bool) string {
	st := p.s.st
	label, today := p.dayLabel(p.day)
	head := st.Bold
	if today {
		head = st.Today
	}
	if frozen[p.day] {
		label += "  ▓ freeze"
	}
	lines := []string{head.Render(label) + st.Dim.Render("  ←/→ day · v view")}
	byHour := map[int][]calItem{}
	var before []calItem // freezes and changes carried over from the day before
	for _, it := range items[p.day] {
		t := it.at.In(p.s.loc())
		if !sameDay(t, p.week.AddDate(0, 0, p.day)) {
			before = append(before, it)
			continue
		}
		byHour[t.Hour()] = append(byHour[t.Hour()], it)
	}
	for _, it := range before {
		for _, l := range p.itemLines(it, p.w-8, focused, false) {
			lines = append(lines, "      "+l)
		}
	}
	selected := 0
	for h := 0; h < 24; h++ {
		its := byHour[h]
		if len(its) == 0 {
			if p.h >= 24+len(lines)+len(items[p.day]) {
				lines = append(lines, st.Dim.Render(fmt.Sprintf("%02d:00", h)))
			}
			continue
		}
		for i, it := range its {
			prefix := "      "
			if i == 0 {
				prefix = st.Dim.Render(fmt.Sprintf("%02d:00 ", h))
			}
			if it.change == p.cursor {
				selected = len(lines)
			}
			for _, l := range p.itemLines(it, p.w-8, focused, false) {
				lines = append(lines, prefix+l)
				prefix = "      "
			}
		}
	}
	top := 0
	if selected >= p.h {
		top = selected - p.h + 1
	}
	return padLines(lines[top:], p.w, p.h)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return ay == by && am == bm && ad == bd
}

// plannedRuns is pl.RunsBetween(from, to), worked out once for all the
// sessions showing that week: expanding every job's schedule over a week
// costs milliseconds, and each session asks again every minute. The runs
// it hands out are read-only.
func plannedRuns(pl *plan.Plan, from, to time.Time) []plan.Run {
	key := runsKey{pl, from.UnixNano(), to.UnixNano()}
	c := &weekRuns
	c.Lock()
	defer c.Unlock()
	if runs, ok := c.runs[key]; ok {
		return runs
	}
	if len(c.runs) >= 8 { // a plan reloaded, or a few weeks looked at
		clear(c.runs)
	}
	if c.runs == nil {
		c.runs = map[runsKey][]plan.Run{}
	}
	runs := pl.RunsBetween(from, to)
	c.runs[key] = runs
	return runs
}

type runsKey struct {
	plan     *plan.Plan
	from, to int64
}

var weekRuns struct {
	sync.Mutex
	runs map[runsKey][]plan.Run
}
