package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// Feed columns; the summary takes what is left.
const fTime, fSev, fState, fService, fName = 6, 4, 5, 12, 22

// feedNarrow reports a row width that leaves the summary too little room
// to read: the feed then shows the name with its tags, no summary.
func feedNarrow(w int) bool { return w-(fTime+fSev+fState+fService+fName+5) < 12 }

func newFeed(s *session) *listPane[model.Alert] {
	return newListPane(s, listSpec[model.Alert]{
		name:        "Alerts",
		legend:      feedLegend,
		placeholder: "words, label=value !=, =~re, is:firing/acked/silenced/flapping/incident/stale (all must hold)",
		empty:       "No alerts yet. Drops appear here as they arrive.",
		shareRows:   func() any { return nil }, // a row is drawn from the alert and the time alone
		id:          func(a model.Alert) int64 { return a.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.Alert, error) {
			fq, err := model.ParseFeedFilter(q.filter)
			if err != nil {
				return nil, badFilter{err}
			}
			fq.Storm, fq.Offset, fq.Limit = q.scope, q.offset, q.limit
			return s.Reader.Feed(ctx, fq)
		},
		header: func(w int) string {
			if feedNarrow(w) {
				return fmt.Sprintf("  %-*s %-*s %-*s %-*s %s", fTime, "SEEN", fSev, "SEV", fState, "STATE", fService, "SERVICE", "ALERT")
			}
			return fmt.Sprintf("  %-*s %-*s %-*s %-*s %-*s %s", fTime, "SEEN", fSev, "SEV", fState, "STATE", fService, "SERVICE", fName, "ALERT", "SUMMARY")
		},
		row: func(a model.Alert, w int, paint func(lipgloss.Style, string) string) string {
			st := s.st
			label, style := alertState(st, a, s.Now())
			tags := alertTags(a)
			if tags != "" {
				tags = paint(st.Bold, tags) + " "
			}
			tail := ""
			if a.Firings > 1 {
				tail = fmt.Sprintf(" ×%d", a.Firings) // fired this many times
			}
			row := paint(st.Dim, fit(ago(a.LastSeen, s.Now()), fTime)) + " " +
				paint(st.Severity[a.Severity], fit(sevTag(a.Severity), fSev)) + " " +
				paint(style, fit(label, fState)) + " " +
				fit(a.Service, fService) + " "
			if feedNarrow(w) {
				// No room for a summary worth reading (the detail has it):
				// the name keeps its tags, so a storm still says so.
				return row + fit(a.Name+" "+tags, w-(fTime+fSev+fState+fService+4))
			}
			sumW := w - (fTime + fSev + fState + fService + fName + 5)
			return row + fit(a.Name, fName) + " " + fit(tags+a.Summary+tail, sumW)
		},
		status: func(c countsMsg, filtered bool) string {
			if filtered {
				return "filtered"
			}
			return fmt.Sprintf("%d firing · %d total", c.counts.Firing, c.counts.Alerts)
		},
		drill: func(a model.Alert) (int64, string, bool) {
			return a.StormID, fmt.Sprintf("storm of %d %s alerts, %d firing", a.StormSize, a.Name, a.StormFiring), a.StormSize > 0
		},
		open:     func(a model.Alert) tea.Cmd { return openDetail(alertBody{id: a.ID}) },
		keys:     func(a model.Alert, msg tea.KeyMsg) (tea.Cmd, bool) { return alertKeys(s, a, msg) },
		bindings: func() []key.Binding { return alertBindings(s) },
	})
}

// alertState is the state column: firing, acknowledged (while the ack
// lasts), silenced, stale (its sender stopped repeating it), or resolved.
func alertState(st *Styles, a model.Alert, now time.Time) (string, lipgloss.Style) {
	switch {
	case a.State == model.AlertResolved:
		return "ok", st.Resolved
	case a.Stale:
		return "STALE", st.Dim
	case a.SilencedBy != 0:
		return "SIL", st.Dim
	case a.AckBy != "" && (a.AckUntil.IsZero() || now.Before(a.AckUntil)):
		return "ACK", st.Ack
	}
	return "FIRE", st.Firing
}

// alertTags are the badges that explain an alert at a glance.
func alertTags(a model.Alert) string {
	var tags []string
	if a.StormSize > 0 {
		tags = append(tags, fmt.Sprintf("STORM %d/%d firing", a.StormFiring, a.StormSize))
	}
	if a.Flapping {
		tags = append(tags, "FLAP")
	}
	if a.Truncated > 0 {
		tags = append(tags, fmt.Sprintf("TRUNCATED +%d", a.Truncated))
	}
	if a.AfterChange != 0 {
		tags = append(tags, fmt.Sprintf("after CHG-%d", a.AfterChange))
	}
	if a.IncidentID != 0 {
		tags = append(tags, fmt.Sprintf("INC-%d", a.IncidentID))
	}
	if len(tags) == 0 {
		return ""
	}
	return "[" + strings.Join(tags, "] [") + "]"
}

// alertBindings are the actions on an alert, in the feed and its detail,
// as this operator is offered them: its runbook first, the thing to read
// when it fires.
func alertBindings(s *session) []key.Binding {
	km := s.km
	return []key.Binding{km.OpenRunbook, s.offer(km.Ack, model.PermAckAlert), s.offer(km.Silence, model.PermSilence), s.offer(km.OpenIncident, model.PermOpenIncident)}
}

func alertKeys(s *session, a model.Alert, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := s.km
	switch {
	case key.Matches(msg, km.OpenRunbook):
		return alertRunbook(s, a), true
	case key.Matches(msg, km.Ack):
		return ackAlert(s, a.ID), true
	case key.Matches(msg, km.OpenIncident):
		return incidentFromAlert(s, a.ID), true
	case key.Matches(msg, km.Silence):
		if stop := s.refuse(model.PermSilence); stop != nil {
			return stop, true
		}
		if a.StormSize > 0 { // the row stands for a storm: silence the storm
			return stormSilence(s, a), true
		}
		return func() tea.Msg { return openFormMsg{form: silenceForm(s, a)} }, true
	}
	return nil, false
}

// alertRunbook opens the first runbook the alert or the plan names for it.
func alertRunbook(s *session, a model.Alert) tea.Cmd {
	return query(func(ctx context.Context) ([]runbook, error) {
		return runbooksFor(ctx, s, a.Service, []model.Alert{a})
	}, func(rbs []runbook, err error) tea.Msg {
		if err != nil {
			return noticeMsg{err: err}
		}
		return openRunbook(s, a.Ref(), rbs)()
	})
}

func ackAlert(s *session, id int64) tea.Cmd {
	return s.write(fmt.Sprintf("ALR-%d acknowledged", id), func(ctx context.Context, a Actions) error {
		return a.AckAlert(ctx, s.Actor, id, time.Time{})
	})
}

// incidentFromAlert opens (or finds) the alert's incident and shows it.
func incidentFromAlert(s *session, alertID int64) tea.Cmd {
	return writeThen(s, func(ctx context.Context, a Actions) (model.Incident, error) {
		return a.IncidentForAlert(ctx, s.Actor, alertID)
	}, func(in model.Incident) tea.Msg { return openDetailMsg{body: incidentBody{id: in.ID}} })
}

// sevTag is the severity as text, so it reads without colour.
func sevTag(s model.Severity) string {
	switch s {
	case model.SevCritical:
		return "CRIT"
	case model.SevWarning:
		return "WARN"
	}
	return "INFO"
}

// alertBody is an alert; its keys act on the alert as read.
type alertBody struct {
	id    int64
	alert model.Alert // zero until read
}

func (b alertBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	return alertDetail(ctx, s, b.id, w, s.loc())
}

func (b alertBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	if b.alert.ID == 0 {
		return nil, false
	}
	return alertKeys(m.s, b.alert, msg)
}

func (alertBody) actions(s *session) []key.Binding { return alertBindings(s) }

// serviceOf is the service I shows the impact of.
func (b alertBody) serviceOf() string { return b.alert.Service }

func alertDetail(ctx context.Context, s *session, id int64, w int, loc *time.Location) (alertBody, string, string, error) {
	b := alertBody{id: id}
	a, err := s.Reader.Alert(ctx, id)
	if err != nil {
		return b, "", "", fmt.Errorf("ALR-%d: %w", id, err)
	}
	b.alert = a
	runbooks, err := runbooksFor(ctx, s, a.Service, []model.Alert{a})
	if err != nil {
		return b, "", "", fmt.Errorf("%s: %w", a.Ref(), err)
	}
	history, err := s.Reader.AlertHistory(ctx, id)
	if err != nil {
		return b, "", "", err
	}
	var running []model.Change // what is running matters while the alert fires
	if a.State != model.AlertResolved {
		if running, err = runningOn(ctx, s, a.Service, s.Now()); err != nil {
			return b, "", "", fmt.Errorf("%s: %w", a.Ref(), err)
		}
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
		"service", serviceLine(s, a.Service)+impactHint(s, a.Service),
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
	lines = append(lines, runningLines(s, a.Service, running, " ", w, loc)...)
	lines = append(lines, runbookLines(s, runbooks, " ", w)...)
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
	return b, a.Ref() + " · " + a.Name, strings.Join(lines, "\n"), nil
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

func (alertBody) legend() []mark { return feedLegend }
