package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/plan"
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
}

func kindOf(word string) (string, error) {
	k, ok := kinds[strings.ToLower(word)]
	if !ok {
		return "", usagef("unknown kind %q: use incidents, alerts, changes, articles, services, audit or problems", word)
	}
	return k, nil
}

// openExisting opens the database for the CLI; unlike the console it will
// not create an empty one, so a typo in --db is reported, not hidden.
func openExisting(ctx context.Context, path string) (*store.DB, error) {
	if err := dbExists(path); err != nil {
		return nil, err
	}
	return store.Open(ctx, path, store.Options{})
}

// dbExists says what to do when there is no database at path.
func dbExists(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s: start the console once, or pass --db PATH", path)
	}
	return nil
}

func runList(g global, args []string, w io.Writer) error {
	var asJSON, all bool
	var filter string
	limit := 50
	fs := g.flags("list")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.BoolVar(&all, "all", false, "")
	fs.StringVar(&filter, "filter", "", "")
	fs.IntVar(&limit, "limit", limit, "")
	words, err := parse(fs, args)
	if err != nil {
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
	ctx := context.Background()
	db, err := openExisting(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()

	var rows any
	var table func(tw *tabwriter.Writer)
	switch kind {
	case "incidents":
		list, err := db.Queue(ctx, model.QueueQuery{Filter: filter, All: all, Limit: limit})
		if err != nil {
			return err
		}
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "REF\tPRI\tSTATE\tSERVICE\tASSIGNEE\tTITLE")
			for _, in := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.Ref(), in.Priority, in.State.Label(), in.Service, in.Assignee, in.Title)
			}
		}
	case "alerts":
		list, err := db.Feed(ctx, model.FeedQuery{Filter: filter, Firing: !all, Limit: limit})
		if err != nil {
			return err
		}
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "ID\tSEVERITY\tSTATE\tSERVICE\tALERT\tLAST SEEN\tSUMMARY")
			for _, a := range list {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Severity, a.State, a.Service, a.Name, a.LastSeen.Format(time.RFC3339), a.Summary)
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
		list = list[:min(len(list), limit)]
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "REF\tTYPE\tSTATE\tRISK\tSERVICE\tSTART\tEND\tTITLE")
			for _, c := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Ref(), c.Type, c.State, c.Risk, c.Service, c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339), c.Title)
			}
		}
	case "articles":
		list, err := db.Articles(ctx, model.ArticleQuery{Search: filter, Limit: limit})
		if err != nil {
			return err
		}
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
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "ID\tTIER\tOWNER\tENV\tNAME\tDEPENDS ON")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Tier, s.Owner, s.Environment, s.Name, strings.Join(s.DependsOn, ","))
			}
		}
	case "problems":
		list, err := db.Problems(ctx, model.ProblemQuery{Filter: filter, All: all, Limit: limit})
		if err != nil {
			return err
		}
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "REF\tSTATE\tSERVICE\tOWNER\tINCIDENTS\tOPEN ACTIONS\tTITLE")
			for _, p := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", p.Ref(), p.State.Label(), p.Service, p.Owner, p.Incidents, p.OpenActions, p.Title)
			}
		}
	case "audit":
		list, err := db.Audit(ctx, model.AuditQuery{Filter: filter, Limit: limit})
		if err != nil {
			return err
		}
		rows, table = list, func(tw *tabwriter.Writer) {
			fmt.Fprintln(tw, "WHEN\tWHO\tACTION\tRECORD")
			for _, e := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Actor, e.Action, e.Entity)
			}
		}
	}
	if asJSON {
		return writeJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
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
	fs := g.flags("show")
	fs.BoolVar(&asJSON, "json", false, "")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(words) != 2 {
		return usagef("show: give KIND and ID, e.g. 'hypercare show incident 42'")
	}
	kind, err := kindOf(words[0])
	if err != nil {
		return err
	}
	if kind == "audit" {
		return usagef("show: the audit log has no single-record view; use 'hypercare list audit'")
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
	if kind == "services" {
		services, err := db.Services(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(services, func(s model.Service) bool { return s.ID == words[1] })
		if i < 0 {
			return fmt.Errorf("service %q is not in the catalogue; 'hypercare list services' lists them", words[1])
		}
		rec = services[i]
	} else if rec, err = showRecord(ctx, db, kind, id); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, rec)
	}
	return writeFields(w, rec)
}

// showRecord loads one numbered record of a kind.
func showRecord(ctx context.Context, db *store.DB, kind string, id int64) (any, error) {
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
		return struct {
			model.Incident
			Links    []model.IncidentLink  `json:"links,omitzero"`
			Alerts   []string              `json:"alerts,omitzero"`
			Timeline []model.TimelineEntry `json:"timeline"`
		}{in, links, refs, tl}, nil
	case "alerts":
		a, err := db.Alert(ctx, id)
		return a, notFound("ALR", id, err)
	case "changes":
		c, err := db.Change(ctx, id)
		return c, notFound("CHG", id, err)
	case "problems":
		return showProblem(ctx, db, id)
	}
	a, err := db.Article(ctx, id)
	return a, notFound("KB", id, err)
}

// showProblem loads a problem with its RCA actions and linked incidents.
func showProblem(ctx context.Context, db *store.DB, id int64) (any, error) {
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
	return struct {
		model.Problem
		Actions []model.ProblemAction `json:"actions,omitzero"`
		Linked  []string              `json:"linked,omitzero"`
	}{p, actions, refs}, nil
}

// notFound says which record is missing; nil stays nil.
func notFound(prefix string, id int64, err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("%s-%d does not exist", prefix, id)
	}
	return err
}

// writeFields prints a record as "field: value" lines by way of its JSON
// form, so the text and JSON outputs can never disagree.
func writeFields(w io.Writer, rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	// A map loses the struct's field order; walk the tokens to keep it.
	var order []string
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		order = append(order, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, k := range order {
		if k == "timeline" {
			continue
		}
		var s string
		if json.Unmarshal(fields[k], &s) != nil {
			s = string(fields[k])
		}
		fmt.Fprintf(tw, "%s:\t%s\n", k, s)
	}
	if tl, ok := fields["timeline"]; ok {
		var entries []model.TimelineEntry
		if err := json.Unmarshal(tl, &entries); err == nil {
			fmt.Fprintln(tw, "timeline:\t")
			for _, e := range entries {
				fmt.Fprintf(tw, "  %s\t%s %s: %s\n", e.At.Format(time.RFC3339), e.Actor, e.Kind, e.Text)
			}
		}
	}
	return tw.Flush()
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
