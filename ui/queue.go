package ui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// Queue columns; the title takes what is left.
const qRef, qPri, qState, qSLA, qService, qWho = 9, 3, 11, 8, 13, 10

// queueMinTitle is the least a title is cut to before a column gives way.
const queueMinTitle = 16

// queueCols decides which optional columns a width affords, and what is
// left for the title. Who holds an incident (or the team it waits in)
// matters most after its SLA, so the owner column stays down to 60
// columns; then the state; the service (in the detail) gives way first.
func queueCols(w int) (state, service, owner bool, titleW int) {
	titleW = w - (qRef + qPri + 5 + qSLA + 4)
	take := func(n int) bool {
		if titleW-n-1 < queueMinTitle {
			return false
		}
		titleW -= n + 1
		return true
	}
	owner = take(qWho)
	state = take(qState)
	service = take(qService)
	return state, service, owner, titleW
}

func newQueue(s *session) *listPane[model.Incident] {
	suggested := &suggestedProblems{} // incidents the recurrence rule flags, marked PRB?
	return newListPane(s, listSpec[model.Incident]{
		name:        "Incidents",
		legend:      queueLegend,
		placeholder: "words, p1…p5, service=x category!=y, is:risk/major/mine/unassigned/new/progress/hold (all must hold)",
		empty:       "No open incidents.",
		id:          func(in model.Incident) int64 { return in.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.Incident, error) {
			if err := suggested.load(ctx, s); err != nil {
				return nil, err
			}
			qq, err := model.ParseQueueFilter(q.filter, s.Actor.Name)
			if err != nil {
				return nil, badFilter{err}
			}
			qq.Offset, qq.Limit = q.offset, q.limit
			return s.Reader.Queue(ctx, qq)
		},
		header: func(w int) string {
			withState, withService, withOwner, _ := queueCols(w)
			h := fmt.Sprintf("  %-*s %-*s %-5s ", qRef, "REF", qPri, "PRI", "")
			if withState {
				h += fmt.Sprintf("%-*s ", qState, "STATE")
			}
			h += fmt.Sprintf("%-*s ", qSLA, "SLA")
			if withService {
				h += fmt.Sprintf("%-*s ", qService, "SERVICE")
			}
			h += "TITLE"
			if withOwner {
				h = joinCols(h, fmt.Sprintf("%-*s", qWho, "OWNER"), w+2)
			}
			return h
		},
		row: func(in model.Incident, w int, paint func(lipgloss.Style, string) string) string {
			st := s.st
			sla, stage := model.SLAMark(in, s.clock(in), s.Now())
			major := "     "
			if in.Major {
				major = paint(st.Major, "MAJOR")
			}
			withState, withService, withOwner, titleW := queueCols(w)
			who := ""
			if withOwner {
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
