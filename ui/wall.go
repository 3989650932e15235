package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// A wall screen is read from across the room: the counts that matter in
// block digits (open P1 and P2, SLA breached or at risk, firing, the exit
// tally), three panes (incidents, alerts, changes: the knowledge base is
// read at a desk), no cursor, and an overview page in the rotation.

// glyphs is a block-digit font, five rows high; each "#" is drawn two
// cells wide so a digit keeps its shape in a terminal's tall cells.
var glyphs = map[rune][5]string{
	'0': {"###", "# #", "# #", "# #", "###"},
	'1': {" # ", "## ", " # ", " # ", "###"},
	'2': {"###", "  #", "###", "#  ", "###"},
	'3': {"###", "  #", " ##", "  #", "###"},
	'4': {"# #", "# #", "###", "  #", "  #"},
	'5': {"###", "#  ", "###", "  #", "###"},
	'6': {"###", "#  ", "###", "# #", "###"},
	'7': {"###", "  #", "  #", "  #", "  #"},
	'8': {"###", "# #", "###", "# #", "###"},
	'9': {"###", "# #", "###", "  #", "###"},
	'/': {"  #", "  #", " # ", "#  ", "#  "},
}

// bigRows is s in block digits, five lines of equal width; characters the
// font lacks are left out.
func bigRows(s string) []string {
	rows := make([]string, 5)
	for i, r := range s {
		g, ok := glyphs[r]
		if !ok {
			continue
		}
		for y := range rows {
			if i > 0 {
				rows[y] += " "
			}
			rows[y] += strings.NewReplacer("#", "██", " ", "  ").Replace(g[y])
		}
	}
	return rows
}

// boardRows is the height of the big-digit board: label, digits, border.
const boardRows = 8

// wallTile is one figure of the board: what it counts and the count, on
// red when it needs someone.
type wallTile struct {
	label, value string
	alarm        bool
}

func (m *Model) wallTiles() []wallTile {
	c := m.counts.counts
	tiles := []wallTile{
		{"P1 OPEN", fmt.Sprint(c.OpenP1), c.OpenP1 > 0},
		{"P2 OPEN", fmt.Sprint(c.OpenP2), c.OpenP2 > 0},
		{"SLA BREACHED/AT RISK", fmt.Sprint(c.SLAAtRisk), c.SLAAtRisk > 0},
		{"FIRING", fmt.Sprint(c.Firing), c.Firing > 0},
	}
	if sc := m.score; sc.of > 0 {
		tiles = append(tiles, wallTile{"EXIT CRITERIA MET", fmt.Sprintf("%d/%d", sc.met, sc.of), false})
	}
	return tiles
}

// wallBoard is the counts in block digits, side by side, or "" when the
// screen is too small for them (the header then says them in one line).
func (m *Model) wallBoard() string {
	if m.h < WallGridMinHeight {
		return ""
	}
	// Asked for several times a frame (the header's height, the layout,
	// the header) by every wall screen, and the counts change with every
	// commit: drawn once for what it shows, for all of them.
	all := m.wallTiles()
	key := boardKey{look: m.s.st.look, w: m.w}
	for _, t := range all {
		key.tiles += fmt.Sprintf("%s\x00%s\x00%t\x00", t.label, t.value, t.alarm)
	}
	drawnBoards.Lock()
	board, ok := drawnBoards.m[key]
	drawnBoards.Unlock()
	if !ok {
		// The tiles share the width, so the board spans the wall; where
		// that is too narrow for a tile, each is as wide as it needs.
		if board = m.boardOf(all, m.w/len(all)); board == "" {
			board = m.boardOf(all, 0)
		}
		drawnBoards.Lock()
		if drawnBoards.m == nil || len(drawnBoards.m) >= 64 {
			drawnBoards.m = map[boardKey]string{}
		}
		drawnBoards.m[key] = board
		drawnBoards.Unlock()
	}
	return board
}

// drawnBoards are the boards drawn lately, by what they show, for every
// session: a board is drawn from its tiles, the width and the palette.
var drawnBoards struct {
	sync.Mutex
	m map[boardKey]string
}

type boardKey struct {
	look  look
	w     int
	tiles string
}

// boardOf is the tiles side by side, each tileW cells wide with its
// border (0: as wide as it needs), centred on the screen; "" when they do
// not fit the screen or a tile not its width.
func (m *Model) boardOf(all []wallTile, tileW int) string {
	st := m.s.st
	tiles := make([]string, 0, len(all))
	for _, t := range all {
		digits := strings.Join(bigRows(t.value), "\n")
		label := t.label
		style := m.s.Renderer.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 2).Align(lipgloss.Center)
		if t.alarm {
			// The mark reads without colour; the red from across the room.
			label = "▲ " + label
			style = style.Border(lipgloss.ThickBorder())
			digits = st.Firing.Render(digits)
		}
		content := st.Bold.Render(label) + "\n" + digits
		if tileW > 0 {
			if lipgloss.Width(content)+4+2 > tileW {
				return ""
			}
			style = style.Width(tileW - 2)
		}
		tiles = append(tiles, style.Render(content))
	}
	board := lipgloss.JoinHorizontal(lipgloss.Top, tiles...)
	if lipgloss.Width(board) > m.w {
		return ""
	}
	return m.s.Renderer.PlaceHorizontal(m.w, lipgloss.Center, board)
}

// wallHeader is what a wall screen adds under the header line.
func (m *Model) wallHeader() string {
	if b := m.wallBoard(); b != "" {
		return b
	}
	return m.wallLine()
}

func (m *Model) wallHeaderRows() int {
	if m.wallBoard() != "" {
		return boardRows
	}
	return 1
}

// wallOverviewShown is how many incidents and alerts the overview lists.
const wallOverviewShown = 12

// readOverview reads what the overview page lists: the open P1 and P2
// incidents, and the critical alerts firing.
func readOverview(ctx context.Context, r model.Reader, msg *countsMsg) error {
	var err error
	top, err := r.Queue(ctx, model.QueueQuery{Priorities: []model.Priority{1, 2}, Limit: wallOverviewShown})
	if err != nil {
		return err
	}
	for _, in := range top {
		if in.Priority <= 2 {
			msg.top = append(msg.top, in)
		}
	}
	firing, err := r.Feed(ctx, model.FeedQuery{Firing: true, Limit: 200})
	if err != nil {
		return err
	}
	for _, a := range firing {
		if a.Severity == model.SevCritical && a.State == model.AlertFiring && a.SilencedBy == 0 && len(msg.critical) < wallOverviewShown {
			msg.critical = append(msg.critical, a)
		}
	}
	return nil
}

// overviewView is the overview page, h rows: the top P1 and P2 incidents
// and the critical alerts firing (the board is above it), side by side on
// a wall-sized screen, else one above the other so each row keeps its
// title and owner.
func (m *Model) overviewView(h int) string {
	st := m.s.st
	side := m.w >= WallGridMinWidth
	incW, alertW := m.w, m.w
	if side {
		incW = m.w / 2
		alertW = m.w - incW
	}
	inc, alerts := m.overviewIncidents(incW-2), m.overviewAlerts(alertW-2)
	incTitle := fmt.Sprintf("%d", m.counts.counts.OpenP1+m.counts.counts.OpenP2)
	alertTitle := fmt.Sprintf("%d", len(m.counts.critical))
	if side {
		left := box(st, "Overview · P1 and P2 open", incTitle, padLines(inc, incW-2, h-2), incW, h, true)
		right := box(st, "Critical alerts firing", alertTitle, padLines(alerts, alertW-2, h-2), alertW, h, false)
		return besides(left, right)
	}
	// Stacked: the incidents take what they need, the alerts the rest,
	// each at least a row.
	incH := min(max(len(inc)+2, h-(len(alerts)+2)), h-3)
	incH = max(incH, min(3, h))
	alertH := h - incH
	top := box(st, "Overview · P1 and P2 open", incTitle, padLines(inc, incW-2, incH-2), incW, incH, true)
	if alertH < 3 {
		return top
	}
	return top + "\n" + box(st, "Critical alerts firing", alertTitle, padLines(alerts, alertW-2, alertH-2), alertW, alertH, false)
}

// overviewIncidents are the overview's P1 and P2 rows, w cells each.
func (m *Model) overviewIncidents(w int) []string {
	st, now := m.s.st, m.s.Now()
	var inc []string
	for _, in := range m.counts.top {
		sla, stage := model.SLAMark(in, m.s.clock(in), now)
		major := ""
		if in.Major {
			major = st.Major.Render("MAJOR") + " "
			if w < queueNarrow {
				major = st.Major.Render("⚑") + " "
			}
		}
		who := in.Assignee
		if who == "" {
			who = "·" + in.Team
		}
		// The title gives way to the owner: who to ask is read from afar.
		head := " " + st.Priority[in.Priority].Render(in.Priority.String()) + " " + fit(in.Ref(), 8) + " " +
			st.SLA[stage].Render(fit(sla, 8)) + " " + major
		tail := st.Dim.Render(" · " + who)
		title := in.Title
		if room := w - width(head) - width(tail); width(title) > room {
			title = fit(title, max(room, 1))
		}
		inc = append(inc, fit(head+title+tail, w))
	}
	if len(inc) == 0 {
		inc = []string{st.Dim.Render(" No P1 or P2 open.")}
	}
	return inc
}

// overviewAlerts are the overview's critical alerts firing, w cells each.
func (m *Model) overviewAlerts(w int) []string {
	st, now := m.s.st, m.s.Now()
	var alerts []string
	for _, a := range m.counts.critical {
		alerts = append(alerts, fit(" "+st.Severity[a.Severity].Render(sevTag(a.Severity))+" "+fit(a.Service, 14)+" "+a.Name+
			st.Dim.Render(" · "+ago(a.StartsAt, now)), w))
	}
	if len(alerts) == 0 {
		alerts = []string{st.Dim.Render(" No critical alert firing.")}
	}
	return alerts
}
