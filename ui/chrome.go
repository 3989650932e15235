package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// The console's chrome: the header with its figures and banners, the tabs,
// and the footer with the live state, who is here, the drop folder and the
// key hints.

func (m *Model) headerHeight() int {
	n := 1
	if m.s.Wall {
		n += m.wallHeaderRows() // the across-the-room board, or line
	}
	if m.s.Plan != nil && m.s.Plan.Err() != nil {
		n++
	}
	if m.unreachable() {
		n++
	}
	if len(m.counts.atRisk) > 0 {
		n++
	}
	if len(m.counts.expiring) > 0 {
		n++
	}
	if len(m.counts.warRooms) > 0 {
		n++
	}
	return n
}

// unreachable reports whether the last read found the store unreachable:
// a PostgreSQL server restarting or failing over (model.ErrUnreachable).
func (m *Model) unreachable() bool { return errors.Is(m.storeErr, model.ErrUnreachable) }

// unreachableBanner tells everyone at the console that the screen is frozen
// while the store reconnects, since when, and that changes wait: the store
// wakes every session as soon as it is back.
func (m *Model) unreachableBanner() string {
	since := "the start"
	if !m.updated.IsZero() {
		since = m.updated.In(m.s.loc()).Format("15:04:05")
	}
	return m.s.st.Banner.Render(fit(" ⚠ store unreachable, reconnecting: the screen shows what was read at "+since+
		"; changes are refused until it is back", m.w))
}

// wallLine is the figures a wall screen too small for the block digits
// shows in one line: spaced out, in capitals, with what needs attention on
// a solid background. A narrower screen drops the open total and the exit
// tally, then says the figures shorter; a figure is never cut.
func (m *Model) wallLine() string {
	st, c := m.s.st, m.counts.counts
	type fig struct {
		long, short  string
		n            int
		alarm, extra bool
	}
	figs := []fig{
		{"P1 OPEN", "P1", c.OpenP1, c.OpenP1 > 0, false},
		{"P2 OPEN", "P2", c.OpenP2, c.OpenP2 > 0, false},
		{"FIRING", "FIRING", c.Firing, c.Firing > 0, false},
		{"SLA AT RISK", "AT RISK", c.SLAAtRisk, c.SLAAtRisk > 0, false},
		{"OPEN INCIDENTS", "OPEN", c.OpenIncidents, false, true},
	}
	exit := ""
	if sc := m.score; sc.of > 0 {
		exit = fmt.Sprintf("%d/%d", sc.met, sc.of)
	}
	line := func(short, extras bool, pad string) string {
		var parts []string
		for _, f := range figs {
			if f.extra && !extras {
				continue
			}
			text := fmt.Sprintf("%s: %d", f.long, f.n)
			if short {
				text = fmt.Sprintf("%s %d", f.short, f.n)
			}
			style := st.HeaderDim
			if f.alarm { // the mark reads without colour, as on the board
				style, text = st.HeaderAlarm, "▲ "+text
			}
			parts = append(parts, style.Render(pad+text+pad))
		}
		if exit != "" && extras {
			parts = append(parts, st.HeaderDim.Render(pad+"EXIT "+exit+pad))
		}
		return strings.Join(parts, " ")
	}
	var out string
	for _, v := range []struct {
		short, extras bool
		pad           string
	}{{false, true, "  "}, {false, false, "  "}, {true, true, " "}, {true, false, " "}, {true, false, ""}} {
		out = line(v.short, v.extras, v.pad)
		if width(out) <= m.w {
			break
		}
	}
	return fit(out, m.w)
}

// atRiskShown is how many at-risk incidents the leads' banner names.
const atRiskShown = 4

// slaBanner is the leads' warning line: the incidents past 75% of their
// resolve time, worst first, and how to list them all.
func (m *Model) slaBanner() string {
	c := m.counts
	if len(c.atRisk) == 0 {
		return ""
	}
	parts := make([]string, 0, len(c.atRisk))
	now := m.s.Now()
	for _, in := range c.atRisk {
		clk := model.ResolveClock(in, m.s.clock(in), now)
		switch {
		case clk.Stage == model.SLABreached:
			parts = append(parts, in.Ref()+" breached")
		case in.AckAt.IsZero() && in.SLAFlags&(model.SLARespondBreached|model.SLARespondWarned) != 0:
			if r := model.RespondClock(in, m.s.clock(in), now); r.Stage != model.SLABreached && r.Stage != model.SLANone {
				parts = append(parts, in.Ref()+" ack due in "+countdown(r.Left))
			} else {
				parts = append(parts, in.Ref()+" not acknowledged")
			}
		case clk.Stage == model.SLANone:
			parts = append(parts, in.Ref())
		default:
			parts = append(parts, fmt.Sprintf("%s %.0f%%", in.Ref(), clk.Used*100))
		}
	}
	// On a narrow screen the hint goes first, then the last incidents
	// named (the count says how many there are): what is named is whole.
	var text string
	for n := len(parts); n >= 1; n-- {
		text = fmt.Sprintf(" ⚠ SLA at risk (%d): %s", c.counts.SLAAtRisk, strings.Join(parts[:n], " · "))
		if c.counts.SLAAtRisk > n {
			text += " …"
		}
		if hinted := text + " — filter the queue with is:risk"; n == len(parts) && width(hinted) <= m.w {
			text = hinted
			break
		}
		if width(text) <= m.w {
			break
		}
	}
	return m.s.st.Banner.Render(fit(text, m.w))
}

func (m *Model) tooSmallView() string {
	msg := fmt.Sprintf("Terminal too small: %dx%d.\nhypercare needs at least %dx%d\n(%dx%d for the four-pane grid).\nEnlarge the window, or press q to quit.",
		m.w, m.h, MinWidth, MinHeight, GridMinWidth, GridMinHeight)
	return m.s.Renderer.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, m.s.st.Bold.Render(msg))
}

func (m *Model) tabRows() int {
	if m.grid() {
		return 0
	}
	return 1
}

func (m *Model) tabsView() string {
	st := m.s.st
	var b strings.Builder
	// Narrow: each tab by its first word ("5 Audit"), so all five show.
	short := m.w < 70
	panes := m.panes
	if m.s.Wall {
		// A wall's tabs are its rotation's pages: the overview, then the
		// panes of its grid.
		panes = panes[:m.gridPanes()]
		if m.overview {
			b.WriteString(st.TabActive.Render("[Overview]"))
		} else {
			b.WriteString(st.Tab.Render("Overview"))
		}
	}
	for i, p := range panes {
		title := p.title()
		if short {
			title, _, _ = strings.Cut(title, " ")
		}
		label := fmt.Sprintf("%d %s", i+1, title)
		if i == m.focus && !m.overview {
			// brackets mark the tab where reverse video does not show
			b.WriteString(st.TabActive.Render("[" + label + "]"))
		} else {
			b.WriteString(st.Tab.Render(label))
		}
	}
	return fit(b.String(), m.w)
}

// overlay centres a dialog in the body area, w×h.
func (m *Model) overlay(content string, w, h int) string {
	return m.s.Renderer.Place(w, h, lipgloss.Center, lipgloss.Center, content)
}

func (m *Model) headerView() string {
	st, now := m.s.st, m.s.now()
	c := m.counts.counts
	name, day := "hypercare", ""
	if p := m.s.plan(); p != nil {
		if p.Hypercare.Service != "" {
			name = p.Hypercare.Service
		}
		if d, total := p.Day(now); total > 0 {
			day = fmt.Sprintf("day %d/%d", d, total)
		}
	}
	// A segment is drawn once per palette and text: most of them read the
	// same frame after frame.
	seg := func(style *lipgloss.Style, s string) string { return st.memo(style, " "+s+" ") }
	title := seg(&st.HeaderTitle, "HYPERCARE")
	if m.w >= 100 { // on a narrow screen the counts matter more than the name
		name = seg(&st.HeaderDim, name)
	} else {
		name = ""
	}
	if day != "" {
		day = seg(&st.HeaderDim, day)
	}
	p1 := seg(&st.HeaderDim, fmt.Sprintf("P1 %d", c.OpenP1))
	if c.OpenP1 > 0 {
		p1 = seg(&st.HeaderAlarm, fmt.Sprintf("P1 %d", c.OpenP1))
	}
	figures := p1 + seg(&st.HeaderDim, fmt.Sprintf("P2 %d", c.OpenP2))
	if c.SLAAtRisk > 0 {
		risk := "SLA at risk %d"
		if m.w < 100 {
			risk = "at risk %d"
		}
		figures += seg(&st.HeaderAlarm, fmt.Sprintf(risk, c.SLAAtRisk))
	}
	figures += seg(&st.HeaderDim, fmt.Sprintf("firing %d", c.Firing))
	// The figures in as few cells as they can be read in, for the
	// narrowest screens: "P1 2 P2 3 risk 1 fire 13".
	short := fmt.Sprintf("P1 %d P2 %d", c.OpenP1, c.OpenP2)
	if c.SLAAtRisk > 0 {
		short += fmt.Sprintf(" risk %d", c.SLAAtRisk)
	}
	short += fmt.Sprintf(" fire %d", c.Firing)
	shortFigures := seg(&st.HeaderDim, short)
	if c.OpenP1 > 0 || c.SLAAtRisk > 0 {
		shortFigures = seg(&st.HeaderAlarm, short)
	}
	var exit string
	if sc := m.score; sc.of > 0 {
		// How near the exit is: the lead's question every morning.
		exit = seg(&st.HeaderDim, fmt.Sprintf("exit %d/%d", sc.met, sc.of))
		if sc.met == sc.of {
			exit = seg(&st.HeaderTitle, fmt.Sprintf("exit %d/%d ✓", sc.met, sc.of))
		}
	}
	clock := seg(&st.HeaderTitle, now.Format("Mon 02 Jan 15:04:05 MST"))
	if m.w < 100 {
		clock = seg(&st.HeaderTitle, now.Format("15:04:05"))
	}
	var running, runningShort, next string
	if run := runningNow(m.counts.near, m.s.Now()); len(run) > 0 {
		more := ""
		if len(run) > 1 {
			more = fmt.Sprintf(" +%d", len(run)-1)
		}
		running = seg(&st.HeaderTitle, "▶ "+run[0].Ref()+" "+run[0].Service()+more)
		runningShort = seg(&st.HeaderTitle, "▶ "+run[0].Ref()+more)
	}
	if m.counts.hasNext {
		n := m.counts.next
		next = seg(&st.HeaderDim, fmt.Sprintf("next %s %s %s", n.Ref(), n.Start.In(m.s.loc()).Format("Mon 15:04"), n.Service()))
	}
	onCall, onCallShort := "", ""
	if list, mine := m.onCallNow(); len(list) > 0 {
		onCall = seg(&st.HeaderDim, "on call "+strings.Join(list, ", "))
		if mine { // who to call on one's own team, without the team
			onCallShort = seg(&st.HeaderDim, "☎ "+list[0][strings.IndexByte(list[0], ' ')+1:])
		}
	}
	// The figures and the clock always show. The rest gives way a segment
	// at a time, never cut mid-word: the next change first, then the
	// service's name, the on-call list (to the person on one's own team,
	// then none), the exit tally, the running change's service, the day,
	// and last the running change.
	// Then the word HYPERCARE, and the figures say themselves shorter;
	// the clock goes last. Only a screen too narrow even for the short
	// figures cuts them.
	bare := seg(&st.HeaderTitle, now.Format("15:04"))
	var left, right string
	for _, v := range [][3]string{
		{title + name + day + figures + exit + onCall, running + next},
		{title + name + day + figures + exit + onCall, running},
		{title + day + figures + exit + onCall, running},
		{title + day + figures + exit + onCallShort, running},
		{title + day + figures + exit, running},
		{title + day + figures, running},
		{title + day + figures, runningShort},
		{title + figures, runningShort},
		{title + figures, ""},
		{figures, ""},
		{shortFigures, ""},
		{shortFigures, "", bare},
		{shortFigures, "", " "},
	} {
		left, right = v[0], v[1]+cmp.Or(v[2], clock)
		if ansi.StringWidth(left+right) <= m.w {
			break
		}
	}
	room := m.w - ansi.StringWidth(right)
	if ansi.StringWidth(left) > room {
		left = ansi.Truncate(left, room, "")
	}
	line := left + st.HeaderDim.Render(strings.Repeat(" ", max(room-ansi.StringWidth(left), 0))) + right
	if m.s.Wall {
		line += "\n" + m.wallHeader()
	}
	if m.s.Plan != nil {
		if err := m.s.Plan.Err(); err != nil {
			line += "\n" + st.Banner.Render(fit(" "+firstProblem(err)+" — edit refused, the last good plan still runs", m.w))
		}
	}
	if m.unreachable() {
		line += "\n" + m.unreachableBanner()
	}
	if b := m.warRoomBanner(); b != "" {
		line += "\n" + b
	}
	if b := m.slaBanner(); b != "" {
		line += "\n" + b
	}
	if b := m.expiryBanner(); b != "" {
		line += "\n" + b
	}
	return line
}

// onCallNow lists who is on call at L1 for each team with a rota, "web
// tom.okafor": the operator's own teams only (mine), if they are in any,
// else all.
func (m *Model) onCallNow() (list []string, mine bool) {
	p := m.s.plan()
	if p == nil {
		return nil, false
	}
	now := m.s.Now()
	var own, all []string
	for _, r := range p.Rotas() {
		sh, ok := r.At(now)
		if !ok || r.Level != "L1" {
			continue
		}
		entry := r.Team + " " + sh.Who
		all = append(all, entry)
		if t, ok := p.Team(r.Team); ok && slices.Contains(t.Members, m.s.Actor.Name) {
			own = append(own, entry)
		}
	}
	if len(own) > 0 {
		return own, true
	}
	return all, false
}

// footerHints is how many key hints the footer makes room for by saying
// less on its left.
const footerHints = 3

// noticeRows is the most rows a notice takes in the footer; what is
// longer still is read whole with :messages.
const noticeRows = 3

func (m *Model) footerHeight() int { return len(m.footerLines()) }

// footerLines are the footer: one line with the live state, who is here,
// the drop folder and the key hints or the last action's outcome; an
// outcome too long for the line wraps onto up to noticeRows lines, so a
// refusal's reason is read whole.
func (m *Model) footerLines() []string {
	st := m.s.st
	if c, ok := m.top().(*cmdline); ok {
		return []string{fit(c.line(m.w), m.w)}
	}
	state, stateShort := m.liveState()
	name := st.memo(&st.FooterKey, m.s.Actor.Name)
	role := st.memo(&st.Footer, " ("+m.s.Actor.Role.String()+")")
	var online string
	if others := m.others(0); len(others) > 0 {
		online = fmt.Sprintf(" +%d online", len(others))
		if m.w >= 160 {
			online = " · also here: " + strings.Join(others[:min(len(others), 5)], ", ")
			if len(others) > 5 {
				online += fmt.Sprintf(" +%d", len(others)-5)
			}
		}
		online = st.memo(&st.Footer, online)
	}
	var unread string
	if n := m.counts.unread; n > 0 {
		unread = "  " + st.memo(&st.Warn, fmt.Sprintf("%d to read", n))
	}
	drops := m.dropsLine()
	if drops != "" {
		drops = "  " + drops
	}
	var text string
	var style lipgloss.Style
	switch {
	case m.notice.err != nil:
		text, style = "✗ "+strings.Join(strings.Fields(m.notice.err.Error()), " "), st.Error
	case m.notice.text != "":
		text, style = "✓ "+m.notice.text, st.Notice
	}
	if text == "" {
		hints := m.hints()
		if m.s.Wall {
			hints = []string{st.memo(&st.Footer, "WALL · read-only")}
		}
		// The left side gives way in a planned order so the first
		// footerHints hints ("? help", which leads to all the others, then
		// the most specific keys) keep their room: the
		// word "updated", the role, who else is here, what is left to
		// read. The live state, the operator and the drop folder stay.
		first := 0
		for i, h := range hints[:min(len(hints), footerHints)] {
			first += 2 + width(h) + min(i, 1) // "  " then " · "
		}
		var left string
		for _, l := range []string{
			state + "  " + name + role + online + unread + drops,
			stateShort + "  " + name + role + online + unread + drops,
			stateShort + "  " + name + online + unread + drops,
			stateShort + "  " + name + unread + drops,
			stateShort + "  " + name + drops,
		} {
			left = l
			if width(left)+first <= m.w {
				break
			}
		}
		// Hints are shown whole or not at all, most specific first.
		line := left
		for i, h := range hints {
			sep := "  "
			if i > 0 {
				sep = st.memo(&st.Footer, " · ")
			}
			if width(line)+width(sep)+width(h) > m.w {
				break
			}
			line += sep + h
		}
		return []string{fit(line, m.w)}
	}
	left := state + "  " + name + role + online + unread + drops
	if width(left)+2+width(text) <= m.w {
		return []string{fit(left+"  "+style.Render(text), m.w)}
	}
	// An outcome must be read whole: the live state stays, who you are
	// and the drop folder step aside, and the text wraps.
	state = stateShort
	room := m.w - width(state) - 2
	rows := wrap(text, room)
	if len(rows) > noticeRows {
		rows = rows[:noticeRows]
		rows[noticeRows-1] = ansi.Truncate(rows[noticeRows-1], room-len(" … :messages"), "") + " … :messages"
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		lead := state
		if i > 0 {
			lead = st.memo(&st.Footer, strings.Repeat(" ", width(state)))
		}
		out[i] = fit(lead+"  "+style.Render(r), m.w)
	}
	return out
}

// liveState is whether the screen follows the database, in full and in
// short for a narrow footer.
func (m *Model) liveState() (full, short string) {
	st := m.s.st
	switch {
	case m.storeErr != nil:
		s := st.memo(&st.FooterStale, "● STALE") + st.memo(&st.Footer, " "+m.storeErr.Error())
		return s, s
	case m.updated.IsZero():
		s := st.memo(&st.Footer, "○ loading")
		return s, s
	}
	at := m.updated.In(m.s.loc()).Format("15:04:05")
	return st.memo(&st.FooterLive, "● LIVE") + st.memo(&st.Footer, " updated "+at), st.memo(&st.FooterLive, "● LIVE") + st.memo(&st.Footer, " "+at)
}

// dropsLine is the drop folder's state for the footer: where alerts come
// from, whether intake is working, and when the last drop landed.
func (m *Model) dropsLine() string {
	st := m.s.st
	if m.s.Drops == nil {
		if m.s.DropsDir != "" && m.w >= 160 {
			return st.memo(&st.Footer, "drops "+m.s.DropsDir+" (not watched here)")
		}
		return ""
	}
	d := m.s.Drops()
	switch {
	case d.Problem != "":
		return st.memo(&st.FooterStale, "drops stuck: "+d.Problem)
	case !d.Watching:
		return st.memo(&st.FooterStale, "drops not watched")
	case d.Sources != "":
		return st.memo(&st.FooterStale, "alert source unreachable: "+d.Sources)
	case d.Retention != "":
		return st.memo(&st.FooterStale, "prune failed: "+d.Retention)
	}
	if m.w < 120 {
		// Narrow: counts only, so the key hints keep their room.
		text := fmt.Sprintf("drops %d", d.Processed)
		if d.Queue > 0 {
			text += fmt.Sprintf("+%d", d.Queue)
		}
		if d.Rejected > 0 {
			return st.memo(&st.Footer, text+" ") + st.memo(&st.Error, fmt.Sprintf("%d✗", d.Rejected))
		}
		return st.memo(&st.Footer, text)
	}
	text := fmt.Sprintf("drops %d ok", d.Processed)
	if d.Rejected > 0 {
		text += fmt.Sprintf(" · %d rejected", d.Rejected)
	}
	if d.Queue > 0 {
		text += fmt.Sprintf(" · %d queued", d.Queue)
	}
	if !d.LastAt.IsZero() {
		text += " · last " + ago(d.LastAt, m.s.Now())
	}
	if d.Ignored > 0 {
		// Not a drop, so never applied: say so, or it sits there unnoticed.
		text += fmt.Sprintf(" · %d left alone (%s)", d.Ignored, d.LastIgnored)
	}
	if m.w >= 180 && m.s.DropsDir != "" {
		text += " · " + m.s.DropsDir
	}
	if d.Rejected > 0 {
		return st.memo(&st.Footer, text) + st.memo(&st.Error, " ✗")
	}
	return st.memo(&st.Footer, text)
}

// firstProblem is the first line of a plan error that names a place, so the
// banner shows file:line and reason rather than a heading.
func firstProblem(err error) string {
	var ce *plan.CheckError
	if errors.As(err, &ce) && len(ce.Problems) > 0 {
		msg := ce.Problems[0].String()
		if n := len(ce.Problems); n > 1 {
			msg += fmt.Sprintf(" (+%d more: hypercare plan check)", n-1)
		}
		return msg
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// hints are the few keys that matter in the current context, most
// specific first, so a narrow footer keeps the useful ones. In a text
// field only its own keys are offered: the others would type.
func (m *Model) hints() []string {
	km, st := m.s.km, m.s.st
	var bs []key.Binding
	switch top := m.top(); {
	case top != nil && top.typing():
		bs = top.actions()
	case top != nil:
		bs = append(append([]key.Binding{km.Help}, top.actions()...), km.Palette, km.Quit)
	default:
		// "? help" first: on a narrow footer it is the one hint that leads
		// to all the others.
		bs = append([]key.Binding{km.Help}, m.panes[m.focus].actions()...)
		bs = append(bs, km.NextPane, km.Enter)
		if _, ok := m.panes[m.focus].(interface{ setFilter(string) tea.Cmd }); ok {
			bs = append(bs, km.Filter)
		}
		bs = append(bs, km.Palette, km.Quit)
	}
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		if !b.Enabled() {
			continue // not this operator's to do
		}
		h := b.Help()
		parts = append(parts, st.memo(&st.FooterKey, h.Key)+st.memo(&st.Footer, " "+h.Desc))
	}
	return parts
}

// Changes running now: the header names the one that matters most, and the
// incident and alert details those on the record's service or on a service
// related to it.
const (
	// runningOverrun is how long past its planned end an implementation is
	// still looked for: one overrunning by more is no longer shown running.
	runningOverrun = 12 * time.Hour
	// runningAhead is how far ahead changes are read, so a scheduled change
	// shows as running when its time comes, between two reads.
	runningAhead = time.Hour
)

// changesNearNow reads the changes that may be running at some moment of
// the next runningAhead: those whose planned time overlaps it or ended
// less than runningOverrun ago. runningNow picks the ones running.
func changesNearNow(ctx context.Context, r model.Reader, now time.Time) ([]model.Change, error) {
	list, err := r.ChangesBetween(ctx, now.Add(-runningOverrun), now.Add(runningAhead))
	if err != nil {
		return nil, fmt.Errorf("changes running now: %w", err)
	}
	return list, nil
}

// runningNow are the changes running at t, the most relevant first: the
// riskiest, then those being implemented over those whose time merely
// came, then the latest started.
func runningNow(changes []model.Change, t time.Time) []model.Change {
	var out []model.Change
	for _, c := range changes {
		if c.Running(t) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b model.Change) int {
		return cmp.Or(cmp.Compare(a.Risk, b.Risk), // High is 1
			cmp.Compare(stateRank(a), stateRank(b)),
			b.Start.Compare(a.Start),
			cmp.Compare(a.ID, b.ID))
	})
	return out
}

func stateRank(c model.Change) int {
	if c.State == model.ChangeImplement {
		return 0
	}
	return 1
}
