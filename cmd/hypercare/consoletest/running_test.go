package consoletest

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// firstLine is a frame's header line.
func firstLine(frame string) string {
	first, _, _ := strings.Cut(frame, "\n")
	return first
}

// The seeded CHG-2, an emergency on payments, is being implemented now: the
// header names it, beside the clock, on a big screen and on 80x24.
func TestHeaderShowsRunningChange(t *testing.T) {
	s := seeded(t)
	_, big := s.console(operator, uitest.LargeW, uitest.LargeH)
	header := firstLine(big.WaitFor("▶ CHG-2 payments"))
	for _, want := range []string{"P1 1  P2 1  firing 2", "next CHG-1", "Wed 25 Nov 14:00:00 GMT"} {
		if !strings.Contains(header, want) {
			t.Errorf("the header at %dx%d lacks %q: %s", uitest.LargeW, uitest.LargeH, want, header)
		}
	}
	big.Final()

	_, small := s.console(operator, uitest.SmallW, uitest.SmallH)
	header = firstLine(small.WaitFor("▶ CHG-2 payments"))
	if w := ansi.StringWidth(header); w != uitest.SmallW || !strings.HasSuffix(header, " 14:00:00 ") || !strings.Contains(header, "P1 1  P2 1  firing 2") {
		t.Errorf("the header at 80x24 (%d wide): %q", w, header)
	}
	small.Final()
}

// A second change running now, standard and low-risk on search, counts as
// "+1": the riskier emergency stays named.
func TestHeaderCountsOtherRunningChanges(t *testing.T) {
	s := seeded(t)
	s.at(-2*time.Hour, func() {
		c, _, err := s.desk.CreateChange(s.ctx, operator, model.Change{Title: "Rebuild the search index", Services: []string{"search"},
			Type: model.ChangeStandard, Impact: model.Low, Probability: model.Low, Implementer: "raj.iyer",
			Start: now.Add(-30 * time.Minute), End: now.Add(30 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		// Pre-approved: submitting schedules it.
		if c, _, err = s.desk.StepChange(s.ctx, operator, c.ID, model.ChangeStep{Action: model.ChangeSubmit}); err != nil || c.State != model.ChangeScheduled {
			t.Fatalf("the standard change after submitting: %s, %v", c.State, err)
		}
	})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.WaitFor("▶ CHG-2 payments +1")
	tm.Final()
}

// An incident opened on checkout while the emergency on payments (which
// checkout depends on) runs is proposed as caused by it; C confirms, the
// suspicion becomes a link, and the metrics count a change-caused P2.
func TestConfirmChangeCausedIncident(t *testing.T) {
	s := seeded(t)
	var in model.Incident
	s.at(-time.Minute, func() { // before now, so inside the metrics' window
		var err error
		in, err = s.desk.CreateIncident(s.ctx, operator, model.NewIncident{Title: "Card payments declined at checkout", Service: "checkout",
			Category: "availability", Impact: model.High, Urgency: model.Medium})
		if err != nil {
			t.Fatal(err)
		}
	})
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	openIncident(tm, in)
	frame := tm.WaitForPane(in.Ref(), "caused by CHG-2? Emergency PSP timeout raise started 13:00 on payments — C to confirm",
		"▶ CHG-2 Emergency PSP timeout raise — being implemented on payments, which checkout depends on, 13:00–15:00")
	if footer := lastLine(frame); !strings.Contains(footer, "C confirm caused by change") {
		t.Errorf("the footer does not offer C: %s", footer)
	}
	tm.Press("C")
	tm.WaitFor("Record " + in.Ref() + " as caused by CHG-2 (Emergency PSP timeout raise)? y/n")
	tm.Press("y")
	tm.WaitFor("✓ " + in.Ref() + " caused by CHG-2")
	frame = tm.WaitForPane(in.Ref(), "Links (1)", "caused by CHG-2")
	if strings.Contains(frame, "CHG-2?") {
		t.Errorf("the suspicion stays after confirming:\n%s", frame)
	}
	// The metrics count it: a change-caused P2.
	tm.Press("M")
	tm.WaitForPane("Metrics · last 24 hours", "caused     1 incident, 1 of them P1/P2")
	tm.Final()
	links, err := s.db.Links(s.ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 || links[0].Kind != model.LinkCausedBy || links[0].Target != 2 || links[0].Actor != operator.Name {
		t.Fatalf("%s's links: %+v", in.Ref(), links)
	}
}

// openIncident opens the detail of an incident the queue lists.
func openIncident(tm *uitest.Screen, in model.Incident) {
	tm.Press("/", in.Title, "enter")
	tm.WaitUntil("the queue filtered to "+in.Ref(), func(frame string) bool {
		rows := queueRows(frame)
		return strings.Contains(rows, "▶ "+in.Ref()) && !strings.Contains(rows, "INC-3 ")
	})
	tm.Press("enter")
}

// A viewer sees the suspicion but is not offered the key, and pressing it
// links nothing.
func TestViewerIsNotOfferedConfirmCause(t *testing.T) {
	s := seeded(t)
	in, err := s.desk.CreateIncident(s.ctx, operator, model.NewIncident{Title: "Card payments declined at checkout", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.Medium})
	if err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(viewer, uitest.LargeW, uitest.LargeH)
	openIncident(tm, in)
	frame := tm.WaitForPane(in.Ref(), "caused by CHG-2? Emergency PSP timeout raise started 13:00 on payments")
	if strings.Contains(frame, "to confirm") || strings.Contains(lastLine(frame), "confirm caused") {
		t.Errorf("a viewer is offered the confirmation:\n%s", frame)
	}
	tm.Press("C")
	tm.WaitFor("may not link incidents")
	tm.Final()
	if links, err := s.db.Links(s.ctx, in.ID); err != nil || len(links) != 0 {
		t.Fatalf("%s's links after a viewer's C: %+v, %v", in.Ref(), links, err)
	}
}

// The checkout alert's detail names the change running on payments, which
// checkout depends on.
func TestAlertDetailShowsRunningChange(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press("2", "enter")
	tm.WaitForPane("ALR-2 · HighErrorRate", "Running now (1)",
		"▶ CHG-2 Emergency PSP timeout raise — being implemented on payments, which checkout depends on, 13:00–15:00")
	tm.Final()
}
