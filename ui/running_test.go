package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// The running change gives way before the clock and the figures do: whole,
// then without its service, then not at all; never cut mid-word.
func TestHeaderRunningChangeFits(t *testing.T) {
	for _, tt := range []struct {
		w       int
		running string // "" when it has no room
	}{
		{200, "▶ CHG-6 payments +1"}, // the next change gave way to who is on call
		{120, "▶ CHG-6 payments +1"}, // the service's name gave way
		{100, "▶ CHG-6 +1"},
		{80, "▶ CHG-6 +1"},
		{MinWidth, ""},
	} {
		t.Run(fmt.Sprint(tt.w), func(t *testing.T) {
			f := newFakeStore()
			f.counts.SLAAtRisk = 2
			second := f.changes[0] // CHG-3, scheduled later today: its time has come
			second.ID, second.Start = 8, testNow.Add(-time.Hour)
			f.changes = append(f.changes, second)
			tm := uitest.Start(t, newTestModel(t, f, model.RoleOperator), tt.w, 24)
			header, _, _ := strings.Cut(tm.WaitFor("firing 20", "14:00:00"), "\n")
			tm.Final()
			if w := ansi.StringWidth(header); w != tt.w {
				t.Errorf("the header is %d wide, want %d: %q", w, tt.w, header)
			}
			if !strings.Contains(header, "P1 1  P2 1") || !strings.Contains(header, "risk 2  firing 20 ") || !strings.Contains(header, "14:00:00") {
				t.Errorf("the header lost a figure or the clock: %q", header)
			}
			switch {
			case tt.running == "" && strings.Contains(header, "▶"):
				t.Errorf("the running change squeezed in: %q", header)
			case tt.running != "" && !strings.Contains(header, tt.running):
				t.Errorf("the header lacks %q: %q", tt.running, header)
			}
		})
	}
}
