package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// ? explains the marks of the pane or view in front of the operator, and
// of the header and footer, with the keys a role may not use marked.
func TestLegendPerPane(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleViewer), 200, 60)
	tm.Press("?")
	tm.WaitFor("Keys in Incidents", "acknowledge · needs the operator role", "Marks in Incidents", "r15m", "✗1h00m", "‖40%", "·platform",
		"drops 21+1 2✗", "exit 4/9")
	tm.Press("esc", "2", "?")
	tm.WaitFor("Marks in Alerts", "[STORM 3/26 firing]", "[FLAP]", "SIL")
	tm.Press("esc", "3", "?")
	tm.WaitFor("Marks in Changes", "○ 02:00", "⟳ 03:00", "☎ 08:00", "▓ ░")
	tm.Press("esc", "1", "enter")
	tm.WaitForPane("INC-7", "Checkout returns 502")
	tm.Press("?")
	view := tm.WaitFor("Keys in INC-7", "Marks in INC-7", "r15m")
	if strings.Contains(view, "Marks in Alerts") {
		t.Errorf("the detail's help explains another pane:\n%s", view)
	}
	tm.Final()
}

// At 80x24 and 60x15 the legend scrolls to its last line, whole.
func TestLegendSmall(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 15}} {
		t.Run(strings.Join([]string{itoa(size[0]), itoa(size[1])}, "x"), func(t *testing.T) {
			tm := open(t, newTestModel(t, newFakeStore(), model.RoleOperator), size[0], size[1])
			tm.Press("?")
			tm.WaitFor("Navigate")
			for range 80 {
				tm.Press("down")
			}
			view := tm.WaitFor("· needs …", "lines ")
			uitest.Golden(t, view)
			tm.Final()
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
