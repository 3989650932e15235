package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// The feed's state column and badges say what an alert is at a glance:
// stale alerts are told apart from firing ones, and a storm row says how
// many of its members fire.
func TestFeedStateAndBadges(t *testing.T) {
	st := NewStyles(lipgloss.NewRenderer(nil))
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		alert     model.Alert
		state     string
		badgeWant string
	}{
		{"firing", model.Alert{State: model.AlertFiring}, "FIRE", ""},
		{"stale", model.Alert{State: model.AlertFiring, Stale: true}, "STALE", ""},
		{"resolved by the sweep", model.Alert{State: model.AlertResolved, Stale: true}, "ok", ""},
		{"acked", model.Alert{State: model.AlertFiring, AckBy: "bob"}, "ACK", ""},
		{"storm", model.Alert{State: model.AlertFiring, StormID: 4, StormSize: 30, StormFiring: 12}, "FIRE", "STORM 12/30 firing"},
		{"resolved storm", model.Alert{State: model.AlertResolved, StormID: 4, StormSize: 30}, "ok", "STORM 0/30 firing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := alertState(st, tt.alert, now); got != tt.state {
				t.Errorf("state %q, want %q", got, tt.state)
			}
			if got := alertTags(tt.alert); !strings.Contains(got, tt.badgeWant) {
				t.Errorf("badges %q, want %q", got, tt.badgeWant)
			}
		})
	}
	if got := firedLine(model.Alert{Firings: 3, Stale: true, State: model.AlertFiring}); !strings.Contains(got, "3 time(s)") || !strings.Contains(got, "STALE") {
		t.Errorf("detail: %q", got)
	}
}
