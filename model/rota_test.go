package model_test

import (
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func berlin(t *testing.T, month time.Month, day, hour, minute int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, month, day, hour, minute, 0, 0, loc)
}

// Who is on call: weekly turns handed over on Monday at 09:00 Berlin time
// (summer time ends on Sunday 25 October 2026, so that week is an hour
// longer and the hand-over stays at 09:00), a daily rota, and a cover
// shift that wins over the turn.
func TestRotaAt(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	weekly := model.Rota{People: []string{"ana", "ben", "cy"}, Start: berlin(t, 10, 5, 9, 0), Days: 7, Loc: loc,
		Shifts: []model.Shift{{Who: "dee", From: berlin(t, 10, 28, 18, 0), To: berlin(t, 10, 29, 8, 0), Cover: true}}}
	daily := model.Rota{People: []string{"ana", "ben"}, Start: berlin(t, 3, 28, 8, 0), Days: 1, Loc: loc}
	for _, tc := range []struct {
		name     string
		rota     model.Rota
		at       time.Time
		who      string
		from, to time.Time
	}{
		{"before the start: nobody", weekly, berlin(t, 10, 5, 8, 59), "", time.Time{}, time.Time{}},
		{"first turn starts at the hand-over", weekly, berlin(t, 10, 5, 9, 0), "ana", berlin(t, 10, 5, 9, 0), berlin(t, 10, 12, 9, 0)},
		{"last minute of the first turn", weekly, berlin(t, 10, 12, 8, 59), "ana", berlin(t, 10, 5, 9, 0), berlin(t, 10, 12, 9, 0)},
		{"second turn", weekly, berlin(t, 10, 12, 9, 0), "ben", berlin(t, 10, 12, 9, 0), berlin(t, 10, 19, 9, 0)},
		{"the week summer time ends: hand-over still 09:00", weekly, berlin(t, 10, 26, 8, 30), "cy", berlin(t, 10, 19, 9, 0), berlin(t, 10, 26, 9, 0)},
		{"after the change", weekly, berlin(t, 10, 26, 9, 0), "ana", berlin(t, 10, 26, 9, 0), berlin(t, 11, 2, 9, 0)},
		{"a cover shift wins", weekly, berlin(t, 10, 28, 23, 0), "dee", berlin(t, 10, 28, 18, 0), berlin(t, 10, 29, 8, 0)},
		{"the turn resumes after the cover", weekly, berlin(t, 10, 29, 8, 0), "ana", berlin(t, 10, 26, 9, 0), berlin(t, 11, 2, 9, 0)},
		{"across midnight: still the day's turn", daily, berlin(t, 3, 29, 0, 30), "ana", berlin(t, 3, 28, 8, 0), berlin(t, 3, 29, 8, 0)},
		{"the turn after summer time starts", daily, berlin(t, 3, 29, 8, 0), "ben", berlin(t, 3, 29, 8, 0), berlin(t, 3, 30, 8, 0)},
		{"months later", daily, berlin(t, 6, 1, 7, 59), "ana", berlin(t, 5, 31, 8, 0), berlin(t, 6, 1, 8, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := tc.rota.At(tc.at)
			if ok != (tc.who != "") || s.Who != tc.who {
				t.Fatalf("At(%s) = %+v, %v; want %s", tc.at, s, ok, tc.who)
			}
			if ok && (!s.From.Equal(tc.from) || !s.To.Equal(tc.to)) {
				t.Fatalf("shift %s – %s, want %s – %s", s.From, s.To, tc.from, tc.to)
			}
		})
	}
}

// Between cuts a turn where a cover shift begins and resumes it after, so
// the calendar shows who is on call at every moment, once.
func TestRotaBetween(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	r := model.Rota{People: []string{"ana", "ben"}, Start: berlin(t, 10, 5, 9, 0), Days: 7, Loc: loc,
		Shifts: []model.Shift{{Who: "dee", From: berlin(t, 10, 7, 18, 0), To: berlin(t, 10, 8, 8, 0), Cover: true}}}
	got := r.Between(berlin(t, 10, 4, 0, 0), berlin(t, 10, 13, 0, 0))
	want := []model.Shift{
		{Who: "ana", From: berlin(t, 10, 5, 9, 0), To: berlin(t, 10, 7, 18, 0)},
		{Who: "dee", From: berlin(t, 10, 7, 18, 0), To: berlin(t, 10, 8, 8, 0), Cover: true},
		{Who: "ana", From: berlin(t, 10, 8, 8, 0), To: berlin(t, 10, 12, 9, 0)},
		{Who: "ben", From: berlin(t, 10, 12, 9, 0), To: berlin(t, 10, 19, 9, 0)},
	}
	if len(got) != len(want) {
		t.Fatalf("Between = %+v", got)
	}
	for i := range want {
		if got[i].Who != want[i].Who || !got[i].From.Equal(want[i].From) || !got[i].To.Equal(want[i].To) || got[i].Cover != want[i].Cover {
			t.Errorf("shift %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if (model.Rota{}).Between(berlin(t, 10, 4, 0, 0), berlin(t, 10, 13, 0, 0)) != nil {
		t.Error("no rota has shifts")
	}
}

// A turn already running when the window opens keeps its real start: it
// is not a hand-over at the window's edge.
func TestRotaBetweenMidTurn(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	r := model.Rota{People: []string{"ana", "ben"}, Start: berlin(t, 10, 5, 9, 0), Days: 7, Loc: loc}
	got := r.Between(berlin(t, 10, 6, 0, 0), berlin(t, 10, 13, 0, 0))
	if len(got) != 2 || !got[0].From.Equal(berlin(t, 10, 5, 9, 0)) || got[1].Who != "ben" {
		t.Fatalf("Between = %+v", got)
	}
}
