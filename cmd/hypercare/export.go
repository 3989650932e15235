package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

const exportUsage = `Usage: hypercare export changes [--format ics|json] [--since 30d] [--until 90d] [--out FILE]
       hypercare export all [--out FILE]      (or: hypercare export --format json)

export changes: the change calendar for the tools people already look at:
every change whose planned time falls in the window, and the plan's freezes.
--format ics (the default) writes an RFC 5545 calendar that Outlook, Google
Calendar and Apple Calendar import or subscribe to; each change keeps its UID
(chg-7@hypercare), so a newer export gives the calendar the same events, not
copies. --format json writes the same changes and freezes for scripts.

export all: every record in the database as one JSON document, for an
archive at the end of hypercare or another tool to load:
  {"schema_version":10,"exported_at":"…","tables":{"incidents":[{…},…],…}}
Every table is there (an empty one as []), each row an object of its
columns, one row a line. It is read in one transaction, so it is consistent
while consoles go on writing, and streamed, so a large database costs no
memory. Values are as stored: times are unix milliseconds UTC, labels and
lists JSON text, flags 0 or 1. For a copy to restore from, use backup.

Flags:
  --format FORMAT    changes: ics (the default) or json; all: json
  --since DURATION   changes: how far back the window starts: 30d, 12h,
                     1d12h (default 30d)
  --until DURATION   changes: how far ahead it ends (default 90d)
  --out FILE         write here instead of standard output; the file is
                     replaced whole, so a reader never sees half
  --db, --plan       the database, and for changes the plan (freezes, and
                     the timezone of freezes given as dates)

Exit codes: 0 written, 1 no database (or for changes no plan), or the file
could not be written, 2 usage error.
`

// exportFormats are the --format values, the first the default.
var exportFormats = []string{"ics", "json"}

func runExport(g global, args []string, w io.Writer) error {
	since, until := sinceFlag{30 * 24 * time.Hour}, sinceFlag{90 * 24 * time.Hour}
	format := exportFormats[0]
	var out string
	fs := g.flags("export")
	fs.StringVar(&format, "format", format, "")
	fs.Var(&since, "since", "")
	fs.Var(&until, "until", "")
	fs.StringVar(&out, "out", "", "")
	words, err := parse(fs, args)
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	usage := func(format string, args ...any) error {
		return cmdUsage{usage: exportUsage, msg: "export: " + fmt.Sprintf(format, args...)}
	}
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cmdUsage{usage: exportUsage}
	case errors.As(err, &ue):
		return usage("%s", ue.msg)
	case len(words) == 0 && set["format"] && format == "json":
		words = []string{"all"}
	case len(words) == 0:
		return usage("name what to export: 'hypercare export changes' (the change calendar) or 'hypercare export all' (every record as JSON)")
	case len(words) > 1:
		return usage("export one thing at a time: changes or all, not %q", strings.Join(words, " "))
	}
	switch words[0] {
	case "changes":
		if !slices.Contains(exportFormats, format) {
			return usage("--format %q: use %s", format, strings.Join(exportFormats, " or "))
		}
	case "all":
		switch {
		case set["format"] && format != "json":
			return usage("--format %q: export all writes JSON only (--format json, or leave it out)", format)
		case set["since"] || set["until"]:
			return usage("--since and --until choose the change calendar's window; export all writes every record")
		}
		return runExportAll(g, out, w)
	default:
		return usage("%q cannot be exported: use 'export changes' (the change calendar) or 'export all' (every record)", words[0])
	}
	ctx, p, db, err := openPlanAndStore(g)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	from, to := now.Add(-since.d), now.Add(until.d)
	changes, err := db.ChangesBetween(ctx, from, to)
	if err != nil {
		return fmt.Errorf("read changes: %w", err)
	}
	// The list has the calendar's fields; an event carries the plan and
	// backout too, so each change is read whole.
	for i, c := range changes {
		if changes[i], err = db.Change(ctx, c.ID); err != nil {
			return fmt.Errorf("read %s: %w", c.Ref(), err)
		}
	}
	var buf bytes.Buffer
	if format == "json" {
		err = writeJSON(&buf, exportDoc(p, changes, from, to))
	} else {
		err = changeCalendar(p, changes, from, to, now).SerializeTo(&buf, ics.WithNewLineWindows)
	}
	if err != nil {
		return err
	}
	return writeOut(out, w, func(dst io.Writer) error {
		_, err := dst.Write(buf.Bytes())
		return err
	})
}

// runExportAll writes every record as JSON; it needs the database only.
func runExportAll(g global, out string, w io.Writer) error {
	ctx := context.Background()
	db, err := openExisting(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()
	return writeOut(out, w, func(dst io.Writer) error { return exportAll(ctx, db, dst, time.Now()) })
}

// writeOut writes an export to standard output, or with --out to a file
// replaced whole, as a drop is: a calendar app, web server or script
// reading the file while it is exported gets the old or the new.
func writeOut(out string, stdout io.Writer, write func(io.Writer) error) error {
	if out == "" {
		return write(stdout)
	}
	if err := replaceFile(out, write); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

// changeCalendar is the RFC 5545 calendar of the changes and of the plan's
// freezes overlapping [from, to); stamped is when it was made (DTSTAMP).
// The library escapes TEXT values (commas, semicolons, backslashes,
// newlines) and folds long lines; times are written in UTC, and freezes the
// plan gives as whole days as all-day events in the plan's timezone.
func changeCalendar(p *plan.Plan, changes []model.Change, from, to, stamped time.Time) *ics.Calendar {
	cal := ics.NewCalendarFor("hypercare")
	cal.SetMethod(ics.MethodPublish)
	name := "hypercare changes"
	if p.Hypercare.Service != "" {
		name = p.Hypercare.Service + " changes"
	}
	cal.SetXWRCalName(name)
	for _, c := range changes {
		e := cal.AddEvent(fmt.Sprintf("chg-%d@hypercare", c.ID))
		e.SetDtStampTime(stamped)
		if !c.Created.IsZero() {
			e.SetCreatedTime(c.Created)
		}
		e.SetStartAt(c.Start)
		e.SetEndAt(c.End)
		e.SetSummary(fmt.Sprintf("%s [%s] %s", c.Ref(), c.State, c.Title))
		e.SetDescription(changeText(c))
		e.SetLocation(strings.Join(c.Services, ", "))
		e.AddCategory(string(c.Type))
		e.SetStatus(eventStatus(c.State))
	}
	loc := p.Location()
	for _, f := range p.FreezesBetween(from, to) {
		// A freeze's UID is its place in the plan, so a later export
		// updates the same event.
		n := 1 + slices.IndexFunc(p.Freezes, func(x plan.Freeze) bool { return x.Name == f.Name && x.Start.Equal(f.Start) })
		e := cal.AddEvent(fmt.Sprintf("freeze-%d@hypercare", n))
		e.SetDtStampTime(stamped)
		if midnight(f.Start, loc) && midnight(f.End, loc) {
			e.SetAllDayStartAt(f.Start.In(loc))
			e.SetAllDayEndAt(f.End.In(loc)) // exclusive, as DTEND of a date is
		} else {
			e.SetStartAt(f.Start)
			e.SetEndAt(f.End)
		}
		kind := "Soft"
		if f.Hard {
			kind = "Hard"
		}
		e.SetSummary(kind + " change freeze: " + f.Name)
		e.SetDescription(freezeText(f))
		if len(f.Services) > 0 {
			e.SetLocation(strings.Join(f.Services, ", "))
		}
		e.AddCategory("freeze")
		e.SetStatus(ics.ObjectStatusConfirmed)
	}
	return cal
}

// eventStatus is how sure a calendar should be that a change happens: a
// change not yet authorised may still move or be refused.
func eventStatus(s model.ChangeState) ics.ObjectStatus {
	switch s {
	case model.ChangeCancelled:
		return ics.ObjectStatusCancelled
	case model.ChangeNew, model.ChangeAssess, model.ChangeAuthorize:
		return ics.ObjectStatusTentative
	}
	return ics.ObjectStatusConfirmed
}

// changeText is the event body: what a reader of the calendar needs to
// know without opening the console.
func changeText(c model.Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s-risk change, %s\n", c.Type, c.Risk, c.State)
	fmt.Fprintf(&b, "Services: %s\n", strings.Join(c.Services, ", "))
	if c.Implementer != "" {
		fmt.Fprintf(&b, "Implementer: %s\n", c.Implementer)
	}
	if c.Description != "" {
		fmt.Fprintf(&b, "\n%s\n", c.Description)
	}
	if c.Backout != "" {
		fmt.Fprintf(&b, "\nBackout plan:\n%s\n", c.Backout)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func freezeText(f plan.Freeze) string {
	rule := "Soft freeze: changes need one more approval."
	if f.Hard {
		rule = "Hard freeze: changes are refused unless an emergency with the emergency board's approval."
	}
	scope := "Every service."
	if len(f.Services) > 0 {
		scope = "Services: " + strings.Join(f.Services, ", ")
	}
	text := rule + "\n" + scope
	if f.Reason != "" {
		text += "\n\n" + f.Reason
	}
	return text
}

// midnight says whether t is the start of a day in loc: how a freeze the
// plan gives as dates ends up.
func midnight(t time.Time, loc *time.Location) bool {
	h, m, s := t.In(loc).Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// changeRef is a change with its reference, as problemRef.
type changeRef struct {
	Ref string `json:"ref"`
	model.Change
}

// freezeDoc is a plan freeze in the JSON export.
type freezeDoc struct {
	Name     string    `json:"name"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Hard     bool      `json:"hard"`
	Services []string  `json:"services,omitempty"` // empty: every service
	Reason   string    `json:"reason,omitempty"`
}

type calendarDoc struct {
	From    time.Time   `json:"from"`
	To      time.Time   `json:"to"`
	Changes []changeRef `json:"changes"`
	Freezes []freezeDoc `json:"freezes"`
}

// exportDoc is the JSON export: the same changes and freezes as the
// calendar, lists empty rather than null.
func exportDoc(p *plan.Plan, changes []model.Change, from, to time.Time) calendarDoc {
	doc := calendarDoc{From: from.UTC(), To: to.UTC(), Changes: []changeRef{}, Freezes: []freezeDoc{}}
	for _, c := range changes {
		doc.Changes = append(doc.Changes, changeRef{c.Ref(), c})
	}
	for _, f := range p.FreezesBetween(from, to) {
		doc.Freezes = append(doc.Freezes, freezeDoc{f.Name, f.Start, f.End, f.Hard, f.Services, f.Reason})
	}
	return doc
}
