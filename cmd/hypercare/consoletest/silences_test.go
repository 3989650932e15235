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

// firing records alerts as an Alertmanager drop would bring them.
func (s *stack) firing(drop string, alerts ...model.Alert) {
	s.t.Helper()
	var events []model.AlertEvent
	for _, a := range alerts {
		a.Source, a.State = "alertmanager", model.AlertFiring
		events = append(events, model.AlertEvent{Alert: a})
	}
	done(s.t)(s.desk.Ingest(s.ctx, model.System, model.Drop{Name: drop, Events: events}))
}

// warning is a warning alert with its labels: alertname, service and env,
// and an instance when one is given.
func warning(key, name, service, env, instance string) model.Alert {
	labels := map[string]string{"alertname": name, "service": service, "env": env, "severity": "warning"}
	if instance != "" {
		labels["instance"] = instance
	}
	return model.Alert{DedupKey: key, Name: name, Severity: model.SevWarning, Labels: labels}
}

// The silence form starts from the alert's identity without its instance,
// reads matchers as amtool writes them, and says before saving which
// firing alerts they silence, counting again as they are typed, or what is
// wrong with them; enter with a bad matcher saves nothing.
func TestSilencePreview(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			s.firing("latency", warning("lat-1", "HighLatency", "checkout", "prod", "checkout-1:8080"),
				warning("lat-2", "HighLatency", "checkout", "prod", "checkout-2:8080"))
			_, tm := s.console(operator, size[0], size[1])
			tm.Press("2")
			tm.WaitForPane("Alerts", "HighLatency", "HighErrorRate", "DiskFull")
			tm.Press("s") // on the newest, HighLatency on checkout-2
			form := tm.WaitFor("Silence alerts", `alertname="HighLatency" env="prod"`, "silences 2 firing alerts now: HighLatency on checkout ×2")
			if strings.Contains(form, "instance=") {
				t.Errorf("the default matchers name the instance:\n%s", form)
			}

			tm.Press("ctrl+u", `alertname=~"High.*" service="checkout"`)
			tm.WaitFor("silences 3 firing alerts now")
			tm.Press("ctrl+u", `alertname=~"High.*|Disk.*", service!=search`)
			tm.WaitFor("silences 4 firing alerts now")
			tm.Press("ctrl+u", `service=search`)
			tm.WaitFor("matches no firing alert now")

			tm.Press("ctrl+u", `HighLatency service`) // amtool: a bare first word is the alert's name
			tm.WaitFor(`matcher 2 (service): expected =, !=, =~ or !~`)
			tm.Press("tab", "tab", "noisy", "enter")
			tm.WaitFor("Silence alerts", `matcher 2 (service): expected =, !=, =~ or !~`)
			tm.Press("ctrl+u", `alertname=~"(HighLatency"`) // the failed save went back to the matchers
			tm.WaitUntil("the new error, not the old one", func(frame string) bool {
				return strings.Contains(frame, `"(HighLatency" is not a valid`) && !strings.Contains(frame, "matcher 2 (service)")
			})
			tm.Press("enter")
			tm.WaitFor("Silence alerts", `"(HighLatency" is not a valid`)
			if list, err := s.db.Silences(s.ctx, now); err != nil || len(list) != 0 {
				t.Fatalf("a form with a bad matcher saved %+v, %v", list, err)
			}

			tm.Press("ctrl+u", `HighLatency env=prod`)
			tm.WaitFor("silences 2 firing alerts now")
			tm.Press("enter")
			tm.WaitFor("SIL-1 silences 2 firing alert(s)")
			tm.Final()
			list, err := s.db.Silences(s.ctx, now)
			if err != nil || len(list) != 1 || list[0].Comment != "noisy" || list[0].Matching != 2 {
				t.Fatalf("silences = %+v, %v", list, err)
			}
			for _, key := range []string{"lat-1", "lat-2"} {
				if a := alertByKey(t, s, key); a.SilencedBy != list[0].ID {
					t.Errorf("%s is not silenced", key)
				}
			}
		})
	}
}

// Who may silence is the plan's [alerts] silence_role: operators by
// default (the example plan says so), leads only when the plan says lead;
// never a viewer. A refusal says why.
func TestWhoMaySilenceIsThePlans(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			_, tm := s.console(operator, size[0], size[1])
			tm.Press("2")
			tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
			tm.Press("s")
			tm.WaitFor("Silence alerts", `alertname="HighErrorRate"`)
			tm.Final()

			_, tm = s.console(viewer, size[0], size[1])
			tm.Press("2")
			tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
			tm.Press("s")
			tm.WaitFor("may not manage silences")
			tm.Final()

			leadsOnly(t, s)
			_, tm = s.console(operator, size[0], size[1])
			tm.Press("2")
			tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
			tm.Press("s")
			frame := tm.WaitFor("may not manage silences")
			if size[0] >= 160 && !strings.Contains(lastLine(frame), "tom.okafor (operator) may not manage silences: needs the lead role") {
				t.Errorf("the refusal does not say why:\n%s", lastLine(frame))
			}
			// Help says what s needs, at any width: scroll to its line.
			tm.Press("?")
			said := false
			for range 60 {
				help := tm.WaitUntil("help drawn", func(string) bool { return true })
				if said = strings.Contains(help, "Keys in Alerts") && strings.Contains(help, "silence · needs the lead role"); said {
					break
				}
				tm.Press("down")
			}
			if !said {
				t.Error("help does not say s needs the lead role")
			}
			tm.Final()
			if list, err := s.db.Silences(s.ctx, now); err != nil || len(list) != 0 {
				t.Fatalf("silences = %+v, %v", list, err)
			}
			_, err := s.desk.CreateSilence(s.ctx, operator, []model.Matcher{{Label: "service", Op: model.MatchEqual, Value: "checkout"}}, time.Hour, "x")
			if err == nil || !strings.Contains(err.Error(), "needs the lead role") {
				t.Fatalf("the desk let an operator silence under silence_role = lead: %v", err)
			}
			_, tm = s.console(lead, size[0], size[1])
			tm.Press("2")
			tm.WaitForPane("Alerts", "HighErrorRate", "DiskFull")
			tm.Press("s")
			tm.WaitFor("Silence alerts", `alertname="HighErrorRate"`)
			tm.Final()
		})
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

// :silences lists the silences in force; x extends the picked one, e edits
// it (a new silence replaces it, the form checking the matchers before
// saving), d ends it after asking, esc keeping it.
func TestEditExtendExpireSilence(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			ms, _ := model.ParseMatchers(`alertname="HighErrorRate"`)
			s.at(-time.Hour, func() {
				done(t)(s.desk.CreateSilence(s.ctx, lead, ms, 2*time.Hour, "noisy during the migration"))
			})
			_, tm := s.console(operator, size[0], size[1])
			tm.Press(":", "silences", "enter")
			tm.WaitForPane("Silences (1)", "SIL-1", `alertname="HighErrorRate"`, "mutes 1 firing alert(s)")

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
			tm.WaitFor("Edit SIL-1", `alertname="HighErrorRate"`, "4h", "silences 1 firing alert now")
			tm.Press("ctrl+u", `alertname=~"(HighErrorRate|DiskFull"`)
			tm.WaitFor("is not a valid") // before saving
			tm.Press("enter")
			tm.WaitFor("Edit SIL-1", "is not a valid")
			tm.Press("ctrl+u", `alertname=~"HighErrorRate|DiskFull" env=prod`)
			tm.WaitFor("silences 2 firing alerts now")
			tm.Press("enter")
			tm.WaitFor("SIL-2 replaces SIL-1: silences 2 firing alert(s)")
			tm.WaitForPane("Silences (1)", "SIL-2", `alertname=~"HighErrorRate|DiskFull"`, "mutes 2 firing alert(s)")

			s.clk.set(now.Add(time.Minute)) // a silence ends after it started
			tm.Press("d")
			tm.WaitFor("End SIL-2 now?")
			tm.Press("esc")
			tm.WaitForPane("Silences (1)", "SIL-2")
			if list, err := s.db.Silences(s.ctx, now.Add(time.Minute)); err != nil || len(list) != 1 {
				t.Fatalf("esc on the question ended it: %+v %v", list, err)
			}
			tm.Press("d")
			tm.WaitFor("End SIL-2 now?")
			tm.Press("y") // the console's one question: y/n
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
		})
	}
}

// s on a storm silences the storm: matchers from the labels its alerts
// share (not the pod), the preview counting them all, and every member is
// silenced, nothing else.
func TestSilenceStorm(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			var events []model.AlertEvent
			for i := range 25 {
				events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fmt.Sprintf("crash-%d", i), Name: "PodCrashLooping",
					Severity: model.SevCritical, State: model.AlertFiring, Source: "alertmanager",
					Labels: map[string]string{"alertname": "PodCrashLooping", "service": "checkout", "env": "prod", "pod": fmt.Sprintf("checkout-%d", i)}}})
			}
			done(t)(s.desk.Ingest(s.ctx, model.System, model.Drop{Name: "storm", Group: "checkout-crash", Events: events}))
			_, tm := s.console(operator, size[0], size[1])
			tm.Press("2")
			tm.WaitForPane("Alerts", "PodCrashLooping", "STORM 25/25")
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
			for i := range 25 {
				if a := alertByKey(t, s, fmt.Sprintf("crash-%d", i)); a.SilencedBy != list[0].ID {
					t.Errorf("storm member crash-%d is not silenced", i)
				}
			}
			if a := alertByKey(t, s, "errors-checkout"); a.SilencedBy != 0 {
				t.Fatal("the storm's silence covers an alert outside the storm")
			}
		})
	}
}

// alertByKey finds an alert by its dedup key.
func alertByKey(t *testing.T, s *stack, key string) model.Alert {
	t.Helper()
	all, err := s.db.Feed(s.ctx, model.FeedQuery{Limit: 1000, Members: true})
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

// The feed's filter: every term must hold, two words as two labels, and
// words and labels together.
func TestFeedFilterTermsAllHold(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t) // and HighErrorRate on checkout, DiskFull on orders-db, both prod
			s.firing("mixed", warning("a", "HighLatency", "checkout", "prod", "checkout-1"),
				warning("b", "HighLatency", "search", "prod", "search-1"),
				warning("c", "PodCrashLooping", "checkout", "prod", "checkout-1"),
				warning("d", "QueueBacklog", "checkout", "staging", "checkout-stg"))
			_, tm := s.console(operator, size[0], size[1])
			tm.Press("2")
			tm.WaitForPane("Alerts", "HighLatency", "QueueBacklog", "DiskFull")
			filter := func(text string, want, not []string) {
				t.Helper()
				tm.Press("/", "ctrl+u", text, "enter")
				tm.WaitUntil(fmt.Sprintf("the feed filtered by %q to %v", text, want), func(frame string) bool {
					rows := uitest.Pane(frame, "Alerts")
					for _, w := range want {
						if !strings.Contains(rows, w) {
							return false
						}
					}
					for _, n := range not {
						if strings.Contains(rows, n) {
							return false
						}
					}
					return true
				})
			}
			// Two words, both must hold: HighLatency on checkout only.
			filter("HighLatency checkout", []string{"HighLatency", "checkout"}, []string{"search", "PodCrashLooping", "QueueBacklog", "HighErrorRate"})
			// Two labels, both apply: checkout in prod.
			filter("env=prod service=checkout", []string{"HighLatency", "PodCrashLooping", "HighErrorRate"}, []string{"search", "QueueBacklog", "DiskFull"})
			// A word and labels.
			filter(`checkout env!=prod alertname=~"Queue.*"`, []string{"QueueBacklog"}, []string{"HighLatency", "PodCrashLooping", "HighErrorRate"})
			// A bad term says what is wrong.
			tm.Press("/", "ctrl+u", "is:bogus", "enter")
			tm.WaitForPane("Alerts", "filter: is:bogus: unknown")
			tm.Final()
		})
	}
}
