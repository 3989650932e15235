package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/hypercare-ops/hypercare/model"
)

// sample is a P1 status update as the desk writes it, with the characters
// Slack reserves in it.
func sample(ch model.Channel) model.Notification {
	return model.Notification{ID: 7, Key: "INC-3/status_update/1764079200000|war-room|$SLACK_URL", Event: model.EventStatusUpdate,
		Entity: "INC-3", Rule: "war-room", Channel: ch, Target: "$SLACK_URL",
		Subject: "INC-3 P1 status update 2: Checkout returns 502 for card payments",
		Text:    "INC-3 P1 on checkout: cause identified\nPSP gateway timeouts <30s> & retries; fix rolling out.\nNext update by Wed 25 Nov 14:30 GMT.",
		Fields: []model.NotifyField{{Name: "Priority", Value: "P1"}, {Name: "Service", Value: "checkout"}, {Name: "State", Value: "In Progress"},
			{Name: "Incident commander", Value: "maya.patel"}},
		State: model.NotifySending, Attempts: 1, MaxAttempts: 8, CreatedAt: time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)}
}

// The three webhook bodies, as receivers get them (-update rewrites them).
func TestBodies(t *testing.T) {
	for _, ch := range []model.Channel{model.ChannelWebhook, model.ChannelSlack, model.ChannelTeams} {
		t.Run(string(ch), func(t *testing.T) {
			b, err := Body(sample(ch))
			if err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, b)
		})
	}
}

// A daily report longer than a Slack section is split at line ends into
// several sections, none over Slack's limit, nothing lost.
func TestSlackSplitsLongText(t *testing.T) {
	var lines []string
	for i := range 400 {
		lines = append(lines, strings.Repeat("x", 20)+" line "+string(rune('a'+i%26)))
	}
	text := strings.Join(lines, "\n")
	parts := chunks(text, slackSectionMax)
	if len(parts) < 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		if n := len([]rune(p)); n > slackSectionMax {
			t.Fatalf("part %d has %d characters", i, n)
		}
	}
	if got := strings.Join(parts, ""); got != text {
		t.Fatalf("joined parts differ from the text")
	}
	if _, err := Body(model.Notification{Channel: model.ChannelSlack, Subject: "report", Text: text}); err != nil {
		t.Fatal(err)
	}
}

func TestNotEmailBody(t *testing.T) {
	if _, err := Body(sample(model.ChannelEmail)); err == nil {
		t.Fatal("an e-mail has no webhook body")
	}
}
