package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// onCallRow is one team level's rota at a time: who is on call, until when,
// and who takes over.
type onCallRow struct {
	Team  string    `json:"team"`
	Level string    `json:"level"`
	Who   string    `json:"who,omitempty"` // empty: nobody on the rota then
	Cover bool      `json:"cover,omitempty"`
	Until time.Time `json:"until,omitzero"`
	Next  string    `json:"next,omitempty"`
}

// runOnCall prints who is on call now (or --at a time) on every rota in
// the plan, and who is next: what the header and the incident detail show,
// for a script or a phone.
func runOnCall(g global, args []string, w io.Writer) error {
	var asJSON bool
	var at string
	fs := g.flags("oncall")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.StringVar(&at, "at", "", "")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		return usagef("oncall: unexpected %q; give a time with --at 2026-12-24T20:00", words[0])
	}
	p, err := loadPlan(g.plan)
	if err != nil {
		return err
	}
	when := time.Now()
	if at != "" {
		if when, err = time.ParseInLocation("2006-01-02T15:04", at, p.Location()); err != nil {
			return usagef("oncall: --at %q: write a time in the plan's timezone as 2026-12-24T20:00", at)
		}
	}
	var rows []onCallRow
	for _, r := range p.Rotas() {
		row := onCallRow{Team: r.Team, Level: r.Level}
		if sh, ok := r.At(when); ok {
			row.Who, row.Cover, row.Until = sh.Who, sh.Cover, sh.To
			if next, ok := r.At(sh.To); ok {
				row.Next = next.Who
			}
		}
		rows = append(rows, row)
	}
	if asJSON {
		return writeJSON(w, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "no rotas in the plan: add [[rota]] sections (see examples/plan.toml)")
		return nil
	}
	loc := p.Location()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEAM\tLEVEL\tON CALL\tUNTIL\tNEXT")
	for _, r := range rows {
		who, until := r.Who, ""
		if who == "" {
			who = "nobody"
		} else {
			until = r.Until.In(loc).Format("Mon 02 Jan 15:04")
		}
		if r.Cover {
			who += " (cover)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Team, r.Level, who, until, r.Next)
	}
	return tw.Flush()
}
