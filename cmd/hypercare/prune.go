package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
)

const pruneUsage = `Usage: hypercare prune [--dry-run] [--archive DIR] [--format text|json]

Removes what is older than the plan's [retention] (90 days unless the plan
says otherwise): resolved alerts last seen before then, with their state
history and the storms they leave empty, the records of drop files applied
before then, older state changes of the alerts kept, and old audit entries.
Every record is first written to the archive, one JSON-lines file per table
(DIR/<time>-alerts.jsonl…, a line per record as 'export all' writes it),
synced to disk before it is deleted. It goes in batches of a thousand, each
its own transaction with its own audit entry (retention.prune), so consoles
and the intake carry on meanwhile. serve and the console prune by
themselves every hour; this is for doing it now, or seeing what would go.

Flags:
  --dry-run         count what would go; remove nothing
  --archive DIR     where the archive files go (default: archive/ beside the
                    database)
  --format json     the counts, the cut-off times and the files as JSON (--json)
  --as NAME         an admin of the plan (the dry run: anyone)

Exit codes: 0 done, 1 no database, not an admin, or the archive could not be
written (nothing unarchived is removed), 2 usage error.
`

// pruneEvery is how often serve and the console prune: records pass the
// retention a few at a time, so an hour late costs nothing.
const pruneEvery = time.Hour

// archiveDir is where pruned records go by default: archive/ in the
// database's own folder, the data folder; for a database on PostgreSQL,
// archive/ in this machine's data folder (the process that leads prunes).
func archiveDir(db string) string {
	if isPostgres(db) {
		return filepath.Join(dataDir(), "archive")
	}
	return filepath.Join(filepath.Dir(db), "archive")
}

func runPrune(g global, args []string, w io.Writer) error {
	var dryRun, asJSON bool
	var format, dir string
	fs := g.flags("prune")
	fs.BoolVar(&dryRun, "dry-run", false, "")
	fs.BoolVar(&asJSON, "json", false, "")
	formatFlag(fs, &format)
	fs.StringVar(&dir, "archive", "", "")
	words, err := parse(fs, args)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cmdUsage{usage: pruneUsage}
	case errors.As(err, &ue):
		return cmdUsage{usage: pruneUsage, msg: "prune: " + ue.msg}
	case len(words) > 0:
		return cmdUsage{usage: pruneUsage, msg: fmt.Sprintf("prune: unexpected %q", words[0])}
	}
	if asJSON, err = jsonWanted("prune", format, asJSON); err != nil {
		return err
	}
	if err := dbExists(g.db); err != nil {
		return err
	}
	ctx, a, actor, done, err := openAsOperator(g)
	if err != nil {
		return err
	}
	defer done()
	if dir == "" {
		dir = archiveDir(a.where)
	}
	now := a.desk.Now()
	p := a.plan.Plan()
	run := model.PruneRun{DryRun: dryRun, Pause: 5 * time.Millisecond}
	var arch *store.Archive
	if !dryRun {
		arch = store.NewArchive(dir, now)
		defer arch.Close()
		run.Archive = arch
	}
	pruned, err := a.desk.Prune(ctx, actor, now, run)
	if err != nil {
		return err
	}
	var files []store.ArchiveFile
	if arch != nil {
		files = arch.Files()
	}
	rep := pruneReport{DryRun: dryRun, Retention: p.Retention(), Cutoffs: p.Retention().Cutoffs(now), Pruned: pruned, Files: files}
	if asJSON {
		return rep.writeJSON(w)
	}
	rep.writeText(w, p.Location())
	return nil
}

type pruneReport struct {
	DryRun    bool
	Retention model.Retention
	Cutoffs   model.Cutoffs
	Pruned    model.Pruned
	Files     []store.ArchiveFile
}

func (r pruneReport) writeJSON(w io.Writer) error {
	type file struct {
		Table string `json:"table"`
		Path  string `json:"path"`
		Rows  int    `json:"rows"`
	}
	out := struct {
		DryRun  bool `json:"dry_run"`
		Cutoffs struct {
			Alerts       time.Time `json:"alerts,omitzero"`
			AlertHistory time.Time `json:"alert_history,omitzero"`
			Audit        time.Time `json:"audit,omitzero"`
		} `json:"removed_before"`
		Pruned  model.Pruned `json:"records"`
		Archive []file       `json:"archive"`
	}{DryRun: r.DryRun, Pruned: r.Pruned, Archive: []file{}}
	out.Cutoffs.Alerts, out.Cutoffs.AlertHistory, out.Cutoffs.Audit = r.Cutoffs.Alerts.UTC(), r.Cutoffs.AlertHistory.UTC(), r.Cutoffs.Audit.UTC()
	for _, f := range r.Files {
		out.Archive = append(out.Archive, file{f.Table, f.Path, f.Rows})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeText is a line per kind of record with its window, its cut-off and
// how many went (or would go), then the archive files.
func (r pruneReport) writeText(w io.Writer, loc *time.Location) {
	window := func(d time.Duration, cut time.Time) string {
		if cut.IsZero() {
			return "kept forever"
		}
		return fmt.Sprintf("before %s (%s)", cut.In(loc).Format("2006-01-02 15:04 MST"), days(d))
	}
	rows := [][2]string{
		{"resolved alerts last seen " + window(r.Retention.Alerts, r.Cutoffs.Alerts), thousands(r.Pruned.Alerts)},
		{"their state changes, and the others " + window(r.Retention.AlertHistory, r.Cutoffs.AlertHistory), thousands(r.Pruned.AlertChanges)},
		{"storms left with no alert", thousands(r.Pruned.Storms)},
		{"records of drop files applied " + window(r.Retention.Alerts, r.Cutoffs.Alerts), thousands(r.Pruned.Drops)},
		{"audit entries " + window(r.Retention.Audit, r.Cutoffs.Audit), thousands(r.Pruned.Audit)},
		{"records in all", thousands(r.Pruned.Total())},
	}
	switch {
	case r.DryRun:
		fmt.Fprintln(w, "hypercare prune: dry run, nothing removed; would go (archived first):")
	case r.Pruned.Total() == 0:
		fmt.Fprintln(w, "hypercare prune: nothing is older than the plan's retention")
		return
	default:
		fmt.Fprintln(w, "hypercare prune: archived, then removed:")
	}
	nameW, countW, pathW := 0, 0, 0
	for _, row := range rows {
		nameW, countW = max(nameW, len(row[0])), max(countW, len(row[1]))
	}
	for _, row := range rows {
		fmt.Fprintf(w, "  %-*s  %*s\n", nameW, row[0], countW, row[1])
	}
	if len(r.Files) > 0 {
		fmt.Fprintln(w, "archive:")
		pathW, countW = 0, 0
		for _, f := range r.Files {
			pathW, countW = max(pathW, len(f.Path)), max(countW, len(thousands(f.Rows)))
		}
		for _, f := range r.Files {
			fmt.Fprintf(w, "  %-*s  %*s\n", pathW, f.Path, countW, thousands(f.Rows))
		}
	}
}

// days writes a whole number of days as "90d", anything else as Go does.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// prunePeriodically prunes what passed the plan's retention now and then
// every interval until ctx ends, into the archive beside the database, on
// the ticks when this process leads the time-driven work (on PostgreSQL
// one process of those sharing the database: database.leading); problem
// receives why the last prune failed, "" once one succeeds.
func prunePeriodically(ctx context.Context, desk *model.Desk, leading func(context.Context) bool, dir string, every time.Duration, problem func(string)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if !leading(ctx) {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				continue
			}
		}
		now := desk.Now()
		arch := store.NewArchive(dir, now)
		_, err := desk.Prune(ctx, model.System, now, model.PruneRun{Archive: arch, Pause: 10 * time.Millisecond})
		arch.Close()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			problem(firstLine(strings.TrimPrefix(err.Error(), "prune ")))
		default:
			problem("")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
