package consoletest

import (
	"testing"

	"github.com/hypercare-ops/hypercare/ui"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// ctrl+e in the note editor runs $EDITOR on the note and loads what it
// wrote; ctrl+s then saves it. The "editor" here writes a fixed note.
func TestNoteFromEditor(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH, func(d *ui.Deps) {
		d.Editor = `printf 'PSP logs show timeouts\nfrom 13:55' >`
	})
	tm.Press("n")
	tm.WaitFor("Note on INC-3", "ctrl+e $EDITOR")
	tm.Press("ctrl+e")
	tm.WaitFor("note loaded from the editor")
	tm.Press("ctrl+s")
	tm.WaitFor("note added to INC-3")
	tm.Final()
	if e := s.lastEntry(3); e.Kind != "note" || e.Text != "PSP logs show timeouts\nfrom 13:55" {
		t.Fatalf("INC-3's newest timeline entry: %+v", e)
	}
}

// One esc does not throw a written note away; a second one does.
func TestNoteEscAsksFirst(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("n")
	tm.WaitFor("Note on INC-3")
	tm.Press("half a thought", "esc")
	tm.WaitFor("esc again throws this note away")
	tm.Press(" finished", "ctrl+s")
	tm.WaitFor("note added to INC-3")
	tm.Final()
	if e := s.lastEntry(3); e.Kind != "note" || e.Text != "half a thought finished" {
		t.Fatalf("INC-3's newest timeline entry: %+v", e)
	}

	_, tm = s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("n")
	tm.WaitFor("Note on INC-3")
	tm.Press("never mind", "esc", "esc")
	tm.WaitForPane("Incidents", "INC-3")
	tm.Final()
	if e := s.lastEntry(3); e.Text != "half a thought finished" {
		t.Fatalf("a note thrown away was saved: %+v", e)
	}
}
