package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// runIngest applies drop files named on the command line through the same
// parser and service layer as the watcher; the files stay where they are.
// Exit 1 when any file is rejected.
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, g.db, g.plan)
	if err != nil {
		return err
	}
	defer a.db.Close()
	type outcome struct {
		File     string `json:"file"`
		Format   string `json:"format,omitzero"`
		Rejected string `json:"rejected,omitzero"`
		model.IngestResult
	}
	var results []outcome
	rejected := 0
	for _, file := range files {
		o := outcome{File: file}
		res, format, err := ingestFile(ctx, a.desk, file)
		o.IngestResult, o.Format = res, format
		if err != nil {
			o.Rejected = err.Error()
			rejected++
		}
		results = append(results, o)
		if !asJSON {
			switch {
			case err != nil:
				fmt.Fprintf(w, "%s: rejected: %v\n", file, err)
			case res.Duplicate:
				fmt.Fprintf(w, "%s: already applied (same content), nothing changed\n", file)
			default:
				fmt.Fprintf(w, "%s: ok, %s, %d alert(s): %d new, %d changed state%s\n", file, format, res.Alerts, res.New, res.Changed, incidentsNote(res.Incidents))
			}
		}
	}
	if asJSON {
		if err := writeJSON(w, results); err != nil {
			return err
		}
	}
	if rejected > 0 {
		return fmt.Errorf("%d of %d file(s) rejected", rejected, len(files))
	}
	return nil
}

func incidentsNote(refs []string) string {
	if len(refs) == 0 {
		return ""
	}
	return "; incidents " + strings.Join(refs, ", ")
}

// ingestFile parses and applies one file.
func ingestFile(ctx context.Context, desk *model.Desk, path string) (model.IngestResult, string, error) {
	lim := drops.DefaultLimits()
	info, err := os.Stat(path)
	if err != nil {
		return model.IngestResult{}, "", err
	}
	if info.Size() > int64(lim.MaxBytes) {
		return model.IngestResult{}, "", fmt.Errorf("%d bytes is over the %d-byte limit for one drop; split it", info.Size(), lim.MaxBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return model.IngestResult{}, "", err
	}
	b, err := drops.Parse(filepath.Base(path), data, lim)
	if err != nil {
		return model.IngestResult{}, "", err
	}
	res, err := desk.Ingest(ctx, model.System, drops.ToDrop(filepath.Base(path), data, b))
	return res, b.Format, err
}
