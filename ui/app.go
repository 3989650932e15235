// Package ui is the console: one bubbletea program per terminal, local or
// over SSH. It reads through model interfaces and writes through the service
// layer; all IO runs in commands, never in View.
package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
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
	noticeFor                           = 6 * time.Second
	// FPS is the most frames a second a console's renderer writes: a
	// frame waits for the renderer's next tick, and at bubbletea's default
	// 60 that alone is up to 17 ms between a commit and the screen. A tick
	// with no new frame writes nothing.
	FPS = 120
)

// Pane indexes, in tab order.
const (
	paneQueue = iota
	paneFeed
	paneCalendar
	paneKnowledge
	paneAudit
)

// Model is one console session: the panes, and the layers open over them.
type Model struct {
	s      *session
	panes  []pane
	focus  int
	zoom   bool
	stale  [paneAudit + 1]bool // missed a change while out of sight
	layers []layer             // open over the panes, the top one last
	// looking is the incident this session has open, as told to the others.
	looking int64

	rotatedAt time.Time // when a wall screen last changed its zoomed pane
	// overview is a wall screen's overview page, shown in the rotation.
	overview bool

	w, h   int
	counts countsMsg
	// score is the exit criteria's tally for the header, read at scoreAt.
	score    exitTally
	scoreAt  time.Time
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
	// A commit re-queries the screen at once, unless a re-query for an
	// earlier commit is still running: then it is noted in behind, and one
	// more re-query runs when that one lands. So a flood of commits costs
	// one query at a time, and the last commit is always shown.
	refreshing, behind bool

	// drawn is the last frame View made; dirty says something it shows
	// may have changed since. A refresh that reads what is on screen
	// already (most of them, with many sessions on other views) costs no
	// frame; the clock's tick redraws every second.
	drawn string
	dirty bool
	cells []cell // each pane as last drawn (cells.go)
}

type (
	storeChangedMsg    struct{}
	planChangedMsg     struct{}
	presenceChangedMsg struct{}
	tickMsg            time.Time
	// refreshedMsg is the answer of the re-query a commit started.
	refreshedMsg gathered
	countsMsg    struct {
		counts  model.Counts
		atRisk  []model.Incident // for leads: the first incidents at risk
		next    model.Change
		hasNext bool
		// near are the changes that may be running while these counts
		// are shown; the header names those running at each frame.
		near []model.Change
		// unread is how many articles the operator must still read: those
		// required of their role, and the newest handover.
		unread int
		// expiring are the licences and certificates leads are warned
		// about: within 30 days of expiry or past it, due for renewal, or
		// used beyond their limit, soonest first.
		expiring []model.ExpiryStatus
		// scored says exit holds a fresh exit tally (read at most every
		// scoreEvery: a fortnight of metrics is not a per-commit query).
		scored bool
		exit   exitTally
		// warRooms are the open major incidents, for the banner every
		// session shows.
		warRooms []model.WarRoom
		// top and critical are a wall screen's overview: the open P1 and
		// P2 incidents, and the critical alerts firing.
		top      []model.Incident
		critical []model.Alert
		err      error
	}
	// exitTally is how many exit criteria are met, of how many.
	exitTally struct{ met, of int }
)

// scoreEvery is how often the header's exit tally is re-read.
const scoreEvery = time.Minute

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
	s := &session{Deps: d, st: NewStyles(d.Renderer), km: d.Keys, notices: &noticeLog{}}
	m := &Model{s: s, done: make(chan struct{})}
	m.panes = []pane{newQueue(s), newFeed(s), newCalendar(s), newKnowledge(s), newAudit(s)}
	m.cells = make([]cell, len(m.panes))
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
// ensure brings what came into view up to date: a stale pane (it missed a
// change while out of sight) re-queries, a list fetches rows it now shows
// but does not hold after a resize or zoom made it taller, and a detail is
// laid out again for a new width.
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
	if e, ok := m.topLive().(interface{ ensure() tea.Cmd }); ok {
		cmds = append(cmds, e.ensure())
	}
	return tea.Batch(cmds...)
}

// refreshAll re-queries the header figures, the panes on screen and the
// live layer on top. Panes out of sight are only marked stale and re-query
// when they come into view, and a layer covered by another reads again
// when it is uncovered: with many sessions on one server, a commit then
// costs each session the queries it shows, not all of them.
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
	if l := m.topLive(); l != nil {
		cmds = append(cmds, l.refresh())
	}
	return gather(cmds...)
}

// storeRefresh is refreshAll for a commit, marked as running until its
// answer lands.
func (m *Model) storeRefresh() tea.Cmd {
	m.refreshing = true
	run := m.refreshAll()
	return func() tea.Msg { return refreshedMsg(run().(gathered)) }
}

// gathered carries the answers of several queries as one message.
type gathered []tea.Msg

// gather runs queries at once and delivers their answers as one message,
// in the order given, when the last is in. Every message costs a View, so
// a change notification redraws a session once instead of once per pane;
// running them side by side, a new alert waits for the slowest of the
// screen's queries, not for their sum.
func gather(cmds ...tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		out := make(gathered, len(cmds))
		var wg sync.WaitGroup
		for i, c := range cmds {
			if c != nil {
				wg.Go(func() { out[i] = c() })
			}
		}
		wg.Wait()
		return slices.DeleteFunc(out, func(m tea.Msg) bool { return m == nil })
	}
}

// onScreen reports whether pane i is drawn now.
func (m *Model) onScreen(i int) bool {
	switch {
	case m.topLive() != nil, m.overview:
		return false
	case m.single():
		return i == m.focus
	}
	return i < m.gridPanes()
}

// gridPanes is how many panes the grid shows, the first ones: four, or on
// a wall incidents, alerts and changes.
func (m *Model) gridPanes() int {
	if m.s.Wall {
		return paneKnowledge
	}
	return paneAudit
}

func (m *Model) fetchCounts() tea.Cmd {
	// Read at the whole second: sessions refreshed for the same commit
	// then ask the same questions, which a Shared reader answers once.
	r, now, p := m.s.Reader, m.s.Now().Truncate(time.Second), m.s.plan()
	lead := m.s.Actor.May(model.PermEscalate) && !m.s.Wall // the breach banner is for those who can act on it
	who, reading := m.s.Actor, !m.s.Wall                   // a wall screen has nobody reading
	wall := m.s.Wall
	score, s := now.Sub(m.scoreAt) >= scoreEvery, m.s
	if score {
		m.scoreAt = now
	}
	return query(func(ctx context.Context) (countsMsg, error) {
		c, err := r.Counts(ctx)
		if err != nil {
			return countsMsg{}, err
		}
		msg := countsMsg{counts: c}
		// The rest side by side, each into a field of its own: a commit's
		// redraw waits for the slowest of them, not for their sum.
		var reads sync.WaitGroup
		var mu sync.Mutex
		var first error
		read := func(f func() error) {
			reads.Go(func() {
				if err := f(); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			})
		}
		read(func() (err error) { msg.warRooms, err = r.WarRooms(ctx); return err })
		if wall {
			read(func() error { return readOverview(ctx, r, &msg) })
		}
		if score {
			read(func() error {
				scores, err := readScorecard(ctx, r, p, s)
				if err == nil {
					msg.scored = true
					msg.exit.met, msg.exit.of = plan.ExitTally(scores)
				}
				return err
			})
		}
		// Leads are told which incidents passed 75% of their resolve time,
		// and which licences and certificates need them.
		if lead && c.SLAAtRisk > 0 {
			read(func() (err error) {
				msg.atRisk, err = r.Queue(ctx, model.QueueQuery{AtRisk: true, Limit: atRiskShown})
				return err
			})
		}
		if lead && p != nil {
			read(func() (err error) {
				msg.expiring, err = expiring(ctx, r, p.LicenceList(), p.OwnerTeam, now)
				return err
			})
		}
		read(func() error {
			next, err := r.NextChange(ctx, now)
			switch {
			case errors.Is(err, model.ErrNotFound):
			case err != nil:
				return err
			default:
				msg.next, msg.hasNext = next, true
			}
			return nil
		})
		read(func() (err error) { msg.near, err = changesNearNow(ctx, r, now); return err })
		if reading {
			read(func() error {
				d, err := r.TrainingData(ctx)
				msg.unread = len(d.Unread(who.Name, who.Role))
				return err
			})
		}
		reads.Wait()
		return msg, first
	}, func(msg countsMsg, err error) tea.Msg {
		msg.err = err
		return msg
	})
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	// A group of answers is weighed answer by answer, as each is applied
	// below (gathered): weighing them here too compared each twice.
	_, group := msg.(gathered)
	_, refreshed := msg.(refreshedMsg)
	quiet := group || refreshed || m.quiet(msg)
	if !quiet {
		m.dirty = true
		m.forget(msg)
	}
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.layout()
		return m, m.ensure()
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
		// Listen again at once, so no commit goes unheard while the screen
		// re-queries; one arriving meanwhile is handled when it lands.
		listen := m.wait(m.storeCh, storeChangedMsg{})
		if m.refreshing {
			m.behind = true
			return m, listen
		}
		return m, tea.Batch(m.storeRefresh(), listen)
	case refreshedMsg:
		m.refreshing = false
		_, cmd := m.Update(gathered(msg))
		if m.behind {
			m.behind = false
			cmd = tea.Batch(cmd, m.storeRefresh())
		}
		return m, cmd
	case presenceChangedMsg:
		// Nothing to query: who is here is in memory; the next View shows it.
		return m, m.wait(m.presenceCh, presenceChangedMsg{})
	case planChangedMsg:
		m.layout()
		m.scoreAt = time.Time{} // the criteria may have changed: score them now
		return m, tea.Batch(m.refreshAll(), m.wait(m.planCh, planChangedMsg{}))
	case tickMsg:
		if m.notice != (noticeMsg{}) && time.Since(m.noticeAt) > noticeFor {
			m.notice = noticeMsg{}
			m.layout()
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
		banners := m.headerHeight()
		m.storeErr = msg.err
		if msg.err == nil {
			m.counts = msg
			if msg.scored {
				m.score = msg.exit
			}
			if !quiet {
				m.updated = m.s.Now() // when what the screen shows last changed
			}
		}
		if banners != m.headerHeight() {
			m.layout() // a banner came or went: the body changes height
		}
	case noticeMsg:
		m.notice, m.noticeAt = msg, time.Now()
		m.s.notices.add(m.s.Now(), msg)
		m.layout() // a long notice takes more footer rows
		return m, m.ensure()
	case RoleChangedMsg:
		return m, m.setRole(msg.Role)
	case openDetailMsg:
		return m, m.openNow(msg.body)
	case openLayerMsg:
		return m, m.push(msg.layer)
	case openFormMsg:
		return m, tea.Batch(m.push(msg.form), msg.form.focusCmd(), msg.form.changed())
	case reopenFormMsg:
		if _, open := find[*form](m); open {
			return m, notice(msg.err)
		}
		msg.form.err, msg.form.errFor = msg.err.Error(), strings.Join(msg.form.values(), "\x00")
		return m, tea.Batch(m.push(msg.form), msg.form.focusCmd())
	case formHintMsg:
		if f, ok := find[*form](m); ok && f == msg.form {
			f.setHint(msg)
		}
		return m, nil
	case openNoteMsg:
		n := newNoteEditor(m.s, msg.id, m.w)
		return m, tea.Batch(m.push(n), n.focus())
	case openEditorMsg:
		msg.ed.fit(m.w, m.bodyHeight())
		cmds := []tea.Cmd{m.push(msg.ed), msg.ed.focus()}
		if msg.external {
			cmds = append(cmds, editInEditor(m.s.Editor, msg.ed.ta.Value()))
		}
		return m, tea.Batch(cmds...)
	case reopenEditorMsg:
		msg.ed.err = msg.err.Error()
		if _, open := find[*textEditor](m); open {
			return m, notice(msg.err)
		}
		return m, tea.Batch(m.push(msg.ed), msg.ed.focus())
	case editorDoneMsg:
		if msg.err != nil {
			return m, notice(msg.err)
		}
		if e, ok := find[*textEditor](m); ok {
			cmd, done := e.returned(msg.text)
			if done {
				return m, tea.Batch(cmd, m.remove(e))
			}
			return m, cmd
		}
		return m, nil
	case openProblemMsg:
		return m, m.openProblem(msg.id)
	case problemMovedMsg:
		if msg.problem.State == model.ProblemResolved && len(msg.waiting) > 0 {
			return m, m.push(&waitingPrompt{s: m.s, problem: msg.problem, waiting: msg.waiting})
		}
		return m, nil
	}
	for _, p := range m.panes {
		cmds = append(cmds, p.update(msg))
	}
	for _, l := range m.layers {
		if l, ok := l.(live); ok {
			cmds = append(cmds, l.update(msg))
		}
	}
	return m, tea.Batch(cmds...)
}

// typing reports whether a text field has the keyboard.
func (m *Model) typing() bool {
	if top := m.top(); top != nil {
		return top.typing()
	}
	return m.panes[m.focus].filtering()
}

// handleKey routes a key: the top layer first; what it passes, and what
// the panes do not take while a filter prompt has them, goes to the
// console's global keys; then the pane keys and the focused pane.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if top := m.top(); top != nil {
		cmd, out := top.key(m, msg)
		switch out {
		case kept:
			return cmd
		case closed:
			return tea.Batch(cmd, m.remove(top))
		}
		cmd, _ = m.globalKey(msg)
		return cmd
	}
	p := m.panes[m.focus]
	if p.filtering() {
		cmd, _ := p.key(msg)
		m.layout()
		return cmd
	}
	if cmd, ok := m.globalKey(msg); ok {
		return cmd
	}
	if cmd, ok := m.paneKey(msg); ok {
		return cmd
	}
	if key.Matches(msg, m.s.km.Zoom) {
		m.zoom = !m.zoom
		m.layout()
		return nil
	}
	cmd, handled := p.key(msg)
	if !handled && key.Matches(msg, m.s.km.Back) && m.zoom {
		m.zoom = false
	}
	m.layout()
	return cmd
}

// globalKey handles the keys that work everywhere but in a text field.
func (m *Model) globalKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	km := m.s.km
	switch {
	case msg.Type == tea.KeyCtrlC || key.Matches(msg, km.Quit):
		return tea.Quit, true
	case key.Matches(msg, km.Help):
		return m.push(&helpLayer{}), true
	case key.Matches(msg, km.Palette):
		p := newPalette(m.s)
		return tea.Batch(m.push(p), p.focus()), true
	case key.Matches(msg, km.Command):
		c := newCmdline(m.s)
		return tea.Batch(m.push(c), c.focus()), true
	case key.Matches(msg, km.New):
		// A pane that makes its own records (the calendar, changes) takes
		// "new" while it has the focus and nothing covers it.
		if p, ok := m.panes[m.focus].(interface{ newRecord() tea.Cmd }); ok && len(m.layers) == 0 {
			return p.newRecord(), true
		}
		return newIncidentForm(m.s), true
	case key.Matches(msg, km.Metrics):
		return m.showMetrics(0), true
	case key.Matches(msg, km.Problems):
		return m.showProblems(), true
	case key.Matches(msg, km.Impact):
		return m.impactOfSelected(), true
	case key.Matches(msg, km.Jobs):
		return m.showJobs(""), true
	}
	return nil, false
}

// paneKey focuses the pane a key names, or the next or previous one,
// closing every layer.
func (m *Model) paneKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	km := m.s.km
	switch {
	case key.Matches(msg, km.NextPane):
		return m.setFocus((m.focus + 1) % len(m.panes)), true
	case key.Matches(msg, km.PrevPane):
		return m.setFocus((m.focus + len(m.panes) - 1) % len(m.panes)), true
	}
	for i, b := range []key.Binding{km.Pane1, km.Pane2, km.Pane3, km.Pane4, km.Pane5} {
		if key.Matches(msg, b) {
			return m.setFocus(i), true
		}
	}
	return nil, false
}

// rotate moves a wall screen to its next page every Rotate, so an
// unattended screen shows each in turn: the overview, then the incidents,
// the alerts and the changes, each zoomed; not while something is open
// over them.
func (m *Model) rotate(now time.Time) tea.Cmd {
	if !m.s.Wall || m.s.Rotate <= 0 || len(m.layers) > 0 {
		return nil
	}
	if m.rotatedAt.IsZero() {
		m.rotatedAt = now
	}
	if now.Sub(m.rotatedAt) < m.s.Rotate {
		return nil
	}
	m.rotatedAt = now
	var cmd tea.Cmd
	switch {
	case m.overview:
		m.zoom, cmd = true, m.setFocus(paneQueue)
	case m.zoom && m.focus < m.gridPanes()-1:
		cmd = m.setFocus(m.focus + 1)
	default:
		cmd = m.showOverview()
	}
	m.layout()
	return tea.Batch(cmd, m.ensure())
}

// showOverview shows a wall screen's overview page.
func (m *Model) showOverview() tea.Cmd {
	cmd := m.setFocus(paneQueue)
	m.overview, m.zoom = true, false
	return cmd
}

// look tells the others which incident this session has open: the one in
// the detail on top, if it shows an incident.
func (m *Model) look() {
	var incident int64
	if d, ok := m.topLive().(*detail); ok {
		if b, ok := d.body.(incidentBody); ok {
			incident = b.id
		}
	}
	if incident == m.looking {
		return
	}
	m.looking = incident
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

// setFocus shows pane i, closing every layer.
func (m *Model) setFocus(i int) tea.Cmd {
	m.focus, m.overview = i, false
	return m.setLayers(nil)
}

func (m *Model) grid() bool {
	if m.s.Wall {
		return m.w >= WallGridMinWidth && m.h >= WallGridMinHeight
	}
	return m.w >= GridMinWidth && m.h >= GridMinHeight
}

// single reports whether one pane fills the body: small terminals, zoom,
// or the audit log, which has no cell in the grid.
func (m *Model) single() bool { return !m.grid() || m.zoom || m.focus >= m.gridPanes() }

func (m *Model) tooSmall() bool { return m.w < MinWidth || m.h < MinHeight }

func (m *Model) bodyHeight() int { return m.h - m.headerHeight() - m.footerHeight() }

// layout gives every pane its content size for the current mode.
// layout gives every pane, and every live layer, its content size for the
// current mode.
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
		if m.s.Wall { // the changes take the bottom row
			sizes[2][0] = m.w
		}
		for i, p := range m.panes[:m.gridPanes()] {
			p.setSize(sizes[i][0]-2, sizes[i][1]-2)
		}
	}
	for _, l := range m.layers {
		if l, ok := l.(live); ok {
			l.setSize(m.w-2, bh-2)
		}
	}
}

func (m *Model) View() string {
	if m.w == 0 {
		return ""
	}
	if !m.dirty && m.drawn != "" {
		return m.drawn
	}
	m.drawn, m.dirty = m.frame(), false
	return m.drawn
}

// quiet reports whether msg changes nothing on screen: a wake-up that only
// starts a refresh, or a refresh whose answers are what is shown already.
func (m *Model) quiet(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case storeChangedMsg:
		return true
	case refreshedMsg:
		return m.quiet(gathered(msg))
	case gathered:
		for _, one := range msg {
			if !m.quiet(one) {
				return false
			}
		}
		return true
	case countsMsg:
		if msg.err != nil || m.storeErr != nil || (msg.scored && msg.exit != m.score) {
			return false
		}
		msg.scored, msg.exit = m.counts.scored, m.counts.exit
		return reflect.DeepEqual(msg, m.counts)
	case interface{ unchanged() bool }:
		return msg.unchanged()
	case calendarData:
		c, ok := m.panes[paneCalendar].(*calendarPane)
		return ok && c.unchanged(msg)
	}
	return false
}

// frame draws the screen.
func (m *Model) frame() string {
	if m.tooSmall() {
		return m.tooSmallView()
	}
	// The footer is worked out once: its height is the body's too.
	footer := m.footerLines()
	var b strings.Builder
	b.WriteString(m.headerView())
	b.WriteByte('\n')
	b.WriteString(m.bodyView(m.h - m.headerHeight() - len(footer)))
	b.WriteByte('\n')
	b.WriteString(strings.Join(footer, "\n"))
	return b.String()
}

// bodyView is the top layer, or the panes when none is open.
func (m *Model) bodyView(h int) string {
	if top := m.top(); top != nil {
		return top.view(m, m.w, h)
	}
	return m.panesView(h)
}

// panesView draws the panes in h rows: the focused one alone, with tabs
// on a small screen, or the four-pane grid.
func (m *Model) panesView(h int) string {
	if m.overview {
		if m.tabRows() == 0 {
			return m.overviewView(h)
		}
		return m.tabsView() + "\n" + m.overviewView(h-m.tabRows())
	}
	if m.single() {
		pane := m.cell(m.focus, m.panes[m.focus].title(), m.w, h-m.tabRows(), true)
		if m.tabRows() == 0 {
			return pane
		}
		return m.tabsView() + "\n" + pane
	}
	lw, th := m.w/2, h/2
	cell := func(i, w, h int) string {
		return m.cell(i, fmt.Sprintf("%d %s", i+1, m.panes[i].title()), w, h, i == m.focus)
	}
	top := besides(cell(0, lw, th), cell(1, m.w-lw, th))
	if m.s.Wall {
		return top + "\n" + cell(2, m.w, h-th)
	}
	bottom := besides(cell(2, lw, h-th), cell(3, m.w-lw, h-th))
	return top + "\n" + bottom
}
