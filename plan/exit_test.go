package plan

import (
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestExitValueKnowsEveryMetric(t *testing.T) {
	m := model.Metrics{
		Open:         model.OpenCounts{Incidents: [5]int{1, 3, 0, 0, 0}},
		Attainment:   []model.Attainment{{Group: "P1", Met: model.Ratio{N: 1, Of: 1}}, {Group: model.AttainmentAll, Met: model.Ratio{N: 9, Of: 10}}},
		Reopened:     model.Ratio{N: 1, Of: 20},
		Satisfaction: model.Average{Count: 2, Sum: 9},
		MTTR:         model.Mean{Count: 2, Total: 5 * time.Hour},
		Changes:      model.ChangeMetrics{Success: model.Ratio{N: 3, Of: 4}, CausedP1P2: 2},
		Training:     model.Ratio{N: 1, Of: 8},
	}
	want := map[string]float64{"open_p1": 1, "open_p2": 3, "sla_attainment": 0.9, "reopen_rate": 0.05, "csat": 4.5, "mttr_hours": 2.5,
		"change_success_rate": 0.75, "change_caused_p1p2": 2, "training_completion": 0.125}
	for metric := range ExitMetrics {
		v, ok := ExitValue(m, metric)
		if !ok || v != want[metric] {
			t.Errorf("%s = %v, %v; want %v", metric, v, ok, want[metric])
		}
	}
	if _, ok := ExitValue(m, "uptime"); ok {
		t.Error("an unknown metric has a value")
	}
}

func TestScoreExit(t *testing.T) {
	p := &Plan{Hypercare: Hypercare{ExitCriteria: []ExitCriterion{
		{Name: "no P1", Metric: "open_p1", Target: 0},
		{Name: "attainment", Metric: "sla_attainment", Target: 0.95},
		{Name: "csat", Metric: "csat", Target: 4},
		{Name: "mttr", Metric: "mttr_hours", Target: 8},
	}}}
	m := model.Metrics{
		Attainment:   []model.Attainment{{Group: model.AttainmentAll, Met: model.Ratio{N: 19, Of: 20}}},
		Satisfaction: model.Average{}, // nothing rated
		MTTR:         model.Mean{Count: 1, Total: 9 * time.Hour},
	}
	tests := []struct {
		status, condition string
	}{
		{"met", "≤ 0"},        // no open P1
		{"met", "≥ 95.0%"},    // exactly on target
		{"no data", "≥ 4.0"},  // nobody rated anything
		{"not met", "≤ 8.0h"}, // nine hours
	}
	got := p.ScoreExit(m)
	if len(got) != len(tests) {
		t.Fatalf("%d scores, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		if got[i].Status() != tt.status || got[i].Condition() != tt.condition {
			t.Errorf("%s: %s %s; want %s %s", got[i].Name, got[i].Status(), got[i].Condition(), tt.status, tt.condition)
		}
	}
}
