package ui

import (
	"context"
	"fmt"
	"strings"

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
	history, err := model.ReadMetricsHistory(ctx, r, plan.ExitDays, s.Now(), s.loc())
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
