package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/notify"
)

// The demo's receiver takes what the outbox sends, a Slack webhook and an
// e-mail, and files each; the demo plan points its rules at it.
func TestReceiverFilesMessages(t *testing.T) {
	dir := t.TempDir()
	r, err := Receive(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Plan(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	NotifyLocally(p, r)
	var slack, email model.NotifyRule
	for _, rule := range p.Notify {
		switch rule.Name {
		case "war room":
			slack = model.NotifyRule{Name: rule.Name, Channel: model.Channel(rule.Channel), Targets: rule.Targets}
		case "stakeholders":
			email = model.NotifyRule{Name: rule.Name, Channel: model.Channel(rule.Channel), Targets: rule.Targets}
		}
	}
	if len(slack.Targets) != 1 || !strings.HasPrefix(slack.Targets[0], r.URL+"/war-room/slack") {
		t.Fatalf("war room targets %v", slack.Targets)
	}
	senders := notify.Senders{SMTP: func() notify.SMTP {
		return notify.SMTP{Host: p.SMTP.Host, Port: p.SMTP.SMTPPort(), From: p.SMTP.From, TLS: p.SMTP.TLS}
	}}
	for _, n := range []model.Notification{
		{ID: 1, Key: "a", Event: model.EventP1Opened, Rule: slack.Name, Channel: slack.Channel, Target: slack.Targets[0], Subject: "INC-1 P1 opened", Text: "down"},
		{ID: 2, Key: "b", Event: model.EventStatusUpdate, Rule: email.Name, Channel: email.Channel, Target: email.Targets[0], Subject: "INC-1 update", Text: "better"},
	} {
		if err := senders.Send(t.Context(), n); err != nil {
			t.Fatalf("%s: %v", n.Channel, err)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 2 {
		t.Fatalf("filed: %v, %v", files, err)
	}
	if !strings.HasSuffix(files[0], "0001-war-room-slack.json") || !strings.HasSuffix(files[1], "0002-mail-"+email.Targets[0]+".eml") {
		t.Fatalf("file names: %v", files)
	}
	mail, _ := os.ReadFile(files[1])
	if !strings.Contains(string(mail), "Subject: INC-1 update") {
		t.Fatalf("mail:\n%s", mail)
	}
}
