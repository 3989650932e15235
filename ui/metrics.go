package ui

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// The metrics view's two windows; M switches between them.
const (
	metricsDay  = 24 * time.Hour
	metricsWeek = 7 * 24 * time.Hour
)

// showMetrics opens the metrics view over the last window, or with window
// zero switches the open view between a day and a week (opening it on a
// day). It is a detail like a record's: live, scrollable, esc leaves.
func (m *Model) showMetrics(window time.Duration) tea.Cmd {
	d, showing := m.topLive().(*detail)
	var open metricsBody
	if showing {
		open, showing = d.body.(metricsBody)
	}
	if window == 0 {
		window = metricsDay
		if showing && open.window == metricsDay {
			window = metricsWeek
		}
	}
	if !showing {
		return m.push(newDetail(m.s, metricsBody{window: window}))
	}
	// The open view is reused; the answer of its previous read, still on
	// its way, is recognised as overtaken and dropped.
	d.body = metricsBody{window: window}
	return d.refresh()
}

// metricsBody is the service's figures over a window.
type metricsBody struct{ window time.Duration }

func (b metricsBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	title, text, err := metricsDetail(ctx, s, b.window, w, s.Now(), s.loc())
	return b, title, text, err
}

// Its one key, M, is the console's: it switches the window (showMetrics).
func (metricsBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }

func (metricsBody) actions(s *session) []key.Binding {
	return []key.Binding{metricsBinding(s.km.Metrics)}
}

// metricsCommand is ":metrics [24h|7d|…]".
func (m *Model) metricsCommand(arg string) tea.Cmd {
	if arg == "" {
		return m.showMetrics(metricsDay)
	}
	d, err := plan.ParseDuration(arg)
	if err != nil || d <= 0 {
		return notice(fmt.Errorf("metrics: %q is not a window; write e.g. :metrics 24h or :metrics 7d", arg))
	}
	return m.showMetrics(d)
}

// metricsBinding is the metrics key as the view's footer shows it: it
// switches the window there.
func metricsBinding(b key.Binding) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, "24h ⇄ 7d"))
}

// metricsDetail reads the window's figures and lays them out: the summary,
// SLA attainment, change success and backlog flow as bars, recurring
// incidents and the plan's exit criteria, scored.
func metricsDetail(ctx context.Context, s *session, window time.Duration, w int, now time.Time, loc *time.Location) (string, string, error) {
	since := now.Add(-window)
	mt, err := model.ReadMetrics(ctx, s.Reader, since, now, loc)
	if err != nil {
		return "", "", fmt.Errorf("metrics: %w", err)
	}
	p := s.plan()
	// One read of the daily history serves the per-day charts (a week, or
	// the window's days up to a month) and the exit scorecard (two weeks).
	days := min(max(int(window/(24*time.Hour)), 7), 31)
	history, err := model.ReadMetricsHistory(ctx, s.Reader, max(days, plan.ExitDays), now, loc)
	if err != nil {
		return "", "", fmt.Errorf("metrics: %w", err)
	}
	var scores []plan.ExitScore
	if p != nil {
		scores = p.ScoreExit(history[len(history)-plan.ExitDays:])
	}
	volume, err := s.Reader.AlertVolume(ctx, since, now)
	if err != nil {
		return "", "", fmt.Errorf("metrics: %w", err)
	}
	goals := map[string]float64{} // the exit criteria's targets, by metric
	if p != nil {
		for _, c := range p.Hypercare.ExitCriteria {
			goals[c.Metric] = c.Target
		}
	}
	// rated is the style of a share v against the exit criterion on metric:
	// plain without one, green at or above its target, amber below.
	rated := func(metric string, v float64, ok bool) lipgloss.Style {
		goal, hasGoal := goals[metric]
		switch {
		case !ok || !hasGoal:
			return s.st.Bold
		case v < goal:
			return s.st.SLA[model.SLARisk]
		}
		return s.st.SLA[model.SLAOK]
	}
	st := s.st
	barW := min(max(w-44, 10), 60)
	var lines []string
	heading := func(title, aside string) {
		lines = append(lines, "", " "+st.Bold.Render(title)+"  "+st.Dim.Render(aside))
	}

	other := "M shows 7 days"
	if window == metricsWeek {
		other = "M shows 24 hours"
	}
	lines = append(lines, joinCols(" "+st.Bold.Render("Last "+windowName(window))+st.Dim.Render(fmt.Sprintf(": %s – %s %s",
		since.In(loc).Format("Mon 02 Jan 15:04"), now.In(loc).Format("Mon 02 Jan 15:04"), now.In(loc).Format("MST"))), st.Dim.Render(other), w))
	lines = append(lines, "")
	o := mt.Open
	pair := func(l1, v1, l2, v2 string) string {
		return " " + st.Label.Render(fmt.Sprintf("%-12s", l1)) + " " + fit(v1, 14) + "  " + st.Label.Render(fmt.Sprintf("%-10s", l2)) + " " + v2
	}
	lines = append(lines,
		pair("opened", fmt.Sprint(mt.Opened), "MTTA", meanLine(mt.MTTA, "acked")),
		pair("resolved", fmt.Sprint(mt.Resolved), "MTTR", meanLine(mt.MTTR, "resolved")),
		pair("open now", fmt.Sprint(o.Total), "reopened", ratioLine(mt.Reopened)),
		pair("on hold", fmt.Sprint(o.OnHold), "CSAT", csatLine(mt.Satisfaction)),
		pair("no response", fmt.Sprint(o.Unacknowledged), "recurring", fmt.Sprint(len(mt.Recurring))),
		" "+st.Label.Render(fmt.Sprintf("%-12s", "open by"))+" "+fmt.Sprintf("P1 %d · P2 %d · P3 %d · P4 %d · P5 %d · requests %d",
			o.Incidents[0], o.Incidents[1], o.Incidents[2], o.Incidents[3], o.Incidents[4], o.Requests),
	)

	heading("SLA attainment", "resolved within the resolve target; open ones past it count as missed")
	for _, a := range mt.Attainment {
		v, ok := a.Met.Value()
		style := rated("sla_attainment", v, ok)
		figure := st.Dim.Render("none resolved")
		if ok {
			figure = fmt.Sprintf("%6s  %d of %d", a.Met.Percent(), a.Met.N, a.Met.Of)
			if a.Overdue > 0 {
				figure += st.SLA[model.SLABreached].Render(fmt.Sprintf(" (%d open past due)", a.Overdue))
			}
		}
		lines = append(lines, " "+fmt.Sprintf("%-10s", a.Group)+" "+meter(style, st.Dim, v, barW)+"  "+figure)
	}

	ch := mt.Changes
	heading("Changes", "closed in the window; success: closed successful, no incident caused")
	v, ok := ch.Success.Value()
	figure := st.Dim.Render("none closed")
	if ok {
		figure = fmt.Sprintf("%6s  %d of %d", ch.Success.Percent(), ch.Success.N, ch.Success.Of)
	}
	caused := st.Dim.Render("none")
	if ch.Caused > 0 {
		caused = fmt.Sprintf("%s, %d of them P1/P2", model.Plural(ch.Caused, "incident", "incidents"), ch.CausedP1P2)
		if ch.CausedP1P2 > 0 {
			caused = st.SLA[model.SLABreached].Render(caused)
		}
	}
	deploys := model.Plural(ch.Deploys, "deploy", "deploys") + " reported"
	if ch.Unauthorised > 0 {
		deploys += ", " + st.SLA[model.SLABreached].Render(fmt.Sprintf("%d unauthorised (no change covered them)", ch.Unauthorised))
	}
	lines = append(lines,
		" "+fmt.Sprintf("%-10s", "success")+" "+meter(rated("change_success_rate", v, ok), st.Dim, v, barW)+"  "+figure,
		" "+fmt.Sprintf("%-10s", "caused")+" "+caused,
		" "+fmt.Sprintf("%-10s", "deploys")+" "+deploys)

	heading("Backlog flow", "opened and resolved per day, "+loc.String())
	most := 0
	for _, d := range mt.Flow {
		most = max(most, d.Opened, d.Resolved)
	}
	opened, resolved := st.Risk[model.Medium], st.Resolved
	for _, d := range mt.Flow {
		lines = append(lines,
			" "+fmt.Sprintf("%-11s", d.Day.Format("Mon 02 Jan"))+st.Dim.Render("opened   ")+flowBar(opened, "█", d.Opened, most, barW)+fmt.Sprintf(" %d", d.Opened),
			" "+strings.Repeat(" ", 11)+st.Dim.Render("resolved ")+flowBar(resolved, "▓", d.Resolved, most, barW)+fmt.Sprintf(" %d", d.Resolved))
	}

	heading("Recurring", fmt.Sprintf("%d or more incidents on one service and category within %s", model.RecurrenceCount, windowName(model.RecurrenceWithin)))
	if len(mt.Recurring) == 0 {
		lines = append(lines, " "+st.Dim.Render("none"))
	}
	for _, r := range mt.Recurring {
		lines = append(lines, fmt.Sprintf(" %s · %s  %d incidents, %s – %s", st.Bold.Render(r.Service), r.Category, r.Count,
			r.First.In(loc).Format("Mon 02 Jan 15:04"), r.Last.In(loc).Format("Mon 02 Jan 15:04")))
	}

	met, of := plan.ExitTally(scores)
	heading("Exit criteria", fmt.Sprintf("%d of %d met, each on the last 24 hours · :scorecard shows their trends", met, of))
	if len(scores) == 0 {
		lines = append(lines, " "+st.Dim.Render("the plan sets none: add exit_criteria under [hypercare]"))
	}
	lines = append(lines, scoreLines(st, scores, w, false)...)

	heading("Trends", fmt.Sprintf("per day over the last %d days, and alerts per hour over the window", days))
	lines = append(lines, trendCharts(st, history[len(history)-days:], volume, w, loc)...)
	return "Metrics · last " + windowName(window), strings.Join(lines, "\n"), nil
}

// windowName says a window the way people do: "24 hours", "7 days".
func windowName(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return countdown(d)
}

// meter is a bar of width cells filled to share v (0–1).
func meter(fill, rest lipgloss.Style, v float64, width int) string {
	n := int(math.Round(v * float64(width)))
	return fill.Render(strings.Repeat("█", n)) + rest.Render(strings.Repeat("░", width-n))
}

// flowBar is count of most drawn in up to width cells; any count shows.
func flowBar(style lipgloss.Style, glyph string, count, most, width int) string {
	if count == 0 || most == 0 {
		return ""
	}
	return style.Render(strings.Repeat(glyph, max(1, int(math.Round(float64(count)*float64(width)/float64(most))))))
}

func meanLine(m model.Mean, what string) string {
	v, ok := m.Value()
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%s (%d %s)", countdown(v), m.Count, what)
}

func ratioLine(r model.Ratio) string {
	if r.Of == 0 {
		return "—"
	}
	return fmt.Sprintf("%s (%d of %d)", r.Percent(), r.N, r.Of)
}

func csatLine(a model.Average) string {
	v, ok := a.Value()
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.1f / 5 (%d rated)", v, a.Count)
}
