package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

func schemaVersion() int { return store.SchemaVersion }

// kinds are the record types list and show accept, with their short forms.
var kinds = map[string]string{
	"incidents": "incidents", "incident": "incidents", "inc": "incidents",
	"alerts": "alerts", "alert": "alerts",
	"changes": "changes", "change": "changes", "chg": "changes",
	"articles": "articles", "article": "articles", "kb": "articles",
	"services": "services", "service": "services",
	"audit":    "audit",
	"problems": "problems", "problem": "problems", "prb": "problems",
	"licences": "licences", "licence": "licences", "licenses": "licences", "license": "licences",
	"certificates": "licences", "certificate": "licences", "certs": "licences",
	"notifications": "notifications", "notification": "notifications", "msg": "notifications",
	"jobs": "jobs", "job": "jobs",
}

func kindOf(word string) (string, error) {
	k, ok := kinds[strings.ToLower(word)]
	if !ok {
		return "", usagef("unknown kind %q: use incidents, alerts, changes, articles, services, audit, problems, licences, jobs or notifications", word)
	}
	return k, nil
}

// formatFlag adds --format text|json beside --json to a command's flags;
// jsonWanted reads the two together after parsing.
func formatFlag(fs *flag.FlagSet, format *string) { fs.StringVar(format, "format", "text", "") }

func jsonWanted(cmd, format string, asJSON bool) (bool, error) {
	switch format {
	case "json":
		return true, nil
	case "text":
		return asJSON, nil
	}
	return false, usagef("%s: --format %q: use text or json", cmd, format)
}

// incidentRef is an incident as the CLI prints it in JSON: with its
// reference, so a script need not know that requests are REQ-n.
type incidentRef struct {
	Ref string `json:"ref"`
	model.Incident
	// PausedFor is Paused (nanoseconds, as model.Incident decodes it)
	// written as a duration people can read: "1h40m0s".
	PausedFor string `json:"paused_for,omitzero"`
}

func withRef(in model.Incident) incidentRef {
	r := incidentRef{Ref: in.Ref(), Incident: in}
	if in.Paused > 0 {
		r.PausedFor = in.Paused.String()
	}
	return r
}

// problemRef is a problem with its reference, as incidentRef.
type problemRef struct {
	Ref string `json:"ref"`
	model.Problem
}

// slaClocks gives each incident the clock its SLA counts in, from the plan
// at path (business hours where it says so). Without a plan file the clock
// is 24x7: the due times are stored with the incidents, so they still read.
func slaClocks(path string) (func(model.Incident) model.Clock, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return func(model.Incident) model.Clock { return model.WallClock{} }, nil
	}
	p, err := loadPlan(path)
	if err != nil {
		return nil, err
	}
	return func(in model.Incident) model.Clock { return p.SLAFor(in.Kind, in.Priority).Clock }, nil
}

// slaMark is an incident's SLA as the console's queue writes it (r15m,
// ✗1h00m, ‖40%, met, missed; see model.SLAMark).
func slaMark(in model.Incident, c model.Clock, now time.Time) string {
	mark, _ := model.SLAMark(in, c, now)
	return mark
}

// trim cuts a list fetched with one row more than the limit back to the
// limit, and says whether there was more. A nil list becomes empty, so
// JSON prints [] rather than null for nothing.
func trim[T any](list []T, limit int) ([]T, bool) {
	if list == nil {
		return []T{}, false
	}
	if len(list) > limit {
		return list[:limit], true
	}
	return list, false
}

func runList(g global, args []string, w, errOut io.Writer) error {
	var asJSON, all bool
	var filter, storm, format string
	limit := 50
	fs := g.flags("list")
	fs.BoolVar(&asJSON, "json", false, "")
	formatFlag(fs, &format)
	fs.BoolVar(&all, "all", false, "")
	fs.StringVar(&filter, "filter", "", "")
	fs.StringVar(&storm, "storm", "", "")
	fs.IntVar(&limit, "limit", limit, "")
	words, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return cmdUsage{usage: listUsage}
	}
	if err != nil {
		return err
	}
	if asJSON, err = jsonWanted("list", format, asJSON); err != nil {
		return err
	}
	if len(words) != 1 {
		return usagef("list: name one KIND, e.g. 'hypercare list incidents'")
	}
	kind, err := kindOf(words[0])
	if err != nil {
		return err
	}
	if limit <= 0 {
		return usagef("list: --limit must be positive")
	}
	var stormID int64
	if storm != "" {
		if kind != "alerts" {
			return usagef("list: --storm lists the alerts of one storm; use it with 'list alerts'")
		}
		if stormID, err = strconv.ParseInt(storm, 10, 64); err != nil || stormID <= 0 {
			return usagef("list: --storm %q: give a storm's number, the storm_id of its alerts (list alerts --json)", storm)
		}
	}
	ctx := context.Background()
	db, err := openExisting(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()

	var rows any
	var table func(tw *tabwriter.Writer)
	// cut says the limit left rows out; total, when known cheaply, is how
	// many there are in all.
	var cut bool
	total := -1
	counts := func() model.Counts {
		c, err := db.Counts(ctx)
		if err != nil {
			return model.Counts{Alerts: -1, Firing: -1, Incidents: -1, OpenIncidents: -1}
		}
		return c
	}
	switch kind {
	case "incidents":
		q, err := model.ParseQueueFilter(filter, g.as)
		if err != nil {
			return fmt.Errorf("--filter: %w", err)
		}
		q.All, q.Limit = all, limit+1
		list, err := db.Queue(ctx, q)
		if err != nil {
			return err
		}
		if list, cut = trim(list, limit); cut && filter == "" {
			total = map[bool]int{false: counts().OpenIncidents, true: counts().Incidents}[all]
		}
		refs := make([]incidentRef, len(list))
		for i, in := range list {
			refs[i] = withRef(in)
		}
		var clockOf func(model.Incident) model.Clock
		if !asJSON { // only the table shows the clocks; JSON carries the due times
			if clockOf, err = slaClocks(g.plan); err != nil {
				return err
			}
		}
		rows, table = refs, func(tw *tabwriter.Writer) {
			now := time.Now()
			fmt.Fprintln(tw, "REF\tPRI\tMAJOR\tSTATE\tSLA\tSERVICE\tASSIGNEE\tTITLE")
			for _, in := range list {
				major := ""
				if in.Major {
					major = "MAJOR"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Ref(), in.Priority, major, in.State.Label(),
					slaMark(in, clockOf(in), now), in.Service, in.Assignee, in.Title)
			}
		}
	case "alerts":
		// A storm is one row standing for its members (storm_size, and
		// storm_firing of them fire); --storm ID lists the members.
		q, err := model.ParseFeedFilter(filter)
		if err != nil {
			return fmt.Errorf("--filter: %w", err)
		}
		q.Firing = q.Firing || (!all && stormID == 0)
		q.Storm, q.Limit = stormID, limit+1
		list, err := db.Feed(ctx, q)
		if err != nil {
			return err
		}
		list, cut = trim(list, limit)
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "ID\tSEVERITY\tSTATE\tSERVICE\tALERT\tLAST SEEN\tSUMMARY")
			for _, a := range list {
				state := string(a.State)
				if a.Stale && a.State == model.AlertFiring {
					state = "stale"
				}
				summary := a.Summary
				if a.StormSize > 0 {
					summary = fmt.Sprintf("[storm %d: %d of %d firing; list alerts --storm %d] %s", a.StormID, a.StormFiring, a.StormSize, a.StormID, summary)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Severity, state, a.Service, a.Name, a.LastSeen.Format(time.RFC3339), summary)
			}
		}
	case "changes":
		from := time.Now().AddDate(0, 0, -7)
		if all {
			from = time.Time{}
		}
		list, err := db.ChangesBetween(ctx, from, time.Now().AddDate(1, 0, 0))
		if err != nil {
			return err
		}
		list, cut = trim(list, limit)
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "REF\tTYPE\tSTATE\tRISK\tSERVICE\tSTART\tEND\tTITLE")
			for _, c := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Ref(), c.Type, c.State, c.Risk, strings.Join(c.Services, ","), c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339), c.Title)
			}
		}
	case "articles":
		list, err := db.Articles(ctx, model.ArticleQuery{Search: filter, Limit: limit + 1})
		if err != nil {
			return err
		}
		list, cut = trim(list, limit)
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "REF\tKIND\tSTATE\tSERVICE\tTITLE")
			for _, a := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Ref(), a.Kind, a.State, a.Service, a.Title)
			}
		}
	case "services":
		list, err := db.Services(ctx)
		if err != nil {
			return err
		}
		// Dependents are counted over the whole catalogue, before the cut.
		svc, more := trim(serviceRows(list), limit)
		cut = more
		rows, table = svc, func(tw *tabwriter.Writer) { servicesTable(tw, svc) }
	case "licences":
		p, err := loadPlan(g.plan)
		if err != nil {
			return err
		}
		all, err := licenceRows(ctx, p, db, time.Now())
		if err != nil {
			return err
		}
		lic, more := trim(all, limit)
		cut = more
		rows, table = lic, func(tw *tabwriter.Writer) { licencesTable(tw, lic, p.Location()) }
	case "problems":
		list, err := db.Problems(ctx, model.ProblemQuery{Filter: filter, All: all, Limit: limit + 1})
		if err != nil {
			return err
		}
		list, cut = trim(list, limit)
		refs := make([]problemRef, len(list))
		for i, p := range list {
			refs[i] = problemRef{p.Ref(), p}
		}
		rows, table = refs, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "REF\tSTATE\tSERVICE\tOWNER\tINCIDENTS\tOPEN ACTIONS\tTITLE")
			for _, p := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", p.Ref(), p.State.Label(), p.Service, p.Owner, p.Incidents, p.OpenActions, p.Title)
			}
		}
	case "notifications":
		q, err := notificationQuery(filter)
		if err != nil {
			return err
		}
		q.Limit = limit + 1
		list, err := db.Notifications(ctx, q)
		if err != nil {
			return err
		}
		list, cut = trim(list, limit)
		rows, table = notificationRows(list), func(tw *tabwriter.Writer) { notificationTable(tw, list) }
	case "jobs":
		// Every job of the plan, with its newest runs (up to --limit).
		p, err := loadPlan(g.plan)
		if err != nil {
			return err
		}
		if rows, table, err = listJobs(ctx, db, p, limit); err != nil {
			return err
		}
	case "audit":
		list, err := db.Audit(ctx, model.AuditQuery{Filter: filter, Limit: limit + 1})
		if err != nil {
			return err
		}
		list, cut = trim(list, limit)
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "WHEN\tWHO\tACTION\tRECORD")
			for _, e := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Actor, e.Action, e.Entity)
			}
		}
	}
	// The note goes to stderr beside JSON, so the JSON stays one array.
	note := w
	if asJSON {
		if err := writeJSON(w, rows); err != nil {
			return err
		}
		note = errOut
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		table(tw)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if cut {
		fmt.Fprintln(note, cutNote(kind, limit, total))
	}
	return nil
}

// cutNote says that --limit left rows out, and how to see them.
func cutNote(kind string, limit, total int) string {
	more := fmt.Sprintf("--limit %d", limit*10)
	if total > limit {
		return fmt.Sprintf("%s of %s %s shown; %s shows more", thousands(limit), thousands(total), kind, more)
	}
	return fmt.Sprintf("the first %s %s shown, and more match; %s shows more", thousands(limit), kind, more)
}

// thousands writes a count with thousands separators: 1,014.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// refPrefixes are the reference prefixes each kind accepts.
var refPrefixes = map[string][]string{
	"incidents": {"INC", "REQ"}, "alerts": {"ALR"}, "changes": {"CHG"}, "articles": {"KB"},
	"problems": {"PRB"},
}

// parseID accepts 42 or a reference of the right kind: INC-42, CHG-7, KB-3.
func parseID(kind, s string) (int64, error) {
	num := s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		prefix := strings.ToUpper(s[:i])
		if !slices.Contains(refPrefixes[kind], prefix) {
			return 0, usagef("%q is not one of the %s: their references start with %s", s, kind, strings.Join(refPrefixes[kind], " or "))
		}
		num = s[i+1:]
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not a record id: use a number like 42 or a reference like INC-42", s)
	}
	return id, nil
}

func runShow(g global, args []string, w io.Writer) error {
	var asJSON bool
	var format string
	fs := g.flags("show")
	fs.BoolVar(&asJSON, "json", false, "")
	formatFlag(fs, &format)
	words, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return cmdUsage{usage: showUsage}
	}
	if err != nil {
		return err
	}
	if asJSON, err = jsonWanted("show", format, asJSON); err != nil {
		return err
	}
	if len(words) != 2 {
		return usagef("show: give KIND and ID, e.g. 'hypercare show incident 42'")
	}
	kind, err := kindOf(words[0])
	if err != nil {
		return err
	}
	switch kind {
	case "audit":
		return usagef("show: the audit log has no single-record view; use 'hypercare list audit'")
	case "licences":
		return usagef("show: licences have no single-record view; 'hypercare list licences' shows each in full with --format json")
	case "notifications", "jobs":
		return usagef("show: %s have no single-record view; use 'hypercare list %[1]s'", kind)
	}
	var id int64
	if kind != "services" {
		if id, err = parseID(kind, words[1]); err != nil {
			return err
		}
	}
	ctx := context.Background()
	db, err := openExisting(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()

	var rec any
	if kind == "changes" {
		// A change shows with what its plan makes of it: who still has
		// to approve, and its conflicts.
		p, err := loadPlan(g.plan)
		if err != nil {
			return err
		}
		v, err := model.NewDesk(db, p).ViewChange(ctx, id)
		if err != nil {
			return notFound("CHG", id, err)
		}
		rec = changeView{Ref: v.Ref(), ChangeView: v, loc: p.Location()}
	} else if kind == "services" {
		if rec, err = showService(ctx, db, words[1]); err != nil {
			return err
		}
	} else if rec, err = showRecord(ctx, db, kind, id); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, rec)
	}
	if v, ok := rec.(incidentView); ok {
		clockOf, err := slaClocks(g.plan)
		if err != nil {
			return err
		}
		v.sla = slaMark(v.Incident, clockOf(v.Incident), time.Now())
		rec = v
	}
	return writeFields(w, rec)
}

// incidentView is an incident as show prints it: with its links, alerts and
// timeline.
type incidentView struct {
	incidentRef
	Links    []model.IncidentLink  `json:"links,omitzero"`
	Alerts   []string              `json:"alerts,omitzero"`
	Timeline []model.TimelineEntry `json:"timeline"`
	sla      string                // the SLA mark, as the queue writes it, for the text
}

// fieldText writes the fields whose JSON does not read well: durations in
// nanoseconds, flags as numbers, links and the timeline as objects.
func (v incidentView) fieldText(key string) ([]string, bool) {
	switch key {
	case "state":
		return []string{v.State.Label()}, true
	case "resolve_due":
		if v.sla == "" || v.sla == "—" {
			return nil, false
		}
		return []string{v.ResolveDue.Format(time.RFC3339Nano) + " (SLA " + v.sla + ")"}, true
	case "paused_for": // said by "paused" above in words
		return []string{}, true
	case "paused":
		return []string{spell(v.Paused) + " on hold"}, true
	case "sla_flags":
		var raised []string
		for _, f := range []struct {
			flag model.SLAFlags
			text string
		}{{model.SLAWarned, "75% of the resolve target used"}, {model.SLAResolveBreached, "resolve target missed"}, {model.SLARespondWarned, "75% of the respond target used unacknowledged"}, {model.SLARespondBreached, "respond target missed"}} {
			if v.SLAFlags&f.flag != 0 {
				raised = append(raised, f.text)
			}
		}
		return []string{strings.Join(raised, ", ")}, true
	case "links":
		lines := make([]string, len(v.Links))
		for i, l := range v.Links {
			lines[i] = l.Label() + " " + l.Title
		}
		return lines, true
	case "timeline":
		var lines []string
		for _, e := range v.Timeline {
			head := fmt.Sprintf("%s  %s %s: ", e.At.Format(time.RFC3339), e.Actor, e.Kind)
			indent := strings.Repeat(" ", utf8.RuneCountInString(head))
			for i, l := range textLines(e.Text) {
				if i == 0 {
					lines = append(lines, head+l)
				} else {
					lines = append(lines, indent+l)
				}
			}
		}
		return lines, true
	}
	return nil, false
}

// problemView is a problem as show prints it: with its RCA actions and the
// incidents linked to it.
type problemView struct {
	problemRef
	Actions []model.ProblemAction `json:"actions,omitzero"`
	Linked  []string              `json:"linked,omitzero"`
}

// fieldText writes the state as a label and each action on a line.
func (v problemView) fieldText(key string) ([]string, bool) {
	switch key {
	case "state":
		return []string{v.State.Label()}, true
	case "actions":
		lines := make([]string, len(v.Actions))
		for i, a := range v.Actions {
			box := "[ ]"
			if a.Done {
				box = "[x]"
			}
			line := box + " " + strings.Join(textLines(a.Text), " ")
			if a.Owner != "" {
				line += " · " + a.Owner
			}
			if !a.Due.IsZero() {
				line += " · due " + a.Due.Format(time.DateOnly)
			}
			lines[i] = line
		}
		return lines, true
	}
	return nil, false
}

// showRecord loads one numbered record of a kind.
func showRecord(ctx context.Context, db database, kind string, id int64) (any, error) {
	switch kind {
	case "incidents":
		in, err := db.Incident(ctx, id)
		if err != nil {
			return nil, notFound("INC", id, err)
		}
		tl, err := db.Timeline(ctx, id)
		if err != nil {
			return nil, err
		}
		links, err := db.Links(ctx, id)
		if err != nil {
			return nil, err
		}
		alerts, err := db.IncidentAlerts(ctx, id, 0)
		if err != nil {
			return nil, err
		}
		refs := make([]string, len(alerts))
		for i, a := range alerts {
			refs[i] = a.Ref()
		}
		return incidentView{incidentRef: withRef(in), Links: links, Alerts: refs, Timeline: tl}, nil
	case "alerts":
		a, err := db.Alert(ctx, id)
		return a, notFound("ALR", id, err)
	case "problems":
		return showProblem(ctx, db, id)
	}
	a, err := db.Article(ctx, id)
	return a, notFound("KB", id, err)
}

// showProblem loads a problem with its RCA actions and linked incidents.
func showProblem(ctx context.Context, db database, id int64) (any, error) {
	p, err := db.Problem(ctx, id)
	if err != nil {
		return nil, notFound("PRB", id, err)
	}
	actions, err := db.ProblemActions(ctx, id)
	if err != nil {
		return nil, err
	}
	linked, err := db.ProblemIncidents(ctx, id)
	if err != nil {
		return nil, err
	}
	refs := make([]string, len(linked))
	for i, in := range linked {
		refs[i] = in.Ref()
	}
	return problemView{problemRef{p.Ref(), p}, actions, refs}, nil
}

// notFound says which record is missing; nil stays nil.
func notFound(prefix string, id int64, err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("%s-%d does not exist", prefix, id)
	}
	return err
}

// fieldTexter is a record that writes some of its fields its own way;
// writeFields prints the others from their JSON.
type fieldTexter interface {
	// fieldText is the field's text, a line each (an empty, non-nil list
	// leaves the field out); false to print its JSON.
	fieldText(key string) ([]string, bool)
}

// writeFields prints a record as "field: value" lines by way of its JSON
// form, so the text and JSON outputs can never disagree on what a record
// holds. Values of more than one line continue under the first.
func writeFields(w io.Writer, rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	keys, fields, err := jsonObject(b)
	if err != nil {
		return err
	}
	texter, _ := rec.(fieldTexter)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, k := range keys {
		var lines []string
		var ok bool
		if texter != nil {
			lines, ok = texter.fieldText(k)
		}
		if ok && lines != nil && len(lines) == 0 {
			continue // the record says this field is not for people
		}
		if !ok {
			lines = jsonLines(fields[k])
		}
		if len(lines) == 0 {
			lines = []string{""}
		}
		label := k + ":"
		for _, l := range lines {
			fmt.Fprintf(tw, "%s\t%s\n", label, l)
			label = ""
		}
	}
	return tw.Flush()
}

// jsonObject decodes a JSON object, keeping its keys in order: a map alone
// would lose the struct's field order.
func jsonObject(b []byte) ([]string, map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, nil, err
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, nil, err
		}
	}
	return keys, fields, nil
}

// jsonLines writes a JSON value as text lines: strings as they are, lists
// of words on one line, other lists an item a line, objects a field a
// line, indented under their key when they take more than one.
func jsonLines(raw json.RawMessage) []string {
	if string(raw) == "null" {
		return []string{"—"}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return textLines(s)
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var words []string
		for _, item := range list {
			var word string
			if json.Unmarshal(item, &word) != nil || strings.ContainsAny(word, " \t\n") {
				break
			}
			words = append(words, word)
		}
		switch {
		case len(list) == 0:
			return []string{"none"}
		case len(words) == len(list):
			return []string{strings.Join(words, ", ")}
		}
		var lines []string
		for _, item := range list {
			for i, l := range jsonLines(item) {
				if i == 0 {
					lines = append(lines, "- "+l)
				} else {
					lines = append(lines, "  "+l)
				}
			}
		}
		return lines
	}
	if keys, fields, err := jsonObject(raw); err == nil {
		var lines []string
		for _, k := range keys {
			sub := jsonLines(fields[k])
			if len(sub) == 1 {
				lines = append(lines, k+": "+sub[0])
				continue
			}
			lines = append(lines, k+":")
			for _, l := range sub {
				lines = append(lines, "  "+l)
			}
		}
		return lines
	}
	return []string{string(raw)}
}

// textLines splits text into lines for a column: tabs would break the
// columns, and a trailing newline is no extra line.
func textLines(s string) []string {
	s = strings.ReplaceAll(strings.TrimRight(s, "\r\n"), "\t", "    ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}

func runPlanCheck(g global, args []string, w io.Writer) error {
	fs := g.flags("plan check")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(words) != 1 {
		return usagef("plan check: name one FILE")
	}
	p, err := plan.Load(words[0])
	if err != nil {
		var ce *plan.CheckError
		if errors.As(err, &ce) {
			for _, pr := range ce.Problems {
				fmt.Fprintln(w, pr.String())
			}
			if len(ce.Problems) == 1 {
				return fmt.Errorf("%s: 1 problem", words[0])
			}
			return fmt.Errorf("%s: %d problems", words[0], len(ce.Problems))
		}
		return err
	}
	fmt.Fprintf(w, "%s: ok — %d services, %d teams, %d operators, %d routes\n", words[0], len(p.Services), len(p.Teams), len(p.Operators), len(p.Routes))
	return nil
}

// runAudit prints the audit log, newest first, since a time ago.
func runAudit(g global, args []string, w io.Writer) error {
	var asJSON bool
	var filter string
	since := 24 * time.Hour
	limit := 1000
	fs := g.flags("audit")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.StringVar(&filter, "filter", "", "")
	fs.DurationVar(&since, "since", since, "")
	fs.IntVar(&limit, "limit", limit, "")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		return usagef("audit: unexpected %q; filter with --filter TEXT", words[0])
	}
	ctx := context.Background()
	db, err := openExisting(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.Audit(ctx, model.AuditQuery{Since: time.Now().Add(-since), Filter: filter, Limit: limit})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tWHO\tACTION\tRECORD\tAFTER")
	for _, e := range list {
		after := e.After
		if len(after) > 80 {
			after = after[:77] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Entity, after)
	}
	return tw.Flush()
}
