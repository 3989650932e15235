package ui

import (
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

// ctrl+e in the note editor runs $EDITOR on the note and loads what it
// wrote; ctrl+s then saves it. The "editor" here writes a fixed note.
func TestNoteFromEditor(t *testing.T) {
	f := newFakeStore()
	m := newTestModel(t, f, model.RoleOperator)
	m.s.Editor = `printf 'PSP logs show timeouts\nfrom 13:55' >`
	tm := open(t, m, 80, 24)
	tm.Press("n")
	tm.WaitFor("ctrl+e $EDITOR")
	tm.Press("ctrl+e")
	tm.WaitFor("note loaded from the editor")
	tm.Press("ctrl+s")
	tm.WaitFor("note added to INC-7")
	tm.Final()
	tl := f.timeline[7]
	if len(tl) == 0 || tl[len(tl)-1].Text != "PSP logs show timeouts\nfrom 13:55" {
		t.Fatalf("timeline = %+v", tl)
	}
}

// Without an editor (over SSH), ctrl+e says why instead of doing nothing.
func TestNoteWithoutEditor(t *testing.T) {
	f := newFakeStore()
	tm := open(t, newTestModel(t, f, model.RoleOperator), 80, 24)
	tm.Press("n")
	tm.WaitFor("Note on INC-7")
	tm.Press("ctrl+e")
	tm.WaitFor("no editor here")
	tm.Final()
}

// One esc does not throw a written note away; a second one does.
func TestNoteEscAsksFirst(t *testing.T) {
	f := newFakeStore()
	tm := open(t, newTestModel(t, f, model.RoleOperator), 80, 24)
	tm.Press("n")
	tm.WaitFor("Note on INC-7")
	tm.Press("half a thought")
	tm.Press("esc")
	tm.WaitFor("esc again throws this note away")
	tm.Press(" finished")
	tm.Press("ctrl+s")
	tm.WaitFor("note added to INC-7")
	tm.Final()
	if tl := f.timeline[7]; len(tl) == 0 || tl[len(tl)-1].Text != "half a thought finished" {
		t.Fatalf("timeline = %+v", tl)
	}
}
