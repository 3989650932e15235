package ui

import (
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

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
