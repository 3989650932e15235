package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// incidentFlag is one flag of a record action (incident or change). Usage
// text is generated from these, so a flag is described once.
type incidentFlag struct {
	name, arg string // arg is the value's placeholder; "" for an on/off switch
	help      string
	required  bool
}

// recordAction is one "hypercare incident|change ACTION" command. Every
// action goes through the service layer, which checks the actor's role and
// the record's state exactly as it does for the console.
type recordAction[T any] struct {
	name, summary string
	id            bool // takes the record's ID or reference
	flags         []incidentFlag
	// check, when set, looks at the command line before anything is opened.
	check func(r incidentRun) error
	// do performs the action and says what happened, for the summary line.
	do func(ctx context.Context, r incidentRun) (T, string, error)
}

type incidentAction = recordAction[model.Incident]

// recordCommand is a family of record actions: "incident" or "change".
type recordCommand[T any] struct {
	name    string // the command word
	kind    string // for parseID: "incidents", "changes"
	prefix  string // of references, for "does not exist"
	actions []recordAction[T]
	footer  string
	line    func(T, string) string // the summary line after an action
	json    func(T) any            // what --json prints
}

// incidentRun is what an action works with: the desk, who acts, and the
// command line's values.
type incidentRun struct {
	desk  *model.Desk
	actor model.Actor
	id    int64
	vals  map[string]string
	on    map[string]bool
	set   map[string]bool // the flags given on the command line
	// levels holds --impact and --urgency, rating --satisfaction (0: none),
	// article --article (0: none).
	levels  map[string]model.Level
	rating  int
	article int64
	loc     *time.Location // the plan's timezone, for --start and --end
}

// Flags several actions share.
var (
	noteFlag  = incidentFlag{"note", "TEXT", "say why on the timeline", false}
	jsonFlag  = incidentFlag{"json", "", "print the incident as JSON instead of a summary line", false}
	levelHelp = "high, medium or low"
)

var incidentActions = []incidentAction{
	{name: "new", summary: "open an incident, or a request with --kind request",
		flags: []incidentFlag{
			{"service", "ID", "the service from the plan", true},
			{"title", "TEXT", "what is wrong, in one line", true},
			{"impact", "LEVEL", levelHelp + ": how much of the service it affects", true},
			{"urgency", "LEVEL", levelHelp + ": how soon it hurts", true},
			{"category", "NAME", strings.Join(model.Categories, ", ") + " (default other)", false},
			{"kind", "KIND", "incident (default) or request", false},
			{"description", "TEXT", "details; - reads them from standard input", false},
			{"major", "", "declare a major incident (leads)", false},
		},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			in, err := r.desk.CreateIncident(ctx, r.actor, model.NewIncident{
				Kind: model.Kind(r.vals["kind"]), Title: r.vals["title"], Description: r.vals["description"],
				Service: r.vals["service"], Category: r.vals["category"],
				Impact: r.levels["impact"], Urgency: r.levels["urgency"], Major: r.on["major"],
			})
			return in, "opened", err
		}},
	{name: "ack", summary: "acknowledge: record the first response and take it", id: true,
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			in, err := r.desk.AckIncident(ctx, r.actor, r.id)
			return in, "acknowledged", err
		}},
	{name: "assign", summary: "give it to a team and, optionally, an operator", id: true,
		flags: []incidentFlag{
			{"team", "TEAM", "the team from the plan (default: keep the current one)", false},
			{"assignee", "NAME", "the operator who works it (default: nobody in particular)", false},
		},
		check: func(r incidentRun) error {
			if r.vals["team"] == "" && r.vals["assignee"] == "" {
				return usagef("give --team TEAM, --assignee NAME or both")
			}
			return nil
		},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			in, err := r.desk.Assign(ctx, r.actor, r.id, r.vals["team"], r.vals["assignee"])
			return in, "assigned", err
		}},
	{name: "note", summary: "add a note to its timeline", id: true,
		flags: []incidentFlag{{"text", "TEXT", "the note; - reads it from standard input", true}},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			if err := r.desk.AddNote(ctx, r.actor, r.id, r.vals["text"]); err != nil {
				return model.Incident{}, "", err
			}
			in, err := r.desk.Reader().Incident(ctx, r.id)
			return in, "noted", err
		}},
	{name: "hold", summary: "put it on hold; its SLA clocks stop until it resumes", id: true,
		flags: []incidentFlag{{"reason", "REASON", "what it waits for: " + strings.Join(model.HoldReasons, ", "), true}, noteFlag},
		do: transition("put on hold", nil, func(r incidentRun) model.StateChange {
			return model.StateChange{To: model.StateOnHold, HoldReason: r.vals["reason"], Reason: r.vals["note"]}
		})},
	{name: "resume", summary: "take it off hold; the due times move by the time it waited", id: true,
		flags: []incidentFlag{noteFlag},
		do: transition("resumed", []model.IncidentState{model.StateOnHold}, func(r incidentRun) model.StateChange {
			return model.StateChange{To: model.StateInProgress, Reason: r.vals["note"]}
		})},
	{name: "resolve", summary: "resolve it with a resolution code", id: true,
		flags: []incidentFlag{
			{"code", "CODE", strings.Join(model.ResolutionCodes, ", "), true},
			{"satisfaction", "N", "the caller's rating, 1 (poor) to 5 (excellent)", false},
			{"article", "KB-n", "the knowledge base article that helped (linked, and ranked higher next time)", false},
			noteFlag,
		},
		do: transition("resolved", nil, func(r incidentRun) model.StateChange {
			return model.StateChange{To: model.StateResolved, Code: r.vals["code"], Satisfaction: r.rating, Reason: r.vals["note"], Article: r.article}
		})},
	{name: "close", summary: "close a resolved incident for good", id: true,
		flags: []incidentFlag{noteFlag},
		do: transition("closed", nil, func(r incidentRun) model.StateChange {
			return model.StateChange{To: model.StateClosed, Reason: r.vals["note"]}
		})},
	{name: "reopen", summary: "reopen a resolved incident; the reopen is counted", id: true,
		flags: []incidentFlag{{"reason", "TEXT", "why it is not fixed after all", true}},
		do: transition("reopened", []model.IncidentState{model.StateResolved, model.StateClosed}, func(r incidentRun) model.StateChange {
			return model.StateChange{To: model.StateInProgress, Reason: r.vals["reason"]}
		})},
	{name: "cancel", summary: "cancel one logged by mistake", id: true,
		flags: []incidentFlag{{"reason", "TEXT", "why it is cancelled", false}},
		do: transition("cancelled", nil, func(r incidentRun) model.StateChange {
			return model.StateChange{To: model.StateCancelled, Reason: r.vals["reason"]}
		})},
	{name: "escalate", summary: "move it one level up its team's escalation path (leads)", id: true,
		flags: []incidentFlag{{"reason", "TEXT", "why", false}},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			in, err := r.desk.Escalate(ctx, r.actor, r.id, r.vals["reason"])
			return in, "escalated", err
		}},
	{name: "priority", summary: "re-triage: new impact and urgency; the SLA keeps the time used", id: true,
		flags: []incidentFlag{
			{"impact", "LEVEL", levelHelp, true},
			{"urgency", "LEVEL", levelHelp, true},
			{"reason", "TEXT", "why", false},
		},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			in, err := r.desk.Retriage(ctx, r.actor, r.id, r.levels["impact"], r.levels["urgency"], r.vals["reason"])
			return in, "re-prioritised", err
		}},
	{name: "major", summary: "declare it a major incident: its war room opens, the plan's rules are told (leads)", id: true,
		flags: []incidentFlag{{"reason", "TEXT", "why (it goes on the timeline)", true}},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			in, err := r.desk.SetMajor(ctx, r.actor, r.id, true, r.vals["reason"])
			return in, "declared major", err
		}},
	{name: "stand-down", summary: "stand its war room down: a summary on the timeline, the post-incident review opened (leads)", id: true,
		flags: []incidentFlag{{"reason", "TEXT", "why (it goes on the timeline)", true}},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			in, err := r.desk.SetMajor(ctx, r.actor, r.id, false, r.vals["reason"])
			if err != nil {
				return in, "", err
			}
			w, err := r.desk.Reader().WarRoom(ctx, r.id)
			return in, fmt.Sprintf("stood down, review PRB-%d opened", w.Review), err
		}},
	{name: "roles", summary: "name the war room's incident commander, communications lead and scribe (leads)", id: true,
		flags: []incidentFlag{
			{"commander", "NAME", "the incident commander (\"\": unassigned; left out: unchanged)", false},
			{"comms", "NAME", "the communications lead", false},
			{"scribe", "NAME", "who keeps the timeline", false},
		},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			w, err := r.desk.Reader().WarRoom(ctx, r.id)
			if errors.Is(err, model.ErrNotFound) {
				return model.Incident{}, "", fmt.Errorf("INC-%d is not a major incident; declare it first (hypercare incident major)", r.id)
			} else if err != nil {
				return model.Incident{}, "", err
			}
			roles := model.MajorRoles{Commander: w.Commander, Comms: w.Comms, Scribe: w.Scribe}
			for name, into := range map[string]*string{"commander": &roles.Commander, "comms": &roles.Comms, "scribe": &roles.Scribe} {
				if r.set[name] {
					*into = r.vals[name]
				}
			}
			if w, err = r.desk.AssignMajorRoles(ctx, r.actor, r.id, roles); err != nil {
				return model.Incident{}, "", err
			}
			return w.Incident, "roles: " + w.Roles(), nil
		}},
	{name: "update", summary: "post a status update to the stakeholders and the timeline, written or from a template", id: true,
		flags: []incidentFlag{
			{"template", "NAME", "a template of the plan's [major] or built in (investigating, identified, monitoring, resolved)", false},
			{"text", "TEXT", "the update as written; - reads it from standard input", false},
		},
		check: func(r incidentRun) error {
			if (r.vals["template"] == "") == (r.vals["text"] == "") {
				return usagef("give --template NAME (sent as the template fills it) or --text TEXT, one of them")
			}
			return nil
		},
		do: func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
			text := r.vals["text"]
			if t := r.vals["template"]; t != "" {
				var err error
				if text, err = r.desk.DraftStatusUpdate(ctx, r.id, t); err != nil {
					return model.Incident{}, "", err
				}
			}
			w, err := r.desk.PostStatusUpdate(ctx, r.actor, r.id, text)
			return w.Incident, fmt.Sprintf("status update %d sent", w.Updates), err
		}},
}

// transition is an action that moves the incident to another state. from,
// when set, lists the states the action's name makes sense in: "resume" on
// a resolved incident would reopen it, which needs the reopen command.
func transition(done string, from []model.IncidentState, change func(incidentRun) model.StateChange) func(context.Context, incidentRun) (model.Incident, string, error) {
	return func(ctx context.Context, r incidentRun) (model.Incident, string, error) {
		if len(from) > 0 {
			in, err := r.desk.Reader().Incident(ctx, r.id)
			if err != nil {
				return model.Incident{}, "", notFound("INC", r.id, err)
			}
			if !slices.Contains(from, in.State) {
				return model.Incident{}, "", fmt.Errorf("%s is %s: %s", in.Ref(), in.State.Label(), stateHint(in.State))
			}
		}
		in, err := r.desk.Transition(ctx, r.actor, r.id, change(r))
		return in, done, err
	}
}

// stateHint says which command fits an incident in state s.
func stateHint(s model.IncidentState) string {
	switch s {
	case model.StateOnHold:
		return "use 'hypercare incident resume' to take it off hold"
	case model.StateResolved:
		return "use 'hypercare incident reopen --reason TEXT' to reopen it"
	case model.StateNew:
		return "use 'hypercare incident ack' to take it"
	}
	return "only on-hold incidents resume and only resolved ones reopen"
}

// typedFlags reads the flags that are not plain text: levels and the rating.
func (r *incidentRun) typedFlags() error {
	r.levels = map[string]model.Level{}
	for _, name := range []string{"impact", "urgency"} {
		v := r.vals[name]
		if v == "" {
			continue
		}
		l, err := model.ParseLevel(strings.ToLower(v))
		if err != nil {
			return usagef("--%s %q: use high, medium or low", name, v)
		}
		r.levels[name] = l
	}
	if v := r.vals["satisfaction"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return usagef("--satisfaction %q: give a whole number from 1 (poor) to 5 (excellent)", v)
		}
		r.rating = n
	}
	if v := r.vals["article"]; v != "" {
		id, err := model.ParseRef(v, "KB")
		if err != nil {
			return usagef("--article %v", err)
		}
		r.article = id
	}
	return nil
}

// usage is the action's help, generated from its flags.
func (a recordAction[T]) usage(c recordCommand[T]) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: hypercare %s %s", c.name, a.name)
	if a.id {
		b.WriteString(" ID")
	}
	flags := append(slices.Clone(a.flags), jsonFlag)
	for _, f := range flags {
		spec := "--" + f.name
		if f.arg != "" {
			spec += " " + f.arg
		}
		if !f.required {
			spec = "[" + spec + "]"
		}
		b.WriteString(" " + spec)
	}
	fmt.Fprintf(&b, "\n\n%s.\n", strings.ToUpper(a.summary[:1])+a.summary[1:])
	if a.id {
		fmt.Fprintf(&b, "ID is the number or the reference: 42 or %s.\n", strings.Join(refExamples(c.kind), " or "))
	}
	b.WriteString("\nFlags:\n")
	for _, f := range flags {
		fmt.Fprintf(&b, "  %-22s %s\n", strings.TrimSpace("--"+f.name+" "+f.arg), f.help)
	}
	b.WriteString(c.footer)
	return b.String()
}

// refExamples are references of a kind with the number 42: INC-42, REQ-42.
func refExamples(kind string) []string {
	var out []string
	for _, p := range refPrefixes[kind] {
		out = append(out, p+"-42")
	}
	return out
}

const actionFooter = `
The operator is --as NAME from the plan (default: $USER's [[operator]], else a
local admin); the service layer checks that role, as in the console.
Exit codes: 0 done, 1 refused (role, state, invalid value), 2 usage error.
`

// usage lists the command's actions.
func (c recordCommand[T]) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: hypercare %s ACTION [ID] [flags] [--json]\n\nActions:\n", c.name)
	for _, a := range c.actions {
		fmt.Fprintf(&b, "  %-10s %s\n", a.name, a.summary)
	}
	fmt.Fprintf(&b, "\n'hypercare %s ACTION --help' shows an action's flags.\n", c.name)
	b.WriteString(c.footer)
	return b.String()
}

var incidentCommand = recordCommand[model.Incident]{name: "incident", kind: "incidents", prefix: "INC",
	actions: incidentActions, footer: actionFooter, line: incidentLine,
	json: func(in model.Incident) any { return withRef(in) }}

// runIncident runs one incident action for a script or a person at a shell.
func runIncident(g global, args []string, stdin io.Reader, w io.Writer) error {
	return runRecord(g, incidentCommand, args, stdin, w)
}

// runRecord runs one record action for a script or a person at a shell.
func runRecord[T any](g global, c recordCommand[T], args []string, stdin io.Reader, w io.Writer) error {
	// Global flags may come before the action as well as after it:
	// "hypercare incident --plan FILE new ...".
	lead := g.flags(c.name)
	if err := lead.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cmdUsage{usage: c.usage()}
		}
		return cmdUsage{usage: c.usage(), msg: c.name + ": " + err.Error() + " (an action's own flags go after the action)"}
	}
	args = lead.Args()
	if len(args) == 0 || args[0] == "help" {
		if len(args) == 0 {
			return cmdUsage{usage: c.usage(), msg: c.name + ": name an ACTION"}
		}
		return cmdUsage{usage: c.usage()}
	}
	i := slices.IndexFunc(c.actions, func(a recordAction[T]) bool { return a.name == args[0] })
	if i < 0 {
		return cmdUsage{usage: c.usage(), msg: fmt.Sprintf("%s: unknown action %q", c.name, args[0])}
	}
	act := c.actions[i]
	usage := act.usage(c)
	bad := func(err error) error {
		var ue usageError
		switch {
		case errors.Is(err, flag.ErrHelp):
			return cmdUsage{usage: usage}
		case errors.As(err, &ue):
			return cmdUsage{usage: usage, msg: c.name + " " + act.name + ": " + ue.msg, cmd: c.name + " " + act.name}
		}
		return err
	}

	fs := g.flags(c.name + " " + act.name)
	vals, on := map[string]*string{}, map[string]*bool{}
	for _, f := range append(slices.Clone(act.flags), jsonFlag) {
		if f.arg == "" {
			on[f.name] = fs.Bool(f.name, false, "")
		} else {
			vals[f.name] = fs.String(f.name, "", "")
		}
	}
	words, err := parse(fs, args[1:])
	if err != nil {
		return bad(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	run := incidentRun{vals: map[string]string{}, on: map[string]bool{}, set: set}
	for _, f := range act.flags {
		if f.required && !set[f.name] {
			return bad(usagef("--%s %s is required", f.name, f.arg))
		}
	}
	for name, v := range vals {
		run.vals[name] = *v
	}
	for name, v := range on {
		run.on[name] = *v
	}
	if err := run.typedFlags(); err != nil {
		return bad(err)
	}
	if act.check != nil {
		if err := act.check(run); err != nil {
			return bad(err)
		}
	}
	switch {
	case act.id && len(words) != 1:
		return bad(usagef("give one %s ID, e.g. 'hypercare %s %s 42'", c.name, c.name, act.name))
	case !act.id && len(words) > 0:
		return bad(usagef("unexpected %q; this action takes only flags", words[0]))
	case act.id:
		if run.id, err = parseID(c.kind, words[0]); err != nil {
			return bad(err)
		}
	}
	// "-" reads the text from standard input, so a script can pipe a
	// long note or description in.
	for _, name := range []string{"text", "description", "comment", "backout", "test-plan"} {
		if run.vals[name] != "-" {
			continue
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			return fmt.Errorf("--%s -: read standard input: %w", name, err)
		}
		run.vals[name] = string(b)
	}

	p, err := loadPlan(g.plan)
	if err != nil {
		return err
	}
	if run.actor, err = actorFor(p, g.as); err != nil {
		return err
	}
	// Every action, "new" too, needs a database that exists: creating one
	// at a mistyped --db would hide the incident where nobody looks.
	ctx := context.Background()
	db, err := openExisting(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()
	run.desk = model.NewDesk(db, p)
	run.loc = p.Location()

	rec, done, err := act.do(ctx, run)
	if err != nil {
		return bad(notFound(c.prefix, run.id, err))
	}
	if run.on["json"] {
		return writeJSON(w, c.json(rec))
	}
	_, err = fmt.Fprintln(w, c.line(rec, done))
	return err
}

// incidentLine is the one-line summary: "INC-42 resolved: P1 Resolved ·
// checkout · alice (web)".
func incidentLine(in model.Incident, done string) string {
	who := "team " + in.Team
	if in.Assignee != "" {
		who = in.Assignee + " (" + in.Team + ")"
	}
	line := fmt.Sprintf("%s %s: %s %s · %s · %s", in.Ref(), done, in.Priority, in.State.Label(), in.Service, who)
	if in.Major {
		line += " · MAJOR"
	}
	if in.Escalation > 0 {
		line += fmt.Sprintf(" · level %d", in.Escalation+1)
	}
	return line
}
