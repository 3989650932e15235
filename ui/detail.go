package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
)

// detail is the full view of one record, opened with enter: read off the
// UI goroutine, laid out in a scrolling view, read again on every change
// notification so it is as live as the lists, and closed with esc. What
// differs between record types is its body.
type detail struct {
	s     *session
	body  body
	vp    viewport.Model
	w, h  int
	readW int // the width the newest read lays the record out for
	seq   int // numbers reads, so an answer overtaken by a newer read is dropped
	ready bool
	err   error
	title string
	// lines are the record as laid out, each whole: one wider than the
	// view (a command in a code block, a URL) is clipped when painted,
	// with a marker, and the clipped lines scroll sideways together by x.
	// Nothing is wrapped after the body laid it out.
	lines  []string
	widest int
	x      int
	// refs are the references to other records on the lines, in reading
	// order; sel is the one picked to follow, or -1.
	refs []reference
	sel  int
	// early are the keys typed before the first read came back (":CHG-1",
	// enter, then p at once, over a slow link): they act on the record
	// once it is on screen, in the order typed, rather than being lost.
	early []tea.KeyMsg
}

// earlyMax bounds the keys kept for a detail still loading.
const earlyMax = 32

// reference is a record named in a detail's text, where it stands.
type reference struct {
	text      string // "KB-12"
	line, col int    // col in cells
}

// body is one record type's part of a detail: how the record is read and
// laid out, and the keys that act on it. A body is a small value naming
// its record; read returns a copy holding the record as read, which the
// detail keeps, so the keys act on what is on screen.
type body interface {
	// read fetches the record and lays it out w cells wide. It runs off
	// the UI goroutine, so it only reads.
	read(ctx context.Context, s *session, w int) (next body, title, text string, err error)
	// key handles the record's own keys; handled is false for the others.
	key(m *Model, msg tea.KeyMsg) (cmd tea.Cmd, handled bool)
	// actions are the record's keys, for the footer.
	actions(s *session) []key.Binding
}

// holder is a body for a record someone takes (an incident or request):
// who has it, and its reference, to say so when someone else takes it.
type holder interface {
	holder() (ref, assignee string)
}

// detailData is a read's answer, for the detail that asked.
type detailData struct {
	d           *detail
	seq         int
	body        body
	title, text string
	err         error
}

// openDetailMsg asks the console to open a record's detail over what is open.
type openDetailMsg struct{ body body }

func openDetail(b body) tea.Cmd { return func() tea.Msg { return openDetailMsg{body: b} } }

// openNow opens a record's detail at once, for a command typed at the
// keyboard: a key typed right after the command's enter then reaches the
// detail, not what was under it, as it would if the opening were a
// message sent back later (openDetail, for answers that come back later
// anyway).
func (m *Model) openNow(b body) tea.Cmd {
	cmd := m.push(newDetail(m.s, b))
	// A body may record its opening: an article, that it was read.
	if o, ok := b.(interface{ opened(*session) tea.Cmd }); ok {
		cmd = tea.Batch(cmd, o.opened(m.s))
	}
	return cmd
}

func newDetail(s *session, b body) *detail {
	return &detail{s: s, body: b, title: "Loading…", sel: -1}
}

func (d *detail) setSize(w, h int) {
	d.w, d.h = w, h
	d.vp.Width, d.vp.Height = w, h
	d.paint()
}

// refresh reads the record again, laid out for the current width.
func (d *detail) refresh() tea.Cmd {
	d.seq++
	d.readW = d.w
	seq, b, s, w := d.seq, d.body, d.s, d.w
	type page struct {
		body        body
		title, text string
	}
	return query(func(ctx context.Context) (page, error) {
		next, title, text, err := b.read(ctx, s, w)
		return page{next, title, text}, err
	}, func(p page, err error) tea.Msg {
		return detailData{d: d, seq: seq, body: p.body, title: p.title, text: p.text, err: err}
	})
}

// ensure reads the record again when the width changed since the last
// read, so it is laid out for the screen it is on.
func (d *detail) ensure() tea.Cmd {
	if d.w != d.readW {
		return d.refresh()
	}
	return nil
}

// update installs a read's answer. It returns a notice when the record on
// screen was just taken by someone else, so the operator does not work it
// twice.
func (d *detail) update(msg tea.Msg) tea.Cmd {
	data, ok := msg.(detailData)
	if !ok || data.d != d || data.seq != d.seq {
		return nil
	}
	d.err = data.err
	if data.err != nil {
		d.early = nil // the error is on screen; keys meant for the record would act on nothing
		return nil
	}
	var cmd tea.Cmd
	if h, ok := data.body.(holder); ok {
		ref, who := h.holder()
		if was, ok := d.body.(holder); ok && d.ready && who != "" && who != d.s.Actor.Name {
			if _, before := was.holder(); before != who {
				text := fmt.Sprintf("%s taken by %s", ref, who)
				cmd = func() tea.Msg { return noticeMsg{text: text} }
			}
		}
	}
	d.body, d.title, d.ready = data.body, data.title, true
	d.setLines(strings.Split(data.text, "\n"))
	if len(d.early) > 0 {
		cmds := []tea.Cmd{cmd}
		for _, k := range d.early {
			cmds = append(cmds, func() tea.Msg { return k })
		}
		d.early = nil
		return tea.Sequence(cmds...)
	}
	return cmd
}

func (d *detail) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	if !d.ready && d.err == nil && !key.Matches(msg, d.s.km.Back, d.s.km.Quit) {
		if len(d.early) < earlyMax {
			d.early = append(d.early, msg)
		}
		return nil, kept
	}
	switch {
	case scrollKeys(&d.vp, d.s.km, msg):
		return nil, kept
	case key.Matches(msg, d.s.km.Back):
		return nil, closed
	}
	if cmd, handled := d.body.key(m, msg); handled {
		return cmd, kept
	}
	km := d.s.km
	switch {
	case key.Matches(msg, km.NextPane) && len(d.refs) > 0:
		d.pick(1)
	case key.Matches(msg, km.PrevPane) && len(d.refs) > 0:
		d.pick(-1)
	case key.Matches(msg, km.Enter) && d.sel >= 0:
		return d.follow(), kept
	case key.Matches(msg, km.CalPrev) && d.widest > d.w:
		d.sideways(-d.w / 2)
	case key.Matches(msg, km.CalNext) && d.widest > d.w:
		d.sideways(d.w / 2)
	default:
		return nil, passed
	}
	return nil, kept
}

func (d *detail) actions() []key.Binding {
	out := append([]key.Binding{d.s.km.Back}, d.body.actions(d.s)...)
	return append(out, d.ownKeys()...)
}

// ownKeys are the keys every detail has while its text calls for them:
// following a reference, scrolling long lines sideways.
func (d *detail) ownKeys() []key.Binding {
	km := d.s.km
	var out []key.Binding
	if len(d.refs) > 0 {
		out = append(out, key.NewBinding(key.WithKeys(km.NextPane.Keys()...), key.WithHelp(km.NextPane.Help().Key, "pick a reference")))
	}
	if d.sel >= 0 {
		out = append(out, key.NewBinding(key.WithKeys(km.Enter.Keys()...), key.WithHelp(km.Enter.Help().Key, "open "+d.refs[d.sel].text)))
	}
	if d.widest > d.w {
		last := func(b key.Binding) string { k := b.Help().Key; return k[strings.LastIndex(k, "/")+1:] }
		out = append(out, key.NewBinding(key.WithKeys(append(km.CalPrev.Keys(), km.CalNext.Keys()...)...),
			key.WithHelp(last(km.CalPrev)+"/"+last(km.CalNext), "scroll sideways")))
	}
	return out
}

// setLines installs a read's text. The picked reference stays picked when
// the new text still names it (a live detail is read again on every
// change), at its occurrence nearest where it was.
func (d *detail) setLines(lines []string) {
	var was reference
	if d.sel >= 0 {
		was = d.refs[d.sel]
	}
	d.lines, d.widest = lines, 0
	for _, l := range lines {
		d.widest = max(d.widest, width(l))
	}
	self, _, _ := strings.Cut(d.title, " ")
	d.refs, d.sel = findRefs(lines, self), -1
	for i, r := range d.refs {
		if r.text == was.text && (d.sel < 0 || abs(r.line-was.line) < abs(d.refs[d.sel].line-was.line)) {
			d.sel = i
		}
	}
	d.paint()
}

// refPattern finds record references: KB-12, INC-3, REQ-6, CHG-2, PRB-1,
// ALR-40, SIL-2.
var refPattern = regexp.MustCompile(`\b(?:KB|INC|REQ|CHG|PRB|ALR|SIL)-[1-9][0-9]*\b`)

// findRefs lists the references on lines but self, the record on screen.
func findRefs(lines []string, self string) []reference {
	var out []reference
	for i, l := range lines {
		plain := ansi.Strip(l)
		for _, at := range refPattern.FindAllStringIndex(plain, -1) {
			if text := plain[at[0]:at[1]]; text != self {
				out = append(out, reference{text: text, line: i, col: width(plain[:at[0]])})
			}
		}
	}
	return out
}

// pick moves the picked reference to the next one (dir 1) or the previous
// one (-1), the first time to the first or last in sight, and scrolls it
// into view.
func (d *detail) pick(dir int) {
	n := len(d.refs)
	switch {
	case d.sel >= 0:
		d.sel = (d.sel + dir + n) % n
	case dir > 0:
		d.sel = 0
		for i, r := range d.refs {
			if r.line >= d.vp.YOffset {
				d.sel = i
				break
			}
		}
	default:
		d.sel = n - 1
		for i := n - 1; i >= 0; i-- {
			if d.refs[i].line < d.vp.YOffset+d.vp.Height {
				d.sel = i
				break
			}
		}
	}
	r := d.refs[d.sel]
	switch {
	case r.line < d.vp.YOffset:
		d.vp.SetYOffset(r.line)
	case r.line >= d.vp.YOffset+d.vp.Height:
		d.vp.SetYOffset(r.line - d.vp.Height + 1)
	}
	if width(d.lines[r.line]) > d.w && (r.col < d.x || r.col+len(r.text) > d.x+d.w-2) {
		d.x = max(r.col-d.w/2, 0)
	}
	d.paint()
}

// follow opens the picked reference's detail over this one; esc there
// comes back here.
func (d *detail) follow() tea.Cmd {
	ref := d.refs[d.sel].text
	b, err := recordBody(d.s, ref)
	if err != nil {
		return notice(err)
	}
	return openDetail(b)
}

// recordBody is the detail body of the record a reference names.
func recordBody(s *session, ref string) (body, error) {
	prefix, _, _ := strings.Cut(strings.ToUpper(ref), "-")
	id, err := model.ParseRef(ref, prefix)
	if err != nil {
		return nil, err
	}
	switch prefix {
	case "INC", "REQ":
		return incidentBody{id: id}, nil
	case "ALR":
		return alertBody{id: id}, nil
	case "CHG":
		return changeBody{id: id}, nil
	case "PRB":
		return problemBody{id: id}, nil
	case "KB":
		return newArticleBody(s, id), nil
	case "SIL":
		return silencesBody{}, nil // the list, where it can be edited
	}
	return nil, fmt.Errorf("%s: not a record this console opens", ref)
}

// sideways scrolls the lines wider than the view by n cells.
func (d *detail) sideways(n int) {
	d.x = max(min(d.x+n, d.widest-d.w+1), 0)
	d.paint()
}

// paint lays the lines into the view: the wide ones clipped at x, the
// picked reference marked.
func (d *detail) paint() {
	if !d.ready {
		return
	}
	shown := make([]string, len(d.lines))
	var picked reference
	if d.sel >= 0 {
		picked = d.refs[d.sel]
	}
	for i, l := range d.lines {
		if d.sel >= 0 && i == picked.line {
			end := picked.col + len(picked.text)
			head := ansi.Truncate(l, picked.col, "")
			if strings.Contains(head, "\x1b") {
				head += "\x1b[0m" // the reference is not in the line's colours
			}
			l = head + d.s.st.RowSelected.Render(picked.text) + ansi.TruncateLeft(l, end, "")
		}
		shown[i] = clipLine(l, d.x, d.w)
	}
	d.vp.SetContent(strings.Join(shown, "\n"))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func (d *detail) typing() bool { return false }

func (d *detail) view(m *Model, w, h int) string {
	st := d.s.st
	var text string
	switch {
	case d.err != nil:
		text = padLines([]string{st.Error.Render(d.err.Error()), "", st.Dim.Render("esc to go back")}, d.w, d.h)
	case !d.ready:
		loading := "Loading…"
		switch n := len(d.early); {
		case n == 1: // say the keys are kept, so nobody types them again
			loading += " the key typed acts on it once it is here"
		case n > 1:
			loading += fmt.Sprintf(" the %d keys typed act on it once it is here", n)
		}
		text = padLines([]string{st.Dim.Render(loading)}, d.w, d.h)
	default:
		text = padLines(strings.Split(d.vp.View(), "\n"), d.w, d.h)
	}
	back := "esc back"
	if _, ok := m.under(d).(*problemsList); ok {
		back = "esc back to the list"
	}
	status := back
	if d.ready {
		status = fmt.Sprintf("↕%d%% · %s", int(d.vp.ScrollPercent()*100), back)
	}
	if d.sel >= 0 {
		status = "→ " + d.refs[d.sel].text + " · enter opens · " + status
	}
	if in, ok := d.body.(incidentBody); ok {
		if viewers := m.others(in.id); len(viewers) > 0 {
			status = "also viewing: " + strings.Join(viewers, ", ") + " · " + status
		}
	}
	return box(st, d.title, status, text, w, h, true)
}

// scrollKeys moves a scrolling view for the navigation keys and reports
// whether the key was one of them.
func scrollKeys(vp *viewport.Model, km *keymaps.KeyMap, msg tea.KeyMsg) bool {
	switch {
	case key.Matches(msg, km.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, km.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, km.PageUp):
		vp.HalfPageUp()
	case key.Matches(msg, km.PageDown):
		vp.HalfPageDown()
	case key.Matches(msg, km.Top):
		vp.GotoTop()
	case key.Matches(msg, km.Bottom):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}

// fieldLines lays out "label value" pairs, skipping empty values.
func fieldLines(st *Styles, pairs ...string) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		out = append(out, " "+st.Label.Render(fmt.Sprintf("%-12s", pairs[i]))+" "+pairs[i+1])
	}
	return out
}

func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("Mon 02 Jan 15:04")
}

// slaLine describes one SLA clock: time left and stage, paused, or breached.
func slaLine(st *Styles, c model.SLAClock, loc *time.Location) string {
	if c.Stage == model.SLANone {
		return ""
	}
	text := fmt.Sprintf("%s left (%s, %.0f%% used), due %s", countdown(c.Left), c.Stage, c.Used*100, stamp(c.Due, loc))
	switch {
	case c.Left <= 0:
		text = fmt.Sprintf("breached by %s, was due %s", countdown(-c.Left), stamp(c.Due, loc))
	case c.Paused:
		// SLA time, which in business hours is not calendar time: said in hours.
		left := c.Left.Round(time.Minute)
		text = fmt.Sprintf("paused on hold with %dh%02dm of SLA time left (%.0f%% used)", int(left.Hours()), int(left.Minutes())%60, c.Used*100)
	}
	return st.SLA[c.Stage].Render(text)
}

// serviceLine describes a service from the plan: name, owner, id, tier.
func serviceLine(s *session, id string) string {
	p := s.plan()
	if p == nil {
		return id
	}
	sv, ok := p.Service(id)
	if !ok {
		return id
	}
	// The owner first: on a narrow screen it is what must not be cut.
	return fmt.Sprintf("%s · owner %s (%s, tier %d)", sv.Name, sv.Owner, id, sv.Tier)
}
