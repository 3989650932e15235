package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/keymaps"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// Every key that does something is in the palette beside a command that
// does the same: the palette is the list of everything the console does.
// Moving about (the Navigate keys), the answers to a question (and to "are
// you sure?") and the keys that open the ":" line and the palette
// themselves are not commands.
func TestPaletteListsEveryKey(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleLead)
	t.Cleanup(m.Close)
	taught := map[string]bool{}
	for _, c := range commands() {
		if k := keyFor(m.s, c.name); k != "" {
			taught[k] = true
		}
	}
	for _, a := range m.s.km.Actions {
		if a.Group == keymaps.GroupNavigate || a.Group == keymaps.GroupAnswer || a.Group == keymaps.GroupConfirm || a.Name == "command" || a.Name == "palette" {
			continue
		}
		if k := a.Binding.Keys()[0]; !taught[k] {
			t.Errorf("the palette has no command for %s (%s)", a.Name, k)
		}
	}
}

// keyMsg presses what a key map names, named keys included, so a command
// run from the palette does what its key does.
func TestKeyMsg(t *testing.T) {
	for _, k := range []string{"s", "+", "tab", "shift+tab", "ctrl+p", "left", "pgdown", "alt+x", "esc"} {
		if got := keyMsg(k).String(); got != k {
			t.Errorf("keyMsg(%q) is %q", k, got)
		}
	}
}

// The palette shows each command's key, and the one under the cursor
// whole, at 80x24 and 60x15; a command whose key works in one place runs
// there and says where it works anywhere else.
func TestPaletteKeysAndKeyCommands(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 15}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tm := open(t, newTestModel(t, newFakeStore(), model.RoleLead), size[0], size[1])
			tm.Press("ctrl+p", "silence")
			view := tm.WaitFor("▶ silence ", "silence (s) — silence the selected alert")
			if !strings.Contains(view, "silences") || !strings.Contains(view, "unsilence N") {
				t.Errorf("the palette lists only the first match:\n%s", view)
			}
			tm.Press("enter")
			tm.WaitFor("silence (s) works in the alert feed")
			tm.Press("2", ":", "silence", "enter")
			tm.WaitFor("Silence alerts", "matchers")
			tm.Final()
		})
	}
}

// The ":" line says, as the name is typed, the command's arguments and
// what it does; the commands a prefix may still be; that a reference
// opens its record; and that nothing begins so.
func TestCommandLineHints(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleLead), 120, 30)
	for _, tc := range []struct{ typed, want string }{
		{"jo", "jobs [JOB] — scheduled jobs and backups"},
		{"upd", "update [TEMPLATE] — write a status update"},
		{"uns", "unsilence N — end silence SIL-N now"},
		{"sl", "slot [SERVICES DURATION] — next conflict-free time"},
		{"sil", "silences · silence"},
		{"major", "major on|off REASON — declare the selected incident major"},
		{"INC-", "open that record (INC-n"},
		{"frob", "no command begins frob: ctrl+p lists them all"},
		{"open_r", "open_runbook — open the first runbook"},
	} {
		tm.Press(":", tc.typed)
		tm.WaitFor(":"+tc.typed, tc.want)
		tm.Press("esc")
	}
	// tab completes as far as the commands agree, then the whole name.
	tm.Press(":", "handov", "tab")
	tm.WaitFor(":handover ", "handover — draft a handover")
	tm.Press("s", "tab")
	tm.WaitFor(":handovers ", "handovers — the past handovers")
	tm.Final()
}

// ? explains the marks of the views over the panes too: the jobs list's
// run marks and RPO, the metrics' abbreviations, and a detail's scroll mark.
func TestLegendOfViews(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleLead), 200, 60)
	tm.Press("J", "?")
	tm.WaitFor("Marks in this view", "◷", "∅", "RPO", "recovery point objective")
	tm.Press("esc", "esc", "M")
	tm.WaitFor("Metrics")
	tm.Press("?")
	tm.WaitFor("MTTA", "mean time to acknowledge", "CSAT", "held 1/3d", "↕40%")
	tm.Final()
}

// At 60x15 the feed drops the summary for the name and its tags, so a
// storm still says it is one; the queue marks the major incident ⚑.
func TestNarrowFeedKeepsTags(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleOperator), 60, 15)
	queue := tm.WaitForPane("Incidents", "INC-7")
	if !strings.Contains(queue, "⚑") {
		t.Errorf("the major incident is not marked:\n%s", queue)
	}
	tm.Press("2")
	for range 10 {
		tm.Press("j")
	}
	feed := tm.WaitForPane("Alerts", "[STORM 2/3")
	if strings.Contains(feed, "SUMMARY") {
		t.Errorf("a 60-column feed keeps a summary column:\n%s", feed)
	}
	tm.Final()
}

// A small wall screen says its figures in one line, none cut, its tabs are
// the rotation's pages, and the overview stacks the incidents over the
// alerts so each keeps its title and owner.
func TestWallSmall(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 15}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := newTestModel(t, newFakeStore(), model.RoleViewer)
			m.s.Wall, m.s.Rotate, m.s.Actions = true, time.Second, nil
			t.Cleanup(m.Close)
			tm := uitest.Start(t, m, size[0], size[1])
			grid := tm.WaitUntil("the wall loaded", func(frame string) bool {
				return strings.Contains(frame, "WALL · read-only") && strings.Contains(uitest.Pane(frame, "Incidents"), "REQ-12")
			})
			line := strings.Split(grid, "\n")[1]
			if !strings.Contains(line, "▲ P1") || !strings.Contains(line, "FIRING") || strings.Contains(line, "…") {
				t.Errorf("the wall's figures: %q", line)
			}
			if tabs := strings.Split(grid, "\n")[2]; !strings.Contains(tabs, "Overview") || strings.Contains(tabs, "Knowledge") {
				t.Errorf("the wall's tabs: %q", tabs)
			}
			tm.Mark()
			overview := tm.WaitFor("[Overview]", "Critical alerts firing", "INC-7")
			for _, l := range strings.Split(overview, "\n") {
				if strings.Contains(l, "INC-7") && !strings.Contains(l, "· alice") {
					t.Errorf("the overview cuts INC-7's owner: %q", l)
				}
			}
			uitest.Golden(t, overview)
			tm.Final()
		})
	}
}

// The help scrolls by line and by page at 60x15, stops at its last line,
// and steps back from there at once.
func TestHelpScrollsSmall(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleOperator), 60, 15)
	tm.Press("?")
	first := tm.WaitFor("Navigate", "lines 1–")
	tm.Press("pgdown")
	paged := tm.WaitFor("lines 8–")
	if paged == first {
		t.Fatal("page down did not move")
	}
	tm.Press("G")
	last := tm.WaitFor("· needs …")
	var of string
	if _, after, ok := strings.Cut(last, "lines "); ok {
		of, _, _ = strings.Cut(after, " ")
	}
	from, to, _ := strings.Cut(of, "–")
	tm.Press("up")
	tm.WaitFor(fmt.Sprintf("lines %d–%d", atoi(t, from)-1, atoi(t, to)-1))
	tm.Final()
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}
