package consoletest

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// The audit pane leaves out hypercare's own intake rows (one per drop and
// per job heartbeat) unless asked with is:system, and says so in its border.
func TestAuditHidesSystemRows(t *testing.T) {
	s := seeded(t)
	if _, err := s.desk.RecordHeartbeat(s.ctx, model.System, model.Heartbeat{Job: "price-feed", Status: model.HeartbeatOK, At: now.Add(-time.Minute), Duration: time.Minute}); err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press("5")
	tm.WaitFor("Audit log system rows hidden (is:system)")
	pane := tm.WaitForPane("Audit log", "incident.create")
	if strings.Contains(pane, "drop.ingest") || strings.Contains(pane, "job.run") {
		t.Fatalf("system rows shown by default:\n%s", pane)
	}
	tm.Press("/", "is:system", "enter")
	tm.WaitFor("Audit log with system rows")
	tm.WaitForPane("Audit log", "drop.ingest", "job.run")
	tm.Press("/", "ctrl+u", "is:system drop.", "enter")
	tm.WaitUntil("only the intake rows", func(frame string) bool {
		p := uitest.Pane(frame, "Audit log")
		return strings.Contains(p, "drop.ingest") && !strings.Contains(p, "incident.create")
	})
	tm.Final()
}
