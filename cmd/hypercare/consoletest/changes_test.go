package consoletest

import (
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// p on a change waiting for approval schedules it, for leads only.
func TestApproveChangeNeedsLead(t *testing.T) {
	for _, tt := range []struct {
		who   model.Actor
		want  string
		state model.ChangeState
	}{
		{operator, "may not approve changes", model.ChangeAuthorize},
		{lead, "CHG-1 approved and scheduled", model.ChangeScheduled},
	} {
		t.Run(tt.who.Name, func(t *testing.T) {
			s := seeded(t)
			_, tm := s.console(tt.who, uitest.LargeW, uitest.LargeH)
			tm.Press("3")
			tm.WaitForPane("Changes", "▶13:00 CHG-2")
			tm.Press("j")
			tm.WaitForPane("Changes", "▶22:00 CHG-1")
			tm.Press("p")
			tm.WaitFor(tt.want)
			tm.Final()
			if c, err := s.db.Change(s.ctx, 1); err != nil || c.State != tt.state {
				t.Fatalf("CHG-1 = %+v, %v; want %s", c, err, tt.state)
			}
		})
	}
}
