package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
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

func newDetail(s *session, b body) *detail {
	return &detail{s: s, body: b, title: "Loading…"}
}

func (d *detail) setSize(w, h int) {
	d.w, d.h = w, h
	d.vp.Width, d.vp.Height = w, h
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
	d.vp.SetContent(data.text)
	return cmd
}

func (d *detail) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	switch {
	case scrollKeys(&d.vp, d.s.km, msg):
		return nil, kept
	case key.Matches(msg, d.s.km.Back):
		return nil, closed
	}
	if cmd, handled := d.body.key(m, msg); handled {
		return cmd, kept
	}
	return nil, passed
}

func (d *detail) actions() []key.Binding {
	return append([]key.Binding{d.s.km.Back}, d.body.actions(d.s)...)
}

func (d *detail) typing() bool { return false }

func (d *detail) view(m *Model, w, h int) string {
	st := d.s.st
	var text string
	switch {
	case d.err != nil:
		text = padLines([]string{st.Error.Render(d.err.Error()), "", st.Dim.Render("esc to go back")}, d.w, d.h)
	case !d.ready:
		text = padLines([]string{st.Dim.Render("Loading…")}, d.w, d.h)
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

// serviceLine describes a service from the plan: name, tier, owner.
func serviceLine(s *session, id string) string {
	p := s.plan()
	if p == nil {
		return id
	}
	sv, ok := p.Service(id)
	if !ok {
		return id
	}
	return fmt.Sprintf("%s (%s, tier %d, owner %s)", sv.Name, id, sv.Tier, sv.Owner)
}
