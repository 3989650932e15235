package consoletest

import (
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// A lead declares INC-4 a major incident: the war room's roles form opens
// at once, and a status update drafted from a template is finished and
// sent. A second console, an operator's, shows the war-room banner with
// the roles and the countdown as each commit lands; the outbox holds the
// messages the example plan's rules ask for.
func TestDeclareMajorWithRolesAndUpdate(t *testing.T) {
	s := seeded(t)
	// INC-3's war room, opened with the seed, is stood down first, so the
	// banner is about the incident this test declares.
	if _, err := s.desk.SetMajor(s.ctx, lead, 3, false, "contained to one PSP route"); err != nil {
		t.Fatal(err)
	}
	_, other := s.console(operator, uitest.LargeW, uitest.LargeH)
	if strings.Contains(other.Final(), "MAJOR INCIDENT") {
		t.Fatal("a banner with no major incident open")
	}
	_, other = s.console(operator, uitest.LargeW, uitest.LargeH)

	_, tm := s.console(lead, uitest.SmallW, uitest.SmallH)
	tm.Press("j") // INC-4, the P2 on search
	tm.Press(":", "major on search is down for every shop", "enter")
	tm.WaitFor("Declare INC-4 a major incident?")
	tm.Press("y")
	tm.WaitFor("War room roles for INC-4", "commander")
	other.WaitFor("⚑ MAJOR INCIDENT INC-4 P2 search", "IC unassigned", "next update in 1h00m")

	tm.Press("maya.patel", "tab", "tom.okafor", "tab", "raj.iyer", "enter")
	tm.WaitFor("INC-4 roles: IC maya.patel")
	other.WaitFor("⚑ MAJOR INCIDENT INC-4 P2 search", "IC maya.patel · comms tom.okafor · scribe raj.iyer")

	tm.Press(":", "update identified", "enter")
	tm.WaitFor("Status update for INC-4", "INC-4 P2 on search: cause identified", "Incident commander: maya.patel")
	tm.Press("ctrl+s")
	tm.WaitFor("INC-4 status update 1 sent and logged")
	tm.Final()
	other.Press("enter") // INC-4's detail: the war room line and the update on the timeline
	frame := other.WaitFor("war room", "1 update(s)", "status update 1 to stakeholders: INC-4 P2 on search: cause identified")
	if !strings.Contains(frame, "⚑ MAJOR INCIDENT INC-4") {
		t.Fatalf("the banner went:\n%s", frame)
	}
	other.Final()

	w, err := s.db.WarRoom(s.ctx, 4)
	if err != nil || w.Updates != 1 || w.Commander != "maya.patel" || w.Comms != "tom.okafor" || w.Scribe != "raj.iyer" {
		t.Fatalf("war room: %+v, %v", w, err)
	}
	msgs, err := s.db.Notifications(s.ctx, model.NotificationQuery{Entity: "INC-4"})
	if err != nil {
		t.Fatal(err)
	}
	told := map[string]int{}
	for _, n := range msgs {
		told[string(n.Event)+" "+n.Rule]++
	}
	// The example plan: the war room on Slack hears of P1/P2 majors, the
	// stakeholders (two addresses) of declarations and updates, the ITSM
	// bridge of both.
	want := map[string]int{"major_declared war room": 1, "major_declared stakeholders": 2, "major_declared itsm bridge": 1,
		"status_update stakeholders": 2, "status_update itsm bridge": 1}
	if len(told) != len(want) {
		t.Fatalf("outbox for INC-4: %v", told)
	}
	for k, n := range want {
		if told[k] != n {
			t.Fatalf("outbox for INC-4: %v; want %v", told, want)
		}
	}
}

// :notifications lists the outbox, and an operator's :roles is refused
// before its form opens.
func TestNotificationsView(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press(":", "roles", "enter")
	tm.WaitFor("may not assign major-incident roles: needs the lead role")
	tm.Press(":", "notifications INC-3", "enter")
	tm.WaitForPane("Notifications · INC-3", "p1_opened → slack $ORION_WAR_ROOM_SLACK_URL", "major_declared → email it-leadership@orion-retail.example",
		"INC-3 P1 opened: Checkout returns 502 for card payments")
	tm.Final()
}
