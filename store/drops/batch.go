package drops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// When the ingester can apply several drops in one transaction
// (model.BatchIngester, as model.Desk does), the watcher works as a
// pipeline of two goroutines: a reader takes the ready files off the queue,
// reads and parses them, and hands them over in batches; the worker applies
// each batch in one transaction and then moves its files. While the worker
// applies one batch, the reader parses the next, so the two cores share
// the work. A batch is one file when files come one at a time, and up to
// maxBatchFiles files (or a part's worth of alerts, Limits.MaxBatch) when
// they queue up, so a burst pays for one commit per batch, not per file.
//
// Each file keeps the guarantees it has alone: it leaves the drop folder
// only after the transaction that applied it committed (a crash before
// leaves it to be applied again, where its recorded hash makes it a
// duplicate), and a file whose content is at fault is undone alone
// (model.ErrInvalidDrop) and rejected, while the rest of its batch is
// applied. Files that cannot share a transaction (a payload of several
// parts, a deploy or heartbeat drop) are applied alone in their turn.
const maxBatchFiles = 100

// prepKind says what the reader found a file to be.
type prepKind uint8

const (
	prepApply    prepKind = iota // one part of alerts: applied with the batch
	prepAlone                    // applied alone, through Watcher.apply
	prepReject                   // rejected without applying: prepared.why says why
	prepChanging                 // still being written: back to the queue
)

// prepared is one file the reader read and parsed.
type prepared struct {
	kind   prepKind
	name   string
	seen   uint64 // Watcher.noted before the look that found it
	how    readiness
	res    Result
	start  time.Time
	before os.FileInfo
	drop   model.Drop
	why    error
}

// prepare reads and parses the drop called name, as Apply does up to the
// ingest, and says what is to become of it.
func (in *Intake) prepare(ctx context.Context, name string) prepared {
	start := in.now()
	p := prepared{kind: prepAlone, name: name, start: start, res: Result{File: model.Clean(name, false), At: start}}
	if name != filepath.Base(name) || name == "." || name == ".." {
		return p // Apply says what is wrong with it
	}
	lim := in.Limits.orDefault()
	before, data, err := readDrop(in.Dir, name, lim.MaxBytes)
	p.before = before
	switch {
	case errors.Is(err, fs.ErrPermission):
		p.kind, p.why = prepReject, fmt.Errorf("%s: cannot read the file: %w", p.res.File, fs.ErrPermission)
		return p
	case errors.Is(err, errTooBig):
		p.kind, p.why = prepReject, tooBig(p.res.File, before.Size(), lim.MaxBytes)
		return p
	case err != nil:
		return p // gone, or worth a retry: Apply's loop sees to it
	}
	var parts []Batch
	err = ParseEach(name, data, lim, func(b Batch) error {
		parts = append(parts, b)
		return nil
	})
	var pe *ParseError
	switch {
	case errors.As(err, &pe) && len(parts) == 0:
		// As in Apply: only a file that has stopped changing is broken.
		if !in.settled(ctx, filepath.Join(in.Dir, name), before) {
			p.kind = prepChanging
			return p
		}
		p.kind, p.why = prepReject, err
		return p
	case err != nil, len(parts) != 1, parts[0].Format == FormatDeploy, parts[0].Format == FormatHeartbeat:
		return p // parts, a deploy or heartbeats, or a broken part after good ones
	}
	if in.written != nil && in.written(name) {
		p.kind = prepChanging
		return p
	}
	p.kind, p.res.Format = prepApply, parts[0].Format
	p.drop = toDrop(name, hashOf(data), 0, parts[0])
	p.drop.Received = start
	return p
}

// read is the reader: it takes ready files off the queue, prepares them,
// and hands them to the worker in batches, until ctx ends.
func (w *Watcher) read(ctx context.Context, out chan<- []prepared) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	limit := w.cfg.Limits.orDefault().MaxBatch
	for {
		var batch []prepared
		events := 0
		var wait time.Duration
		for len(batch) < maxBatchFiles && events < limit {
			var name string
			var how readiness
			name, how, wait = w.queue.next(w.cfg.Now(), w.cfg.Settle)
			if name == "" {
				break
			}
			p, ok := w.look(ctx, name, how)
			if !ok {
				w.queue.done()
				continue
			}
			batch = append(batch, p)
			events += len(p.drop.Events)
		}
		if len(batch) > 0 {
			select {
			case out <- batch:
			case <-ctx.Done():
				return
			}
			continue
		}
		var tick <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-w.queue.wake:
		case <-tick:
		}
		timer.Stop()
	}
}

// look checks the entry called name as Watcher.apply does before applying
// it, and prepares it if it is a drop ready to read.
func (w *Watcher) look(ctx context.Context, name string, how readiness) (prepared, bool) {
	seen := w.noted()
	info, err := os.Lstat(filepath.Join(w.cfg.Dir, name))
	if err != nil {
		return prepared{}, false // gone: applied already, or taken back
	}
	if !info.Mode().IsRegular() {
		w.ignore(name, kindOf(info.Mode()))
		return prepared{}, false
	}
	switch w.unfinished(info, how) {
	case later:
		w.queue.again(name, w.cfg.Now())
		return prepared{}, false
	case leave:
		return prepared{}, false
	}
	p := w.intake.prepare(ctx, name)
	p.how, p.seen = how, seen
	return p, true
}

// applyBatch applies a batch in order: runs of files that share a
// transaction together, the others each in its turn.
func (w *Watcher) applyBatch(ctx context.Context, bi model.BatchIngester, batch []prepared) {
	defer func() {
		for range batch {
			w.queue.done()
		}
	}()
	var run []prepared
	for _, p := range batch {
		if p.kind == prepApply {
			run = append(run, p)
			continue
		}
		if !w.applyRun(ctx, bi, run) {
			return
		}
		run = nil
		switch p.kind {
		case prepAlone:
			w.apply(ctx, p.name, p.how)
		case prepReject:
			res, err := w.intake.finish(p.res, p.name, p.start, p.before, RejectedDir, p.why)
			w.settle(ctx, p, res, err)
		case prepChanging:
			w.queue.again(p.name, w.cfg.Now())
		}
		if ctx.Err() != nil {
			return
		}
	}
	w.applyRun(ctx, bi, run)
}

// applyRun applies files in one transaction, retrying with backoff while
// the failure is not the files' fault, then moves each out of the drop
// folder. It reports false when ctx ended first: the files stay.
func (w *Watcher) applyRun(ctx context.Context, bi model.BatchIngester, run []prepared) bool {
	if len(run) == 0 {
		return true
	}
	ds := make([]model.Drop, len(run))
	for i, p := range run {
		ds[i] = p.drop
	}
	backoff := w.cfg.RetryMin
	var got []model.IngestResult
	var bad []error
	for {
		var err error
		got, bad, err = bi.IngestAll(ctx, w.intake.actor(), ds)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return false // the files stay for the next run
		}
		err = fmt.Errorf("ingest %d drops from %s (first %s): %w", len(run), model.Clean(w.cfg.Dir, false), run[0].res.File, err)
		w.setRetrying(err)
		w.logf("%v; retrying in %v", err, backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			w.setRetrying(nil)
			return false
		case <-t.C:
		}
		backoff = min(2*backoff, w.cfg.RetryMax)
	}
	w.setRetrying(nil)
	for i, p := range run {
		res, sub, why := p.res, ProcessedDir, bad[i]
		if why != nil {
			sub = RejectedDir
		} else {
			g := got[i]
			res.Alerts, res.New, res.Changed = g.Alerts, g.New, g.Changed
			res.Incidents, res.Duplicate, res.Refused = g.Incidents, g.Duplicate, g.Refused
		}
		res, err := w.intake.finish(res, p.name, p.start, p.before, sub, why)
		w.settle(ctx, p, res, err)
	}
	return ctx.Err() == nil
}

// settle records what became of a prepared file once finish moved it, or
// sees to it when finish could not.
func (w *Watcher) settle(ctx context.Context, p prepared, res Result, err error) {
	switch {
	case err == nil:
		w.forget(p.name, p.seen)
		w.record(res)
	case errors.Is(err, ErrChanging):
		w.queue.again(p.name, w.cfg.Now())
	default:
		// The move failed: Apply's loop retries it with backoff (its
		// content is applied already, so it finds a duplicate and moves it).
		w.logf("%v", err)
		w.apply(ctx, p.name, readyWhole)
	}
}
