package consoletest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// A refusal's reason is read whole at 80x24 and 60x15: it wraps in the
// footer, and :messages keeps it, newest first.
func TestRefusalReadWhole(t *testing.T) {
	for _, size := range [][2]int{{uitest.SmallW, uitest.SmallH}, {60, 15}} {
		s := seeded(t)
		_, tm := s.console(viewer, size[0], size[1])
		tm.Press("a") // the viewer may not acknowledge INC-3
		frame := tm.WaitUntil("the reason in full", func(frame string) bool {
			return strings.Contains(strings.Join(strings.Fields(footer(frame)), " "), "needs the operator role")
		})
		if !strings.Contains(footer(frame), "may not") {
			t.Errorf("%dx%d: the refusal is not in the footer:\n%s", size[0], size[1], frame)
		}
		tm.Press(":", "messages", "enter")
		tm.WaitFor("Messages (newest first)", "dan.kowalski (viewer) may not")
		tm.Final()
	}
}

// footer is the rows below the last pane border: the footer, however
// many rows a notice takes.
func footer(frame string) string {
	lines := strings.Split(frame, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.ContainsAny(lines[i], "┗└╰") {
			return strings.Join(lines[i+1:], "\n")
		}
	}
	return lastLine(frame)
}

// At 60 columns the header keeps every figure and the clock whole,
// whatever else it drops.
func TestHeaderAt60x15(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, 60, 15)
	frame := tm.Final()
	header := strings.TrimSpace(strings.SplitN(frame, "\n", 2)[0])
	ok := regexp.MustCompile(`^(HYPERCARE +)?(day \d+/\d+ +)?P1 1 +P2 1 +firing 2 .* \d\d:\d\d:\d\d$`)
	if !ok.MatchString(header) {
		t.Errorf("header at 60 columns: %q", header)
	}
	uitest.Golden(t, frame)
}

// The detail's service line keeps its owner on a small screen.
func TestDetailServiceOwnerSmall(t *testing.T) {
	for _, size := range [][2]int{{uitest.SmallW, uitest.SmallH}, {60, 15}} {
		s := seeded(t)
		_, tm := s.console(operator, size[0], size[1])
		tm.Press(":", "INC-3", "enter")
		tm.WaitForPane("INC-3", "service", "Checkout · owner web")
		tm.Final()
	}
}
