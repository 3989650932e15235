package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/glamour"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
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

// alertBody is an alert; its keys act on the alert as read.
type alertBody struct {
	id    int64
	alert model.Alert // zero until read
}

func (b alertBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	a, title, text, err := alertDetail(ctx, s, b.id, w, s.loc())
	b.alert = a
	return b, title, text, err
}

func (b alertBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	if b.alert.ID == 0 {
		return nil, false
	}
	return alertKeys(m.s, b.alert, msg)
}

func (alertBody) actions(s *session) []key.Binding { return alertBindings(s) }

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

// articleBody is a knowledge base article, its markdown rendered for the
// session's terminal.
type articleBody struct {
	id      int64
	style   string // glamour's: dark, light, or notty without colour
	profile termenv.Profile
}

// newArticleBody decides, on the UI goroutine, how the article's markdown
// is rendered for this session's terminal.
func newArticleBody(s *session, id int64) articleBody {
	b := articleBody{id: id, style: "dark", profile: termenv.TrueColor}
	if s.Renderer != nil {
		b.profile = s.Renderer.ColorProfile()
		if !s.Renderer.HasDarkBackground() {
			b.style = "light"
		}
	}
	if b.profile == termenv.Ascii {
		b.style = "notty"
	}
	return b
}

func (b articleBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	title, text, err := articleDetail(ctx, s, b.id, w, s.loc(), b.style, b.profile)
	return b, title, text, err
}

func (articleBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (articleBody) actions(*session) []key.Binding         { return nil }

// auditBody is one audit entry, which never changes, so it is carried
// whole rather than read.
type auditBody struct{ entry model.AuditEntry }

func (b auditBody) read(_ context.Context, s *session, _ int) (body, string, string, error) {
	title, text := auditDetail(s, b.entry, s.loc())
	return b, title, text, nil
}

func (auditBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (auditBody) actions(*session) []key.Binding         { return nil }

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

func alertDetail(ctx context.Context, s *session, id int64, w int, loc *time.Location) (model.Alert, string, string, error) {
	a, err := s.Reader.Alert(ctx, id)
	if err != nil {
		return a, "", "", fmt.Errorf("ALR-%d: %w", id, err)
	}
	history, err := s.Reader.AlertHistory(ctx, id)
	if err != nil {
		return a, "", "", err
	}
	st := s.st
	label, style := alertState(st, a, s.Now())
	lines := []string{" " + st.Severity[a.Severity].Render(" "+sevTag(a.Severity)+" ") + " " + st.Bold.Render(a.Name) + "  " + style.Render(label)}
	if tags := alertTags(a); tags != "" {
		lines = append(lines, " "+st.Bold.Render(tags))
	}
	lines = append(lines, "")
	ack := ""
	if a.AckBy != "" {
		ack = a.AckBy + " at " + stamp(a.AckAt, loc)
		if !a.AckUntil.IsZero() {
			ack += " until " + stamp(a.AckUntil, loc)
		}
	}
	ref := func(prefix string, id int64) string {
		if id == 0 {
			return ""
		}
		return fmt.Sprintf("%s-%d", prefix, id)
	}
	lines = append(lines, fieldLines(st,
		"summary", a.Summary,
		"service", serviceLine(s, a.Service),
		"source", a.Source,
		"dedup key", a.DedupKey,
		"group", a.Group,
		"started", stamp(a.StartsAt, loc),
		"ended", stamp(a.EndsAt, loc),
		"first seen", stamp(a.FirstSeen, loc),
		"last seen", stamp(a.LastSeen, loc),
		"fired", firedLine(a),
		"deliveries", fmt.Sprintf("%d report(s) received, repeats included", a.Deliveries),
		"acknowledged", ack,
		"silenced by", ref("SIL", a.SilencedBy),
		"incident", ref("INC", a.IncidentID),
		"after change", ref("CHG", a.AfterChange),
	)...)
	if a.Truncated > 0 {
		lines = append(lines, fieldLines(st, "truncated", fmt.Sprintf("the sender left %d more alerts of this group out of its last drop", a.Truncated))...)
	}
	var links []string
	for _, sec := range []struct {
		name string
		m    map[string]string
	}{{"Labels", a.Labels}, {"Annotations", a.Annotations}} {
		if len(sec.m) == 0 {
			continue
		}
		lines = append(lines, "", " "+st.Bold.Render(sec.name))
		for _, k := range slices.Sorted(maps.Keys(sec.m)) {
			v := sec.m[k]
			if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
				links = append(links, fmt.Sprintf("%s  %s", k, v))
			}
			for i, l := range wrap(v, max(w-26, 20)) {
				label := ""
				if i == 0 {
					label = k
				}
				lines = append(lines, "   "+st.Label.Render(fit(label, 20))+" "+l)
			}
		}
	}
	if len(links) > 0 {
		// Only http(s) counts as a link: a drop is outside text, and a
		// "javascript:" or "file:" value is shown as a label, never offered.
		lines = append(lines, "", " "+st.Bold.Render("Links"))
		for _, l := range links {
			lines = append(lines, "   "+l)
		}
	}
	lines = append(lines, "", " "+st.Bold.Render(fmt.Sprintf("History (%d state changes)", len(history))))
	for _, h := range history {
		lines = append(lines, "   "+st.Dim.Render(stamp(h.At, loc))+"  "+string(h.State))
	}
	return a, a.Ref() + " · " + a.Name, strings.Join(lines, "\n"), nil
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

func articleDetail(ctx context.Context, s *session, id int64, w int, loc *time.Location, style string, profile termenv.Profile) (string, string, error) {
	a, err := s.Reader.Article(ctx, id)
	if err != nil {
		return "", "", fmt.Errorf("KB-%d: %w", id, err)
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(w-4, 20)), glamour.WithColorProfile(profile))
	if err != nil {
		return "", "", fmt.Errorf("markdown renderer: %w", err)
	}
	body, err := r.Render(a.Body)
	if err != nil {
		return "", "", fmt.Errorf("render KB-%d: %w", id, err)
	}
	parts := []string{string(a.Kind), string(a.State)}
	if a.Service != "" {
		parts = append(parts, a.Service)
	}
	parts = append(parts, "updated "+stamp(a.UpdatedAt, loc)+" by "+a.Author)
	if len(a.Tags) > 0 {
		parts = append(parts, "#"+strings.Join(a.Tags, " #"))
	}
	meta := strings.Join(parts, " · ")
	return a.Ref() + " · " + a.Title, s.st.Dim.Render(meta) + "\n" + strings.TrimRight(body, "\n"), nil
}

// auditDetail shows one audit entry with its before and after states laid
// out field by field.
func auditDetail(s *session, e model.AuditEntry, loc *time.Location) (string, string) {
	st := s.st
	lines := fieldLines(st, "when", stamp(e.At, loc), "who", e.Actor, "action", e.Action, "record", e.Entity)
	for _, part := range []struct{ name, json string }{{"Before", e.Before}, {"After", e.After}} {
		if part.json == "" {
			continue
		}
		lines = append(lines, "", " "+st.Bold.Render(part.name))
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(part.json), "   ", "  ") == nil {
			lines = append(lines, "   "+pretty.String())
		} else {
			lines = append(lines, "   "+part.json)
		}
	}
	return fmt.Sprintf("Audit %d · %s %s", e.ID, e.Action, e.Entity), strings.Join(lines, "\n")
}

// firedLine says how often an alert started firing, and whether it is
// stale: still firing as far as its sender last said, but not repeated
// for longer than its sender's repeat interval.
func firedLine(a model.Alert) string {
	line := fmt.Sprintf("%d time(s)", a.Firings)
	switch {
	case a.Stale && a.State == model.AlertFiring:
		line += "; STALE: its sender has not repeated it for longer than its repeat interval, so it is not counted as firing"
	case a.Stale:
		line += "; resolved by hypercare: its sender stopped repeating it (resolve_stale in the plan)"
	}
	return line
}
