package model

import (
	"fmt"
	"time"
)

// Rota says who is on call for one escalation level of a team: people
// taking turns, each for Days days from the hand-over time, and explicit
// shifts (a swap, a holiday cover) that win over the turn. Times are
// counted on the wall clock of Loc, so a weekly hand-over at 09:00 stays at
// 09:00 across a daylight-saving change.
type Rota struct {
	Team, Level string
	People      []string // in turn, from Start
	// Start is the first hand-over: the day the first person starts, at the
	// hand-over time, in Loc.
	Start time.Time
	Days  int // length of a turn: 1 daily, 7 weekly
	// Shifts are explicit shifts; one covering a time wins over the turn.
	Shifts []Shift
	Loc    *time.Location
}

// Shift is one person on call from From until To.
type Shift struct {
	Who      string
	From, To time.Time
	// Cover is set for an explicit shift rather than a turn of the rota.
	Cover bool
}

// Zero reports whether there is no rota.
func (r Rota) Zero() bool { return len(r.People) == 0 && len(r.Shifts) == 0 }

// At is the shift on call at t, and whether anyone is: an explicit shift
// covering t, else the turn t falls in. Before Start, only explicit
// shifts count.
func (r Rota) At(t time.Time) (Shift, bool) {
	for _, s := range r.Shifts {
		if !t.Before(s.From) && t.Before(s.To) {
			return s, true
		}
	}
	if len(r.People) == 0 || r.Days <= 0 || t.Before(r.Start) {
		return Shift{}, false
	}
	n := r.turn(t)
	return Shift{Who: r.People[n%len(r.People)], From: r.handover(n), To: r.handover(n + 1)}, true
}

// turn is the number of the turn t falls in, counted from 0 at Start.
func (r Rota) turn(t time.Time) int {
	// A first guess from elapsed time, corrected for days that are not 24
	// hours long (daylight saving) by stepping over the hand-overs.
	n := int(t.Sub(r.Start) / (time.Duration(r.Days) * 24 * time.Hour))
	for n > 0 && r.handover(n).After(t) {
		n--
	}
	for !r.handover(n + 1).After(t) {
		n++
	}
	return n
}

// handover is the start of turn n, on the wall clock of the rota's zone.
func (r Rota) handover(n int) time.Time {
	s := r.Start.In(r.loc())
	return time.Date(s.Year(), s.Month(), s.Day()+n*r.Days, s.Hour(), s.Minute(), 0, 0, r.loc())
}

func (r Rota) loc() *time.Location {
	if r.Loc == nil {
		return time.UTC
	}
	return r.Loc
}

// Between lists the shifts that overlap [from, to), in time order: the
// turns, cut where an explicit shift covers them, and the explicit shifts.
// The calendar draws them.
func (r Rota) Between(from, to time.Time) []Shift {
	var out []Shift
	t := from
	for t.Before(to) {
		s, ok := r.At(t)
		if !ok {
			// Nobody on call: skip to the next explicit shift or the start.
			next := to
			if t.Before(r.Start) && len(r.People) > 0 && r.Start.Before(next) {
				next = r.Start
			}
			for _, c := range r.Shifts {
				if c.From.After(t) && c.From.Before(next) {
					next = c.From
				}
			}
			t = next
			continue
		}
		if !s.Cover {
			// A turn ends early where an explicit shift begins.
			for _, c := range r.Shifts {
				if c.From.After(t) && c.From.Before(s.To) {
					s.To = c.From
				}
			}
			if t != from {
				s.From = later(s.From, t) // the turn resumes after a cover
			}
		}
		out = append(out, s)
		t = s.To
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Label says who is on call and until when: "tom.okafor until Mon 09:00".
func (s Shift) Label(loc *time.Location) string {
	return fmt.Sprintf("%s until %s", s.Who, s.To.In(loc).Format("Mon 15:04"))
}
