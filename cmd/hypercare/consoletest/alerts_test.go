package consoletest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
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

// Who may silence is the plan's [alerts] silence_role: operators by
// default (the example plan says so), leads only when the plan says lead;
// never a viewer.
func TestWhoMaySilenceIsThePlans(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
	tm.Press("s")
	tm.WaitFor("Silence alerts", `alertname="HighErrorRate"`)
	tm.Final()

	_, tm = s.console(viewer, uitest.SmallW, uitest.SmallH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
	tm.Press("s")
	tm.WaitFor("may not manage silences")
	tm.Final()

	leadsOnly(t, s)
	_, tm = s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
	tm.Press("s")
	tm.WaitFor("may not manage silences: needs the lead role")
	tm.Final()
	if list, err := s.db.Silences(s.ctx, now); err != nil || len(list) != 0 {
		t.Fatalf("silences = %+v, %v", list, err)
	}
}

// leadsOnly puts the stack under the example plan with silence_role = "lead".
func leadsOnly(t *testing.T, s *stack) {
	t.Helper()
	text := strings.Replace(string(examples.Plan), `silence_role = "operator"`, `silence_role = "lead"`, 1)
	p, err := plan.Parse("plan.toml", []byte(text))
	if err != nil || p.AlertRules().SilenceRole != model.RoleLead {
		t.Fatalf("plan with silence_role = lead: %v", err)
	}
	s.plan.p = p
	s.desk = model.NewDesk(s.db, p)
	s.desk.Now = s.clk.Now
}

// :silences lists the silences in force; e edits one (a new silence
// replaces it), x extends it, d ends it after asking.
func TestEditExtendExpireSilence(t *testing.T) {
	s := seeded(t)
	ms, _ := model.ParseMatchers(`alertname="HighErrorRate"`)
	s.at(-time.Hour, func() {
		done(t)(s.desk.CreateSilence(s.ctx, lead, ms, 2*time.Hour, "noisy during the migration"))
	})
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press(":", "silences", "enter")
	tm.WaitForPane("Silences (1)", "SIL-1", `alertname="HighErrorRate"`, "mutes 1 firing alert(s)", "x extends it")

	tm.Press("x")
	tm.WaitFor("Extend SIL-1")
	tm.Press("ctrl+u", "3h", "enter")
	tm.WaitFor("SIL-1 extended until")
	tm.WaitForPane("Silences (1)", "until Wed 25 Nov 18:00")
	list, err := s.db.Silences(s.ctx, now)
	if err != nil || len(list) != 1 || !list[0].EndsAt.Equal(now.Add(4*time.Hour)) {
		t.Fatalf("after extending by 3h: %+v %v", list, err)
	}

	tm.Press("e")
	tm.WaitFor("Edit SIL-1 (a new silence replaces it)", `alertname="HighErrorRate"`, "for       4h", "silences 1 firing alert now")
	tm.Press("ctrl+u", `alertname=~"(HighErrorRate|DiskFull"`)
	tm.WaitFor("is not a valid") // before saving
	tm.Press("ctrl+u", `alertname=~"HighErrorRate|DiskFull" env=prod`)
	tm.WaitFor("silences 2 firing alerts now")
	tm.Press("enter")
	tm.WaitFor("SIL-2 replaces SIL-1: silences 2 firing alert(s)")
	tm.WaitForPane("Silences (1)", "SIL-2", `alertname=~"HighErrorRate|DiskFull"`, "mutes 2 firing alert(s)")

	s.clk.set(now.Add(time.Minute)) // a silence ends after it started
	tm.Press("d")
	tm.WaitFor("End SIL-2 now?")
	tm.Press("enter")
	tm.WaitFor("SIL-2 ended")
	tm.WaitForPane("Silences", "No silences in force")
	tm.Final()
	if list, err := s.db.Silences(s.ctx, now.Add(time.Minute)); err != nil || len(list) != 0 {
		t.Fatalf("in force after d: %+v %v", list, err)
	}
	for _, key := range []string{"disk-db-2", "errors-checkout"} {
		if a := alertByKey(t, s, key); a.SilencedBy != 0 {
			t.Errorf("%s still silenced by SIL-%d", key, a.SilencedBy)
		}
	}
}

// s on a storm silences the storm: matchers from the labels its alerts
// share (not the pod), and the preview counts them all.
func TestSilenceStorm(t *testing.T) {
	s := seeded(t)
	var events []model.AlertEvent
	for i := range 25 {
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprintf("crash-%d", i), Name: "PodCrashLooping",
			Severity: model.SevCritical, State: model.AlertFiring, Source: "alertmanager",
			Labels: map[string]string{"alertname": "PodCrashLooping", "service": "checkout", "env": "prod", "pod": fmt.Sprintf("checkout-%d", i)}}})
	}
	done(t)(s.desk.Ingest(s.ctx, model.System, model.Drop{Name: "storm", Group: "checkout-crash", Events: events}))
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "PodCrashLooping", "[STORM 25/25 firing]")
	tm.Press("s")
	tm.WaitFor("Silence the storm of 25 PodCrashLooping alerts", `alertname="PodCrashLooping" env="prod" service="checkout"`,
		"silences 25 firing alerts now")
	tm.Press("tab", "tab", "checkout pods crash looping, rollback under way", "enter")
	tm.WaitFor("SIL-1 silences 25 firing alert(s)")
	tm.Final()
	list, err := s.db.Silences(s.ctx, now)
	if err != nil || len(list) != 1 || len(list[0].Matchers) != 3 || list[0].Matching != 25 {
		t.Fatalf("silences = %+v %v", list, err)
	}
	if a := alertByKey(t, s, "errors-checkout"); a.SilencedBy != 0 {
		t.Fatal("the storm's silence covers an alert outside the storm")
	}
}

// alertByKey finds an alert by its dedup key.
func alertByKey(t *testing.T, s *stack, key string) model.Alert {
	t.Helper()
	all, err := s.db.Feed(s.ctx, model.FeedQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.DedupKey == key {
			return a
		}
	}
	t.Fatalf("no alert %s", key)
	return model.Alert{}
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

// The silence form reads matchers as amtool writes them and says, before
// saving, which firing alerts they silence or what is wrong with them.
func TestSilencePreview(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
	tm.Press("s")
	tm.WaitFor("Silence alerts", `alertname="HighErrorRate" service="checkout"`, "silences 1 firing alert now: HighErrorRate on checkout")
	tm.Press("ctrl+u", `alertname=~"High.*|Disk.*" service!=search`)
	tm.WaitFor("silences 2 firing alerts now: ")
	tm.Press("ctrl+u", `alertname=HighErrorRate service`)
	tm.WaitFor(`matcher 2 (service): expected =, !=, =~ or !~ after "service"`)
	tm.Press("ctrl+u", `service=search`)
	tm.WaitFor("matches no firing alert now")
	tm.Final()
}
