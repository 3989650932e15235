package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

const jobUsage = `hypercare job report JOB --status started|ok|failed [--duration D] [--run ID] [--size N]
                          [--at TIME] [--message TEXT] [--json]

Reports a run of the plan's [[job]] JOB, as its heartbeat drop would, from a
script on the hypercare host: at the end of a backup script, for example,
  hypercare job report backup-orders-db --status ok --duration 41m --size 73400320
The same report sent twice is one run (by --run, or without it by the
scheduled time the run belongs to); 'hypercare formats' says how runs are
told apart and judged. Exit 1 when the report is refused.

  --status    started, ok or failed                                  (required)
  --duration  how long the run took: 41m12s, or seconds (2472)
  --run ID    the scheduler's id for the run
  --size N    bytes the run wrote
  --at TIME   when it started (started) or ended, RFC 3339; default now
  --message   a line about the run, such as why it failed
  --json      print the run as JSON
`

// runJob is "hypercare job report": a heartbeat from a script, recorded
// through the service layer as the --as operator.
func runJob(g global, args []string, w io.Writer) error {
	if len(args) == 0 {
		return cmdUsage{usage: jobUsage, msg: "job: name an ACTION; the action is report"}
	}
	if isHelp(args[0]) {
		return cmdUsage{usage: jobUsage}
	}
	if args[0] != "report" {
		return cmdUsage{usage: jobUsage, msg: fmt.Sprintf("job: unknown action %q; the action is report", args[0])}
	}
	var status, duration, run, size, at, message string
	var asJSON bool
	fs := g.flags("job report")
	fs.StringVar(&status, "status", "", "")
	fs.StringVar(&duration, "duration", "", "")
	fs.StringVar(&run, "run", "", "")
	fs.StringVar(&size, "size", "", "")
	fs.StringVar(&at, "at", "", "")
	fs.StringVar(&message, "message", "", "")
	fs.BoolVar(&asJSON, "json", false, "")
	words, err := parse(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return cmdUsage{usage: jobUsage}
	}
	if err != nil {
		return cmdUsage{usage: jobUsage, msg: "job report: " + err.Error()}
	}
	bad := func(format string, a ...any) error { return cmdUsage{usage: jobUsage, msg: fmt.Sprintf(format, a...)} }
	if len(words) != 1 {
		return bad("job report: name one JOB, the id of a [[job]] in the plan")
	}
	hb := model.Heartbeat{Job: words[0], Run: run, Message: message}
	if hb.Status, err = model.ParseHeartbeatStatus(status); err != nil {
		return bad("job report: --status: %v", err)
	}
	if duration != "" {
		if hb.Duration, err = parseRunDuration(duration); err != nil {
			return bad("job report: --duration %q: give how long the run took, such as 41m12s or 2472 (seconds)", duration)
		}
	}
	if size != "" {
		if hb.Size, err = strconv.ParseInt(size, 10, 64); err != nil || hb.Size < 0 {
			return bad("job report: --size %q: give the bytes written, a whole number", size)
		}
	}
	if at != "" {
		if hb.At, err = time.Parse(time.RFC3339, at); err != nil {
			return bad("job report: --at %q: give an RFC 3339 time such as 2026-11-20T02:41:00Z", at)
		}
	}
	ctx, a, actor, done, err := openAsOperator(g)
	if err != nil {
		return err
	}
	defer done()
	got, err := a.desk.RecordHeartbeat(ctx, actor, hb)
	if err != nil {
		return fmt.Errorf("job report: %w", err)
	}
	if asJSON {
		return writeJSON(w, viewRun(got))
	}
	p := a.plan.Plan()
	_, err = fmt.Fprintf(w, "%s run %s: %s\n", got.Job, got.RunID, got.Describe(p.Location()))
	return err
}

// parseRunDuration reads a Go duration or a number of seconds, as the
// heartbeat format does.
func parseRunDuration(s string) (time.Duration, error) {
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a duration")
	}
	return d, nil
}

// runView is a run as the CLI prints it in JSON: its duration readable.
type runView struct {
	model.JobRun
	Duration string `json:"duration,omitzero"` // shadows the nanoseconds
}

func viewRun(r model.JobRun) runView {
	v := runView{JobRun: r}
	if r.Duration > 0 {
		v.Duration = r.Duration.String()
	}
	return v
}

// jobView is a job as 'list jobs --json' prints it: the plan's entry and
// its figures.
type jobView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Service   string    `json:"service"`
	Owner     string    `json:"owner"`
	Kind      string    `json:"kind"`
	Schedule  string    `json:"schedule"`
	Duration  string    `json:"duration,omitzero"`
	Grace     string    `json:"grace"`
	RPO       string    `json:"rpo,omitzero"`
	OnMiss    string    `json:"on_miss"`
	Next      time.Time `json:"next,omitzero"`
	Rate      *float64  `json:"success_rate"` // null when no run has ended
	LastOK    time.Time `json:"last_ok,omitzero"`
	RPOBreach string    `json:"rpo_breach,omitzero"` // how far over its RPO a backup is
	Runs      []runView `json:"runs"`
}

// listJobs is 'hypercare list jobs': each of the plan's jobs with its
// newest runs (limit of them), success rate, next run and RPO breach.
func listJobs(ctx context.Context, db database, p *plan.Plan, limit int) ([]jobView, func(*tabwriter.Writer), error) {
	now := time.Now()
	sums, err := model.ReadJobs(ctx, db, p.JobSpecs(), limit, now)
	if err != nil {
		return nil, nil, err
	}
	views := make([]jobView, len(sums))
	for i, s := range sums {
		j := p.Jobs[i]
		spec := s.Spec
		v := jobView{ID: j.ID, Name: j.Name, Service: j.Service, Owner: spec.Owner, Kind: j.Kind, Schedule: j.Schedule,
			Duration: j.Duration, Grace: j.Grace, RPO: j.RPO, OnMiss: onMissText(spec), Next: s.Next, LastOK: s.LastOK, Runs: []runView{}}
		if s.Rate >= 0 {
			v.Rate = &s.Rate
		}
		if s.RPOBreach > 0 {
			v.RPOBreach = s.RPOBreach.Round(time.Minute).String()
		}
		for _, r := range s.Runs {
			v.Runs = append(v.Runs, viewRun(r))
		}
		views[i] = v
	}
	loc := p.Location()
	table := func(tw *tabwriter.Writer) {
		fmt.Fprintln(tw, "JOB\tKIND\tSERVICE\tSCHEDULE\tLAST RUN\tRUNS\tSUCCESS\tNEXT\tRPO")
		for i, s := range sums {
			last, strip := "—", ""
			if len(s.Runs) > 0 {
				r := s.Runs[0]
				last = string(r.Status) + " " + r.At().In(loc).Format("Mon 02 Jan 15:04")
			}
			for i := len(s.Runs) - 1; i >= 0; i-- {
				strip += s.Runs[i].Status.Mark()
			}
			rate := "—"
			if s.Rate >= 0 {
				rate = fmt.Sprintf("%.0f%%", s.Rate*100)
			}
			rpo := ""
			switch {
			case s.RPOBreach > 0:
				rpo = "BREACHED by " + spell(s.RPOBreach)
			case s.Spec.RPO > 0:
				rpo = "ok (" + spell(s.Spec.RPO) + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Spec.ID, s.Spec.Kind, s.Spec.Service, p.Jobs[i].Schedule,
				last, strip, rate, s.Next.In(loc).Format("Mon 02 Jan 15:04"), rpo)
		}
	}
	return views, table, nil
}

// onMissText is what a failed or missed run means, as the plan says it.
func onMissText(j model.JobSpec) string {
	if j.MissIncident != 0 {
		return "incident " + j.MissIncident.String()
	}
	return strings.ToLower(j.MissSeverity.String())
}
