package consoletest

import (
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/ui/uitest"
)

func TestSilenceFromAlert(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.SmallW, uitest.SmallH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
	tm.Press("s")
	tm.WaitFor("Silence alerts", `alertname="HighErrorRate"`)
	tm.Press("tab", "tab", "noisy during the migration", "enter")
	tm.WaitFor("SIL-1 silences 1 firing")
	tm.Press(":", "silences", "enter")
	tm.WaitForPane("Silences (1)", `alertname="HighErrorRate"`, "noisy during the migration")
	tm.Final()
	list, err := s.db.Silences(s.ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].EndsAt.Sub(list[0].StartsAt) != 2*time.Hour || list[0].Author != "maya.patel" || list[0].Comment != "noisy during the migration" {
		t.Fatalf("silences = %+v", list)
	}
}

func TestAckAlertForAWhile(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
	tm.Press(":", "ack 2h", "enter")
	tm.WaitFor("ALR-2 acknowledged until")
	tm.WaitForPane("Alerts", "ACK")
	tm.Final()
	al, err := s.db.Alert(s.ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if al.Name != "HighErrorRate" || al.AckBy != "tom.okafor" || !al.AckUntil.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("ALR-2 = %+v", al)
	}
}
