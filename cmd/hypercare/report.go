package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

const reportUsage = `Usage: hypercare report [--since 24h] [--until TIME] [--format md|json|html]

The service figures of the last --since: records opened and resolved, MTTA,
MTTR, SLA attainment per priority (requests in a row of their own), backlog
flow per day, reopen rate, recurring incidents, CSAT, what is open now, and
the plan's exit criteria scored met or not met; then, for the war room, the
open incidents with owners and latest notes, breaches and at-risk incidents by
name, major incidents' timelines, flow per service, changes done and the next
72 hours with conflicts, change-caused incidents, unauthorised deploys,
licences expiring, jobs and backups that failed, were missed or ran late,
backups past their RPO, noisiest and flapping alerts, active silences, overdue
RCA actions, and the knowledge base: articles written, published, read and
used on incidents, and the required reading done. Incidents and requests count
together everywhere but in SLA attainment. Records still open past their
resolve due time count as SLA misses; duplicates count as resolved but not
in MTTR, SLA attainment, reopen rate or CSAT.

Flags:
  --since DURATION   how far back the window starts: 24h, 7d, 1d12h (default 24h)
  --until TIME       the window ends then, not now: 2026-12-03T08:00 in the
                     plan's timezone, or RFC 3339 (yesterday's morning report)
  --format FORMAT    md (Markdown tables, the default), json, or html (one
                     page with its styles, to mail or put on an intranet)
  --db, --plan       the database and the plan (days are in its timezone)

Exit codes: 0 done (whether or not the criteria are met), 1 no database or
plan, 2 usage error.
`

// sinceFlag is a --since duration that also takes whole days: "7d".
type sinceFlag struct{ d time.Duration }

func (s *sinceFlag) String() string { return s.d.String() }

func (s *sinceFlag) Set(v string) error {
	d, err := plan.ParseDuration(v)
	if err != nil {
		return err
	}
	if d <= 0 {
		return fmt.Errorf("%q: the window must be longer than nothing, e.g. 24h or 7d", v)
	}
	s.d = d
	return nil
}

// reportDoc is the report as JSON: the metrics, and the exit criteria scored.
type reportDoc struct {
	Service  string `json:"service"`
	Timezone string `json:"timezone"`
	model.Metrics
	Exit    []plan.ExitScore `json:"exit_criteria"`
	WarRoom warRoom          `json:"war_room"`
}

func runReport(g global, args []string, w io.Writer) error {
	since := sinceFlag{24 * time.Hour}
	format, until := "md", ""
	fs := g.flags("report")
	fs.Var(&since, "since", "")
	fs.StringVar(&until, "until", "", "")
	fs.StringVar(&format, "format", format, "")
	words, err := parse(fs, args)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cmdUsage{usage: reportUsage}
	case errors.As(err, &ue):
		return cmdUsage{usage: reportUsage, msg: "report: " + ue.msg}
	case len(words) > 0:
		return cmdUsage{usage: reportUsage, msg: fmt.Sprintf("report: unexpected %q; the window is set with --since", words[0])}
	case format != "md" && format != "json" && format != "html":
		return cmdUsage{usage: reportUsage, msg: fmt.Sprintf("report: --format %q: use md, json or html", format)}
	}
	ctx, p, db, err := openPlanAndStore(g)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	if until != "" {
		if now, err = parseUntil(until, p.Location()); err != nil {
			return cmdUsage{usage: reportUsage, msg: "report: " + err.Error()}
		}
	}
	doc, err := buildReport(ctx, db, model.NewDesk(db, p), p, now, since.d)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return writeJSON(w, doc)
	case "html":
		var md strings.Builder
		if err := writeReport(&md, doc, since.d, p.Location()); err != nil {
			return err
		}
		return writeHTML(w, "Hypercare report: "+doc.Service, md.String())
	}
	return writeReport(w, doc, since.d, p.Location())
}

// parseUntil reads --until: a local time in the plan's zone, or RFC 3339.
func parseUntil(v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--until %q: give a time such as 2026-12-03T08:00 (the plan's timezone) or 2026-12-03T08:00:00Z", v)
}

// reportStyle keeps the HTML report readable in a mail client or a browser
// without anything fetched from elsewhere.
const reportStyle = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td[align=right],th[align=right]{text-align:right}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
code,pre{font-family:ui-monospace,monospace}`

// writeHTML turns the Markdown report into one HTML page (goldmark, GitHub
// tables). Raw HTML in the Markdown is not passed through: every bit of
// outside text in it stays text.
func writeHTML(w io.Writer, title, md string) error {
	var body bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert([]byte(md), &body); err != nil {
		return fmt.Errorf("report html: %w", err)
	}
	_, err := fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n%s</body>\n</html>\n",
		html.EscapeString(title), reportStyle, body.String())
	return err
}

// buildReport reads the report of the window that ends at now.
func buildReport(ctx context.Context, r model.Reader, desk *model.Desk, p *plan.Plan, now time.Time, window time.Duration) (reportDoc, error) {
	from := now.Add(-window)
	m, err := model.ReadMetrics(ctx, r, from, now, p.Location())
	if err != nil {
		return reportDoc{}, err
	}
	doc := reportDoc{Service: p.Hypercare.Service, Timezone: p.Location().String(), Metrics: m}
	if doc.WarRoom, err = readWarRoom(ctx, r, desk, p, from, now); err != nil {
		return reportDoc{}, err
	}
	// The criteria are scored on the last days, each on its own 24 hours,
	// whatever the window is: "held for N days" needs the days before.
	history, err := model.ReadMetricsHistory(ctx, r, plan.ExitDays, now, p.Location())
	if err != nil {
		return reportDoc{}, err
	}
	doc.Exit = p.ScoreExit(history)
	return doc, nil
}

// writeReport writes the report as Markdown: headed tables, bars for the flow.
func writeReport(w io.Writer, doc reportDoc, window time.Duration, loc *time.Location) error {
	var b strings.Builder
	m := doc.Metrics
	name := doc.Service
	if name == "" {
		name = "hypercare"
	}
	fmt.Fprintf(&b, "# Hypercare report: %s\n\n", mdCell(name))
	fmt.Fprintf(&b, "Last %s: %s to %s (%s). Incidents and requests count together; SLA attainment splits incidents by priority.\n\n",
		spell(window), m.Since.In(loc).Format("Mon 02 Jan 2006 15:04"), m.Until.In(loc).Format("Mon 02 Jan 2006 15:04"), doc.Timezone)

	b.WriteString("## Summary\n\n| measure | value |\n|---|---|\n")
	o := m.Open
	resolved := fmt.Sprint(m.Resolved)
	if m.Duplicates > 0 {
		resolved += fmt.Sprintf(" (%d of them duplicates, left out of MTTR, SLA attainment, reopen rate and CSAT)", m.Duplicates)
	}
	rows := [][2]string{
		{"opened", fmt.Sprint(m.Opened)},
		{"resolved", resolved},
		{"open now", fmt.Sprintf("%d: P1 %d, P2 %d, P3 %d, P4 %d, P5 %d, requests %d (%d on hold, %d unacknowledged)",
			o.Total, o.Incidents[0], o.Incidents[1], o.Incidents[2], o.Incidents[3], o.Incidents[4], o.Requests, o.OnHold, o.Unacknowledged)},
		{"MTTA (open to first response)", meanText(m.MTTA, "acknowledged")},
		{"MTTR (open to resolved)", meanText(m.MTTR, "resolved")},
		{"reopen rate", ratioText(m.Reopened, "resolved")},
		{"CSAT", csatText(m.Satisfaction)},
		{"recurring service/category pairs", fmt.Sprint(len(m.Recurring))},
		{"changes closed (by planned end)", fmt.Sprint(m.Changes.Closed)},
		{"change success rate", ratioText(m.Changes.Success, "closed") + " (successful or with issues, and caused no incident)"},
		{"incidents caused by changes", fmt.Sprintf("%d, of them P1/P2 %d", m.Changes.Caused, m.Changes.CausedP1P2)},
		{"deploys reported", fmt.Sprintf("%d, of them unauthorised (no change covered them) %d", m.Changes.Deploys, m.Changes.Unauthorised)},
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], r[1])
	}

	b.WriteString("\n## SLA attainment\n\nRecords resolved in the window within their resolve target, out of those resolved in it and those " +
		"still open at its end past their resolve due time: these count as missed, since they will miss it whatever happens. " +
		"Records without a target, and duplicates, are left out.\n\n")
	b.WriteString("| group | within target | resolved | open past due | attainment |\n|---|--:|--:|--:|--:|\n")
	for _, a := range m.Attainment {
		group := a.Group
		if group == model.AttainmentAll {
			group = "**all**"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", group, a.Met.N, a.Resolved(), a.Overdue, a.Met.Percent())
	}

	fmt.Fprintf(&b, "\n## Backlog flow\n\nOpened and resolved per day (%s).\n\n", doc.Timezone)
	b.WriteString("| day | opened | | resolved | |\n|---|--:|:--|--:|:--|\n")
	most := 0
	for _, d := range m.Flow {
		most = max(most, d.Opened, d.Resolved)
	}
	for _, d := range m.Flow {
		fmt.Fprintf(&b, "| %s | %d | %s | %d | %s |\n", d.Day.Format("Mon 02 Jan"), d.Opened, bar(d.Opened, most, 30), d.Resolved, bar(d.Resolved, most, 30))
	}

	fmt.Fprintf(&b, "\n## Recurring incidents\n\nService and category pairs with %d or more incidents within %s of each other, "+
		"not counting incidents already linked to a problem: candidates for a problem record.\n\n",
		model.RecurrenceCount, spell(model.RecurrenceWithin))
	if len(m.Recurring) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| service | category | incidents | first | last |\n|---|---|--:|---|---|\n")
		for _, r := range m.Recurring {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", mdCell(r.Service), mdCell(r.Category), r.Count,
				r.First.In(loc).Format("Mon 02 Jan 15:04"), r.Last.In(loc).Format("Mon 02 Jan 15:04"))
		}
	}

	writeWarRoom(&b, doc.WarRoom, m)

	b.WriteString("\n## Exit criteria\n\n")
	if len(doc.Exit) == 0 {
		b.WriteString("The plan sets none; add exit_criteria under [hypercare] to score them here.\n")
	} else {
		b.WriteString("Each criterion is measured on the last 24 hours; \"held\" counts the days in a row it has been met, of those it must be.\n\n")
		b.WriteString("| criterion | metric | target | last 24 h | held | status |\n|---|---|---|--:|--:|---|\n")
		for _, s := range doc.Exit {
			value := "—"
			if s.Value != nil {
				value = plan.FormatExitValue(s.Metric, *s.Value)
			}
			status := "✗ " + s.Status()
			if s.Met {
				status = "✓ met"
			}
			metric := s.Metric
			if s.Service != "" {
				metric += " (" + s.Service + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %d/%d d | %s |\n", mdCell(s.Name), metric, s.Condition(), value, min(s.Held, s.HeldFor), s.HeldFor, status)
		}
		met, of := plan.ExitTally(doc.Exit)
		fmt.Fprintf(&b, "\n%d of %d met.\n", met, of)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell keeps text from breaking a table row.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// bar is v of most drawn in at most width blocks; any count shows at least one.
func bar(v, most, width int) string {
	if v == 0 || most == 0 {
		return ""
	}
	return strings.Repeat("█", max(1, int(math.Round(float64(v)*float64(width)/float64(most)))))
}

func meanText(m model.Mean, what string) string {
	v, ok := m.Value()
	if !ok {
		return "— (none " + what + ")"
	}
	return fmt.Sprintf("%s over %d %s", spell(v), m.Count, what)
}

func ratioText(r model.Ratio, of string) string {
	if r.Of == 0 {
		return "— (none " + of + ")"
	}
	return fmt.Sprintf("%s (%d of %d %s)", r.Percent(), r.N, r.Of, of)
}

func csatText(a model.Average) string {
	v, ok := a.Value()
	if !ok {
		return "— (no ratings)"
	}
	if a.Count == 1 {
		return fmt.Sprintf("%.1f / 5 from 1 rating", v)
	}
	return fmt.Sprintf("%.1f / 5 from %d ratings", v, a.Count)
}

// spell writes a duration to the minute in days, hours and minutes: "7d",
// "2d4h", "36h", "3h12m", "6m". Days start at two: "24h" reads better than "1d".
func spell(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := 0, int(d/time.Hour), int(d%time.Hour/time.Minute)
	if d >= 48*time.Hour {
		days, hours = int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	}
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if hours > 0 {
		fmt.Fprintf(&b, "%dh", hours)
	}
	if mins > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dm", mins)
	}
	return b.String()
}

// openPlanAndStore loads the plan and opens an existing database, for the
// commands that read both: report and export.
func openPlanAndStore(g global) (context.Context, *plan.Plan, database, error) {
	p, err := loadPlan(g.plan)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx := context.Background()
	db, err := openExisting(ctx, g.db)
	if err != nil {
		return nil, nil, nil, err
	}
	return ctx, p, db, nil
}
