package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// changeOutcome is what a change action prints: the change with its
// conflicts, or for "slot" the free time found.
type changeOutcome struct {
	Ref       string           `json:"ref,omitempty"`
	Change    *model.Change    `json:"change,omitempty"`
	Conflicts []model.Conflict `json:"conflicts,omitempty"`
	Slot      *model.Span      `json:"slot,omitempty"`
	loc       *time.Location
}

var changeCommand = recordCommand[changeOutcome]{name: "change", kind: "changes", prefix: "CHG",
	actions: changeActions, footer: changeFooter, line: changeLine,
	json: func(o changeOutcome) any { return o }}

const changeFooter = `
Times are RFC 3339 (2026-12-06T02:00:00Z) or "2026-12-06 02:00" in the
plan's timezone. Normal changes go New → Assess → Authorize → Scheduled →
Implement → Review → Closed; who approves what is the plan's [change] section.` + actionFooter

// runChange runs one change action.
func runChange(g global, args []string, stdin io.Reader, w io.Writer) error {
	return runRecord(g, changeCommand, args, stdin, w)
}

// The flags that describe a change's plan, shared by new and edit.
var changePlanFlags = []incidentFlag{
	{"service", "IDS", "the services from the plan, comma separated; the first is the primary", false},
	{"title", "TEXT", "what changes, in one line", false},
	{"type", "TYPE", "normal (default), standard (from the plan's catalogue) or emergency", false},
	{"impact", "LEVEL", levelHelp + ": how much it affects if it goes wrong", false},
	{"probability", "LEVEL", levelHelp + ": how likely it is to go wrong", false},
	{"start", "TIME", "planned start", false},
	{"duration", "DURATION", "planned length, such as 2h (or give --end)", false},
	{"end", "TIME", "planned end", false},
	{"implementer", "NAME", "who carries it out: an operator, team member or team id", false},
	{"description", "TEXT", "what and why; - reads it from standard input", false},
	{"backout", "TEXT", "how to undo it", false},
	{"test-plan", "TEXT", "how to know it worked", false},
	{"reason", "TEXT", "for an emergency: why it cannot wait", false},
	{"incident", "ID", "the incident it fixes", false},
	{"problem", "ID", "the problem it fixes", false},
}

func required(flags []incidentFlag, names ...string) []incidentFlag {
	out := make([]incidentFlag, len(flags))
	for i, f := range flags {
		for _, n := range names {
			if f.name == n {
				f.required = true
			}
		}
		out[i] = f
	}
	return out
}

var changeActions = []recordAction[changeOutcome]{
	{name: "new", summary: "put a change on the calendar, in state New",
		flags: required(changePlanFlags, "service", "title", "impact", "probability", "start"),
		check: needEnd,
		do: func(ctx context.Context, r incidentRun) (changeOutcome, string, error) {
			c, err := r.changeFromFlags(model.Change{Type: model.ChangeNormal})
			if err != nil {
				return changeOutcome{}, "", err
			}
			c, cs, err := r.desk.CreateChange(ctx, r.actor, c)
			return r.outcome(c, cs), "created", err
		}},
	{name: "edit", summary: "change its plan; an approved change goes back to its approvers", id: true,
		flags: changePlanFlags,
		do: func(ctx context.Context, r incidentRun) (changeOutcome, string, error) {
			c, err := r.desk.Reader().Change(ctx, r.id)
			if err != nil {
				return changeOutcome{}, "", err
			}
			if c, err = r.changeFromFlags(c); err != nil {
				return changeOutcome{}, "", err
			}
			c, cs, err := r.desk.EditChange(ctx, r.actor, r.id, c)
			return r.outcome(c, cs), "edited", err
		}},
	changeStep("submit", "send it for assessment (standard: scheduled at once; emergency: to the emergency board)", "submitted", nil),
	changeStep("approve", "approve it (assess, then authorise by the plan's rule)", "approved",
		[]incidentFlag{{"comment", "TEXT", "for the timeline", false}}),
	changeStep("reject", "send it back to New", "rejected", []incidentFlag{{"reason", "TEXT", "why", true}}),
	{name: "schedule", summary: "move its planned time", id: true,
		flags: required([]incidentFlag{changePlanFlags[5], changePlanFlags[6], changePlanFlags[7]}, "start"),
		check: needEnd,
		do: func(ctx context.Context, r incidentRun) (changeOutcome, string, error) {
			start, end, err := r.when()
			if err != nil {
				return changeOutcome{}, "", err
			}
			c, cs, err := r.desk.StepChange(ctx, r.actor, r.id, model.ChangeStep{Action: model.ChangeSchedule, Start: start, End: end})
			return r.outcome(c, cs), "rescheduled", err
		}},
	changeStep("start", "implementation begins", "started", nil),
	changeStep("complete", "implementation is done; it goes to review", "completed", nil),
	changeStep("cancel", "it will not go ahead (before its review)", "cancelled", []incidentFlag{{"reason", "TEXT", "why", true}}),
	changeStep("close", "close it after review with a code", "closed", []incidentFlag{
		{"code", "CODE", strings.Join(model.CloseCodes, ", "), true},
		{"comment", "TEXT", "for the timeline", false},
	}),
	{name: "slot", summary: "find the next conflict-free time inside the services' maintenance windows",
		flags: []incidentFlag{
			{"service", "IDS", "the services, comma separated", true},
			{"duration", "DURATION", "how long the change takes, such as 2h", true},
			{"after", "TIME", "search from this time (default now)", false},
			{"implementer", "NAME", "also avoid this person's other changes", false},
		},
		do: func(ctx context.Context, r incidentRun) (changeOutcome, string, error) {
			d, err := plan.ParseDuration(r.vals["duration"])
			if err != nil || d <= 0 {
				return changeOutcome{}, "", usagef("--duration %q: give a length such as 90m or 2h", r.vals["duration"])
			}
			after := time.Now()
			if v := r.vals["after"]; v != "" {
				if after, err = parseTime(v, r.loc); err != nil {
					return changeOutcome{}, "", usagef("--after: %v", err)
				}
			}
			sp, err := r.desk.NextSlot(ctx, splitList(r.vals["service"]), r.vals["implementer"], d, after)
			return changeOutcome{Slot: &sp, loc: r.loc}, "free slot", err
		}},
}

// changeStep is an action that takes one step of the change's flow.
func changeStep(name, summary, done string, flags []incidentFlag) recordAction[changeOutcome] {
	act := model.ChangeAction(name)
	return recordAction[changeOutcome]{name: name, summary: summary, id: true, flags: flags,
		do: func(ctx context.Context, r incidentRun) (changeOutcome, string, error) {
			st := model.ChangeStep{Action: act, Comment: r.vals["comment"], CloseCode: r.vals["code"]}
			if v := r.vals["reason"]; v != "" {
				st.Comment = v
			}
			c, cs, err := r.desk.StepChange(ctx, r.actor, r.id, st)
			return r.outcome(c, cs), done, err
		}}
}

func needEnd(r incidentRun) error {
	if r.vals["duration"] != "" && r.vals["end"] != "" {
		return usagef("give --duration or --end, not both")
	}
	return nil
}

func (r incidentRun) outcome(c model.Change, cs []model.Conflict) changeOutcome {
	return changeOutcome{Ref: c.Ref(), Change: &c, Conflicts: cs, loc: r.loc}
}

// when reads --start with --duration or --end.
func (r incidentRun) when() (start, end time.Time, err error) {
	if start, err = parseTime(r.vals["start"], r.loc); err != nil {
		return start, end, usagef("--start: %v", err)
	}
	switch {
	case r.vals["end"] != "":
		if end, err = parseTime(r.vals["end"], r.loc); err != nil {
			return start, end, usagef("--end: %v", err)
		}
	case r.vals["duration"] != "":
		d, err := plan.ParseDuration(r.vals["duration"])
		if err != nil || d <= 0 {
			return start, end, usagef("--duration %q: give a length such as 90m or 2h", r.vals["duration"])
		}
		end = start.Add(d)
	default:
		return start, end, usagef("give --duration or --end")
	}
	return start, end, nil
}

// changeFromFlags lays the flags given over a change.
func (r incidentRun) changeFromFlags(c model.Change) (model.Change, error) {
	v := r.vals
	if s := v["service"]; s != "" {
		c.Services = splitList(s)
	}
	if s := v["title"]; s != "" {
		c.Title = s
	}
	if s := v["type"]; s != "" {
		t, err := model.ParseChangeType(s)
		if err != nil {
			return c, usagef("--type: %v", err)
		}
		c.Type = t
	}
	if l, ok := r.levels["impact"]; ok {
		c.Impact = l
	}
	if s := v["probability"]; s != "" {
		l, err := model.ParseLevel(strings.ToLower(s))
		if err != nil {
			return c, usagef("--probability %q: use high, medium or low", s)
		}
		c.Probability = l
	}
	if v["start"] != "" {
		start, end, err := r.when()
		if err != nil {
			return c, err
		}
		c.Start, c.End = start, end
	} else if v["end"] != "" || v["duration"] != "" {
		return c, usagef("--end and --duration go with --start")
	}
	for flag, field := range map[string]*string{"implementer": &c.Implementer, "description": &c.Description,
		"backout": &c.Backout, "test-plan": &c.TestPlan, "reason": &c.Reason} {
		if s, ok := v[flag]; ok && s != "" {
			*field = s
		}
	}
	for flag, into := range map[string]*int64{"incident": &c.Incident, "problem": &c.Problem} {
		if s := v[flag]; s != "" {
			kind := map[string]string{"incident": "incidents", "problem": "problems"}[flag]
			id, err := parseID(kind, s)
			if err != nil {
				return c, err
			}
			*into = id
		}
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTime reads RFC 3339, or a date and time in the plan's timezone.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: use 2026-12-06T02:00:00Z or \"2026-12-06 02:00\" (plan timezone)", s)
}

// changeLine is the summary: "CHG-7 approved: normal high-risk · storefront ·
// authorize · Sun 06 Dec 02:00–03:00", then a line per conflict.
func changeLine(o changeOutcome, done string) string {
	loc := o.loc
	if loc == nil {
		loc = time.UTC
	}
	if o.Slot != nil {
		return fmt.Sprintf("next free slot: %s – %s", o.Slot.Start.In(loc).Format("Mon 02 Jan 2006 15:04"), o.Slot.End.In(loc).Format("15:04 MST"))
	}
	c := o.Change
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s %s-risk · %s · %s · %s – %s", c.Ref(), done, c.Type, c.Risk, strings.Join(c.Services, ","),
		c.State, c.Start.In(loc).Format("Mon 02 Jan 15:04"), c.End.In(loc).Format("15:04"))
	for _, x := range o.Conflicts {
		mark := "conflict"
		if x.Blocks {
			mark = "BLOCKED"
		}
		b.WriteString("\n  " + mark + ": " + x.Reason)
	}
	return b.String()
}

// changeView is a change as show prints it.
type changeView struct {
	Ref string `json:"ref"`
	model.ChangeView
	loc *time.Location
}

func (v changeView) fieldText(key string) ([]string, bool) {
	at := func(t time.Time) string { return t.In(v.loc).Format("Mon 02 Jan 15:04") }
	switch key {
	case "services":
		return []string{strings.Join(v.Services, ", ")}, true
	case "start", "end", "created":
		t := map[string]time.Time{"start": v.Start, "end": v.End, "created": v.Created}[key]
		return []string{at(t)}, true
	case "approvals":
		lines := []string{}
		for _, a := range v.Approvals {
			verdict := "approved"
			if !a.Approve {
				verdict = "rejected"
			}
			line := fmt.Sprintf("round %d: %s %s %s", a.Round, a.Approver, verdict, at(a.At))
			if a.Comment != "" {
				line += ": " + strings.Join(textLines(a.Comment), " ")
			}
			lines = append(lines, line)
		}
		return lines, true
	case "authorisation":
		if v.State != model.ChangeAuthorize {
			return []string{}, true
		}
		au := v.Authorisation
		line := fmt.Sprintf("needs %s; %d so far", au.Describe, len(au.Have))
		if len(au.Have) > 0 {
			line += " (" + strings.Join(au.Have, ", ") + ")"
		}
		if len(au.Waiting) > 0 {
			line += "; waiting for " + strings.Join(au.Waiting, ", ")
		}
		return []string{line}, true
	case "conflicts":
		lines := []string{}
		for _, c := range v.Conflicts {
			mark := ""
			if c.Blocks {
				mark = "BLOCKED: "
			}
			lines = append(lines, mark+c.Reason)
		}
		return lines, true
	case "incidents":
		lines := []string{}
		for _, ci := range v.Incidents {
			rel := "caused"
			if ci.Kind == model.LinkResolvedBy {
				rel = "resolved"
			}
			lines = append(lines, fmt.Sprintf("%s %s (%s, %s): %s", rel, ci.Incident.Ref(), ci.Incident.Priority, ci.Incident.State.Label(), ci.Incident.Title))
		}
		return lines, true
	case "deploys":
		lines := []string{}
		for _, d := range v.Deploys {
			lines = append(lines, fmt.Sprintf("%s %s %s", d.Ref(), at(d.Start), d.Describe()))
		}
		return lines, true
	case "timeline":
		lines := []string{}
		for _, e := range v.Timeline {
			lines = append(lines, fmt.Sprintf("%s %s: %s", at(e.At), e.Actor, strings.Join(textLines(e.Text), " ")))
		}
		return lines, true
	}
	return nil, false
}
