package ui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// command is something the operator can run from the ":" line or the
// palette. Both list the same commands, so there is one way to do each thing.
type command struct {
	name string
	args string // argument hint, "" when none
	desc string
	run  func(m *Model, arg string) tea.Cmd
}

// commandKeys names the key map action that does what a command does, so
// the palette can teach the key.
var commandKeys = map[string]string{
	"incidents": "pane_1", "alerts": "pane_2", "changes": "pane_3", "knowledge": "pane_4", "audit": "pane_5",
	"zoom": "zoom", "filter": "filter", "ack": "ack", "new": "new", "resolve": "resolve", "escalate": "escalate",
	"assign": "assign", "state": "state", "priority": "priority", "merge": "merge", "link": "link", "note": "note",
	"approve": "approve", "step": "state", "problems": "problems", "metrics": "metrics", "help": "help", "quit": "quit",
	"today": "cal_today", "impact": "impact", "jobs": "jobs",
}

// keyFor is the key that does what the command does, "" when none does.
func keyFor(s *session, name string) string {
	action, ok := commandKeys[name]
	if !ok {
		for _, kc := range keyCommands {
			if kc.action == name {
				action, ok = kc.action, true
			}
		}
	}
	if !ok {
		return ""
	}
	for _, a := range s.km.Actions {
		if a.Name == action && len(a.Binding.Keys()) > 0 {
			return a.Binding.Keys()[0]
		}
	}
	return ""
}

func commands() []command {
	focus := func(i int) func(*Model, string) tea.Cmd {
		return func(m *Model, _ string) tea.Cmd { return m.setFocus(i) }
	}
	list := []command{
		{"incidents", "", "show the incident queue", focus(paneQueue)},
		{"alerts", "", "show the alert feed", focus(paneFeed)},
		{"changes", "", "show the change calendar", focus(paneCalendar)},
		{"knowledge", "", "show the knowledge base", focus(paneKnowledge)},
		{"audit", "", "show the audit log", focus(paneAudit)},
		{"zoom", "", "zoom or unzoom the focused pane", func(m *Model, _ string) tea.Cmd { m.zoom = !m.zoom; m.layout(); return nil }},
		{"filter", "TEXT", "filter the focused list (search in knowledge)", func(m *Model, arg string) tea.Cmd { return m.setFilter(arg) }},
		{"clear", "", "clear the focused list's filter", func(m *Model, _ string) tea.Cmd { return m.setFilter("") }},
		{"today", "", "calendar: this week", func(m *Model, _ string) tea.Cmd {
			cal := m.panes[paneCalendar].(*calendarPane)
			cal.week = weekStart(m.s.now())
			return tea.Batch(m.setFocus(paneCalendar), cal.refresh())
		}},
		{"change", "new|CHG-n", "plan a new change (form), or open one", func(m *Model, arg string) tea.Cmd { return m.changeCommand(arg) }},
		{"approve", "", "approve the selected change (leads; the plan says how many)", func(m *Model, _ string) tea.Cmd {
			if c, ok := m.selectedChange(); ok {
				return approveChange(m.s, c.ID)
			}
			return notice(fmt.Errorf("approve: select a change in the calendar first"))
		}},
		{"step", "", "take the selected change's next step: submit, start, complete, close, cancel (form)", func(m *Model, _ string) tea.Cmd {
			if c, ok := m.selectedChange(); ok {
				return changeStepForm(m.s, c)
			}
			return notice(fmt.Errorf("step: select a change in the calendar first"))
		}},
		{"slot", "[SERVICES DURATION]", "next conflict-free time in the maintenance windows (default: the selected change's)", func(m *Model, arg string) tea.Cmd {
			return m.slotCommand(arg)
		}},
		{"ack", "[FOR]", "acknowledge the selected incident, or alert (for a while: :ack 2h)", func(m *Model, arg string) tea.Cmd { return m.onSelected(actAck, arg) }},
		{"take", "", "assign the selected incident to me", func(m *Model, _ string) tea.Cmd { return m.onSelected(actTake, "") }},
		{"new", "", "open a new incident or request (form); in the calendar, a change", func(m *Model, _ string) tea.Cmd {
			if p, ok := m.panes[m.focus].(interface{ newRecord() tea.Cmd }); ok {
				return p.newRecord()
			}
			return newIncidentForm(m.s)
		}},
		{"resolve", "", "resolve the selected incident (form)", func(m *Model, _ string) tea.Cmd { return m.onSelected(actResolve, "") }},
		{"escalate", "", "escalate the selected incident one level", func(m *Model, _ string) tea.Cmd { return m.onSelected(actEscalate, "") }},
		{"assign", "", "assign the selected incident to a team or operator (form)", func(m *Model, _ string) tea.Cmd { return m.onSelected(actAssign, "") }},
		{"state", "", "hold, resume, reopen, cancel or close the selected incident (form)", func(m *Model, _ string) tea.Cmd { return m.onSelected(actState, "") }},
		{"priority", "", "change the selected incident's impact and urgency (form)", func(m *Model, _ string) tea.Cmd { return m.onSelected(actPriority, "") }},
		{"major", "on|off REASON", "declare the selected incident major (its war room opens), or stand it down (leads)", func(m *Model, arg string) tea.Cmd { return m.setMajor(arg) }},
		{"roles", "", "name the selected major incident's commander, communications lead and scribe (form; leads)", func(m *Model, _ string) tea.Cmd { return m.rolesForm() }},
		{"update", "[TEMPLATE]", "write a status update for the selected major incident from a template; saving sends it to the stakeholders", func(m *Model, arg string) tea.Cmd {
			return m.statusUpdate(strings.TrimSpace(arg))
		}},
		{"notifications", "[failed|pending|sent|INC-n]", "the outbox: what was sent to whom, what waits for a retry, what failed", func(m *Model, arg string) tea.Cmd {
			return m.openNow(notificationsBody{filter: strings.TrimSpace(arg)})
		}},
		{"merge", "", "merge the selected incident into another as a duplicate (form)", func(m *Model, _ string) tea.Cmd { return m.onSelected(actMerge, "") }},
		{"link", "", "link an alert, change or article to the selected incident (form)", func(m *Model, _ string) tea.Cmd { return m.onSelected(actLink, "") }},
		{"risk", "", "incidents at risk: 75% of the resolve time used, or not acknowledged near their respond target", func(m *Model, _ string) tea.Cmd {
			return tea.Batch(m.setFocus(paneQueue), m.setFilter("is:risk"))
		}},
		{"note", "TEXT", "add a note to the selected incident", func(m *Model, arg string) tea.Cmd { return m.onSelected(actNote, arg) }},
		{"silences", "", "list the silences in force; e edits, x extends, d ends the picked one", func(m *Model, _ string) tea.Cmd {
			return m.openNow(silencesBody{})
		}},
		{"unsilence", "N", "end silence SIL-N now", func(m *Model, arg string) tea.Cmd { return m.unsilence(arg) }},
		{"article", "new|KB-n", "write a new article in the editor, or edit one's newest version", func(m *Model, arg string) tea.Cmd {
			return m.articleCommand(arg)
		}},
		{"handover", "", "draft a handover from the live state and open it in the editor to finish", func(m *Model, _ string) tea.Cmd {
			return draftHandover(m.s)
		}},
		{"handovers", "", "the past handovers, newest first; tab picks one, enter opens it", func(m *Model, _ string) tea.Cmd {
			return m.openNow(handoversBody{})
		}},
		{"reading", "", "the articles you must still read: required of your role, and the newest handover", func(m *Model, _ string) tea.Cmd {
			return m.openNow(readingBody{})
		}},
		{"training", "", "who has read what is required of them, and the completion (leads)", func(m *Model, _ string) tea.Cmd {
			return showTraining(m.s)
		}},
		{"problems", "", "problem records: RCA, known errors, actions", func(m *Model, _ string) tea.Cmd { return m.showProblems() }},
		{"problem", "new [from INC-n]", "open a problem, prefilled from an incident's recurrence group (or PRB-n: show one)", func(m *Model, arg string) tea.Cmd { return m.problemCommand(arg) }},
		{"scorecard", "", "the exit criteria: each one's last 24 hours, days held and trend", func(m *Model, _ string) tea.Cmd {
			return m.openNow(scorecardBody{})
		}},
		{"jobs", "[JOB]", "scheduled jobs and backups: recent runs, success rate, duration trend, RPO breaches (or one job)", func(m *Model, arg string) tea.Cmd {
			return m.showJobs(arg)
		}},
		{"metrics", "[24h|7d]", "MTTA, MTTR, SLA attainment, backlog flow, exit criteria", func(m *Model, arg string) tea.Cmd { return m.metricsCommand(arg) }},
		{"impact", "[SERVICE]", "if a service is down, what is affected and what it needs (default: the selected record's)", func(m *Model, arg string) tea.Cmd {
			return m.impactCommand(arg)
		}},
		{"licences", "", "licences and certificates: expiry, renewal, usage, live checks", func(m *Model, _ string) tea.Cmd {
			return m.openNow(licencesBody{})
		}},
		{"plan", "", "the whole support plan: scope, objectives, services, responsibilities, releases, access, budget", func(m *Model, _ string) tea.Cmd {
			return m.openNow(newPlanBody(m.s))
		}},
		{"messages", "", "this session's recent messages in full, newest first: what actions did, why one was refused", func(m *Model, _ string) tea.Cmd {
			return m.openNow(messagesBody{})
		}},
		{"overview", "", "a wall screen's overview page: the counts, the P1 and P2 open, the critical alerts firing", func(m *Model, _ string) tea.Cmd {
			if !m.s.Wall {
				return notice(fmt.Errorf("overview: the overview page is a wall screen's (hypercare --wall); the header has the counts"))
			}
			cmd := m.showOverview()
			m.layout()
			return cmd
		}},
	}
	// What a key does in one place, run from here too; then the commands
	// that end a list of everything.
	list = append(list, keyCommandList()...)
	return append(list,
		command{"refresh", "", "re-read everything now", func(m *Model, _ string) tea.Cmd { return m.refreshAll() }},
		command{"help", "", "the keys and marks of what is in front of you", func(m *Model, _ string) tea.Cmd { return m.push(&helpLayer{}) }},
		command{"quit", "", "leave hypercare", func(*Model, string) tea.Cmd { return tea.Quit }},
	)
}

// matchCommands are the commands a typed name means: the one of exactly
// that name, else those it begins.
func matchCommands(name string) []command {
	var found []command
	for _, c := range commands() {
		if c.name == name {
			return []command{c}
		}
		if strings.HasPrefix(c.name, name) {
			found = append(found, c)
		}
	}
	return found
}

// syntax is how a command is typed: "slot [SERVICES DURATION]".
func (c command) syntax() string {
	if c.args == "" {
		return c.name
	}
	return c.name + " " + c.args
}

// runCommand parses "name args" and runs the command; unique prefixes work, so
// ":q" quits and ":inc" shows incidents.
func runCommand(m *Model, line string) tea.Cmd {
	name, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	if name == "" {
		return nil
	}
	if cmd, ok := jumpTo(m, name); ok {
		return cmd
	}
	found := matchCommands(name)
	switch len(found) {
	case 1:
		return found[0].run(m, strings.TrimSpace(arg))
	case 0:
		return notice(fmt.Errorf("unknown command %q: ctrl+p lists every command", name))
	}
	names := make([]string, len(found))
	for i, c := range found {
		names[i] = c.name
	}
	return notice(fmt.Errorf("%q could be %s: type more of it", name, strings.Join(names, ", ")))
}

// jumpTo opens a record named by its reference: ":INC-42", ":chg-7".
func jumpTo(m *Model, ref string) (tea.Cmd, bool) {
	prefix, _, ok := strings.Cut(strings.ToUpper(ref), "-")
	bodies := map[string]func(id int64) body{
		"INC": func(id int64) body { return incidentBody{id: id} },
		"REQ": func(id int64) body { return incidentBody{id: id} },
		"ALR": func(id int64) body { return alertBody{id: id} },
		"CHG": func(id int64) body { return changeBody{id: id} },
		"KB":  func(id int64) body { return newArticleBody(m.s, id) },
	}
	open, known := bodies[prefix]
	if !ok || (!known && prefix != "PRB") {
		return nil, false
	}
	id, err := model.ParseRef(ref, prefix)
	if err != nil {
		return notice(err), true
	}
	if prefix == "PRB" {
		return m.openProblem(id), true
	}
	return m.openNow(open(id)), true
}

func notice(err error) tea.Cmd { return func() tea.Msg { return noticeMsg{err: err} } }

// setFilter filters the problems list when it is open, closing what is
// over it; else the focused list pane, closing every layer.
func (m *Model) setFilter(text string) tea.Cmd {
	if v, ok := find[*problemsList](m); ok {
		closeCmd, _ := m.closeAbove(v)
		return tea.Batch(closeCmd, v.list.setFilter(text))
	}
	f, ok := m.panes[m.focus].(interface{ setFilter(string) tea.Cmd })
	if !ok {
		return notice(fmt.Errorf("the %s pane has no filter", m.panes[m.focus].title()))
	}
	closeCmd := m.setLayers(nil)
	cmd := f.setFilter(text)
	m.layout()
	return tea.Batch(closeCmd, cmd)
}

// onSelected performs an action on the record in the detail on top, or the
// selected row of the focused list. arg is a note's text, or how long an
// alert's acknowledgement lasts.
func (m *Model) onSelected(act recordAction, arg string) tea.Cmd {
	kind, id := m.selectedRecord()
	note := arg
	switch {
	case kind == recordAlert && act == actAck && arg != "":
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			return notice(fmt.Errorf("ack: %q is not a duration; write e.g. :ack 2h", arg))
		}
		s := m.s
		until := s.Now().Add(d)
		return s.write(fmt.Sprintf("ALR-%d acknowledged until %s", id, until.In(s.loc()).Format("Mon 15:04")), func(ctx context.Context, a Actions) error {
			return a.AckAlert(ctx, s.Actor, id, until)
		})
	case kind == recordIncident && act == actNote && note != "":
		s := m.s
		return s.write(fmt.Sprintf("note added to INC-%d", id), func(ctx context.Context, a Actions) error {
			return a.AddNote(ctx, s.Actor, id, note)
		})
	case kind == recordIncident:
		return incidentAction(m.s, id, act)
	case kind == recordAlert && act == actAck:
		return ackAlert(m.s, id)
	}
	if kind == recordAlert {
		return notice(fmt.Errorf("alerts can only be acknowledged; select an incident for that"))
	}
	return notice(fmt.Errorf("select an incident first (in the incident pane or its detail)"))
}

// recordKind is the kind of record a command acts on.
type recordKind int

const (
	recordIncident recordKind = iota + 1 // an incident or request
	recordAlert
)

// selectedRecord is the record a command acts on: the incident or alert in
// the detail on top, or the selected row of the focused list when nothing
// is open over the panes.
func (m *Model) selectedRecord() (recordKind, int64) {
	switch l := m.topLive().(type) {
	case nil:
	case *detail:
		switch b := l.body.(type) {
		case incidentBody:
			return recordIncident, b.id
		case alertBody:
			return recordAlert, b.id
		}
		return 0, 0
	default:
		return 0, 0
	}
	switch p := m.panes[m.focus].(type) {
	case *listPane[model.Incident]:
		if in, ok := p.selected(); ok {
			return recordIncident, in.ID
		}
	case *listPane[model.Alert]:
		if a, ok := p.selected(); ok {
			return recordAlert, a.ID
		}
	}
	return 0, 0
}

// cmdline is the ":" prompt in the footer.
type cmdline struct {
	s  *session
	in textinput.Model
}

func newCmdline(s *session) *cmdline {
	in := textinput.New()
	in.Prompt = ":"
	in.Placeholder = "command (tab completes, ctrl+p lists)"
	in.CharLimit = 500
	return &cmdline{s: s, in: in}
}

func (c *cmdline) focus() tea.Cmd { return c.in.Focus() }

func (c *cmdline) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	switch msg.Type {
	case tea.KeyEsc:
		return nil, closed
	case tea.KeyEnter:
		return runCommand(m, c.in.Value()), closed
	case tea.KeyTab:
		// Completes the name as far as the commands it may be agree.
		name, _, hasArg := strings.Cut(c.in.Value(), " ")
		if found := matchCommands(name); !hasArg && len(found) > 0 {
			common := found[0].name
			for _, f := range found[1:] {
				for !strings.HasPrefix(f.name, common) {
					common = common[:len(common)-1]
				}
			}
			if len(found) == 1 {
				common += " "
			}
			c.in.SetValue(common)
			c.in.CursorEnd()
		}
		return nil, kept
	}
	var cmd tea.Cmd
	c.in, cmd = c.in.Update(msg)
	return cmd, kept
}

// hint is what the ":" line says beside what is typed: the command's
// arguments and what it does once its name is clear ("jobs [JOB] — …"),
// the commands it could still be while it is not, or that none is.
func (c *cmdline) hint() string {
	value := strings.TrimLeft(c.in.Value(), " ")
	name, _, _ := strings.Cut(value, " ")
	if name == "" {
		return ""
	}
	if refLike.MatchString(name) {
		return "open that record (INC-n, REQ-n, ALR-n, CHG-n, KB-n, PRB-n)"
	}
	found := matchCommands(name)
	switch len(found) {
	case 0:
		return "no command begins " + name + ": ctrl+p lists them all"
	case 1:
		return found[0].syntax() + " — " + found[0].desc
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.syntax()
	}
	return strings.Join(names, " · ")
}

// refLike is a record reference being typed on the ":" line.
var refLike = regexp.MustCompile(`^(?i)(inc|req|alr|chg|kb|prb)-[0-9]*$`)

// line is the prompt, drawn in the footer, with its hint.
func (c *cmdline) line(w int) string {
	hint := c.hint()
	if hint == "" {
		c.in.Width = max(w-3, 1)
		return c.in.View()
	}
	// The hint takes what the text leaves, and goes first when space runs out.
	c.in.Width = max(width(c.in.Value())+1, min(w-3, 12))
	text := c.in.View()
	return text + c.s.st.Dim.Render(fit("  "+hint, max(w-width(text), 0)))
}

// view leaves the body as it was: the prompt is in the footer.
func (c *cmdline) view(m *Model, w, h int) string { return m.below(c, w, h) }

func (*cmdline) typing() bool { return true }

func (*cmdline) actions() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// palette is the ctrl+p list of every command, filtered as you type.
type palette struct {
	s      *session
	in     textinput.Model
	cursor int
}

func newPalette(s *session) *palette {
	in := textinput.New()
	in.Prompt = "› "
	in.Placeholder = "type to filter commands"
	return &palette{s: s, in: in}
}

func (p *palette) focus() tea.Cmd { return p.in.Focus() }

func (p *palette) matches() []command {
	q := strings.ToLower(strings.TrimSpace(p.in.Value()))
	// The command of that name first, then names that begin with what is
	// typed, then names that hold it, then descriptions.
	var begins, holds, says []command
	for _, c := range commands() {
		switch {
		case c.name == q:
			begins = append([]command{c}, begins...)
		case strings.HasPrefix(c.name, q):
			begins = append(begins, c)
		case strings.Contains(c.name, q):
			holds = append(holds, c)
		case strings.Contains(strings.ToLower(c.desc), q):
			says = append(says, c)
		}
	}
	return append(append(begins, holds...), says...)
}

func (p *palette) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	list := p.matches()
	switch msg.Type {
	case tea.KeyEsc:
		return nil, closed
	case tea.KeyUp, tea.KeyCtrlK:
		p.cursor = max(p.cursor-1, 0)
		return nil, kept
	case tea.KeyDown, tea.KeyCtrlJ:
		p.cursor = min(p.cursor+1, max(len(list)-1, 0))
		return nil, kept
	case tea.KeyEnter:
		if p.cursor >= len(list) {
			return nil, closed
		}
		c := list[p.cursor]
		if c.args != "" {
			// Commands with an argument continue on the ":" line.
			line := newCmdline(p.s)
			line.in.SetValue(c.name + " ")
			line.in.CursorEnd()
			return tea.Batch(m.push(line), line.focus()), closed
		}
		return c.run(m, ""), closed
	}
	var cmd tea.Cmd
	p.in, cmd = p.in.Update(msg)
	p.cursor = min(p.cursor, max(len(p.matches())-1, 0))
	return cmd, kept
}

func (*palette) typing() bool { return true }

func (*palette) actions() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose")),
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
	}
}

func (p *palette) view(m *Model, w, h int) string {
	return m.overlay(p.box(min(w-4, 70), min(h-2, 20)), w, h)
}

// box is the palette's dialog, w×h at most: the commands, each cut to a
// line with the key that does the same at the right, so the palette
// teaches it; and under them the chosen command whole.
func (p *palette) box(w, h int) string {
	st := p.s.st
	p.in.Width = max(w-6, 1)
	// A short screen gives the list the blank lines and all but the first
	// line of the chosen command.
	roomy := h >= 14
	lines := []string{p.in.View()}
	if roomy {
		lines = append(lines, "")
	}
	list := p.matches()
	if len(list) == 0 {
		lines = append(lines, st.Dim.Render("no command matches"))
	}
	inner := w - 4 // the border and its padding
	avail := h - 3 // but for the border and the input
	if roomy {
		avail -= 2
	}
	var chosen []string
	if p.cursor < len(list) {
		c := list[p.cursor]
		text := c.syntax() + " — " + c.desc
		if k := keyFor(p.s, c.name); k != "" {
			text = c.syntax() + " (" + k + ") — " + c.desc
		}
		chosen = wrap(text, inner)
		n := min(len(chosen), 3)
		if !roomy {
			n = min(n, max(1, avail-len(list)))
		}
		chosen = chosen[:n]
	}
	// The list scrolls with the cursor in what is left.
	rows := avail - len(chosen)
	if len(list) > rows {
		rows-- // the scroll line
	}
	rows = max(rows, 1)
	start := max(p.cursor-rows+1, 0)
	nameW := 16
	for i := start; i < len(list) && i < start+rows; i++ {
		c := list[i]
		k := keyFor(p.s, c.name)
		keyW := 0
		if k != "" {
			keyW = width(k) + 2
		}
		name := c.syntax()
		descW := max(inner-2-max(nameW, width(name))-1-keyW, 1)
		if i == p.cursor {
			lines = append(lines, st.RowSelected.Render(fit("▶ "+fmt.Sprintf("%-*s", nameW, name)+" "+c.desc, inner-keyW))+
				st.FooterKey.Render(fit(pad(k, keyW), keyW)))
			continue
		}
		lines = append(lines, "  "+st.Bold.Render(fmt.Sprintf("%-*s", nameW, name))+" "+st.Dim.Render(fit(c.desc, descW))+
			st.FooterKey.Render(fit(pad(k, keyW), keyW)))
	}
	if len(list) > rows {
		lines = append(lines, st.Dim.Render(fmt.Sprintf("  %d of %d · ↑/↓ scroll", p.cursor+1, len(list))))
	}
	if len(chosen) > 0 {
		if roomy {
			lines = append(lines, "")
		}
		for _, l := range chosen {
			lines = append(lines, st.Dim.Render(l))
		}
	}
	return st.Overlay.Width(w).Render(strings.Join(lines, "\n"))
}

// setMajor runs ":major on|off REASON" on the selected incident.
func (m *Model) setMajor(arg string) tea.Cmd {
	word, reason, _ := strings.Cut(strings.TrimSpace(arg), " ")
	var major bool
	switch word {
	case "on":
		major = true
	case "off":
	default:
		return notice(fmt.Errorf("major: write :major on REASON or :major off REASON"))
	}
	kind, id := m.selectedRecord()
	if kind != recordIncident {
		return notice(fmt.Errorf("select an incident first (in the incident pane or its detail)"))
	}
	s := m.s
	perm := model.PermDeclareMajor
	question := fmt.Sprintf("Declare INC-%d a major incident? Every session shows the war-room banner, and the plan's rules are told.", id)
	if !major {
		perm = model.PermStandDownMajor
		question = fmt.Sprintf("Stand INC-%d down from major? Its war room closes: a summary goes on the timeline and the post-incident review opens as a problem.", id)
	}
	if stop := s.refuse(perm); stop != nil {
		return stop
	}
	r := s.Reader
	return askFirst(s, question, writeThen(s, func(ctx context.Context, a Actions) (model.WarRoom, error) {
		if _, err := a.SetMajor(ctx, s.Actor, id, major, reason); err != nil {
			return model.WarRoom{}, err
		}
		return r.WarRoom(ctx, id)
	}, func(w model.WarRoom) tea.Msg {
		if !major {
			return noticeMsg{text: fmt.Sprintf("%s stood down; post-incident review PRB-%d opened", w.Incident.Ref(), w.Review)}
		}
		// The war room's first job: say who runs it.
		return rolesFormFor(s, id)()
	}))
}

func (m *Model) unsilence(arg string) tea.Cmd {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(arg)), "SIL-"), 10, 64)
	if err != nil || id <= 0 {
		return notice(fmt.Errorf("unsilence: give the silence number, e.g. :unsilence 3 (:silences lists them)"))
	}
	s := m.s
	if stop := s.refuse(model.PermSilence); stop != nil {
		return stop
	}
	return askFirst(s, fmt.Sprintf("End SIL-%d now? The alerts it mutes notify again.", id),
		s.write(fmt.Sprintf("SIL-%d ended", id), func(ctx context.Context, a Actions) error {
			return a.ExpireSilence(ctx, s.Actor, id)
		}))
}

// selectedChange is the change under the calendar's cursor.
func (m *Model) selectedChange() (model.Change, bool) {
	cal := m.panes[paneCalendar].(*calendarPane)
	if cal.cursor < len(cal.changes) {
		return cal.changes[cal.cursor], true
	}
	return model.Change{}, false
}

// articleCommand is ":article new" or ":article KB-n".
func (m *Model) articleCommand(arg string) tea.Cmd {
	arg = strings.TrimSpace(arg)
	if arg == "" || arg == "new" {
		return newArticle(m.s)
	}
	id, err := model.ParseRef(arg, "KB")
	if err != nil {
		return notice(fmt.Errorf("article %q: give new, or an article such as KB-12", arg))
	}
	return editArticle(m.s, id)
}

// changeCommand is ":change new" or ":change CHG-n".
func (m *Model) changeCommand(arg string) tea.Cmd {
	arg = strings.TrimSpace(arg)
	if arg == "" || arg == "new" {
		return changeForm(m.s, nil)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(arg), "CHG-"), 10, 64)
	if err != nil || id <= 0 {
		return notice(fmt.Errorf("change %q: give new, or a change such as CHG-12", arg))
	}
	return m.openNow(changeBody{id: id})
}

// slotCommand finds the next free slot: ":slot storefront,checkout 2h",
// or with no arguments, for the selected change's services and length.
func (m *Model) slotCommand(arg string) tea.Cmd {
	s := m.s
	var services []string
	var d time.Duration
	implementer := ""
	if fields := strings.Fields(arg); len(fields) == 2 {
		services = splitServices(fields[0])
		var err error
		if d, err = time.ParseDuration(fields[1]); err != nil || d <= 0 {
			return notice(fmt.Errorf("slot: duration %q: give a length such as 90m or 2h", fields[1]))
		}
	} else if c, ok := m.selectedChange(); ok && arg == "" {
		services, d, implementer = c.Services, c.End.Sub(c.Start), c.Implementer
	} else {
		return notice(fmt.Errorf("slot: give SERVICES and DURATION (:slot storefront 2h), or select a change"))
	}
	if s.Planner == nil {
		return notice(errors.New("slot: this console cannot search the calendar"))
	}
	pln, now, loc := s.Planner, s.Now(), s.loc()
	return query(func(ctx context.Context) (model.Span, error) {
		return pln.NextSlot(ctx, services, implementer, d, now)
	}, func(sp model.Span, err error) tea.Msg {
		if err != nil {
			return noticeMsg{err: err}
		}
		return noticeMsg{text: fmt.Sprintf("next free slot for %s (%s): %s – %s", strings.Join(services, ", "), shortDuration(d),
			stamp(sp.Start, loc), sp.End.In(loc).Format("15:04"))}
	})
}

// pad right-aligns s in w cells.
func pad(s string, w int) string {
	if n := w - width(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}
