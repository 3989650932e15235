package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestExitValueKnowsEveryMetric(t *testing.T) {
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	m := model.Metrics{
		Since: day, Until: day.Add(24 * time.Hour),
		Open:         model.OpenCounts{Incidents: [5]int{1, 3, 0, 0, 0}},
		Attainment:   []model.Attainment{{Group: "P1", Met: model.Ratio{N: 1, Of: 1}}, {Group: model.AttainmentAll, Met: model.Ratio{N: 9, Of: 10}}},
		Reopened:     model.Ratio{N: 1, Of: 20},
		Satisfaction: model.Average{Count: 2, Sum: 9},
		MTTR:         model.Mean{Count: 2, Total: 5 * time.Hour},
		Changes:      model.ChangeMetrics{Success: model.Ratio{N: 3, Of: 4}, CausedP1P2: 2},
		Training:     model.Ratio{N: 1, Of: 8},
		Downtime:     map[string]time.Duration{"checkout": 36 * time.Minute, "search": 72 * time.Minute},
		Runbooks:     model.Ratio{N: 3, Of: 5},
	}
	want := map[string]float64{"open_p1": 1, "open_p2": 3, "sla_attainment": 0.9, "reopen_rate": 0.05, "csat": 4.5, "mttr_hours": 2.5,
		"change_success_rate": 0.75, "change_caused_p1p2": 2, "training_completion": 0.125, "availability": 0.95, "runbook_coverage": 0.6}
	for metric := range ExitMetrics {
		v, ok := ExitCriterion{Metric: metric}.Value(m)
		if !ok || v != want[metric] {
			t.Errorf("%s = %v, %v; want %v", metric, v, ok, want[metric])
		}
	}
	if v, _ := (ExitCriterion{Metric: "availability", Service: "checkout"}).Value(m); v != 0.975 {
		t.Errorf("checkout availability = %v, want 0.975 (36 minutes down of 24 hours)", v)
	}
	if _, ok := (ExitCriterion{Metric: "uptime"}).Value(m); ok {
		t.Error("an unknown metric has a value")
	}
}

// Each criterion is scored on the days of the history, the last one now:
// met when today meets it and, with held_for, the days before too.
func TestScoreExit(t *testing.T) {
	p := &Plan{Hypercare: Hypercare{ExitCriteria: []ExitCriterion{
		{Name: "no P1", Metric: "open_p1", Target: 0},
		{Name: "attainment", Metric: "sla_attainment", Target: 0.95},
		{Name: "csat", Metric: "csat", Target: 4},
		{Name: "mttr", Metric: "mttr_hours", Target: 8},
		{Name: "no P1 for 3 days", Metric: "open_p1", Target: 0, heldDays: 3},
		{Name: "no P2 for 3 days", Metric: "open_p2", Target: 0, heldDays: 3},
	}}}
	day := func(p1, p2 int) model.Metrics {
		return model.Metrics{
			Open:         model.OpenCounts{Incidents: [5]int{p1, p2}},
			Attainment:   []model.Attainment{{Group: model.AttainmentAll, Met: model.Ratio{N: 19, Of: 20}}},
			Satisfaction: model.Average{}, // nothing rated
			MTTR:         model.Mean{Count: 1, Total: 9 * time.Hour},
		}
	}
	// Four days, oldest first: a P1 open on the first, none since; P2s
	// cleared only yesterday.
	history := []model.Metrics{day(1, 2), day(0, 1), day(0, 0), day(0, 0)}
	tests := []struct {
		status, condition string
		held              int
	}{
		{"met", "≤ 0", 3},              // no open P1 for three days
		{"met", "≥ 95.0%", 4},          // exactly on target
		{"no data", "≥ 4.0", 0},        // nobody rated anything
		{"not met", "≤ 8.0h", 0},       // nine hours
		{"met", "≤ 0", 3},              // held the three days it needs
		{"held 2 of 3 days", "≤ 0", 2}, // one day short
	}
	got := p.ScoreExit(history)
	if len(got) != len(tests) {
		t.Fatalf("%d scores, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		if got[i].Status() != tt.status || got[i].Condition() != tt.condition || got[i].Held != tt.held {
			t.Errorf("%s: %s %s held %d; want %s %s held %d", got[i].Name, got[i].Status(), got[i].Condition(), got[i].Held,
				tt.status, tt.condition, tt.held)
		}
		if len(got[i].Trend) != len(history) {
			t.Errorf("%s: trend of %d days, want %d", got[i].Name, len(got[i].Trend), len(history))
		}
	}
	if met, of := ExitTally(got); met != 3 || of != 6 {
		t.Errorf("tally %d/%d, want 3/6", met, of)
	}
}

// held_for is whole days up to two weeks; service goes with availability.
func TestExitCriterionChecks(t *testing.T) {
	valid := readFile(t, "testdata/valid.toml")
	for _, tc := range []struct{ criterion, field, msg string }{
		{`{ name = "x", metric = "open_p1", target = 0, held_for = "36h" }`, "held_for", "is not a number of days"},
		{`{ name = "x", metric = "open_p1", target = 0, held_for = "30d" }`, "held_for", "more than 14 days"},
		{`{ name = "x", metric = "open_p1", target = 0, service = "shop" }`, "service", "only availability is measured per service"},
		{`{ name = "x", metric = "availability", target = 0.99, service = "nope" }`, "service", `"nope"`},
	} {
		text := strings.Replace(valid, `timezone = "Europe/London"`, "timezone = \"Europe/London\"\nexit_criteria = ["+tc.criterion+"]", 1)
		_, err := Parse("plan.toml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), "exit_criteria[1]."+tc.field) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v; want %s: %s", tc.criterion, err, tc.field, tc.msg)
		}
	}
	good := strings.Replace(valid, `timezone = "Europe/London"`, "timezone = \"Europe/London\"\nexit_criteria = [{ name = \"up\", metric = \"availability\", target = 0.999, service = \"shop\", held_for = \"3d\" }]", 1)
	p, err := Parse("plan.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Hypercare.ExitCriteria[0]; c.HeldDays() != 3 {
		t.Errorf("held days %d, want 3", c.HeldDays())
	}
}
