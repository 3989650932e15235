package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func silenceUsage() string {
	return `usage: hypercare silence ACTION [flags]

  list                                  the silences in force, with what each mutes
  add MATCHERS --for 2h --comment WHY   mute the alerts the matchers match, written as
                                        amtool takes them: alertname=X service!~"noti.*"
                                        (a bare first word is the alertname: X env=prod)
  extend SIL-n --by 2h                  move its end later
  expire SIL-n                          end it now; its alerts notify again

Flags: --json prints JSON. The operator is --as NAME from the plan; who may
manage silences is the plan's [alerts] silence_role (default: operators).
Exit codes: 0 done, 1 refused, 2 usage error.
`
}

// runSilence is "hypercare silence": the console's :silences from a shell.
func runSilence(g global, args []string, w io.Writer) error {
	var asJSON bool
	var comment, dur, by string
	fs := g.flags("silence")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.StringVar(&comment, "comment", "", "")
	fs.StringVar(&dur, "for", "2h", "")
	fs.StringVar(&by, "by", "", "")
	words, err := parse(fs, args)
	if err != nil {
		return cmdUsage{usage: silenceUsage(), msg: "silence: " + err.Error()}
	}
	if len(words) == 0 {
		return cmdUsage{usage: silenceUsage(), msg: "silence: name an ACTION (list, add, extend or expire)"}
	}
	action, rest := words[0], words[1:]
	id := int64(0)
	switch action {
	case "list":
	case "add":
		if len(rest) == 0 {
			return cmdUsage{usage: silenceUsage(), msg: `silence add: give the matchers, e.g. alertname=HighLatency service=checkout`}
		}
	case "extend", "expire":
		if len(rest) != 1 {
			return cmdUsage{usage: silenceUsage(), msg: fmt.Sprintf("silence %s takes one SIL-n", action)}
		}
		if id, err = model.ParseRef(rest[0], "SIL"); err != nil {
			return cmdUsage{usage: silenceUsage(), msg: fmt.Sprintf("silence %s: %v", action, err)}
		}
	case "help":
		return cmdUsage{usage: silenceUsage()}
	default:
		return cmdUsage{usage: silenceUsage(), msg: fmt.Sprintf("silence: unknown action %q; use list, add, extend or expire", action)}
	}
	ctx, a, actor, done, err := openAsOperator(g)
	if err != nil {
		return err
	}
	defer done()
	out := func(sil model.Silence, line string) error {
		if asJSON {
			return json.NewEncoder(w).Encode(sil)
		}
		_, err := fmt.Fprintln(w, line)
		return err
	}
	switch action {
	case "list":
		list, err := a.db.Silences(ctx, a.desk.Now())
		if err != nil {
			return err
		}
		if asJSON {
			if list == nil {
				list = []model.Silence{}
			}
			return json.NewEncoder(w).Encode(list)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REF\tMUTES\tENDS\tAUTHOR\tMATCHERS\tCOMMENT")
		for _, sil := range list {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", sil.Ref(), sil.Matching, sil.EndsAt.Format(time.RFC3339), sil.Author, matcherText(sil.Matchers), sil.Comment)
		}
		return tw.Flush()
	case "add":
		ms, err := model.ParseMatchers(strings.Join(rest, " "))
		if err != nil {
			return usagef("silence add: %v", err)
		}
		d, err := time.ParseDuration(dur)
		if err != nil {
			return usagef("silence add --for %q: write a duration such as 30m, 2h or 24h", dur)
		}
		sil, err := a.desk.CreateSilence(ctx, actor, ms, d, comment)
		if err != nil {
			return err
		}
		return out(sil, fmt.Sprintf("%s silences %d firing alert(s) until %s: %s", sil.Ref(), sil.Matching, sil.EndsAt.Format(time.RFC3339), matcherText(sil.Matchers)))
	case "extend":
		d, err := time.ParseDuration(by)
		if err != nil {
			return usagef("silence extend --by %q: write a duration such as 30m, 2h or 24h", by)
		}
		sil, err := a.desk.ExtendSilence(ctx, actor, id, d)
		if err != nil {
			return err
		}
		return out(sil, fmt.Sprintf("%s extended until %s", sil.Ref(), sil.EndsAt.Format(time.RFC3339)))
	}
	if err := a.desk.ExpireSilence(ctx, actor, id); err != nil {
		return err
	}
	return out(model.Silence{ID: id}, fmt.Sprintf("SIL-%d ended; its alerts notify again", id))
}

func matcherText(ms []model.Matcher) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return strings.Join(out, " ")
}
