package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// readScorecard scores the plan's exit criteria on the last days, each day
// on its own 24 hours (plan.ScoreExit); nil without a plan.
func readScorecard(ctx context.Context, r model.Reader, p *plan.Plan, s *session) ([]plan.ExitScore, error) {
	if p == nil || len(p.Hypercare.ExitCriteria) == 0 {
		return nil, nil
	}
	// Scored at the whole minute: the sessions scoring within it ask the
	// same, which a Shared reader reads once.
	history, err := model.ReadMetricsHistory(ctx, r, plan.ExitDays, s.Now().Truncate(time.Minute), s.loc())
	if err != nil {
		return nil, fmt.Errorf("exit scorecard: %w", err)
	}
	return p.ScoreExit(history), nil
}

// scoreLines lays out the scored criteria, one line each: the mark, the
// name, the last 24 hours' value against the target, and how many days it
// has held; with trend, each criterion's days as a sparkline beneath.
func scoreLines(st *Styles, scores []plan.ExitScore, w int, trend bool) []string {
	var lines []string
	for _, sc := range scores {
		mark, style := "✗ not met", st.Error
		switch {
		case sc.Value == nil:
			mark, style = "· no data", st.Dim
		case sc.Met:
			mark, style = "✓ met", st.Resolved
		case sc.Held > 0:
			mark, style = "◐ holding", st.Warn
		}
		value := "—"
		if sc.Value != nil {
			value = plan.FormatExitValue(sc.Metric, *sc.Value)
		}
		held := ""
		if sc.HeldFor > 1 {
			held = fmt.Sprintf(" · held %d/%dd", min(sc.Held, sc.HeldFor), sc.HeldFor)
		}
		name := sc.Name
		if sc.Service != "" && !strings.Contains(strings.ToLower(name), sc.Service) {
			name += " (" + sc.Service + ")"
		}
		lines = append(lines, " "+style.Render(fmt.Sprintf("%-9s", mark))+"  "+fit(name, min(max(w-40, 12), 44))+" "+
			fmt.Sprintf("%8s", value)+"  "+st.Dim.Render(sc.Condition()+held))
		if trend {
			lines = append(lines, "            "+trendLine(st, sc)+st.Dim.Render(fmt.Sprintf("  last %d days", len(sc.Trend))))
		}
	}
	return lines
}

// trendLine draws a criterion's days as a one-row sparkline, scaled to the
// larger of its target and its highest day, so a share near its target
// reads near full. Days with nothing to measure draw as empty.
func trendLine(st *Styles, sc plan.ExitScore) string {
	top := sc.Target
	for _, v := range sc.Trend {
		if v != nil {
			top = max(top, *v)
		}
	}
	if top <= 0 {
		top = 1
	}
	sl := sparkline.New(len(sc.Trend), 1, sparkline.WithNoAutoMaxValue(), sparkline.WithMaxValue(top))
	for _, v := range sc.Trend {
		if v == nil {
			sl.Push(0)
			continue
		}
		sl.Push(*v)
	}
	sl.Draw()
	style := st.Resolved
	if !sc.Met {
		style = st.Warn
	}
	return style.Render(sl.View())
}

// scorecardBody is the exit scorecard: every criterion of the plan with
// its value, how long it has held and its trend over the last days.
type scorecardBody struct{}

func (b scorecardBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	p := s.plan()
	scores, err := readScorecard(ctx, s.Reader, p, s)
	if err != nil {
		return b, "", "", err
	}
	if len(scores) == 0 {
		return b, "Exit scorecard", " " + s.st.Dim.Render("The plan sets no exit criteria: add exit_criteria under [hypercare] (metric, target, held_for)."), nil
	}
	met, of := plan.ExitTally(scores)
	lines := []string{" " + s.st.Dim.Render("Each criterion on the last 24 hours; held: days in a row met, of those the plan asks (held_for)."), ""}
	lines = append(lines, scoreLines(s.st, scores, w, true)...)
	return b, fmt.Sprintf("Exit scorecard · %d of %d met", met, of), strings.Join(lines, "\n"), nil
}

func (scorecardBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (scorecardBody) actions(*session) []key.Binding         { return nil }

// chartRows is the height of the metrics view's trend charts.
const chartRows = 3

// trendCharts draws MTTR and SLA attainment per day from the daily
// history, and the alert volume per hour, as sparklines with their range.
func trendCharts(st *Styles, history []model.Metrics, volume []int, w int, loc *time.Location) []string {
	const labelW = 18
	chartW := max(min(w-labelW-30, 96), 10)
	var mttr, sla []float64
	for _, m := range history {
		d, _ := m.MTTR.Value()
		mttr = append(mttr, d.Hours())
		v := 0.0
		for _, a := range m.Attainment {
			if a.Group == model.AttainmentAll {
				v, _ = a.Met.Value()
			}
		}
		sla = append(sla, v)
	}
	hours := make([]float64, len(volume))
	for i, n := range volume {
		hours[i] = float64(n)
	}
	first := ""
	if len(history) > 0 {
		first = history[0].Until.In(loc).Format("Mon 02 Jan")
	}
	var out []string
	chart := func(label string, values []float64, top float64, mean bool, note string) {
		values, per := squeeze(values, chartW, mean)
		if top == 0 { // scaled to the highest column
			for _, v := range values {
				top = max(top, v)
			}
		}
		rows := strings.Split(sparklineView(values, top, len(values)), "\n")
		for i, r := range rows {
			head := strings.Repeat(" ", labelW)
			if i == 0 {
				head = fmt.Sprintf(" %-*s", labelW-1, label)
			}
			tail := ""
			if i == len(rows)-1 {
				tail = "  " + st.Dim.Render(note)
				if per > 1 {
					tail += st.Dim.Render(fmt.Sprintf(" (%d per column)", per))
				}
			}
			out = append(out, head+st.Label.Render(r)+tail)
		}
	}
	peak := func(vs []float64) float64 {
		top := 0.0
		for _, v := range vs {
			top = max(top, v)
		}
		return top
	}
	last := func(vs []float64) float64 {
		if len(vs) == 0 {
			return 0
		}
		return vs[len(vs)-1]
	}
	chart("MTTR per day", mttr, 0, true, fmt.Sprintf("from %s · peak %.1fh · today %.1fh", first, peak(mttr), last(mttr)))
	chart("SLA met per day", sla, 1, true, fmt.Sprintf("from %s · scale 0–100%% · today %s", first, model.Percent(last(sla))))
	chart("Alerts per hour", hours, 0, false, fmt.Sprintf("peak %.0f/h · last hour %.0f", peak(hours), last(hours)))
	return out
}

// squeeze fits values into at most width columns, each the sum (counts)
// or the mean (shares, times) of consecutive values, and says how many.
func squeeze(values []float64, width int, mean bool) ([]float64, int) {
	if len(values) <= width {
		return values, 1
	}
	per := (len(values) + width - 1) / width
	out := make([]float64, 0, width)
	for i := 0; i < len(values); i += per {
		group := values[i:min(i+per, len(values))]
		sum := 0.0
		for _, v := range group {
			sum += v
		}
		if mean {
			sum /= float64(len(group))
		}
		out = append(out, sum)
	}
	return out, per
}

// sparklineView draws values as columns chartRows high, scaled to top.
func sparklineView(values []float64, top float64, width int) string {
	if top <= 0 {
		top = 1
	}
	sl := sparkline.New(max(width, 1), chartRows, sparkline.WithNoAutoMaxValue(), sparkline.WithMaxValue(top))
	sl.PushAll(values)
	sl.Draw()
	return sl.View()
}
