package ui

import (
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
)

// ctrl+e in the note editor runs $EDITOR on the note and loads what it
// wrote; ctrl+s then saves it. The "editor" here writes a fixed note.
func TestNoteFromEditor(t *testing.T) {
	f := newFakeStore()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := New(Deps{Reader: f, Notifier: f, Actions: f, Plan: testPlan(t),
		Actor: model.Actor{Name: "alice", Role: model.RoleOperator}, Renderer: r,
		Now: func() time.Time { return testNow }, Editor: `printf 'PSP logs show timeouts\nfrom 13:55' >`})
	tm := run(t, m, 80, 24, "INC-7")
	keys(tm, "n")
	waitFor(t, tm, "ctrl+e $EDITOR")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlE})
	waitFor(t, tm, "note loaded from the editor")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "note added to INC-7")
	finalView(t, tm)
	tl := f.timeline[7]
	if len(tl) == 0 || tl[len(tl)-1].Text != "PSP logs show timeouts\nfrom 13:55" {
		t.Fatalf("timeline = %+v", tl)
	}
}

// Without an editor (over SSH), ctrl+e says why instead of doing nothing.
func TestNoteWithoutEditor(t *testing.T) {
	f := newFakeStore()
	tm := run(t, newTestModel(t, f, model.RoleOperator), 80, 24, "INC-7")
	keys(tm, "n")
	waitFor(t, tm, "Note on INC-7")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlE})
	waitFor(t, tm, "no editor here")
	finalView(t, tm)
}

// One esc does not throw a written note away; a second one does.
func TestNoteEscAsksFirst(t *testing.T) {
	f := newFakeStore()
	tm := run(t, newTestModel(t, f, model.RoleOperator), 80, 24, "INC-7")
	keys(tm, "n")
	waitFor(t, tm, "Note on INC-7")
	keys(tm, "half a thought")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	waitFor(t, tm, "esc again throws this note away")
	keys(tm, " finished")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitFor(t, tm, "note added to INC-7")
	finalView(t, tm)
	if tl := f.timeline[7]; len(tl) == 0 || tl[len(tl)-1].Text != "half a thought finished" {
		t.Fatalf("timeline = %+v", tl)
	}
}
