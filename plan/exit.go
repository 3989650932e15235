package plan

import (
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// ExitScore is one exit criterion measured against a window's metrics.
type ExitScore struct {
	Name    string  `json:"name"`
	Metric  string  `json:"metric"`
	Target  float64 `json:"target"`
	AtLeast bool    `json:"at_least"` // met at or above the target; else at or below
	// Value is the measure; nil when the window holds nothing to measure it
	// by (no resolutions, no ratings), and then the criterion is not met.
	Value *float64 `json:"value"`
	Met   bool     `json:"met"`
}

// Status is "met", "not met" or "no data".
func (s ExitScore) Status() string {
	switch {
	case s.Value == nil:
		return "no data"
	case s.Met:
		return "met"
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

// ScoreExit measures every exit criterion of the plan against m, in plan order.
func (p *Plan) ScoreExit(m model.Metrics) []ExitScore {
	out := make([]ExitScore, 0, len(p.Hypercare.ExitCriteria))
	for _, c := range p.Hypercare.ExitCriteria {
		s := ExitScore{Name: c.Name, Metric: c.Metric, Target: c.Target, AtLeast: ExitMetrics[c.Metric]}
		if v, ok := ExitValue(m, c.Metric); ok {
			s.Value, s.Met = &v, c.Met(v)
		}
		out = append(out, s)
	}
	return out
}

// ExitValue is the value of one of the ExitMetrics; false when the metrics
// hold nothing to measure it by, or the name is not one of them.
func ExitValue(m model.Metrics, metric string) (float64, bool) {
	switch metric {
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
	}
	return 0, false
}

// FormatExitValue writes a measure the way its target is written in the
// plan: shares as percentages, CSAT to one decimal, hours to one decimal,
// counts as whole numbers.
func FormatExitValue(metric string, v float64) string {
	switch metric {
	case "sla_attainment", "reopen_rate", "change_success_rate", "training_completion":
		return model.Percent(v)
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
