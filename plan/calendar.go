package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// weekdays is a set of days, indexed by time.Weekday.
type weekdays [7]bool

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func parseDay(name string) (time.Weekday, error) {
	d, ok := dayNames[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return 0, fmt.Errorf("%q is not a day; use mon, tue, wed, thu, fri, sat or sun", name)
	}
	return d, nil
}

// parseClock reads a wall-clock time "HH:MM" as the offset into the day.
func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day; write it as HH:MM, such as \"02:00\"", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// parseDuration reads Go durations ("15m", "4h") and, because SLAs and
// grace periods are often stated in days, whole days in front ("3d", "1d12h").
func parseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration; write it like \"15m\", \"4h\", \"3d\" or \"1d12h\"", s)
	var days time.Duration
	if n, rest, ok := strings.Cut(s, "d"); ok {
		count, err := strconv.Atoi(n)
		if err != nil || count < 0 {
			return 0, bad
		}
		days, s = time.Duration(count)*24*time.Hour, rest
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, bad
	}
	return days + d, nil
}

// recurrence is a wall-clock time on some weekdays: a maintenance window.
type recurrence struct {
	days weekdays
	at   time.Duration // offset into the day
}

// starts lists the start times of the occurrences, each lasting length,
// that overlap [from, to). The times are wall-clock times in loc, so a
// 02:00 window stays at 02:00 across a DST change.
func (r recurrence) starts(from, to time.Time, length time.Duration, loc *time.Location) []time.Time {
	var out []time.Time
	first := from.Add(-length).In(loc) // the earliest start that can still overlap
	hour, minute := int(r.at/time.Hour), int(r.at%time.Hour/time.Minute)
	y, m, d := first.Date()
	// Step through calendar dates, not 24h periods, which drift across DST.
	for day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); ; day = day.AddDate(0, 0, 1) {
		t := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, loc)
		if !t.Before(to) {
			return out
		}
		if t.Add(length).After(from) && r.days[t.Weekday()] {
			out = append(out, t)
		}
	}
}

// Occurrence is one instance of a recurring window.
type Occurrence struct {
	Service string
	Label   string
	Start   time.Time
	End     time.Time
}

// MaintenanceBetween expands every service's maintenance windows that
// overlap [from, to), ordered by start, in the plan timezone.
func (p *Plan) MaintenanceBetween(from, to time.Time) []Occurrence {
	var out []Occurrence
	for _, s := range p.Services {
		for _, w := range s.Maintenance {
			for _, start := range w.rec.starts(from, to, w.length, p.Location()) {
				out = append(out, Occurrence{Service: s.ID, Label: s.Name + " maintenance", Start: start, End: start.Add(w.length)})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Occurrence) int { return a.Start.Compare(b.Start) })
	return out
}

// FreezesBetween returns the freezes that overlap [from, to), ordered by start.
func (p *Plan) FreezesBetween(from, to time.Time) []Freeze {
	var out []Freeze
	for _, f := range p.Freezes {
		if f.Start.Before(to) && f.End.After(from) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Freeze) int { return a.Start.Compare(b.Start) })
	return out
}

// Day says which day of hypercare now is, counting calendar days in the plan
// timezone from 1 on the start day: 0 before the start, total after the end.
func (p *Plan) Day(now time.Time) (day, total int) {
	h, loc := p.Hypercare, p.Location()
	total = daysApart(h.Start, h.End.Add(-time.Nanosecond), loc) + 1
	if now.Before(h.Start) {
		return 0, total
	}
	return min(daysApart(h.Start, now, loc)+1, total), total
}

// daysApart counts the calendar days from a's date to b's date in loc.
func daysApart(a, b time.Time, loc *time.Location) int {
	date := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(date(b).Sub(date(a)) / (24 * time.Hour))
}

// Shifted returns a copy of the plan with every date and time in it — the
// hypercare period, holidays, freezes, licence expiries and the plan's last
// review — moved by d. The demo uses it to centre the example plan on today.
// Whole days move by the calendar in the plan timezone, so a date at
// midnight stays at midnight when the move crosses a DST change.
func (p *Plan) Shifted(d time.Duration) *Plan {
	days, loc := d/(24*time.Hour), p.Location()
	shift := func(t time.Time) time.Time {
		return t.In(loc).AddDate(0, 0, int(days)).Add(d - days*24*time.Hour)
	}
	q := *p
	q.Hypercare.Start, q.Hypercare.End = shift(p.Hypercare.Start), shift(p.Hypercare.End)
	q.Hypercare.Holidays = make([]time.Time, len(p.Hypercare.Holidays))
	for i, t := range p.Hypercare.Holidays {
		q.Hypercare.Holidays[i] = shift(t)
	}
	q.Freezes = slices.Clone(p.Freezes)
	for i := range q.Freezes {
		q.Freezes[i].Start, q.Freezes[i].End = shift(q.Freezes[i].Start), shift(q.Freezes[i].End)
	}
	q.Licences = slices.Clone(p.Licences)
	for i := range q.Licences {
		q.Licences[i].Expires = shift(q.Licences[i].Expires)
	}
	if !p.Support.Review.Last.IsZero() {
		q.Support.Review.Last = shift(p.Support.Review.Last)
	}
	return &q
}

// RespondBy is when a record opened at from must have its first response:
// see ResolveBy.
func (p *Plan) RespondBy(kind model.Kind, pr model.Priority, from time.Time) time.Time {
	t := p.SLAFor(kind, pr)
	if t.Respond <= 0 {
		return time.Time{}
	}
	return t.Clock.Add(from, t.Respond)
}

// ResolveBy is when a record opened at from must be resolved: the resolve
// target counted in the SLA's hours, so a business-hours target skips
// nights, weekends and holidays. Zero when the plan sets no target.
func (p *Plan) ResolveBy(kind model.Kind, pr model.Priority, from time.Time) time.Time {
	t := p.SLAFor(kind, pr)
	if t.Resolve <= 0 {
		return time.Time{}
	}
	return t.Clock.Add(from, t.Resolve)
}

// SLAFor is the target a record falls under, with the clock that counts it
// (model.Policy's SLA).
func (p *Plan) SLAFor(kind model.Kind, pr model.Priority) model.SLATarget {
	s := p.sla(kind, pr)
	t := model.SLATarget{Respond: s.respond, Resolve: s.resolve, Clock: model.WallClock{}}
	if s.Hours == HoursBusiness && p.Hypercare.Business.days != (weekdays{}) {
		t.Clock = businessClock{p}
	}
	return t
}

// businessClock counts only the plan's business hours: working days,
// between their opening and closing times, holidays excluded. Days are
// walked in the plan's timezone, so a day that changes to or from summer
// time still has its full opening hours.
type businessClock struct{ p *Plan }

// Add is the instant d of business time after from.
func (c businessClock) Add(from time.Time, d time.Duration) time.Time {
	t, left := from.In(c.p.Location()), d
	for {
		open, closing, next := c.day(t)
		if t.Before(open) {
			t = open
		}
		if t.Before(closing) {
			avail := closing.Sub(t)
			if left <= avail {
				return t.Add(left)
			}
			left -= avail
		}
		t = next
	}
}

// Between is the business time from one instant to a later one.
func (c businessClock) Between(from, to time.Time) time.Duration {
	var sum time.Duration
	t := from.In(c.p.Location())
	for t.Before(to) {
		open, closing, next := c.day(t)
		start, end := later(t, open), earlier(to, closing)
		if end.After(start) {
			sum += end.Sub(start)
		}
		t = next
	}
	return sum
}

// day gives the business opening and closing of t's day (equal when the
// day is not worked) and the start of the next day.
func (c businessClock) day(t time.Time) (open, closing, next time.Time) {
	b, loc := c.p.Hypercare.Business, c.p.Location()
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	next = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	if !b.days[t.Weekday()] || c.p.holiday(y, m, d) {
		return midnight, midnight, next
	}
	// Wall-clock opening hours: time.Date normalises them on the day's own
	// offset, which Add on midnight would not across a DST change.
	open = time.Date(y, m, d, 0, int(b.start/time.Minute), 0, 0, loc)
	closing = time.Date(y, m, d, 0, int(b.end/time.Minute), 0, 0, loc)
	return open, closing, next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (p *Plan) holiday(y int, m time.Month, d int) bool {
	return slices.ContainsFunc(p.Hypercare.Holidays, func(h time.Time) bool {
		hy, hm, hd := h.In(p.Location()).Date()
		return hy == y && hm == m && hd == d
	})
}
