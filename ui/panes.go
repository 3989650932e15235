package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// Queue columns; the title takes what is left.
const qRef, qPri, qState, qSLA, qService, qWho = 8, 3, 11, 7, 13, 10

func newQueue(s *session) *listPane[model.Incident] {
	return newListPane(s, listSpec[model.Incident]{
		name:        "Incidents",
		placeholder: "ref, title, service, assignee",
		empty:       "No open incidents.",
		id:          func(in model.Incident) int64 { return in.ID },
		fetch: func(ctx context.Context, filter string, offset, limit int) ([]model.Incident, error) {
			return s.Reader.Queue(ctx, model.QueueQuery{Filter: filter, Offset: offset, Limit: limit})
		},
		header: func(w int) string {
			h := fmt.Sprintf("  %-*s %-*s %-5s %-*s %-*s %-*s %s", qRef, "REF", qPri, "PRI", "", qState, "STATE", qSLA, "SLA", qService, "SERVICE", "TITLE")
			if w >= qRef+qPri+qState+qSLA+qService+qWho+40 {
				h = joinCols(h, fmt.Sprintf("%-*s", qWho, "OWNER"), w+2)
			}
			return h
		},
		row: func(in model.Incident, w int, paint func(lipgloss.Style, string) string) string {
			st := s.st
			stage, left := model.SLAStatus(in, s.Now())
			sla := "—"
			switch stage {
			case model.SLABreached:
				sla = "✗" + countdown(-left) // over by; the mark reads without colour
			case model.SLANone:
			default:
				sla = countdown(left)
			}
			major := "     "
			if in.Major {
				major = paint(st.Major, "MAJOR")
			}
			titleW := w - (qRef + qPri + 5 + qState + qSLA + qService + 6)
			who := ""
			if titleW >= qWho+20 {
				titleW -= qWho + 1
				who = in.Assignee
				if who == "" {
					who = "·" + in.Team
				}
				who = " " + paint(st.Dim, fit(who, qWho))
			}
			return fit(in.Ref(), qRef) + " " +
				paint(st.Priority[in.Priority], fit(in.Priority.String(), qPri)) + " " +
				major + " " +
				fit(in.State.Label(), qState) + " " +
				paint(st.SLA[stage], fit(sla, qSLA)) + " " +
				fit(in.Service, qService) + " " +
				fit(in.Title, titleW) + who
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
		bindings: incidentBindings(s.km),
	})
}

// Feed columns; the summary takes what is left.
const fTime, fSev, fState, fService, fName = 6, 4, 5, 12, 22

func newFeed(s *session) *listPane[model.Alert] {
	return newListPane(s, listSpec[model.Alert]{
		name:        "Alerts",
		placeholder: "alert, service, summary",
		empty:       "No alerts yet. Drops appear here as they arrive.",
		id:          func(a model.Alert) int64 { return a.ID },
		fetch: func(ctx context.Context, filter string, offset, limit int) ([]model.Alert, error) {
			return s.Reader.Feed(ctx, model.FeedQuery{Filter: filter, Offset: offset, Limit: limit})
		},
		header: func(int) string {
			return fmt.Sprintf("  %-*s %-*s %-*s %-*s %-*s %s", fTime, "SEEN", fSev, "SEV", fState, "STATE", fService, "SERVICE", fName, "ALERT", "SUMMARY")
		},
		row: func(a model.Alert, w int, paint func(lipgloss.Style, string) string) string {
			st := s.st
			state, stateStyle := "FIRE", st.Firing
			switch {
			case a.State == model.AlertResolved:
				state, stateStyle = "ok", st.Resolved
			case a.AckBy != "":
				state, stateStyle = "ACK", st.Ack
			}
			tail := ""
			if a.Count > 1 {
				tail += fmt.Sprintf(" ×%d", a.Count)
			}
			if a.AckBy != "" {
				tail += " " + paint(st.Ack, "acked by "+a.AckBy)
			}
			sumW := w - (fTime + fSev + fState + fService + fName + 5)
			return paint(st.Dim, fit(ago(a.LastSeen, s.Now()), fTime)) + " " +
				paint(st.Severity[a.Severity], fit(sevTag(a.Severity), fSev)) + " " +
				paint(stateStyle, fit(state, fState)) + " " +
				fit(a.Service, fService) + " " +
				fit(a.Name, fName) + " " +
				fit(a.Summary+tail, sumW)
		},
		status: func(c countsMsg, filtered bool) string {
			if filtered {
				return "filtered"
			}
			return fmt.Sprintf("%d firing · %d total", c.counts.Firing, c.counts.Alerts)
		},
		open: func(a model.Alert) tea.Cmd {
			return func() tea.Msg { return openDetailMsg{kind: detailAlert, id: a.ID} }
		},
		keys:     func(a model.Alert, msg tea.KeyMsg) (tea.Cmd, bool) { return alertKeys(s, a.ID, msg) },
		bindings: []key.Binding{s.km.Ack},
	})
}

func alertKeys(s *session, id int64, msg tea.KeyMsg) (tea.Cmd, bool) {
	if key.Matches(msg, s.km.Ack) {
		return ackAlert(s, id), true
	}
	return nil, false
}

func ackAlert(s *session, id int64) tea.Cmd {
	return s.write(fmt.Sprintf("alert %d acknowledged", id), func(ctx context.Context, a Actions) error {
		return a.AckAlert(ctx, s.Actor, id, time.Time{})
	})
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
		fetch: func(ctx context.Context, filter string, offset, limit int) ([]model.ArticleHit, error) {
			return s.Reader.Articles(ctx, model.ArticleQuery{Search: filter, Offset: offset, Limit: limit})
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
		open: func(h model.ArticleHit) tea.Cmd {
			return func() tea.Msg { return openDetailMsg{kind: detailArticle, id: h.ID} }
		},
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
		fetch: func(ctx context.Context, filter string, offset, limit int) ([]model.AuditEntry, error) {
			return s.Reader.Audit(ctx, model.AuditQuery{Filter: filter, Offset: offset, Limit: limit})
		},
		header: func(int) string {
			return fmt.Sprintf("  %-12s %-16s %-18s %-10s %s", "WHEN", "WHO", "ACTION", "RECORD", "AFTER")
		},
		row: func(e model.AuditEntry, w int, paint func(lipgloss.Style, string) string) string {
			return paint(s.st.Dim, e.At.In(s.loc()).Format("02 Jan 15:04")) + " " + fit(e.Actor, 16) + " " +
				fit(e.Action, 18) + " " + fit(e.Entity, 10) + " " + paint(s.st.Dim, fit(e.After, w-60))
		},
		status: func(countsMsg, bool) string { return "append-only · enter shows before/after" },
		open: func(e model.AuditEntry) tea.Cmd {
			return func() tea.Msg { return openDetailMsg{kind: detailAudit, audit: e} }
		},
	})
}
