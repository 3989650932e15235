package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// Queue columns; the title takes what is left.
const qRef, qPri, qState, qSLA, qService, qWho = 9, 3, 11, 8, 13, 10

// queueCols decides which optional columns a width affords: the title needs
// room to be read, so on narrow panes service, then state, give way to it.
func queueCols(w int) (state, service bool) {
	fixed := qRef + qPri + 5 + qSLA + 4
	switch {
	case w-fixed-qState-qService-2 >= 20:
		return true, true
	case w-fixed-qState-1 >= 20:
		return true, false
	}
	return false, false
}

// slaCell is the queue's SLA column: the clock that needs attention first.
// That is the respond clock (marked "r") while nobody has acknowledged the
// incident and it is the more pressing, else the resolve clock. "✗" marks
// a breach and how long ago; "‖" a clock paused on hold, with how much of
// its target is used (there is no due time while it stands still).
func slaCell(in model.Incident, c model.Clock, now time.Time) (string, model.SLAStage) {
	clk, mark := model.ResolveClock(in, c, now), ""
	if r := model.RespondClock(in, c, now); r.Stage != model.SLANone &&
		(r.Stage > clk.Stage || (r.Stage == clk.Stage && r.Left < clk.Left)) {
		clk, mark = r, "r"
	}
	switch {
	case clk.Stage == model.SLANone:
		return "—", clk.Stage
	case clk.Stage == model.SLABreached && !clk.Paused:
		over := countdown(-clk.Left) // over by; the mark reads without colour
		if -clk.Left < time.Minute {
			over = "<1m"
		}
		return "✗" + mark + over, clk.Stage
	case clk.Paused && clk.Stage == model.SLABreached:
		return fmt.Sprintf("✗‖%s%.0f%%", mark, clk.Used*100), clk.Stage
	case clk.Paused:
		return fmt.Sprintf("‖%s%.0f%%", mark, clk.Used*100), clk.Stage
	}
	return mark + countdown(clk.Left), clk.Stage
}

func newQueue(s *session) *listPane[model.Incident] {
	suggested := &suggestedProblems{} // incidents the recurrence rule flags, marked PRB?
	return newListPane(s, listSpec[model.Incident]{
		name:        "Incidents",
		placeholder: "words, p1…p5, is:risk is:major is:mine is:unassigned is:new/progress/hold",
		empty:       "No open incidents.",
		id:          func(in model.Incident) int64 { return in.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.Incident, error) {
			if err := suggested.load(ctx, s); err != nil {
				return nil, err
			}
			qq, err := model.ParseQueueFilter(q.filter, s.Actor.Name)
			if err != nil {
				return nil, err
			}
			qq.Offset, qq.Limit = q.offset, q.limit
			return s.Reader.Queue(ctx, qq)
		},
		header: func(w int) string {
			withState, withService := queueCols(w)
			h := fmt.Sprintf("  %-*s %-*s %-5s ", qRef, "REF", qPri, "PRI", "")
			if withState {
				h += fmt.Sprintf("%-*s ", qState, "STATE")
			}
			h += fmt.Sprintf("%-*s ", qSLA, "SLA")
			if withService {
				h += fmt.Sprintf("%-*s ", qService, "SERVICE")
			}
			h += "TITLE"
			if w >= qRef+qPri+qState+qSLA+qService+qWho+40 {
				h = joinCols(h, fmt.Sprintf("%-*s", qWho, "OWNER"), w+2)
			}
			return h
		},
		row: func(in model.Incident, w int, paint func(lipgloss.Style, string) string) string {
			st := s.st
			sla, stage := slaCell(in, s.clock(in), s.Now())
			major := "     "
			if in.Major {
				major = paint(st.Major, "MAJOR")
			}
			withState, withService := queueCols(w)
			titleW := w - (qRef + qPri + 5 + qSLA + 4)
			if withState {
				titleW -= qState + 1
			}
			if withService {
				titleW -= qService + 1
			}
			who := ""
			if titleW >= qWho+20 {
				titleW -= qWho + 1
				who = in.Assignee
				if who == "" {
					who = "·" + in.Team
				}
				who = " " + paint(st.Dim, fit(who, qWho))
			}
			row := fit(in.Ref(), qRef) + " " +
				paint(st.Priority[in.Priority], fit(in.Priority.String(), qPri)) + " " +
				major + " "
			if withState {
				row += fit(in.State.Label(), qState) + " "
			}
			row += paint(st.SLA[stage], fit(sla, qSLA)) + " "
			if withService {
				row += fit(in.Service, qService) + " "
			}
			return row + fit(suggested.badge(st, in, paint)+in.Title, titleW) + who
		},
		status: func(c countsMsg, filtered bool) string {
			if filtered {
				return "filtered"
			}
			return fmt.Sprintf("%d open · P1 %d · P2 %d", c.counts.OpenIncidents, c.counts.OpenP1, c.counts.OpenP2)
		},
		open: func(in model.Incident) tea.Cmd { return openIncident(in.ID) },
		keys: func(in model.Incident, msg tea.KeyMsg) (tea.Cmd, bool) {
			return incidentKeys(s, in.ID, msg)
		},
		bindings: func() []key.Binding { return incidentBindings(s) },
	})
}

// Feed columns; the summary takes what is left.
const fTime, fSev, fState, fService, fName = 6, 4, 5, 12, 22

func newFeed(s *session) *listPane[model.Alert] {
	return newListPane(s, listSpec[model.Alert]{
		name:        "Alerts",
		placeholder: "text, is:acked|silenced|flapping|incident|stale|firing, label=value",
		empty:       "No alerts yet. Drops appear here as they arrive.",
		id:          func(a model.Alert) int64 { return a.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.Alert, error) {
			fq := parseFeedFilter(q.filter)
			fq.Storm, fq.Offset, fq.Limit = q.scope, q.offset, q.limit
			return s.Reader.Feed(ctx, fq)
		},
		header: func(int) string {
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
			sumW := w - (fTime + fSev + fState + fService + fName + 5)
			return paint(st.Dim, fit(ago(a.LastSeen, s.Now()), fTime)) + " " +
				paint(st.Severity[a.Severity], fit(sevTag(a.Severity), fSev)) + " " +
				paint(style, fit(label, fState)) + " " +
				fit(a.Service, fService) + " " +
				fit(a.Name, fName) + " " +
				fit(tags+a.Summary+tail, sumW)
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

// parseFeedFilter reads the feed's filter line: words are free text,
// is:CONDITION narrows to acked, silenced, flapping, incident, stale or
// firing alerts, and label=value to a label's value.
func parseFeedFilter(text string) model.FeedQuery {
	var q model.FeedQuery
	var words []string
	for _, w := range strings.Fields(text) {
		switch cond, isCond := strings.CutPrefix(w, "is:"); {
		case isCond && cond == "firing":
			q.Firing = true
		case isCond && slices.Contains(model.FeedConditions, cond):
			q.Only = cond
		case strings.Contains(w, "=") && !strings.HasPrefix(w, "="):
			q.Label, q.Value, _ = strings.Cut(w, "=")
		default:
			words = append(words, w)
		}
	}
	q.Filter = strings.Join(words, " ")
	return q
}

// alertBindings are the actions on an alert, in the feed and its detail,
// as this operator is offered them.
func alertBindings(s *session) []key.Binding {
	km := s.km
	return []key.Binding{s.offer(km.Ack, model.PermAckAlert), s.offer(km.Silence, model.PermSilence), s.offer(km.OpenIncident, model.PermOpenIncident)}
}

func alertKeys(s *session, a model.Alert, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := s.km
	switch {
	case key.Matches(msg, km.Ack):
		return ackAlert(s, a.ID), true
	case key.Matches(msg, km.OpenIncident):
		return incidentFromAlert(s, a.ID), true
	case key.Matches(msg, km.Silence):
		if stop := s.refuse(model.PermSilence); stop != nil {
			return stop, true
		}
		return func() tea.Msg { return openFormMsg{form: silenceForm(s, a)} }, true
	}
	return nil, false
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

func newKnowledge(s *session) *listPane[model.ArticleHit] {
	return newListPane(s, listSpec[model.ArticleHit]{
		name:        "Knowledge",
		placeholder: "search articles (full text)",
		empty:       "No articles.",
		id:          func(h model.ArticleHit) int64 { return h.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.ArticleHit, error) {
			return s.Reader.Articles(ctx, model.ArticleQuery{Search: q.filter, Offset: q.offset, Limit: q.limit})
		},
		row: func(h model.ArticleHit, w int, paint func(lipgloss.Style, string) string) string {
			const kindW, refW = 11, 6
			line := fit(h.Ref(), refW) + " " + paint(s.st.Label, fit(string(h.Kind), kindW)) + " "
			rest := w - refW - kindW - 2
			if h.Snippet == "" {
				return line + fit(h.Title, rest)
			}
			titleW := min(len([]rune(h.Title))+2, rest/2)
			return line + fit(h.Title, titleW) + paint(s.st.Dim, fit(highlight(h.Snippet, s.st, paint), rest-titleW))
		},
		status: func(_ countsMsg, filtered bool) string {
			if filtered {
				return "search"
			}
			return ""
		},
		open: func(h model.ArticleHit) tea.Cmd { return openDetail(newArticleBody(s, h.ID)) },
	})
}

// highlight turns the store's match markers into styling (or plain text on
// a selected row).
func highlight(snippet string, st *Styles, paint func(lipgloss.Style, string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(snippet, model.HighlightStart)
		if i < 0 {
			break
		}
		j := strings.Index(snippet[i:], model.HighlightEnd)
		if j < 0 {
			break
		}
		b.WriteString(snippet[:i])
		b.WriteString(paint(st.Highlight, snippet[i+len(model.HighlightStart):i+j]))
		snippet = snippet[i+j+len(model.HighlightEnd):]
	}
	b.WriteString(snippet)
	return strings.ReplaceAll(b.String(), "\n", " ")
}

func newAudit(s *session) *listPane[model.AuditEntry] {
	return newListPane(s, listSpec[model.AuditEntry]{
		name:        "Audit log",
		placeholder: "actor, action, record",
		empty:       "Nothing written yet.",
		id:          func(e model.AuditEntry) int64 { return e.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.AuditEntry, error) {
			return s.Reader.Audit(ctx, model.AuditQuery{Filter: q.filter, Offset: q.offset, Limit: q.limit})
		},
		header: func(int) string {
			return fmt.Sprintf("  %-12s %-16s %-18s %-10s %s", "WHEN", "WHO", "ACTION", "RECORD", "AFTER")
		},
		row: func(e model.AuditEntry, w int, paint func(lipgloss.Style, string) string) string {
			return paint(s.st.Dim, e.At.In(s.loc()).Format("02 Jan 15:04")) + " " + fit(e.Actor, 16) + " " +
				fit(e.Action, 18) + " " + fit(e.Entity, 10) + " " + paint(s.st.Dim, fit(e.After, w-60))
		},
		status: func(countsMsg, bool) string { return "append-only · enter shows before/after" },
		open:   func(e model.AuditEntry) tea.Cmd { return openDetail(auditBody{entry: e}) },
	})
}
