package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/glamour"
	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
)

type detailKind int

const (
	detailIncident detailKind = iota + 1
	detailAlert
	detailChange
	detailArticle
	detailAudit
	detailSilences
	detailMetrics
)

// detail is the full view of one record, opened with enter. It reloads on
// every change notification so it is as live as the lists.
type detail struct {
	s     *session
	kind  detailKind
	id    int64
	title string
	vp    viewport.Model
	seq   int64
	err   error
	w, h  int
	ready bool
	audit model.AuditEntry // the record shown by an audit detail
	alert model.Alert      // the record shown by an alert detail, once loaded
	// assignee of the incident shown, to notice when someone takes it.
	assignee string
	window   time.Duration // how far back a metrics view looks
}

// detailLoads numbers every detail load in the process, so an answer
// still on its way for a detail that was closed can never be taken for
// the answer of the one opened after it.
var detailLoads atomic.Int64

type detailData struct {
	seq      int64
	title    string
	body     string
	alert    model.Alert
	assignee string // an incident's, to say when someone else takes it
	ref      string // the incident's own reference: INC-n, or REQ-n for a request
	err      error
}

func newDetail(s *session, kind detailKind, id int64, w, h int) *detail {
	d := &detail{s: s, kind: kind, id: id, title: "Loading…"}
	d.setSize(w, h)
	return d
}

func (d *detail) setSize(w, h int) {
	d.w, d.h = w, h
	d.vp.Width, d.vp.Height = w, h
}

// load fetches and renders the record off the UI goroutine.
func (d *detail) load() tea.Cmd {
	d.seq = detailLoads.Add(1)
	seq, s, kind, id, w, entry, window := d.seq, d.s, d.kind, d.id, d.w, d.audit, d.window
	now, loc := s.Now(), s.loc()
	glamourStyle := "dark"
	if s.Renderer != nil && !s.Renderer.HasDarkBackground() {
		glamourStyle = "light"
	}
	profile := termenv.TrueColor
	if s.Renderer != nil {
		profile = s.Renderer.ColorProfile()
	}
	if profile == termenv.Ascii {
		glamourStyle = "notty"
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		var title, body string
		var alert model.Alert
		var assignee, ref string
		var err error
		switch kind {
		case detailIncident:
			var in model.Incident
			in, title, body, err = incidentDetail(ctx, s, id, w, now, loc)
			assignee, ref = in.Assignee, in.Ref()
		case detailAlert:
			alert, title, body, err = alertDetail(ctx, s, id, w, loc)
		case detailChange:
			title, body, err = changeDetail(ctx, s, id, w, loc)
		case detailArticle:
			title, body, err = articleDetail(ctx, s, id, w, loc, glamourStyle, profile)
		case detailAudit:
			title, body = auditDetail(s, entry, loc)
		case detailSilences:
			title, body, err = silencesDetail(ctx, s, now, loc)
		case detailMetrics:
			title, body, err = metricsDetail(ctx, s, window, w, now, loc)
		}
		return detailData{seq: seq, title: title, body: body, alert: alert, assignee: assignee, ref: ref, err: err}
	}
}

// update installs loaded content. It returns a notice when the incident on
// screen was just taken by someone else, so the operator does not work it twice.
func (d *detail) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if msg, ok := msg.(detailData); ok && msg.seq == d.seq {
		d.err = msg.err
		if msg.err == nil {
			if d.ready && d.kind == detailIncident && msg.assignee != d.assignee && msg.assignee != "" && msg.assignee != d.s.Actor.Name {
				text := fmt.Sprintf("%s taken by %s", msg.ref, msg.assignee)
				cmd = func() tea.Msg { return noticeMsg{text: text} }
			}
			d.assignee = msg.assignee
			d.alert = msg.alert
			d.title = msg.title
			d.vp.SetContent(msg.body)
			d.ready = true
		}
	}
	return cmd
}

func (d *detail) key(msg tea.KeyMsg) tea.Cmd {
	km := d.s.km
	if scrollKeys(&d.vp, km, msg) {
		return nil
	}
	switch d.kind {
	case detailIncident:
		cmd, _ := incidentKeys(d.s, d.id, msg)
		return cmd
	case detailAlert:
		if d.ready {
			cmd, _ := alertKeys(d.s, d.alert, msg)
			return cmd
		}
	case detailChange:
		if key.Matches(msg, km.Approve) {
			return approveChange(d.s, d.id)
		}
	}
	return nil
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

func (d *detail) actions() []key.Binding {
	switch d.kind {
	case detailIncident:
		return incidentBindings(d.s.km)
	case detailAlert:
		return []key.Binding{d.s.km.Ack, d.s.km.Silence, d.s.km.OpenIncident}
	case detailChange:
		return []key.Binding{d.s.km.Approve}
	case detailMetrics:
		return []key.Binding{metricsBinding(d.s.km.Metrics)}
	}
	return nil
}

func (d *detail) view() string {
	switch {
	case d.err != nil:
		return padLines([]string{d.s.st.Error.Render(d.err.Error()), "", d.s.st.Dim.Render("esc to go back")}, d.w, d.h)
	case !d.ready:
		return padLines([]string{d.s.st.Dim.Render("Loading…")}, d.w, d.h)
	}
	return padLines(strings.Split(d.vp.View(), "\n"), d.w, d.h)
}

func (d *detail) status() string {
	if !d.ready {
		return ""
	}
	return fmt.Sprintf("↕%d%% · esc back", int(d.vp.ScrollPercent()*100))
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
