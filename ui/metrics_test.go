package ui

import (
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

func TestMetrics80x24(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleViewer) // reading metrics needs no role
	tm := open(t, m, 80, 24)
	tm.Press("M")
	tm.WaitForPane("Metrics · last 24 hours", "SLA attainment")
	view := tm.Final()
	for _, want := range []string{"Metrics · last 24 hours", "MTTR", "M shows 7 days", "24h ⇄ 7d"} {
		if !strings.Contains(view, want) {
			t.Errorf("metrics at 80x24 lack %q", want)
		}
	}
	uitest.Golden(t, view)
}

func TestMetrics200x60(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("M", "M") // the second M switches to the week
	tm.WaitForPane("Metrics · last 7 days", "Exit criteria")
	view := tm.Final()
	for _, want := range []string{
		"M shows 24 hours",
		"  50.0%  1 of 2", // P1: INC-1 on time, INC-6 late
		"requests   ",
		"Mon 23 Nov", "opened", "resolved",
		"checkout · availability  4 incidents", // INC-1, 2, 3 and the open INC-7
		"within 7 days",
		"✗ not met  No open P1 incidents", "✓ met      At most two open P2 incidents", "3 of 9 met, each on the last 24 hours",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("weekly metrics lack %q", want)
		}
	}
	uitest.Golden(t, view)
}

func TestMetricsCommandAndBack(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 80, 24)
	tm.Press(":", "metrics 7d", "enter")
	tm.WaitForPane("Metrics · last 7 days", "SLA attainment")
	tm.Press(":", "metrics fortnight", "enter")
	tm.WaitFor(`"fortnight" is not a window`)
	tm.Press("esc")
	tm.WaitForPane("Incidents", "INC-7")
	tm.Press("?")
	tm.WaitFor("service metrics")
	tm.Final()
}

// The metrics view ends with the trends drawn as charts: MTTR and SLA
// attainment per day, and alert volume per hour over the window.
func TestMetricsTrendCharts(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	tm := open(t, m, 200, 60)
	tm.Press("M", "M")
	tm.WaitForPane("Metrics · last 7 days", "Exit criteria")
	tm.Press("G")
	tm.WaitForPane("Metrics · last 7 days", "Trends  per day over the last 7 days", "MTTR per day", "SLA met per day",
		"scale 0–100%", "Alerts per hour", "peak 1/h", "█")
	tm.Final()
}
