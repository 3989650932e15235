package consoletest

import (
	"strings"
	"testing"
	"time"

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
			tm.WaitForPane("Changes", "13:00 CHG-2")
			tm.Press("j")
			tm.WaitForPane("Changes", "▶!22:00 CHG-1")
			tm.Press("p")
			if tt.who == lead {
				tm.WaitFor("Approve CHG-1? Your approval is recorded against your name. y/n")
				tm.Press("y")
			}
			tm.WaitFor(tt.want)
			tm.Final()
			if c, err := s.db.Change(s.ctx, 1); err != nil || c.State != tt.state {
				t.Fatalf("CHG-1 = %+v, %v; want %s", c, err, tt.state)
			}
		})
	}
}

// A lead plans a change into the hard Black Friday freeze: the form shows
// why before anything is saved, the draft is kept with the conflict, and
// submitting it is refused with the reason.
func TestNewChangeInHardFreeze(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press("3")
	tm.WaitForPane("Changes", "CHG-1")
	tm.Press("c")
	tm.WaitFor("New change", "▶services")
	tm.Press("storefront", "tab", "Sessions to Redis", "tab", "tab", "tab", "tab", "ctrl+u", "2026-11-28 10:00")
	tm.WaitFor(`✗ inside the hard freeze "Black Friday to Cyber Monday"`, "outside storefront's maintenance windows")
	tm.Press("enter")
	tm.WaitFor("CHG-3", "state        new", "Conflicts (2)")
	tm.Press("x")
	tm.WaitFor("CHG-3: next step", "choose the next step with ←/→")
	tm.Press("enter") // nothing chosen: the form says so and stays
	tm.WaitFor("CHG-3: next step", "step: choose the next step")
	tm.Press("right")
	tm.WaitFor("CHG-3: next step", "new → assess")
	tm.Press("enter")
	tm.WaitFor(`CHG-3: inside the hard freeze "Black Friday to Cyber Monday"`)
	tm.Final()
	if c, err := s.db.Change(s.ctx, 3); err != nil || c.State != model.ChangeNew || c.Services[0] != "storefront" {
		t.Fatalf("CHG-3 = %+v, %v; want a new storefront change", c, err)
	}
}

// A high-risk change needs two of the board: the first approval leaves it
// waiting, the detail names who is still to approve, the second schedules it.
func TestBoardApprovesHighRisk(t *testing.T) {
	s := seeded(t)
	c, _, err := s.desk.CreateChange(s.ctx, operator, model.Change{Title: "Checkout 3.0", Services: []string{"checkout"},
		Impact: model.High, Probability: model.Medium, Start: now.Add(6 * 24 * time.Hour), End: now.Add(6*24*time.Hour + time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		who model.Actor
		act model.ChangeAction
	}{{operator, model.ChangeSubmit}, {lead, model.ChangeApprove}} {
		if _, _, err := s.desk.StepChange(s.ctx, st.who, c.ID, model.ChangeStep{Action: st.act}); err != nil {
			t.Fatal(err)
		}
	}
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press("3", "l")
	tm.WaitForPane("Changes", "CHG-3")
	tm.Press("enter")
	tm.WaitFor("authorize: needs 2 of the change board", "has 0", "waiting for maya.patel, ben.hughes, claire.dubois")
	tm.Press("p")
	tm.WaitFor("Approve CHG-3?")
	tm.Press("esc") // no: nothing is recorded
	tm.Press("p")
	tm.WaitFor("Approve CHG-3?")
	tm.Press("y")
	tm.WaitFor("CHG-3 approved; now authorize")
	tm.WaitFor("has 1 (maya.patel); waiting for ben.hughes, claire.dubois")
	tm.Final()

	_, tm = s.console(model.Actor{Name: "ben.hughes", Role: model.RoleLead}, uitest.LargeW, uitest.LargeH)
	tm.Press("3", "l")
	tm.WaitForPane("Changes", "CHG-3")
	tm.Press("enter")
	tm.WaitFor("has 1 (maya.patel)")
	tm.Press("p")
	tm.WaitFor("Approve CHG-3?")
	tm.Press("y")
	tm.WaitFor("CHG-3 approved and scheduled")
	tm.Final()
	if got, err := s.db.Change(s.ctx, c.ID); err != nil || got.State != model.ChangeScheduled {
		t.Fatalf("CHG-3 = %+v, %v; want scheduled", got, err)
	}
}

// :slot finds the next free time for the selected change, and for named
// services; the form's "next" takes it.
func TestSlotCommand(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press("3")
	tm.WaitForPane("Changes", "CHG-1")
	// orders-db: Sunday 03:00–05:00; the Black Friday freeze covers it until
	// Tuesday 1 Dec, so the first free window is Sunday 6 Dec.
	tm.Press(":", "slot orders-db 2h", "enter")
	tm.WaitFor("next free slot for orders-db (2h): Sun 06 Dec 03:00 – 05:00")
	tm.Press(":", "slot orders-db 3h", "enter")
	tm.WaitFor("no free slot of 3h0m0s on orders-db in the next 90 days")
	tm.Press("c")
	tm.WaitFor("New change", "▶services")
	tm.Press("orders-db", "tab", "Patch orders-db", "tab", "tab", "tab", "tab", "tab", "ctrl+u", "2h")
	tm.WaitFor("next free slot: Sun 06 Dec 03:00 – 05:00", "no conflicts")
	tm.Press("tab", "tab", "tab", "tab", "tab", "tab", "INC-3", "enter")
	tm.WaitFor("CHG-3", "Sun 06 Dec 03:00", "fixes        INC-3")
	tm.Final()
}

// At 80x24 the calendar is an agenda that opens at today, with the running
// change selected; v switches to the day, hour by hour.
func TestAgendaOpensAtToday80x24(t *testing.T) {
	s := seeded(t)
	// A change on Monday comes first in the week; the agenda still opens
	// at today's.
	monday := now.Add(-2*24*time.Hour - 4*time.Hour)
	if _, _, err := s.desk.CreateChange(s.ctx, operator, model.Change{Title: "Monday's patch", Services: []string{"search"},
		Impact: model.Low, Probability: model.Low, Start: monday, End: monday.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(lead, uitest.SmallW, uitest.SmallH)
	tm.Press("3")
	frame := tm.WaitForPane("Changes", "▶13:00 CHG-2")
	pane := strings.Split(uitest.Pane(frame, "Changes"), "\n")
	if len(pane) == 0 || !strings.Contains(pane[0], "● Wed 25 Nov today") {
		t.Fatalf("the agenda does not open at today:\n%s", uitest.Pane(frame, "Changes"))
	}
	tm.Press("v")
	frame = tm.WaitForPane("Changes", "←/→ day")
	if p := uitest.Pane(frame, "Changes"); !strings.Contains(p, "13:00 ▶13:00 CHG-2") || !strings.Contains(p, "22:00") {
		t.Fatalf("day view:\n%s", p)
	}
	tm.Final()
}

// On-call hand-overs show on the calendar: the week grid counts them (☎)
// and the day view lists each at its time, cover shifts marked.
func TestOnCallShiftsOnTheCalendar(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press("3")
	tm.WaitForPane("Changes", "☎1") // Wednesday: payments' daily hand-over
	tm.Press("v", "v")
	frame := tm.WaitForPane("Changes", "←/→ day")
	if p := uitest.Pane(frame, "Changes"); !strings.Contains(p, "☎ 08:00 payments L1 raj.iyer") {
		t.Fatalf("day view lacks the hand-over:\n%s", p)
	}
	tm.Final()
}
