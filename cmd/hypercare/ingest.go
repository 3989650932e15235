package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// runIngest applies drop files named on the command line, as the --as
// operator, through the same safe read and parser as the watcher and the
// same service layer; the files stay where they are. Exit 1 when any file is
// rejected, or applied with some of its alerts refused. File names are printed cleaned of control characters and escape
// sequences, in text and JSON alike: a name is outside text like a payload.
func runIngest(g global, args []string, w io.Writer) error {
	var asJSON bool
	fs := g.flags("ingest")
	fs.BoolVar(&asJSON, "json", false, "")
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("ingest: name at least one drop FILE")
	}
	ctx, a, actor, done, err := openAsOperator(g)
	if err != nil {
		return err
	}
	defer done()
	type outcome struct {
		File     string `json:"file"`
		Format   string `json:"format,omitzero"`
		Rejected string `json:"rejected,omitzero"`
		model.IngestResult
	}
	var results []outcome
	rejected, partly := 0, 0
	for _, file := range files {
		shown := model.Clean(file, false)
		o := outcome{File: shown}
		res, format, err := ingestFile(ctx, a.desk, actor, file)
		if errors.As(err, new(model.ErrForbidden)) {
			// The same for every file: say it once.
			return err
		}
		o.IngestResult, o.Format = res, format
		switch {
		case err != nil:
			o.Rejected = err.Error()
			rejected++
		case len(res.Refused) > 0:
			partly++
		}
		results = append(results, o)
		if !asJSON {
			switch {
			case err != nil:
				fmt.Fprintf(w, "%s: rejected: %v\n", shown, err)
			case res.Duplicate:
				fmt.Fprintf(w, "%s: already applied (same content), nothing changed\n", shown)
			case format == drops.FormatDeploy:
				for _, d := range res.Deploys {
					fmt.Fprintf(w, "%s: ok, deploy, %s %s: %s\n", shown, d.Ref(), d.Describe(), d.Note)
				}
			case format == drops.FormatHeartbeat:
				for _, r := range res.Runs {
					fmt.Fprintf(w, "%s: ok, heartbeat, %s run %s: %s\n", shown, r.Job, r.RunID, r.Describe(a.plan.Plan().Location()))
				}
			default:
				fmt.Fprintf(w, "%s: ok, %s, %d alert(s): %d new, %d changed state%s\n", shown, format, res.Alerts, res.New, res.Changed, incidentsNote(res.Incidents))
			}
			for _, r := range res.Refused {
				fmt.Fprintf(w, "%s: refused alert %s: %s\n", r.Where, cmp.Or(r.Name, r.Key, "?"), r.Reason)
			}
		}
	}
	if asJSON {
		if err := writeJSON(w, results); err != nil {
			return err
		}
	}
	switch {
	case rejected > 0 && partly > 0:
		return fmt.Errorf("%d of %d file(s) rejected, %d applied with alerts refused", rejected, len(files), partly)
	case rejected > 0:
		return fmt.Errorf("%d of %d file(s) rejected", rejected, len(files))
	case partly > 0:
		return fmt.Errorf("%d of %d file(s) applied with alerts refused", partly, len(files))
	}
	return nil
}

func incidentsNote(refs []string) string {
	if len(refs) == 0 {
		return ""
	}
	return "; incidents " + strings.Join(refs, ", ")
}

// ingestFile reads, parses and applies one file as actor, by the path the
// watcher uses for a drop (drops.ReadFile, then drops.Apply, part by part): a FIFO, device or link is
// refused, never opened or read. The format is "" when the file was not
// parsed.
func ingestFile(ctx context.Context, desk *model.Desk, actor model.Actor, path string) (model.IngestResult, string, error) {
	lim := drops.DefaultLimits()
	data, err := drops.ReadFile(path, lim)
	if err != nil {
		return model.IngestResult{}, "", err
	}
	got, err := drops.Apply(ctx, desk, actor, filepath.Base(path), data, lim, desk.Now(), nil)
	return got.IngestResult, got.Format, err
}

// openAsOperator opens the database and plan for a command that writes as
// the --as operator; done closes them.
func openAsOperator(g global) (context.Context, *app, model.Actor, func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, g.db, g.plan)
	if err != nil {
		cancel()
		return nil, nil, model.Actor{}, nil, err
	}
	done := func() { a.db.Close(); cancel() }
	actor, err := actorFor(a.plan.Plan(), g.as)
	if err != nil {
		done()
		return nil, nil, model.Actor{}, nil, err
	}
	return ctx, a, actor, done, nil
}
