package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// Queue columns; the title takes what is left.
const qRef, qPri, qState, qSLA, qService, qWho = 9, 3, 11, 8, 13, 10

// qWhoWide is the widest the owner column grows where the title can spare
// it: most operators' names whole (sofia.lindqvist).
const qWhoWide = 15

// queueMinTitle is the least a title is cut to before a column gives way;
// queueWideTitle the least it keeps when the owner column widens.
const queueMinTitle, queueWideTitle = 16, 20

// queueNarrow is the row width under which a major incident is marked ⚑
// (as the war-room banner marks it) instead of MAJOR, for the title's sake.
const queueNarrow = 90

// queueLayout is which optional columns a row width affords, and how wide
// the major mark, the owner and the title are.
type queueLayout struct {
	state, service, owner  bool
	majorW, ownerW, titleW int
}

// queueCols decides the columns of a row width, for owners up to whoW
// cells. Who holds an incident (or the team it waits in) matters most
// after its SLA, so the owner column stays down to 60 columns; then the
// state; the service (in the detail) gives way first. What is left widens
// the owner column to whoW before the title has it.
func queueCols(w, whoW int) queueLayout {
	whoW = min(max(whoW, len("OWNER")), qWhoWide)
	l := queueLayout{majorW: 5, ownerW: min(whoW, qWho)}
	if w < queueNarrow {
		l.majorW = 1
	}
	l.titleW = w - (qRef + qPri + l.majorW + qSLA + 4)
	take := func(n int) bool {
		if l.titleW-n-1 < queueMinTitle {
			return false
		}
		l.titleW -= n + 1
		return true
	}
	l.owner = take(l.ownerW)
	l.state = take(qState)
	l.service = take(qService)
	if l.owner {
		extra := min(whoW-l.ownerW, max(l.titleW-queueWideTitle, 0))
		l.ownerW += extra
		l.titleW -= extra
	}
	return l
}

// queueOwner is who holds an incident, or the team whose queue it waits in.
func queueOwner(in model.Incident) string {
	if in.Assignee == "" {
		return "·" + in.Team
	}
	return in.Assignee
}

func newQueue(s *session) *listPane[model.Incident] {
	suggested := &suggestedProblems{} // incidents the recurrence rule flags, marked PRB?
	// The widest owner of the rows last read, so the owner column is as
	// wide as they need (fetches run off the UI goroutine).
	var whoW atomic.Int32
	whoW.Store(qWho)
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
			rows, err := s.Reader.Queue(ctx, qq)
			if len(rows) > 0 {
				widest := 0
				for _, in := range rows {
					widest = max(widest, width(queueOwner(in)))
				}
				whoW.Store(int32(widest))
			}
			return rows, err
		},
		header: func(w int) string {
			l := queueCols(w, int(whoW.Load()))
			h := fmt.Sprintf("  %-*s %-*s %-*s ", qRef, "REF", qPri, "PRI", l.majorW, "")
			if l.state {
				h += fmt.Sprintf("%-*s ", qState, "STATE")
			}
			h += fmt.Sprintf("%-*s ", qSLA, "SLA")
			if l.service {
				h += fmt.Sprintf("%-*s ", qService, "SERVICE")
			}
			h += "TITLE"
			if l.owner {
				h = joinCols(h, fmt.Sprintf("%-*s", l.ownerW, "OWNER"), w+2)
			}
			return h
		},
		row: func(in model.Incident, w int, paint func(lipgloss.Style, string) string) string {
			st := s.st
			sla, stage := model.SLAMark(in, s.clock(in), s.Now())
			l := queueCols(w, int(whoW.Load()))
			major := strings.Repeat(" ", l.majorW)
			if in.Major {
				major = paint(st.Major, "MAJOR")
				if l.majorW < 5 {
					major = paint(st.Major, "⚑")
				}
			}
			who := ""
			if l.owner {
				who = " " + paint(st.Dim, fit(queueOwner(in), l.ownerW))
			}
			row := fit(in.Ref(), qRef) + " " +
				paint(st.Priority[in.Priority], fit(in.Priority.String(), qPri)) + " " +
				major + " "
			if l.state {
				row += fit(in.State.Label(), qState) + " "
			}
			row += paint(st.SLA[stage], fit(sla, qSLA)) + " "
			if l.service {
				row += fit(in.Service, qService) + " "
			}
			return row + fit(suggested.badge(st, in, paint)+in.Title, l.titleW) + who
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
		// A row is drawn from the incident, the time, the plan's clocks and
		// these two, which sessions reading the same answers share.
		shareRows: func() any { return queueLook{whoW.Load(), suggested.ids.Load()} },
		bindings:  func() []key.Binding { return incidentBindings(s) },
	})
}

// queueLook is what a queue row is drawn from besides the incident: the
// owner column's width and the incidents marked PRB?.
type queueLook struct {
	whoW      int32
	suggested *map[int64]bool
}
