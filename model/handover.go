package model

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// How far a handover looks: notes from the last day when no handover was
// published yet, changes planned for the next day, and changes still
// running that were planned to start up to a week ago (an overrun is what
// the next shift most needs to hear about).
const (
	handoverLookback = 24 * time.Hour
	handoverAhead    = 24 * time.Hour
	runningLookback  = 7 * 24 * time.Hour
	nextStepWidth    = 160
)

// HandoverState is the live state a handover is written from.
type HandoverState struct {
	// Last is the newest published handover, zero when there is none.
	// Notes count from Since: Last's save, else a day before the draft.
	Last  Article
	Since time.Time
	// Incidents are the open incidents and requests, and those opened or
	// resolved since Since; Timelines their timelines by incident ID.
	Incidents []Incident
	Timelines map[int64][]TimelineEntry
	// Changes are those planned around now: from a week before to a day after.
	Changes []Change
	// Silences are those not yet ended.
	Silences []Silence
}

// DraftHandover writes a handover from the live state and saves it as a
// draft for a to edit, submit and have published; once published it is
// required reading for every operator until the next one (RequiredOf).
// Its slug is the minute it was drafted in the plan's timezone, so drafting
// again within the minute makes a new version rather than a second article.
func (s *Desk) DraftHandover(ctx context.Context, a Actor) (Article, error) {
	if err := a.Check(PermWriteArticle); err != nil {
		return Article{}, err
	}
	now, loc := s.Now(), s.pol().Location()
	st, err := s.readHandover(ctx, now)
	if err != nil {
		return Article{}, fmt.Errorf("read the live state for the handover: %w", err)
	}
	title, body := ComposeHandover(st, now, loc)
	return s.SaveArticle(ctx, a, Article{Slug: handoverSlug(now, loc), Title: title, Kind: ArticleHandover, Body: body})
}

// readHandover reads what a handover drafted at now reports.
func (s *Desk) readHandover(ctx context.Context, now time.Time) (HandoverState, error) {
	st := HandoverState{Since: now.Add(-handoverLookback)}
	// The training data names the newest published handover: the one the
	// shift now on duty was handed, and read.
	td, err := s.store.TrainingData(ctx)
	if err != nil {
		return st, err
	}
	if i := slices.IndexFunc(td.Articles, func(ar Article) bool { return ar.ID == td.NewestHandover }); i >= 0 {
		st.Last, st.Since = td.Articles[i], td.Articles[i].UpdatedAt
	}
	if st.Incidents, err = s.store.IncidentsSince(ctx, st.Since); err != nil {
		return st, err
	}
	st.Timelines = make(map[int64][]TimelineEntry, len(st.Incidents))
	for _, in := range st.Incidents {
		if st.Timelines[in.ID], err = s.store.Timeline(ctx, in.ID); err != nil {
			return st, fmt.Errorf("%s: %w", in.Ref(), err)
		}
	}
	if st.Changes, err = s.store.ChangesBetween(ctx, now.Add(-runningLookback), now.Add(handoverAhead)); err != nil {
		return st, err
	}
	st.Silences, err = s.store.Silences(ctx, now)
	return st, err
}

// handoverSlug names a handover by the minute it was drafted: handover-2026-12-03-2145.
func handoverSlug(now time.Time, loc *time.Location) string {
	return "handover-" + now.In(orUTC(loc)).Format("2006-01-02-1504")
}

// ComposeHandover writes a handover's title and Markdown body from the
// live state at now, times in loc: the open P1 and P2 with their owners and
// next steps, breached and at-risk incidents, changes running and in the
// next 24 hours, active silences, the notes since the last handover, and a
// section the operator fills in for the next shift.
func ComposeHandover(st HandoverState, now time.Time, loc *time.Location) (title, body string) {
	loc = orUTC(loc)
	at := func(t time.Time) string { return t.In(loc).Format("Mon 02 Jan 15:04") }
	title = "Handover: " + now.In(loc).Format("Monday 2 January 2006 15:04")

	var open []Incident
	for _, in := range st.Incidents {
		if in.State.Open() {
			open = append(open, in)
		}
	}
	slices.SortStableFunc(open, func(a, b Incident) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), a.OpenedAt.Compare(b.OpenedAt), cmp.Compare(a.ID, b.ID))
	})

	var b strings.Builder
	fmt.Fprintf(&b, "The live state at %s.\n", now.In(loc).Format("Mon 02 Jan 2006 15:04 MST"))
	section := func(title, empty string, n int) bool {
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		if n == 0 {
			b.WriteString(empty + "\n")
		}
		return n > 0
	}

	critical := slices.DeleteFunc(slices.Clone(open), func(in Incident) bool { return in.Priority > 2 })
	if section("Open P1 and P2", "No P1 or P2 is open.", len(critical)) {
		for _, in := range critical {
			major := ""
			if in.Major {
				major = " MAJOR"
			}
			fmt.Fprintf(&b, "- **%s** %s%s, %s, %s old, owner %s, %s: %s\n", in.Ref(), in.Priority, major, in.State.Label(),
				roundDuration(now.Sub(in.OpenedAt)), incidentOwner(in), in.Service, oneLine(in.Title))
			next := "no note yet"
			if n, ok := latestNote(st.Timelines[in.ID]); ok {
				next = fmt.Sprintf("%s (%s, %s)", cut(oneLine(n.Text), nextStepWidth), n.Actor, at(n.At))
			}
			fmt.Fprintf(&b, "  - next step: %s\n", next)
		}
	}

	// Breaches before those at risk, each in queue order.
	type breach struct {
		in       Incident
		standing string
	}
	var breaches, atRisk []breach
	for _, in := range open {
		switch standing, breached := slaStanding(in, now, at); {
		case breached:
			breaches = append(breaches, breach{in, standing})
		case standing != "":
			atRisk = append(atRisk, breach{in, standing})
		}
	}
	breaches = append(breaches, atRisk...)
	if section("Breached and at risk", "No open incident has breached its SLA or is at risk.", len(breaches)) {
		for _, x := range breaches {
			fmt.Fprintf(&b, "- **%s** %s %s: %s (%s, owner %s)\n", x.in.Ref(), x.in.Priority, x.standing, oneLine(x.in.Title), x.in.Service, incidentOwner(x.in))
		}
	}

	var running, ahead []Change
	for _, c := range st.Changes {
		switch {
		case c.Running(now):
			running = append(running, c)
		case c.Open() && c.State != ChangeReview && c.End.After(now) && c.Start.Before(now.Add(handoverAhead)):
			ahead = append(ahead, c)
		}
	}
	byStart := func(a, b Change) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) }
	slices.SortStableFunc(running, byStart)
	slices.SortStableFunc(ahead, byStart)
	if section("Changes running now", "No change is running.", len(running)) {
		for _, c := range running {
			plannedEnd := "planned to end " + at(c.End)
			if !now.Before(c.End) {
				plannedEnd = "**overrunning**, planned to end " + at(c.End)
			}
			fmt.Fprintf(&b, "- %s %s (%s), %s, implementer %s: %s\n", c.Ref(), c.State, strings.Join(c.Services, ", "), plannedEnd,
				orNobody(c.Implementer), oneLine(c.Title))
		}
	}
	if section("Changes in the next 24 hours", "No change is planned in the next 24 hours.", len(ahead)) {
		for _, c := range ahead {
			fmt.Fprintf(&b, "- %s %s %s (%s), implementer %s: %s\n", at(c.Start), c.Ref(), c.State, strings.Join(c.Services, ", "),
				orNobody(c.Implementer), oneLine(c.Title))
		}
	}

	active := slices.DeleteFunc(slices.Clone(st.Silences), func(s Silence) bool { return !s.Active(now) })
	slices.SortStableFunc(active, func(a, b Silence) int { return cmp.Or(a.EndsAt.Compare(b.EndsAt), cmp.Compare(a.ID, b.ID)) })
	if section("Active silences", "No silence is in force.", len(active)) {
		for _, s := range active {
			ms := make([]string, len(s.Matchers))
			for i, m := range s.Matchers {
				ms[i] = m.String()
			}
			fmt.Fprintf(&b, "- %s `%s` mutes %d firing alert(s) until %s, set by %s: %s\n", s.Ref(), strings.Join(ms, " "), s.Matching,
				at(s.EndsAt), s.Author, oneLine(s.Comment))
		}
	}

	notesTitle := "Notes in the last 24 hours"
	if st.Last.ID != 0 {
		notesTitle = fmt.Sprintf("Notes since the last handover (%s, %s)", st.Last.Ref(), at(st.Since))
	}
	var noted []Incident
	for _, in := range st.Incidents {
		if slices.ContainsFunc(st.Timelines[in.ID], func(e TimelineEntry) bool { return isNote(e) && !e.At.Before(st.Since) }) {
			noted = append(noted, in)
		}
	}
	slices.SortStableFunc(noted, func(a, b Incident) int { return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.ID, b.ID)) })
	if section(notesTitle, "Nobody wrote a note.", len(noted)) {
		for i, in := range noted {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "### %s %s %s: %s\n\n", in.Ref(), in.Priority, in.State.Label(), oneLine(in.Title))
			for _, e := range st.Timelines[in.ID] {
				if isNote(e) && !e.At.Before(st.Since) {
					fmt.Fprintf(&b, "- %s %s: %s\n", at(e.At), e.Actor, oneLine(e.Text))
				}
			}
		}
	}

	b.WriteString("\n## For the next shift\n\n- (what to watch, what to do first, what is waiting on whom)\n")
	return title, b.String()
}

// slaStanding says how an open incident stands against its SLA when it
// breached a target (breached true) or is at risk of one, else "".
func slaStanding(in Incident, now time.Time, at func(time.Time) string) (standing string, breached bool) {
	// On hold, the clock is stopped and the due time moves on resume.
	resolveLate := in.SLAFlags&SLAResolveBreached != 0 || (in.HoldSince.IsZero() && !in.ResolveDue.IsZero() && now.After(in.ResolveDue))
	switch {
	case resolveLate:
		return "breached, resolve was due " + at(in.ResolveDue), true
	case in.SLAFlags&SLARespondBreached != 0 && in.AckAt.IsZero():
		return "breached, nobody has responded (was due " + at(in.RespondDue) + ")", true
	case in.SLAFlags&SLARespondBreached != 0:
		return "breached, the first response was late", true
	case in.SLAFlags&SLAWarned != 0:
		return "at risk, resolve due " + at(in.ResolveDue), false
	case in.AtRisk():
		return "at risk, nobody has responded (due " + at(in.RespondDue) + ")", false
	}
	return "", false
}

func isNote(e TimelineEntry) bool { return e.Kind == "note" }

// latestNote is the newest note of a timeline (kept oldest first): the
// next step as its owner last wrote it.
func latestNote(tl []TimelineEntry) (TimelineEntry, bool) {
	for i := len(tl) - 1; i >= 0; i-- {
		if isNote(tl[i]) {
			return tl[i], true
		}
	}
	return TimelineEntry{}, false
}

// incidentOwner is who has an incident: its assignee, else its team.
func incidentOwner(in Incident) string {
	switch {
	case in.Assignee != "":
		return in.Assignee
	case in.Team != "":
		return "team " + in.Team + " (unassigned)"
	}
	return "nobody"
}

// oneLine keeps a text on its list item's line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
