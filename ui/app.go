// Package ui is the console: one bubbletea program per terminal, local or
// over SSH. It reads through model interfaces and writes through the service
// layer; all IO runs in commands, never in View.
package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// Layout thresholds: the grid needs room for four readable panes; below the
// minimum nothing useful fits, so we say so instead of drawing a broken frame.
const (
	GridMinWidth, GridMinHeight = 160, 48
	// A wall screen takes the grid as soon as it can be read at all.
	WallGridMinWidth, WallGridMinHeight = 120, 36
	MinWidth, MinHeight                 = 60, 15
	// refreshGap bounds how often a flood of commits re-queries the screen.
	refreshGap = 250 * time.Millisecond
	noticeFor  = 6 * time.Second
)

// Pane indexes, in tab order.
const (
	paneQueue = iota
	paneFeed
	paneCalendar
	paneKnowledge
	paneAudit
)

// Model is one console session.
type Model struct {
	s       *session
	panes   []pane
	focus   int
	zoom    bool
	detail  *detail
	stale   [paneAudit + 1]bool // missed a change while out of sight
	help    bool
	helpTop int

	rotatedAt time.Time // when a wall screen last changed its zoomed pane // first help line shown when the help is taller than the screen
	palette   *palette
	cmdline   *cmdline
	note      *noteEditor
	form      *form
	problems  *problemsView // problem management, over the panes while open

	w, h     int
	counts   countsMsg
	updated  time.Time
	storeErr error
	notice   noticeMsg
	noticeAt time.Time

	done         chan struct{}
	storeCh      <-chan struct{}
	planCh       <-chan struct{}
	presenceCh   <-chan struct{}
	stopStore    func()
	stopPlan     func()
	stopPresence func()
	closeOnce    bool
}

type (
	storeChangedMsg    struct{}
	planChangedMsg     struct{}
	presenceChangedMsg struct{}
	tickMsg            time.Time
	// rearmMsg starts listening for the next store change after a pause.
	rearmMsg  struct{}
	countsMsg struct {
		counts  model.Counts
		atRisk  []model.Incident // for leads: the first incidents at risk
		next    model.Change
		hasNext bool
		err     error
	}
)

// New builds a console for one terminal. Call Close when the program ends.
func New(d Deps) *Model {
	if d.Keys == nil {
		d.Keys = keymaps.Default()
	}
	if d.Renderer == nil {
		d.Renderer = lipgloss.DefaultRenderer()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &session{Deps: d, st: NewStyles(d.Renderer), km: d.Keys}
	m := &Model{s: s, done: make(chan struct{})}
	m.panes = []pane{newQueue(s), newFeed(s), newCalendar(s), newKnowledge(s), newAudit(s)}
	if d.Notifier != nil {
		m.storeCh, m.stopStore = d.Notifier.Subscribe()
	}
	if d.Plan != nil {
		m.planCh, m.stopPlan = d.Plan.Subscribe()
	}
	if d.Presence != nil {
		m.presenceCh, m.stopPresence = d.Presence.Subscribe()
	}
	return m
}

// Close ends the session's subscriptions and the goroutines waiting on them.
func (m *Model) Close() {
	if m.closeOnce {
		return
	}
	m.closeOnce = true
	close(m.done)
	if m.stopStore != nil {
		m.stopStore()
	}
	if m.stopPlan != nil {
		m.stopPlan()
	}
	if m.stopPresence != nil {
		m.stopPresence()
	}
}

// wait turns the next signal on ch into msg; it gives up when the session ends.
func (m *Model) wait(ch <-chan struct{}, msg tea.Msg) tea.Cmd {
	if ch == nil {
		return nil
	}
	done := m.done
	return func() tea.Msg {
		select {
		case _, ok := <-ch:
			if !ok {
				return nil
			}
			return msg
		case <-done:
			return nil
		}
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.refreshAll(), m.wait(m.storeCh, storeChangedMsg{}), m.wait(m.planCh, planChangedMsg{}),
		m.wait(m.presenceCh, presenceChangedMsg{}), tick())
}

// ensure brings panes that came into view up to date: a stale one (it
// missed a change while out of sight) re-queries, and a list fetches rows it
// now shows but does not hold after a resize or zoom made it taller.
func (m *Model) ensure() tea.Cmd {
	var cmds []tea.Cmd
	for i, p := range m.panes {
		switch e, ok := p.(interface{ ensure() tea.Cmd }); {
		case m.stale[i] && m.onScreen(i):
			m.stale[i] = false
			cmds = append(cmds, p.refresh())
		case ok:
			cmds = append(cmds, e.ensure())
		}
	}
	if m.problems != nil && m.problems.open == nil {
		cmds = append(cmds, m.problems.list.ensure())
	}
	return tea.Batch(cmds...)
}

// refreshAll re-queries the header figures, the panes on screen and the
// open detail. Panes out of sight are only marked stale and re-query when
// they come into view: with many sessions on one server, a commit then costs
// each session the queries it shows, not all of them.
func (m *Model) refreshAll() tea.Cmd {
	cmds := []tea.Cmd{m.fetchCounts()}
	for i, p := range m.panes {
		if m.onScreen(i) {
			cmds = append(cmds, p.refresh())
			m.stale[i] = false
		} else {
			m.stale[i] = true
		}
	}
	if m.detail != nil {
		cmds = append(cmds, m.detail.load())
	}
	if m.problems != nil {
		cmds = append(cmds, m.problems.refresh())
	}
	return gather(cmds...)
}

// gathered carries the answers of several queries as one message.
type gathered []tea.Msg

// gather runs queries one after another and delivers their answers as one
// message. Every message costs a View, so a change notification redraws a
// session once instead of once per pane.
func gather(cmds ...tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		out := make(gathered, 0, len(cmds))
		for _, c := range cmds {
			if c != nil {
				out = append(out, c())
			}
		}
		return out
	}
}

// onScreen reports whether pane i is drawn now.
func (m *Model) onScreen(i int) bool {
	switch {
	case m.detail != nil || m.problems != nil:
		return false
	case m.single():
		return i == m.focus
	}
	return i < paneAudit
}

func (m *Model) fetchCounts() tea.Cmd {
	r, now := m.s.Reader, m.s.Now()
	lead := m.s.Actor.May(model.PermEscalate) && !m.s.Wall // the breach banner is for those who can act on it
	return query(func(ctx context.Context) (countsMsg, error) {
		c, err := r.Counts(ctx)
		if err != nil {
			return countsMsg{}, err
		}
		msg := countsMsg{counts: c}
		// Leads are told which incidents passed 75% of their resolve time.
		if lead && c.SLAAtRisk > 0 {
			if msg.atRisk, err = r.Queue(ctx, model.QueueQuery{AtRisk: true, Limit: atRiskShown}); err != nil {
				return msg, err
			}
		}
		next, err := r.NextChange(ctx, now)
		switch {
		case errors.Is(err, model.ErrNotFound):
		case err != nil:
			return msg, err
		default:
			msg.next, msg.hasNext = next, true
		}
		return msg, nil
	}, func(msg countsMsg, err error) tea.Msg {
		msg.err = err
		return msg
	})
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
	text := fmt.Sprintf(" ⚠ SLA at risk (%d): %s", c.counts.SLAAtRisk, strings.Join(parts, " · "))
	if c.counts.SLAAtRisk > len(parts) {
		text += " …"
	}
	text += " — filter the queue with is:risk"
	return m.s.st.Banner.Render(fit(text, m.w))
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.layout()
		cmds = append(cmds, m.ensure())
		if m.detail != nil {
			cmds = append(cmds, m.detail.load())
		}
	case tea.KeyMsg:
		// Keys typed faster than a read (key repeat, a slow SSH link) arrive
		// as one message with several runes; outside text fields each one
		// is a separate command.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.typing() {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			}
			return m, tea.Batch(append(cmds, m.ensure())...)
		}
		return m, tea.Batch(m.handleKey(msg), m.ensure())
	case storeChangedMsg:
		// Re-query now, then pause before listening again, so a flood of
		// commits costs a handful of queries a second, not one per commit.
		return m, tea.Batch(m.refreshAll(), tea.Tick(refreshGap, func(time.Time) tea.Msg { return rearmMsg{} }))
	case rearmMsg:
		return m, m.wait(m.storeCh, storeChangedMsg{})
	case presenceChangedMsg:
		// Nothing to query: who is here is in memory; the next View shows it.
		return m, m.wait(m.presenceCh, presenceChangedMsg{})
	case planChangedMsg:
		m.layout()
		return m, tea.Batch(m.refreshAll(), m.wait(m.planCh, planChangedMsg{}))
	case tickMsg:
		if m.notice != (noticeMsg{}) && time.Since(m.noticeAt) > noticeFor {
			m.notice = noticeMsg{}
		}
		return m, tea.Batch(tick(), m.rotate(time.Time(msg)))
	case gathered:
		cmds := make([]tea.Cmd, 0, len(msg))
		for _, one := range msg {
			_, cmd := m.Update(one)
			cmds = append(cmds, cmd)
		}
		return m, tea.Batch(cmds...)
	case countsMsg:
		m.storeErr = msg.err
		if msg.err == nil {
			banner := len(m.counts.atRisk) > 0
			m.counts = msg
			m.updated = m.s.Now()
			if banner != (len(msg.atRisk) > 0) {
				m.layout() // the banner came or went: the body changes height
			}
		}
	case noticeMsg:
		m.notice, m.noticeAt = msg, time.Now()
		return m, nil
	case RoleChangedMsg:
		return m, m.setRole(msg.Role)
	case openDetailMsg:
		if msg.kind == detailIncident {
			m.look(msg.id)
		} else {
			m.look(0)
		}
		m.detail = newDetail(m.s, msg.kind, msg.id, m.w-2, m.bodyHeight()-2)
		m.detail.audit = msg.audit
		return m, m.detail.load()
	case openFormMsg:
		m.form = msg.form
		return m, tea.Batch(m.form.focusCmd(), m.form.changed())
	case reopenFormMsg:
		if m.form == nil {
			m.form = msg.form
			m.form.err = msg.err.Error()
			return m, m.form.focusCmd()
		}
		return m, notice(msg.err)
	case formHintMsg:
		if m.form == msg.form {
			m.form.setHint(msg)
		}
		return m, nil
	case openNoteMsg:
		m.note = newNoteEditor(m.s, msg.id, m.w)
		return m, m.note.focus()
	case editorDoneMsg:
		if msg.err != nil {
			return m, notice(msg.err)
		}
		if m.note != nil {
			m.note.ta.SetValue(msg.text)
			return m, func() tea.Msg { return noticeMsg{text: "note loaded from the editor: review it, then ctrl+s saves"} }
		}
		return m, nil
	case detailData:
		if m.detail != nil {
			return m, m.detail.update(msg)
		}
		return m, nil
	case openProblemMsg:
		return m, m.openProblem(msg.id)
	}
	for _, p := range m.panes {
		cmds = append(cmds, p.update(msg))
	}
	if m.problems != nil {
		cmds = append(cmds, m.problems.update(msg))
	}
	return m, tea.Batch(cmds...)
}

// typing reports whether a text field has the keyboard.
func (m *Model) typing() bool {
	return m.note != nil || m.form != nil || m.palette != nil || m.cmdline != nil || (m.detail == nil && m.panes[m.focus].filtering()) ||
		(m.detail == nil && m.problems != nil && m.problems.filtering())
}

// handleKey routes a key: modal layers first (editors, palette, help,
// filter prompt), then global keys, then the detail view or focused pane.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := m.s.km
	switch {
	case m.note != nil:
		cmd, done := m.note.key(msg)
		if done {
			m.note = nil
		}
		return cmd
	case m.form != nil:
		cmd, done := m.form.key(msg)
		if done {
			m.form = nil
		}
		return cmd
	case m.palette != nil:
		cmd, done := m.palette.key(m, msg)
		if done {
			m.palette = nil
		}
		return cmd
	case m.cmdline != nil:
		cmd, done := m.cmdline.key(m, msg)
		if done {
			m.cmdline = nil
		}
		return cmd
	case m.help:
		switch {
		case key.Matches(msg, km.Help, km.Back, km.Quit):
			m.help, m.helpTop = false, 0
		case key.Matches(msg, km.Down, km.PageDown):
			m.helpTop++
		case key.Matches(msg, km.Up, km.PageUp):
			m.helpTop = max(m.helpTop-1, 0)
		}
		return nil
	case m.detail == nil && m.problems != nil && m.problems.filtering():
		cmd, _ := m.problems.key(msg)
		return cmd
	case m.detail == nil && m.panes[m.focus].filtering():
		cmd, _ := m.panes[m.focus].key(msg)
		m.layout()
		return cmd
	}
	switch {
	case msg.Type == tea.KeyCtrlC || key.Matches(msg, km.Quit):
		return tea.Quit
	case key.Matches(msg, km.Help):
		m.help = true
		return nil
	case key.Matches(msg, km.Palette):
		m.palette = newPalette(m.s)
		return m.palette.focus()
	case key.Matches(msg, km.Command):
		m.cmdline = newCmdline(m.s)
		return m.cmdline.focus()
	case key.Matches(msg, km.New) && m.detail == nil && m.problems != nil:
		return newProblemForm(m.s, problemSeed{})
	case key.Matches(msg, km.New):
		return newIncidentForm(m.s)
	case key.Matches(msg, km.Metrics):
		return m.showMetrics(0)
	case key.Matches(msg, km.Problems):
		return m.showProblems()
	}
	if m.detail != nil {
		if key.Matches(msg, km.Back) {
			m.detail = nil
			m.look(0)
			return nil
		}
		return m.detail.key(msg)
	}
	// The pane keys leave the problems view for that pane (setFocus).
	if m.problems != nil && !key.Matches(msg, km.NextPane, km.PrevPane, km.Pane1, km.Pane2, km.Pane3, km.Pane4, km.Pane5) {
		cmd, closed := m.problems.key(msg)
		if closed {
			m.problems = nil
			m.layout()
		}
		return cmd
	}
	switch {
	case key.Matches(msg, km.NextPane):
		m.setFocus((m.focus + 1) % len(m.panes))
		return nil
	case key.Matches(msg, km.PrevPane):
		m.setFocus((m.focus + len(m.panes) - 1) % len(m.panes))
		return nil
	case key.Matches(msg, km.Zoom):
		m.zoom = !m.zoom
		m.layout()
		return nil
	}
	for i, b := range []key.Binding{km.Pane1, km.Pane2, km.Pane3, km.Pane4, km.Pane5} {
		if key.Matches(msg, b) {
			m.setFocus(i)
			return nil
		}
	}
	cmd, handled := m.panes[m.focus].key(msg)
	if !handled && key.Matches(msg, km.Back) && m.zoom {
		m.zoom = false
	}
	m.layout()
	return cmd
}

// rotate moves a wall screen's zoom to the next of the four main panes
// every Rotate, so an unattended screen shows each in turn.
func (m *Model) rotate(now time.Time) tea.Cmd {
	if !m.s.Wall || m.s.Rotate <= 0 || m.detail != nil {
		return nil
	}
	if m.rotatedAt.IsZero() {
		m.rotatedAt = now
	}
	if now.Sub(m.rotatedAt) < m.s.Rotate {
		return nil
	}
	m.rotatedAt = now
	m.zoom = true
	m.setFocus((m.focus + 1) % paneAudit)
	return m.ensure()
}

// look tells the others which incident this session has open.
func (m *Model) look(incident int64) {
	if m.s.Presence != nil && m.s.Session != 0 {
		m.s.Presence.Look(m.s.Session, incident)
	}
}

// others lists the other sessions, optionally only those viewing an incident.
func (m *Model) others(incident int64) []string {
	if m.s.Presence == nil {
		return nil
	}
	var out []string
	for _, p := range m.s.Presence.Here() {
		if p.Session != m.s.Session && (incident == 0 || p.Viewing == incident) {
			out = append(out, p.Name)
		}
	}
	return out
}

func (m *Model) setFocus(i int) {
	m.focus = i
	m.problems = nil
	m.layout()
}

// Mode of the body, chosen from the terminal size.
func (m *Model) grid() bool {
	if m.s.Wall {
		return m.w >= WallGridMinWidth && m.h >= WallGridMinHeight
	}
	return m.w >= GridMinWidth && m.h >= GridMinHeight
}

// single reports whether one pane fills the body: small terminals, zoom,
// or the audit log, which has no cell in the grid.
func (m *Model) single() bool { return !m.grid() || m.zoom || m.focus == paneAudit }

func (m *Model) tooSmall() bool { return m.w < MinWidth || m.h < MinHeight }

func (m *Model) headerHeight() int {
	n := 1
	if m.s.Wall {
		n++ // the across-the-room line
	}
	if m.s.Plan != nil && m.s.Plan.Err() != nil {
		n++
	}
	if len(m.counts.atRisk) > 0 {
		n++
	}
	return n
}

// wallLine is the figures a wall screen shows large: spaced out, in capitals,
// with what needs attention on a solid background.
func (m *Model) wallLine() string {
	st, c := m.s.st, m.counts.counts
	seg := func(alarm bool, s string) string {
		if alarm {
			return st.HeaderAlarm.Render("  " + s + "  ")
		}
		return st.HeaderDim.Render("  " + s + "  ")
	}
	line := seg(c.OpenP1 > 0, fmt.Sprintf("P1 OPEN: %d", c.OpenP1)) + " " +
		seg(c.OpenP2 > 0, fmt.Sprintf("P2 OPEN: %d", c.OpenP2)) + " " +
		seg(c.Firing > 0, fmt.Sprintf("FIRING: %d", c.Firing)) + " " +
		seg(c.SLAAtRisk > 0, fmt.Sprintf("SLA AT RISK: %d", c.SLAAtRisk)) + " " +
		seg(false, fmt.Sprintf("OPEN INCIDENTS: %d", c.OpenIncidents))
	return fit(line, m.w)
}

func (m *Model) bodyHeight() int { return m.h - m.headerHeight() - 1 }

// layout gives every pane its content size for the current mode.
func (m *Model) layout() {
	if m.tooSmall() {
		return
	}
	bh := m.bodyHeight()
	if m.single() {
		tabs := 0
		if !m.grid() {
			tabs = 1
		}
		for _, p := range m.panes {
			p.setSize(m.w-2, bh-tabs-2)
		}
	} else {
		lw, th := m.w/2, bh/2
		sizes := [][2]int{{lw, th}, {m.w - lw, th}, {lw, bh - th}, {m.w - lw, bh - th}}
		for i, p := range m.panes[:4] {
			p.setSize(sizes[i][0]-2, sizes[i][1]-2)
		}
	}
	if m.detail != nil {
		m.detail.setSize(m.w-2, bh-2)
	}
	if m.problems != nil {
		m.problems.setSize(m.w-2, bh-2)
	}
}

func (m *Model) View() string {
	if m.w == 0 {
		return ""
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	var b strings.Builder
	b.WriteString(m.headerView())
	b.WriteByte('\n')
	b.WriteString(m.bodyView())
	b.WriteByte('\n')
	b.WriteString(m.footerView())
	return b.String()
}

func (m *Model) tooSmallView() string {
	msg := fmt.Sprintf("Terminal too small: %dx%d.\nhypercare needs at least %dx%d\n(%dx%d for the four-pane grid).\nEnlarge the window, or press q to quit.",
		m.w, m.h, MinWidth, MinHeight, GridMinWidth, GridMinHeight)
	return m.s.Renderer.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, m.s.st.Bold.Render(msg))
}

func (m *Model) bodyView() string {
	bh := m.bodyHeight()
	switch {
	case m.help:
		return m.overlay(m.helpView())
	case m.palette != nil:
		return m.overlay(m.palette.view(min(m.w-4, 70), min(bh-2, 20)))
	case m.note != nil:
		return m.overlay(m.note.view())
	case m.form != nil:
		return m.overlay(m.form.view(min(m.w-4, 96)))
	case m.detail != nil:
		status := m.detail.status()
		if m.detail.kind == detailIncident {
			if viewers := m.others(m.detail.id); len(viewers) > 0 {
				status = "also viewing: " + strings.Join(viewers, ", ") + " · " + status
			}
		}
		return box(m.s.st, m.detail.title, status, m.detail.view(), m.w, bh, true)
	case m.problems != nil:
		return box(m.s.st, m.problems.title(), m.problems.status(), m.problems.view(), m.w, bh, true)
	case m.single():
		p := m.panes[m.focus]
		pane := box(m.s.st, p.title(), p.status(), p.view(true), m.w, bh-m.tabRows(), true)
		if m.tabRows() == 0 {
			return pane
		}
		return m.tabsView() + "\n" + pane
	}
	lw, th := m.w/2, bh/2
	cell := func(i, w, h int) string {
		p := m.panes[i]
		return box(m.s.st, fmt.Sprintf("%d %s", i+1, p.title()), p.status(), p.view(i == m.focus), w, h, i == m.focus)
	}
	top := besides(cell(0, lw, th), cell(1, m.w-lw, th))
	bottom := besides(cell(2, lw, bh-th), cell(3, m.w-lw, bh-th))
	return top + "\n" + bottom
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
	for i, p := range m.panes {
		label := fmt.Sprintf("%d %s", i+1, p.title())
		if i == m.focus {
			// brackets mark the tab where reverse video does not show
			b.WriteString(st.TabActive.Render("[" + label + "]"))
		} else {
			b.WriteString(st.Tab.Render(label))
		}
	}
	return fit(b.String(), m.w)
}

// overlay centres a dialog in the body area.
func (m *Model) overlay(content string) string {
	return m.s.Renderer.Place(m.w, m.bodyHeight(), lipgloss.Center, lipgloss.Center, content)
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
	seg := func(st lipgloss.Style, s string) string { return st.Render(" " + s + " ") }
	left := seg(st.HeaderTitle, "HYPERCARE")
	if m.w >= 100 { // on a narrow screen the counts matter more than the name
		left += seg(st.HeaderDim, name)
	}
	if day != "" {
		left += seg(st.HeaderDim, day)
	}
	p1 := seg(st.HeaderDim, fmt.Sprintf("P1 %d", c.OpenP1))
	if c.OpenP1 > 0 {
		p1 = seg(st.HeaderAlarm, fmt.Sprintf("P1 %d", c.OpenP1))
	}
	left += p1 + seg(st.HeaderDim, fmt.Sprintf("P2 %d", c.OpenP2))
	if c.SLAAtRisk > 0 {
		risk := "SLA at risk %d"
		if m.w < 100 {
			risk = "at risk %d"
		}
		left += seg(st.HeaderAlarm, fmt.Sprintf(risk, c.SLAAtRisk))
	}
	left += seg(st.HeaderDim, fmt.Sprintf("firing %d", c.Firing))
	// The clock always shows; the next change only when it fits; the left
	// part gives way last to first.
	clock := seg(st.HeaderTitle, now.Format("Mon 02 Jan 15:04:05 MST"))
	if m.w < 100 {
		clock = seg(st.HeaderTitle, now.Format("15:04:05"))
	}
	right := clock
	if m.counts.hasNext {
		n := m.counts.next
		next := seg(st.HeaderDim, fmt.Sprintf("next %s %s %s", n.Ref(), n.Start.In(m.s.loc()).Format("Mon 15:04"), n.Service()))
		if ansi.StringWidth(left+next+clock) <= m.w {
			right = next + clock
		}
	}
	room := m.w - ansi.StringWidth(right)
	if ansi.StringWidth(left) > room {
		left = ansi.Truncate(left, room, "")
	}
	line := left + st.HeaderDim.Render(strings.Repeat(" ", max(room-ansi.StringWidth(left), 0))) + right
	if m.s.Wall {
		line += "\n" + m.wallLine()
	}
	if m.s.Plan != nil {
		if err := m.s.Plan.Err(); err != nil {
			line += "\n" + st.Banner.Render(fit(" "+firstProblem(err)+" — edit refused, the last good plan still runs", m.w))
		}
	}
	if b := m.slaBanner(); b != "" {
		line += "\n" + b
	}
	return line
}

func (m *Model) footerView() string {
	st := m.s.st
	var state string
	switch {
	case m.storeErr != nil:
		state = st.FooterStale.Render("● STALE") + st.Footer.Render(" "+m.storeErr.Error())
	case m.updated.IsZero():
		state = st.Footer.Render("○ loading")
	default:
		state = st.FooterLive.Render("● LIVE") + st.Footer.Render(" updated "+m.updated.In(m.s.loc()).Format("15:04:05"))
	}
	who := st.FooterKey.Render(m.s.Actor.Name) + st.Footer.Render(" ("+m.s.Actor.Role.String()+")")
	if others := m.others(0); len(others) > 0 {
		online := fmt.Sprintf(" +%d online", len(others))
		if m.w >= 160 {
			online = " · also here: " + strings.Join(others[:min(len(others), 5)], ", ")
			if len(others) > 5 {
				online += fmt.Sprintf(" +%d", len(others)-5)
			}
		}
		who += st.Footer.Render(online)
	}
	left := state + "  " + who
	if d := m.dropsLine(); d != "" {
		left += "  " + d
	}
	if m.cmdline != nil {
		return fit(m.cmdline.view(m.w), m.w)
	}
	var right string
	switch {
	case m.notice.err != nil:
		right = st.Error.Render("✗ " + firstLine(m.notice.err.Error()))
	case m.notice.text != "":
		right = st.Notice.Render("✓ " + m.notice.text)
	case m.s.Wall:
		right = st.Footer.Render("WALL · read-only")
	default:
		right = m.hints()
	}
	if m.notice != (noticeMsg{}) && width(left)+width(right)+2 > m.w {
		// An outcome must be read whole: the live state stays, who you are
		// and the drop folder step aside while it shows.
		left = state
	}
	// The live state and operator always show; hints give way.
	room := m.w - width(left) - 2
	if room < 10 {
		return fit(left, m.w)
	}
	return fit(left+"  "+ansi.Truncate(right, room, "…"), m.w)
}

// dropsLine is the drop folder's state for the footer: where alerts come
// from, whether intake is working, and when the last drop landed.
func (m *Model) dropsLine() string {
	st := m.s.st
	if m.s.Drops == nil {
		if m.s.DropsDir != "" && m.w >= 160 {
			return st.Footer.Render("drops " + m.s.DropsDir + " (not watched here)")
		}
		return ""
	}
	d := m.s.Drops()
	switch {
	case d.Problem != "":
		return st.FooterStale.Render("drops stuck: " + d.Problem)
	case !d.Watching:
		return st.FooterStale.Render("drops not watched")
	case d.Sources != "":
		return st.FooterStale.Render("alert source unreachable: " + d.Sources)
	}
	if m.w < 120 {
		// Narrow: counts only, so the key hints keep their room.
		text := fmt.Sprintf("drops %d", d.Processed)
		if d.Queue > 0 {
			text += fmt.Sprintf("+%d", d.Queue)
		}
		if d.Rejected > 0 {
			return st.Footer.Render(text+" ") + st.Error.Render(fmt.Sprintf("%d✗", d.Rejected))
		}
		return st.Footer.Render(text)
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
		return st.Footer.Render(text) + st.Error.Render(" ✗")
	}
	return st.Footer.Render(text)
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
// specific first, so a narrow footer keeps the useful ones.
func (m *Model) hints() string {
	km, st := m.s.km, m.s.st
	var bs []key.Binding
	switch {
	case m.help:
		bs = []key.Binding{km.Help}
	case m.detail != nil:
		bs = append([]key.Binding{km.Help, km.Back}, m.detail.actions()...)
	case m.problems != nil:
		bs = append([]key.Binding{km.Help, km.Back}, m.problems.actions()...)
	default:
		// "? help" first: on a narrow footer it is the one hint that leads
		// to all the others.
		bs = append([]key.Binding{km.Help}, m.panes[m.focus].actions()...)
		bs = append(bs, km.NextPane, km.Enter)
		if _, ok := m.panes[m.focus].(interface{ setFilter(string) tea.Cmd }); ok {
			bs = append(bs, km.Filter)
		}
	}
	bs = append(bs, km.Palette, km.Quit)
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		h := b.Help()
		parts = append(parts, st.FooterKey.Render(h.Key)+st.Footer.Render(" "+h.Desc))
	}
	return strings.Join(parts, st.Footer.Render(" · "))
}

// paneKeys lists each pane's own keys once, naming the panes that use them.
func (m *Model) paneKeys() []key.Binding {
	var out []key.Binding
	where := map[string][]string{}
	sources := make([]interface {
		title() string
		actions() []key.Binding
	}, 0, len(m.panes)+1)
	for _, p := range m.panes {
		sources = append(sources, p)
	}
	for _, p := range append(sources, problemsHelp{m.s.km}) {
		for _, b := range p.actions() {
			k := b.Help().Key
			if _, seen := where[k]; !seen {
				out = append(out, b)
			}
			where[k] = append(where[k], strings.ToLower(p.title()))
		}
	}
	for i, b := range out {
		h := b.Help()
		out[i] = key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(h.Key, h.Desc+" ("+strings.Join(where[h.Key], ", ")+")"))
	}
	return out
}

// helpView lists every binding, generated from the key map: the global
// groups plus the actions of whatever has focus.
func (m *Model) helpView() string {
	km, st := m.s.km, m.s.st
	type group struct {
		name     string
		bindings []key.Binding
	}
	groups := []group{
		{keymaps.GroupNavigate, km.Group(keymaps.GroupNavigate)},
		{keymaps.GroupPanes, km.Group(keymaps.GroupPanes)},
		{keymaps.GroupGeneral, append(km.Group(keymaps.GroupGeneral), km.New)},
	}
	groups = append(groups, group{"In panes", m.paneKeys()})
	cols := make([]string, 0, len(groups))
	for _, g := range groups {
		keyW := 0
		for _, b := range g.bindings {
			keyW = max(keyW, width(b.Help().Key))
		}
		lines := []string{st.Label.Render(g.name)}
		for _, b := range g.bindings {
			h := b.Help()
			lines = append(lines, st.FooterKey.Render(fit(h.Key, keyW))+"  "+h.Desc)
		}
		cols = append(cols, strings.Join(lines, "\n"))
	}
	// All groups side by side when there is room, else two per row so the
	// whole list still fits 80x24.
	perRow := 2
	if m.w >= 110 {
		perRow = len(cols)
	}
	pad := m.s.Renderer.NewStyle().PaddingRight(3)
	var rows []string
	for i := 0; i < len(cols); i += perRow {
		row := cols[i:min(i+perRow, len(cols))]
		for j := range row {
			row[j] = pad.Render(row[j])
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	body := lipgloss.JoinVertical(lipgloss.Left, rows...)
	title := st.Bold.Render("Keys") + st.Dim.Render("  (override in config.toml [keys]; ? or esc closes)")
	lines := strings.Split(body, "\n")
	// On a short screen the help scrolls rather than overflow the frame.
	room := m.bodyHeight() - 3 // border and title
	if len(lines) > room {
		top := min(m.helpTop, len(lines)-room+1)
		more := st.Dim.Render(fmt.Sprintf("↑/↓ scroll · lines %d–%d of %d", top+1, top+room-1, len(lines)))
		lines = append(lines[top:top+room-1], more)
	}
	return st.Overlay.Render(title + "\n" + strings.Join(lines, "\n"))
}
