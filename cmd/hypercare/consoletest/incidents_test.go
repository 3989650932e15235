package consoletest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

func TestAckFromDetail(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("j", "enter")
	tm.WaitForPane("INC-4", "Search results stale after catalog import", "state        New")
	tm.Press("a")
	tm.WaitFor("✓ INC-4 acknowledged")
	tm.WaitForPane("INC-4", "state        In Progress", "assignee     tom.okafor")
	tm.Final()
	if in := s.incident(4); in.State != model.StateInProgress || in.Assignee != "tom.okafor" || !in.AckAt.Equal(now) {
		t.Fatalf("INC-4 after the ack: %+v", in)
	}
}

func TestViewerCannotAck(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(viewer, uitest.LargeW, uitest.LargeH)
	tm.Press("j")
	// The footer offers a viewer no write; the help says what each needs.
	if footer := lastLine(tm.WaitForPane("Incidents", "▶ INC-4")); strings.Contains(footer, "acknowledge") || !strings.Contains(footer, "? help") {
		t.Errorf("a viewer's footer: %s", footer)
	}
	tm.Press("?")
	tm.WaitFor("acknowledge · needs the operator role", "escalate · needs the lead role")
	tm.Press("esc", "a")
	tm.WaitFor("may not acknowledge")
	tm.Final()
	if in := s.incident(4); in.State != model.StateNew || !in.AckAt.IsZero() {
		t.Fatalf("a viewer acknowledged INC-4: %+v", in)
	}
}

func TestFilterQueue(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("/", "settl", "enter")
	rows := queueRows(tm.WaitUntil("the queue filtered to INC-5", func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "INC-5 ") && !strings.Contains(rows, "INC-3 ")
	}))
	for _, ref := range []string{"INC-4", "REQ-6"} {
		if strings.Contains(rows, ref) {
			t.Errorf("the filter 'settl' lists %s:\n%s", ref, rows)
		}
	}
	tm.Press("esc")
	tm.WaitForPane("Incidents", "INC-3", "INC-4", "INC-5", "REQ-6")
	tm.Final()
}

func TestNoteFromKeyboard(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("n")
	tm.WaitFor("Note on INC-3")
	tm.Press("rolled back", "ctrl+s")
	tm.WaitFor("note added to INC-3")
	tm.Final()
	if got := s.lastEntry(3); got.Kind != "note" || got.Text != "rolled back" || got.Actor != "tom.okafor" {
		t.Fatalf("INC-3's newest timeline entry: %+v", got)
	}
}

func TestCreateIncidentFromKeyboard(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press("c")
	tm.WaitFor("New incident")
	tm.Press("tab", "Checkout basket empties on refresh", "tab")
	tm.WaitFor("Suggested articles", "KB-1   Checkout 5xx: first response")
	tm.Press("left") // impact: medium → high
	tm.WaitFor("priority  P2")
	tm.Press("enter")
	tm.WaitForPane("INC-7", "Checkout basket empties on refresh", "Timeline (1)")
	tm.Final()
	if in := s.incident(7); in.Title != "Checkout basket empties on refresh" || in.Service != "storefront" || in.Priority != 2 {
		t.Fatalf("created %+v", in)
	}
}

func TestResolveFromKeyboard(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("r")
	tm.WaitFor("Resolve INC-3")
	// Typing in a choice field finds a choice; what matches none is not taken.
	tm.Press("zzz", "work")
	tm.WaitFor("workaround")
	tm.Press("tab", "tab", "rolled back the deploy", "shift+tab")
	for range 4 { // satisfaction: none → 4
		tm.Press("right")
	}
	tm.Press("enter")
	tm.WaitFor("INC-3 resolved (workaround)")
	tm.WaitUntil("INC-3 gone from the queue", func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "INC-4") && !strings.Contains(rows, "INC-3")
	})
	tm.Final()
	if in := s.incident(3); in.State != model.StateResolved || in.Resolution != "workaround" || in.Satisfaction != 4 {
		t.Fatalf("INC-3 after resolving: %+v", in)
	}
}

func TestOperatorCannotEscalate(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("e")
	tm.WaitFor("may not escalate")
	tm.Final()
	if in := s.incident(3); in.Escalation != 0 {
		t.Fatalf("an operator escalated INC-3: %+v", in)
	}
}

// A write the service layer refuses brings its form back with the reason
// and what was typed, rather than closing it on a notice.
func TestRefusedFormComesBack(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("m")
	tm.WaitFor("Merge INC-3 as a duplicate")
	tm.Press("INC-999", "enter")
	tm.WaitFor("not found", "Merge INC-3 as a duplicate", "INC-999")
	if view := tm.Final(); !strings.Contains(view, "Merge INC-3 as a duplicate") || !strings.Contains(view, "INC-999") {
		t.Fatalf("the form did not come back with its input:\n%s", view)
	}
	if in := s.incident(3); in.State != model.StateInProgress || in.MergedInto != 0 {
		t.Fatalf("INC-3 after a refused merge: %+v", in)
	}
}

// :major off stands a major incident down; an operator is refused.
func TestMajorCommand(t *testing.T) {
	s := seeded(t)
	_, op := s.console(operator, uitest.LargeW, uitest.LargeH)
	op.Press(":", "major off not all stores", "enter")
	op.WaitFor("needs the lead role")
	op.Final()
	if !s.incident(3).Major {
		t.Fatal("an operator stood INC-3 down")
	}

	_, tm := s.console(lead, uitest.SmallW, uitest.SmallH)
	tm.Press(":", "major off one store only, not all", "enter")
	tm.WaitFor("Stand INC-3 down from major?")
	tm.Press("y")
	tm.WaitFor("INC-3 stood down; post-incident review PRB-3 opened")
	tm.WaitUntil("INC-3 listed without its major mark", func(frame string) bool {
		rows := queueRows(frame) // at 80 columns the mark is ⚑
		return strings.Contains(rows, "INC-3") && !strings.Contains(rows, "MAJOR") && !strings.Contains(rows, "⚑")
	})
	tm.Final()
	if in := s.incident(3); in.Major {
		t.Fatalf("INC-3 is still major: %+v", in)
	}
}

// Leads get a banner naming the incidents at risk of missing their SLA;
// everyone sees the count in the header; is:risk narrows the queue to them.
func TestSLARiskForLeads(t *testing.T) {
	s := seeded(t)
	if _, err := s.desk.SweepSLA(s.ctx, now); err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.WaitFor("SLA at risk (2): INC-3 75% · INC-4 not acknowledged")
	tm.Press("/", "is:risk", "enter")
	rows := queueRows(tm.WaitUntil("the queue narrowed to INC-3 and INC-4", func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "INC-3 ") && strings.Contains(rows, "INC-4 ") && !strings.Contains(rows, "REQ-6")
	}))
	if strings.Contains(rows, "INC-5") {
		t.Errorf("is:risk lists INC-5:\n%s", rows)
	}
	tm.Final()

	_, op := s.console(operator, uitest.LargeW, uitest.LargeH)
	header := op.WaitFor("SLA at risk 2")
	if view := op.Final(); strings.Contains(header, "SLA at risk (") || strings.Contains(view, "SLA at risk (") {
		t.Fatal("an operator sees the leads' banner")
	}
}

// A write elsewhere (another session, the CLI) shows without a key press.
func TestLiveUpdateFromAnotherSession(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Mark()
	if _, err := s.desk.CreateIncident(s.ctx, lead, model.NewIncident{Title: "Brand new outage", Service: "cdn", Category: "availability",
		Impact: model.High, Urgency: model.Medium}); err != nil {
		t.Fatal(err)
	}
	tm.WaitForPane("Incidents", "INC-7", "Brand new outage")
	tm.Final()
}

// TestIncidentFromKeyboard creates a P1 from the form, escalates it,
// acknowledges it, puts it on hold and back, and resolves it with a
// satisfaction score, all from the keyboard.
func TestIncidentFromKeyboard(t *testing.T) {
	for _, size := range [][2]int{{uitest.LargeW, uitest.LargeH}, {uitest.SmallW, uitest.SmallH}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			_, tm := s.console(lead, size[0], size[1])

			tm.Press("c")
			tm.WaitFor("New incident")
			tm.Press("right") // service: storefront → checkout
			tm.Press("tab", "Card payments declined", "tab", "left", "tab", "left")
			tm.WaitFor("priority  P1")
			tm.Press("enter")
			tm.WaitForPane("INC-7", "Card payments declined", "L1 (Web on-call)")

			tm.Press("e")
			tm.WaitFor("Escalate INC-7 to L2 (Priya Shah)? y/n")
			tm.Press("y")
			tm.WaitFor("escalated to L2 (Priya Shah)")
			tm.Press("a")
			// The field, not the timeline entry: at 80x24 the change it may
			// have come from (CHG-2) pushes the timeline below the fold.
			tm.WaitForPane("INC-7", "responded    Wed 25 Nov 14:00")

			tm.Press("x")
			tm.WaitFor("Change state of INC-7")
			tm.Press("enter") // nothing chosen: the form says so and stays
			tm.WaitFor("Change state of INC-7", "to: choose the new state")
			tm.Press("right", "tab", "enter") // on_hold, but no hold reason yet
			tm.WaitFor("Change state of INC-7", "hold reason: choose what it waits for")
			tm.Press("vendor", "enter") // typing finds awaiting_vendor
			tm.WaitForPane("INC-7", "awaiting vendor since")
			tm.Press("x")
			tm.WaitFor("Change state of INC-7 (now On Hold)")
			tm.Press("right", "enter") // back to in_progress
			tm.WaitFor("INC-7 → In Progress")

			tm.Press("r")
			tm.WaitFor("Resolve INC-7")
			tm.Press("enter") // no code chosen: the form says so and stays
			tm.WaitFor("Resolve INC-7", "code: choose how it was resolved")
			tm.Press("fixed", "tab", "right", "right", "right", "right", "right", "tab", "Rolled back the card BIN table", "enter")
			tm.WaitFor("INC-7 resolved (fixed)")
			tm.WaitForPane("INC-7", "5/5")
			view := tm.Final()

			in := s.incident(7)
			if in.Priority != 1 || !in.Major || in.Escalation != 1 || in.State != model.StateResolved || in.Satisfaction != 5 || in.Resolution != "fixed" {
				t.Fatalf("incident after the keyboard run: %+v", in)
			}
			tl, err := s.db.Timeline(s.ctx, 7)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, e := range tl {
				kinds = append(kinds, e.Kind)
			}
			if got := strings.Join(kinds, " "); got != "created escalate ack state state state" {
				t.Fatalf("timeline kinds = %s", got)
			}
			if size[0] == uitest.LargeW {
				uitest.Golden(t, view)
			}
		})
	}
}

// Who is on call shows in the header and the incident's detail: the
// example plan's web rota makes it Lucas Martin's week from Monday 23
// November, to the next hand-over on Monday at 09:00.
func TestOnCallInHeaderAndDetail(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.WaitFor("on call web lucas.martin, platform ben.hughes, payments raj.iyer")
	tm.Press("enter")
	tm.WaitForPane("INC-3", "L1 (Web on-call) · on call lucas.martin until Mon 09:00", "▶ L1      on call lucas.martin until Mon 09:00")
	tm.Final()
}

// The exit scorecard: the header keeps the tally, :scorecard shows each
// criterion with its last 24 hours, the days it has held and its trend,
// and both count the same criteria met.
func TestExitScorecard(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press(":scorecard", "enter")
	frame := tm.WaitForPane("Exit scorecard · ", "No open P1 incidents for 3 days", "held 0/3d", "last 14 days",
		"Checkout up 99.9% for 3 days", "Runbooks for the top categories")
	tm.Final()
	tally := regexp.MustCompile(`exit (\d+)/9`).FindStringSubmatch(frame)
	view := regexp.MustCompile(`Exit scorecard · (\d+) of 9 met`).FindStringSubmatch(frame)
	if tally == nil || view == nil || tally[1] != view[1] {
		t.Errorf("header tally %v and scorecard %v differ:\n%s", tally, view, frame)
	}
}

// Forms that are hard to undo make the operator choose: the resolve form
// has no default code and says which linked alerts still fire; the state
// form shows only what the chosen state uses; esc on a form with something
// typed in it asks before throwing it away.
func TestFormsMakeTheOperatorChoose(t *testing.T) {
	s := seeded(t)
	var firing model.Alert
	s.at(hours(-0.2), func() {
		a := model.Alert{DedupKey: "co-502", Name: "HighErrorRate", Severity: model.SevCritical, Service: "checkout",
			Summary: "5xx 12%", Source: "alertmanager", State: model.AlertFiring, StartsAt: now.Add(hours(-0.2)),
			Labels: map[string]string{"alertname": "HighErrorRate", "service": "checkout"}}
		out, err := s.desk.RecordAlert(s.ctx, model.System, a)
		if err != nil {
			t.Fatal(err)
		}
		firing = out
		if _, err := s.desk.Link(s.ctx, operator, 3, "alert", firing.ID); err != nil {
			t.Fatal(err)
		}
	})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("r")
	frame := tm.WaitFor("Resolve INC-3", "still firing: "+firing.Ref()+" HighErrorRate")
	if strings.Contains(frame, "fixed ") && !strings.Contains(frame, "choose: fixed") {
		t.Errorf("the resolve form chose a code:\n%s", frame)
	}
	tm.Press("esc") // nothing typed: closes at once
	tm.WaitForPane("Incidents", "INC-3")

	tm.Press("x")
	frame = tm.WaitFor("Change state of INC-3")
	for _, hidden := range []string{"hold reason", "satisfaction"} {
		if strings.Contains(frame, hidden) {
			t.Errorf("state form shows %q before a state is chosen:\n%s", hidden, frame)
		}
	}
	tm.Press("right") // on_hold
	frame = tm.WaitFor("hold reason", "reason")
	if strings.Contains(frame, "satisfaction") {
		t.Errorf("on hold shows the resolve fields:\n%s", frame)
	}
	tm.Press("esc")
	tm.WaitFor("Discard what you typed? y discards")
	tm.Press("n")
	tm.WaitFor("Change state of INC-3", "hold reason") // still there, as it was
	tm.Press("esc", "y")
	tm.WaitForPane("Incidents", "INC-3")
	tm.Final()
	if in := s.incident(3); in.State == model.StateOnHold {
		t.Fatal("a discarded form changed the incident")
	}
}
