package ui

import (
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

func TestMetrics80x24(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleViewer) // reading metrics needs no role
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "M")
	waitFor(t, tm, "SLA attainment")
	view := finalView(t, tm)
	for _, want := range []string{"Metrics · last 24 hours", "MTTR", "M shows 7 days", "24h ⇄ 7d"} {
		if !strings.Contains(view, want) {
			t.Errorf("metrics at 80x24 lack %q", want)
		}
	}
	golden(t, view)
}

func TestMetrics200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 200, 60, "INC-7")
	keys(tm, "M", "M") // the second M switches to the week
	waitFor(t, tm, "Metrics · last 7 days")
	waitFor(t, tm, "Exit criteria")
	view := finalView(t, tm)
	for _, want := range []string{
		"M shows 24 hours",
		"  50.0%  1 of 2", // P1: INC-1 on time, INC-6 late
		"requests   ",
		"Mon 23 Nov", "opened", "resolved",
		"checkout · availability  4 incidents", // INC-1, 2, 3 and the open INC-7
		"within 7 days",
		"✗ not met  No open P1 incidents", "✓ met      At most two open P2 incidents", "1 of 5 met",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("weekly metrics lack %q", want)
		}
	}
	golden(t, view)
}

func TestMetricsCommandAndBack(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, ":", "metrics 7d", "enter")
	waitFor(t, tm, "Metrics · last 7 days")
	keys(tm, ":", "metrics fortnight", "enter")
	waitFor(t, tm, `"fortnight" is not a window`)
	mark(tm)
	keys(tm, "esc")
	waitFor(t, tm, "1 Incidents")
	keys(tm, "?")
	waitFor(t, tm, "service metrics")
	finalView(t, tm)
}
