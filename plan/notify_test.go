package plan

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// notifySection is a [[notify]] set-up added to testdata/valid.toml.
const notifySection = `
[smtp]
host = "smtp.example.com"
from = "hypercare@example.com"
username = "hypercare"
password_env = "SMTP_PASSWORD"

[[notify]]
name = "war room"
events = ["p1_opened", "major_declared", "status_update"]
priorities = ["P1", "P2"]
channel = "slack"
targets = ["$SLACK_URL"]

[[notify]]
name = "daily"
events = ["daily_report"]
channel = "email"
targets = ["leads@example.com"]
at = "08:00"
attempts = 3

[major]
cadence = { P1 = "30m", P2 = "1h" }

[[major.template]]
name = "customers"
text = "{{.Service}} is affected: {{.Title}}"
`

func TestNotifySection(t *testing.T) {
	p, err := Parse("plan.toml", []byte(readFile(t, "testdata/valid.toml")+notifySection))
	if err != nil {
		t.Fatal(err)
	}
	rules := p.NotifyPolicy().Rules
	if len(rules) != 2 || !rules[0].Wants(model.EventP1Opened, 2) || rules[0].Wants(model.EventP1Opened, 3) ||
		rules[0].Wants(model.EventSLABreach, 1) || rules[1].At != 8*time.Hour || rules[1].Attempts != 3 {
		t.Fatalf("rules: %+v", rules)
	}
	if !rules[1].Wants(model.EventDailyReport, 0) {
		t.Fatal("the daily report has no priority and passes any filter")
	}
	m := p.MajorPolicy()
	if m.Cadence[1] != 30*time.Minute || m.Cadence[2] != time.Hour || len(m.Cadence) != 2 {
		t.Fatalf("cadence: %v", m.Cadence)
	}
	if tpl, err := m.Template("customers"); err != nil || tpl.Text == "" {
		t.Fatalf("template: %+v, %v", tpl, err)
	}
	if p.SMTP.SMTPPort() != 587 {
		t.Fatalf("port %d", p.SMTP.SMTPPort())
	}
}

// Each mistake in a [[notify]], [smtp] or [major] section is refused with
// its line, field and what to write instead.
func TestNotifyChecks(t *testing.T) {
	valid := readFile(t, "testdata/valid.toml")
	base := strings.Count(valid, "\n") + 1 // the line notifySection's first line lands on
	line := func(text string) int {
		i := strings.Index(notifySection, text)
		return base + strings.Count(notifySection[:i], "\n")
	}
	tests := []struct {
		name, old, new string
		field, msg     string
		at             string // the text on the problem's line
	}{
		{"unknown event", `"major_declared"`, `"major"`, "notify[1].events[2]", `"major" is not an event; use "p1_opened"`, `events = [`},
		{"bad priority", `"P2"]`, `"high"]`, "notify[1].priorities[2]", `"high" is not a priority`, `priorities`},
		{"unknown channel", `channel = "slack"`, `channel = "pager"`, "notify[1].channel", `"pager" is not a channel; use "webhook", "slack", "teams", "email"`, `channel = "slack"`},
		{"bad environment name", `"$SLACK_URL"`, `"$SLACK-URL"`, "notify[1].targets[1]", "after $ write an environment variable's name", `targets = ["$SLACK_URL"]`},
		{"not a URL", `"$SLACK_URL"`, `"hooks.slack.com/x"`, "notify[1].targets[1]", "is not a webhook URL", `targets = ["$SLACK_URL"]`},
		{"not an address", `"leads@example.com"`, `"Leads <leads@example.com>"`, "notify[2].targets[1]", "is not an e-mail address; write it bare", `targets = ["leads@example.com"]`},
		{"report without time", "at = \"08:00\"\n", "", "notify[2].at", `missing; add the time the daily report goes out`, `[[notify]]` + "\nname = \"daily\""},
		{"time without report", `channel = "slack"`, "channel = \"slack\"\nat = \"09:00\"", "notify[1].at", "only the daily_report event goes out at a time", `targets = ["$SLACK_URL"]`}, // the line after: the new one
		{"attempts", `attempts = 3`, `attempts = 0`, "", "", ""}, // 0 is the default
		{"too many attempts", `attempts = 3`, `attempts = 99`, "notify[2].attempts", "99: use 1 to 50", `attempts = 3`},
		{"email without smtp", "[smtp]\nhost = \"smtp.example.com\"\nfrom = \"hypercare@example.com\"\nusername = \"hypercare\"\npassword_env = \"SMTP_PASSWORD\"\n", "", "smtp", "missing; add an [smtp] section", ""},
		{"username without password", "password_env = \"SMTP_PASSWORD\"\n", "", "smtp.username", "give both username and password_env", `username = "hypercare"`},
		{"bad tls", `from = "hypercare@example.com"`, "from = \"hypercare@example.com\"\ntls = \"ssl\"", "smtp.tls", `"ssl": use "starttls"`, `username = "hypercare"`}, // the new line
		{"bad cadence priority", `P2 = "1h" }`, `urgent = "1h" }`, "major.cadence.urgent", "is not a priority", `cadence = `},
		{"bad cadence", `P1 = "30m"`, `P1 = "soon"`, "major.cadence.P1", "soon", `cadence = `},
		{"template field", `{{.Title}}"`, `{{.Owner}}"`, "major.template[1].text", "can't evaluate field Owner", `text = `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(notifySection, tt.old) {
				t.Fatalf("notifySection has no %q", tt.old)
			}
			_, err := Parse("plan.toml", []byte(valid+strings.Replace(notifySection, tt.old, tt.new, 1)))
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("Parse: %v, want a *CheckError", err)
			}
			got := ce.Problems[0]
			if len(ce.Problems) != 1 || got.Field != tt.field || !strings.Contains(got.Msg, tt.msg) {
				t.Fatalf("got:\n%v\nwant field %q, message containing %q", err, tt.field, tt.msg)
			}
			if tt.at != "" && got.Line != line(tt.at) {
				t.Fatalf("line %d, want %d (%q)", got.Line, line(tt.at), tt.at)
			}
		})
	}
}
