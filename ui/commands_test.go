package ui

import (
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

// The ":" line says what the command being typed takes and does; the
// palette names the key that does the same.
func TestCommandHints(t *testing.T) {
	tm := open(t, newTestModel(t, newFakeStore(), model.RoleLead), 120, 30)
	tm.Press(":", "sl")
	tm.WaitFor(":sl", "[SERVICES DURATION] — next conflict-free time")
	tm.Press("ot ", "storefront")
	tm.WaitFor(":slot storefront", "next conflict-free time in the maintenance windows")
	tm.Press("esc", "ctrl+p", "escal")
	tm.WaitFor("escalate", "escalate the selected incident one level", "e ")
	tm.Final()
}
