package plan

import (
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// ExitScore is one exit criterion scored on the daily metrics history:
// its value over the last 24 hours, how many days in a row it has been
// met, and its trend.
type ExitScore struct {
	Name    string  `json:"name"`
	Metric  string  `json:"metric"`
	Service string  `json:"service,omitempty"`
	Target  float64 `json:"target"`
	AtLeast bool    `json:"at_least"` // met at or above the target; else at or below
	// Value is the measure over the last 24 hours; nil when they hold
	// nothing to measure it by (no resolutions, no ratings), and then the
	// criterion is not met.
	Value *float64 `json:"value"`
	// HeldFor is how many days in a row it must be met (1 without
	// held_for); Held how many it has been, ending now, at most the days
	// of history.
	HeldFor int  `json:"held_for_days"`
	Held    int  `json:"held_days"`
	Met     bool `json:"met"`
	// Trend is the value of each day of the history, oldest first; nil for
	// a day with nothing to measure.
	Trend []*float64 `json:"trend"`
}

// Status is "met", "not met", "no data", or "held 2 of 3 days" while a
// criterion met today has not yet held long enough.
func (s ExitScore) Status() string {
	switch {
	case s.Value == nil:
		return "no data"
	case s.Met:
		return "met"
	case s.Held > 0:
		return fmt.Sprintf("held %d of %d days", s.Held, s.HeldFor)
	}
	return "not met"
}

// Condition is the target as a comparison: "≥ 0.95", "≤ 2".
func (s ExitScore) Condition() string {
	if s.AtLeast {
		return "≥ " + FormatExitValue(s.Metric, s.Target)
	}
	return "≤ " + FormatExitValue(s.Metric, s.Target)
}

// ExitDays is how many days of history the scorecard reads: enough for
// the longest held_for, and two weeks of trend.
const ExitDays = MaxHeldDays

// ScoreExit scores every exit criterion of the plan on the daily metrics
// history (model.ReadMetricsHistory, oldest first, the last day ending
// now), in plan order. A criterion is met when its last day meets the
// target and the days before do too, as many as held_for asks.
func (p *Plan) ScoreExit(history []model.Metrics) []ExitScore {
	out := make([]ExitScore, 0, len(p.Hypercare.ExitCriteria))
	for _, c := range p.Hypercare.ExitCriteria {
		s := ExitScore{Name: c.Name, Metric: c.Metric, Service: c.Service, Target: c.Target, AtLeast: ExitMetrics[c.Metric],
			HeldFor: c.HeldDays(), Trend: make([]*float64, len(history))}
		streak := true
		for i := len(history) - 1; i >= 0; i-- {
			v, ok := c.Value(history[i])
			if ok {
				s.Trend[i] = &v
			}
			if streak && ok && c.Met(v) {
				s.Held++
			} else {
				streak = false
			}
		}
		if n := len(history); n > 0 {
			s.Value = s.Trend[n-1]
		}
		s.Met = s.Value != nil && s.Held >= s.HeldFor
		out = append(out, s)
	}
	return out
}

// ExitTally is how many criteria are met, of how many: "exit 4/7".
func ExitTally(scores []ExitScore) (met, of int) {
	for _, s := range scores {
		if s.Met {
			met++
		}
	}
	return met, len(scores)
}

// Value is the criterion's measure in m; false when m holds nothing to
// measure it by, or the metric is not one of ExitMetrics.
func (c ExitCriterion) Value(m model.Metrics) (float64, bool) {
	switch c.Metric {
	case "open_p1":
		return float64(m.Open.Priority(1)), true
	case "open_p2":
		return float64(m.Open.Priority(2)), true
	case "sla_attainment":
		for _, a := range m.Attainment {
			if a.Group == model.AttainmentAll {
				return a.Met.Value()
			}
		}
	case "reopen_rate":
		return m.Reopened.Value()
	case "csat":
		return m.Satisfaction.Value()
	case "mttr_hours":
		d, ok := m.MTTR.Value()
		return d.Hours(), ok
	case "change_success_rate":
		return m.Changes.Success.Value()
	case "change_caused_p1p2":
		return float64(m.Changes.CausedP1P2), true
	case "training_completion":
		return m.Training.Value()
	case "availability":
		return m.Availability(c.Service), true
	case "runbook_coverage":
		return m.Runbooks.Value()
	}
	return 0, false
}

// FormatExitValue writes a measure the way its target is written in the
// plan: shares as percentages, CSAT to one decimal, hours to one decimal,
// counts as whole numbers.
func FormatExitValue(metric string, v float64) string {
	switch metric {
	case "sla_attainment", "reopen_rate", "change_success_rate", "training_completion", "runbook_coverage":
		return model.Percent(v)
	case "availability":
		return fmt.Sprintf("%.2f%%", v*100)
	case "csat":
		return fmt.Sprintf("%.1f", v)
	case "mttr_hours":
		return fmt.Sprintf("%.1fh", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// ParseDuration reads a duration the way the plan writes them: Go durations
// ("15m", "4h") with whole days in front ("7d", "1d12h").
func ParseDuration(s string) (time.Duration, error) { return parseDuration(s) }
