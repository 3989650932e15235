package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

func newAudit(s *session) *listPane[model.AuditEntry] {
	return newListPane(s, listSpec[model.AuditEntry]{
		name:        "Audit log",
		legend:      auditLegend,
		placeholder: "actor, action, record; is:system shows hypercare's own intake rows",
		empty:       "Nothing written yet.",
		id:          func(e model.AuditEntry) int64 { return e.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.AuditEntry, error) {
			text, system := auditFilter(q.filter)
			aq := model.AuditQuery{Filter: text, Offset: q.offset, Limit: q.limit}
			if !system {
				aq.Hide = model.SystemActions
			}
			return s.Reader.Audit(ctx, aq)
		},
		header: func(int) string {
			return fmt.Sprintf("  %-12s %-16s %-18s %-10s %s", "WHEN", "WHO", "ACTION", "RECORD", "AFTER")
		},
		row: func(e model.AuditEntry, w int, paint func(lipgloss.Style, string) string) string {
			return paint(s.st.Dim, e.At.In(s.loc()).Format("02 Jan 15:04")) + " " + fit(e.Actor, 16) + " " +
				fit(e.Action, 18) + " " + fit(e.Entity, 10) + " " + paint(s.st.Dim, fit(e.After, w-60))
		},
		status: func(countsMsg, bool) string { return "append-only · enter shows before/after" },
		note: func(filter string) string {
			if _, system := auditFilter(filter); system {
				return "with system rows"
			}
			return "system rows hidden (is:system)"
		},
		open: func(e model.AuditEntry) tea.Cmd { return openDetail(auditBody{entry: e}) },
	})
}

// auditFilter splits the audit pane's filter into its text and whether it
// asks for the system rows (is:system) that are hidden by default: one
// row per drop every few seconds would drown what people did.
func auditFilter(filter string) (text string, system bool) {
	var words []string
	for _, w := range strings.Fields(filter) {
		if strings.EqualFold(w, "is:system") {
			system = true
			continue
		}
		words = append(words, w)
	}
	return strings.Join(words, " "), system
}

// auditBody is one audit entry, which never changes, so it is carried
// whole rather than read.
type auditBody struct{ entry model.AuditEntry }

func (b auditBody) read(_ context.Context, s *session, _ int) (body, string, string, error) {
	title, text := auditDetail(s, b.entry, s.loc())
	return b, title, text, nil
}

func (auditBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (auditBody) actions(*session) []key.Binding         { return nil }

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
