package consoletest

import (
	"fmt"
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
	// The war-room banner says itself short rather than cut its countdown.
	if banner := strings.Split(frame, "\n")[1]; !strings.Contains(banner, "⚑ MAJOR INC-3 P1 checkout · update OVERDUE 2h30m") || strings.Contains(banner, "…") {
		t.Errorf("war-room banner at 60 columns: %q", banner)
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

// The queue keeps each incident's SLA and owner at 80x24 and 60x15: the
// owner whole at 80 columns (sofia.lindqvist), its start at 60; a major
// incident is marked ⚑ where MAJOR does not fit, MAJOR on a big screen.
func TestQueueKeepsOwnerAndSLA(t *testing.T) {
	for _, tc := range []struct {
		w, h        int
		owner, mark string
	}{
		{uitest.SmallW, uitest.SmallH, "sofia.lindqvist", "⚑"},
		{60, 15, "sofia.lin…", "⚑"},
		{uitest.LargeW, uitest.LargeH, "sofia.lindqvist", "MAJOR"},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.w, tc.h), func(t *testing.T) {
			s := seeded(t)
			if _, err := s.desk.Assign(s.ctx, lead, 3, "", "sofia.lindqvist"); err != nil {
				t.Fatal(err)
			}
			_, tm := s.console(lead, tc.w, tc.h)
			frame := tm.WaitForPane("Incidents", "OWNER", "SLA", tc.owner)
			var row string
			for _, l := range strings.Split(queueRows(frame), "\n") {
				if strings.Contains(l, "INC-3 ") {
					row = l
				}
			}
			if !strings.Contains(row, tc.owner) || !strings.Contains(row, tc.mark) || !slaMark.MatchString(row) {
				t.Errorf("INC-3's row lacks its owner %q, mark %q or SLA: %q", tc.owner, tc.mark, row)
			}
			tm.Final()
		})
	}
}

// slaMark is an open incident's SLA as the queue writes it (model.SLAMark).
var slaMark = regexp.MustCompile(`\s(✗?‖?r?(\d+d\d+h|\d+h\d\dm|\d+m|<1m)|✗?‖r?\d+%)\s`)

// The footer says who is at the console and offers ? help at every size,
// with hints whole or not at all; a narrow one drops the word "updated"
// and the role first.
func TestFooterHintsWhole(t *testing.T) {
	for _, size := range [][2]int{{uitest.LargeW, uitest.LargeH}, {uitest.SmallW, uitest.SmallH}, {60, 15}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			_, tm := s.console(operator, size[0], size[1])
			foot := strings.TrimSpace(lastLine(tm.Final()))
			if !strings.HasPrefix(foot, "● LIVE") || !strings.Contains(foot, "tom.okafor") || !strings.Contains(foot, "? help") {
				t.Errorf("footer: %q", foot)
			}
			if strings.HasSuffix(foot, "…") {
				t.Errorf("a hint is cut: %q", foot)
			}
			if size[0] == 60 && strings.Contains(foot, "updated") {
				t.Errorf("a 60-column footer keeps the word updated: %q", foot)
			}
		})
	}
}
