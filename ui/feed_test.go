package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

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

// The footer says what the drop folder's intake is doing, including entries
// it leaves alone and an alert source it cannot reach.
func TestDropsLine(t *testing.T) {
	status := DropStatus{Watching: true, Processed: 12, Rejected: 1, Ignored: 2, LastIgnored: "a-fifo: named pipe (FIFO)"}
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	m.s.Drops = func() DropStatus { return status }
	m.w = 200
	if got := m.dropsLine(); !strings.Contains(got, "drops 12 ok · 1 rejected") || !strings.Contains(got, "2 left alone (a-fifo: named pipe (FIFO))") {
		t.Errorf("footer: %q", got)
	}
	status.Sources = "alertmanager: cannot ask Alertmanager which alerts it holds"
	if got := m.dropsLine(); !strings.Contains(got, "alert source unreachable: alertmanager: cannot ask") {
		t.Errorf("footer with an unreachable Alertmanager: %q", got)
	}
	status.Sources, status.Retention = "", "alerts: archive /data/archive: permission denied"
	if got := m.dropsLine(); !strings.Contains(got, "prune failed: alerts: archive /data/archive: permission denied") {
		t.Errorf("footer after a failed prune: %q", got)
	}
}

// When someone else takes the incident or request on screen, the notice
// names it by its own reference.
func TestDetailSaysWhoTookIt(t *testing.T) {
	m := newTestModel(t, newFakeStore(), model.RoleOperator)
	d := newDetail(m.s, incidentBody{id: 12})
	d.seq = 7
	read := func(assignee string) tea.Cmd {
		in := model.Incident{ID: 12, Kind: model.KindRequest, Assignee: assignee}
		return d.update(detailData{d: d, seq: 7, body: incidentBody{id: 12, in: in}, title: in.Ref()})
	}
	read("")
	cmd := read("bob")
	if cmd == nil {
		t.Fatal("no notice when bob took it")
	}
	if n, ok := cmd().(noticeMsg); !ok || n.text != "REQ-12 taken by bob" {
		t.Fatalf("notice %#v", cmd())
	}
	if read("alice") != nil {
		t.Error("a notice when the operator took it themselves")
	}
	if d.update(detailData{d: d, seq: 6, body: incidentBody{id: 12}}) != nil || d.body.(incidentBody).in.Assignee != "alice" {
		t.Error("an overtaken read was installed")
	}
}
