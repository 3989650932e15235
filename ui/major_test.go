package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// warRoomStore is the fake store with INC-7's war room open: declared 18
// minutes 25 seconds ago, roles partly assigned, and a second major below it.
func warRoomStore() *fakeStore {
	f := newFakeStore()
	in := f.incidents[0]
	second := f.incidents[1]
	second.Major = true
	f.warRooms = []model.WarRoom{
		{IncidentID: in.ID, DeclaredAt: testNow.Add(-18*time.Minute - 25*time.Second), DeclaredBy: "maya.patel",
			Commander: "maya.patel", Comms: "tom.okafor", Incident: in},
		{IncidentID: second.ID, DeclaredAt: testNow.Add(-time.Hour), DeclaredBy: "maya.patel", Incident: second},
	}
	return f
}

// The war-room banner on a wide and a narrow screen: the countdown to the
// next status update (the example plan: every 30 minutes for a P1) comes
// before the roles, so a narrow screen cuts the roles, never the countdown.
func TestWarRoomBanner(t *testing.T) {
	for _, size := range []struct{ w, h int }{{200, 60}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			m := newTestModel(t, warRoomStore(), model.RoleOperator)
			view := open(t, m, size.w, size.h).Final()
			if !strings.Contains(view, "⚑ MAJOR INCIDENT INC-7 P1 checkout") || !strings.Contains(view, "next update in 11:35") {
				t.Fatalf("no banner with its countdown:\n%s", view)
			}
			uitest.Golden(t, view)
		})
	}
}

// The countdown's words, from a fresh war room to an overdue one.
func TestUpdateDue(t *testing.T) {
	for _, tc := range []struct {
		c    model.StatusClock
		want string
	}{
		{model.StatusClock{}, ":update sends a status update"},
		{model.StatusClock{Every: 30 * time.Minute, Left: 11*time.Minute + 35*time.Second}, "next update in 11:35"},
		{model.StatusClock{Every: 2 * time.Hour, Left: 90 * time.Minute}, "next update in 1h30m"},
		{model.StatusClock{Every: 30 * time.Minute, Left: 0}, "status update OVERDUE by 0m"},
		{model.StatusClock{Every: 30 * time.Minute, Left: -7 * time.Minute}, "status update OVERDUE by 7m"},
	} {
		if got := updateDue(tc.c); got != tc.want {
			t.Errorf("updateDue(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
