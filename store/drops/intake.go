package drops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Sub-folders of the drop folder. They must be on the drop folder's file
// system so that moving a file there is one atomic rename.
const (
	ProcessedDir = "processed"
	RejectedDir  = "rejected"
)

// ErrChanging means a drop changed while it was being applied: its sender is
// still writing it in place. The file stays where it is, to be applied whole
// once it has been quiet for a while.
var ErrChanging = errors.New("the file changed while it was read: its sender is still writing it")

// Result says what became of one drop file. Its texts are cleaned of control
// characters and escape sequences (a file name is as much outside text as a
// payload), so they are safe to show.
type Result struct {
	File      string   // the name it was dropped under
	Format    string   // detected format; "" when rejected before it was known
	Alerts    int      // events applied
	New       int      // alerts seen for the first time
	Changed   int      // alerts whose state changed
	Incidents []string // incidents opened or updated by routes
	Duplicate bool     // the same bytes were applied before; nothing changed
	// Refused are alerts of an applied drop that could not be taken; the
	// file then has a .error sidecar in processed/ saying which and why.
	Refused []model.RefusedAlert
	// Deploys are a deploy drop's deploys as recorded: the change each
	// moved, or that it is unauthorised.
	Deploys []model.Deploy
	// Runs are a heartbeat drop's job runs as recorded.
	Runs     []model.JobRun
	Rejected error  // why the file was rejected (usually a *ParseError); nil when applied
	MovedTo  string // where the file is now, relative to the drop folder; "" if it was replaced meanwhile
	At       time.Time
	Took     time.Duration
}

// Intake applies drop files from one drop folder: read, parse, ingest in one
// transaction, then move the file to processed/ or, with a .error sidecar, to
// rejected/. A file leaves the drop folder only once its fate is final, so a
// crash at any point loses nothing: the ingester records each file's SHA-256
// in the same transaction as its alerts, and the next attempt finds a
// duplicate and only moves the file.
type Intake struct {
	Dir      string // the drop folder
	Limits   Limits
	Actor    model.Actor // who the writes are audited as; zero means model.System
	Ingester model.Ingester
	// Quiet is how long a file that fails to parse must have been unchanged
	// before it is rejected, so that a sender still writing it in place is
	// not mistaken for a broken one. Zero means 50 ms.
	Quiet time.Duration
	Now   func() time.Time // nil means time.Now

	// written, set by the Watcher, reports whether the file has been
	// written to (or is open for writing) since the watcher took it: a
	// sender writing in place may pause between lines, leaving a prefix
	// that parses.
	written func(name string) bool
}

// Apply applies the file called name in the drop folder.
//
// It returns a nil error once the file is out of the drop folder: applied (or
// a duplicate) and moved to processed/, or rejected and moved to rejected/;
// Result says which. Any other outcome leaves the file where it is: an error
// satisfying errors.Is(err, fs.ErrNotExist) means it is gone (its sender took
// it back, or it was applied already); ErrChanging means it is still being
// written; anything else (the database is locked or closed, ctx is done) is
// worth retrying later.
func (in *Intake) Apply(ctx context.Context, name string) (Result, error) {
	start := in.now()
	res := Result{File: model.Clean(name, false), At: start}
	if name != filepath.Base(name) || name == "." || name == ".." {
		return res, fmt.Errorf("apply drop %q: not a file name in the drop folder", res.File)
	}
	lim := in.Limits.orDefault()
	before, data, err := readDrop(in.Dir, name, lim.MaxBytes)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return in.finish(res, name, start, before, RejectedDir, fmt.Errorf("%s: cannot read the file: %w", res.File, fs.ErrPermission))
	case errors.Is(err, errTooBig):
		return in.finish(res, name, start, before, RejectedDir, tooBig(res.File, before.Size(), lim.MaxBytes))
	case err != nil:
		return res, fmt.Errorf("apply drop %s: %w", res.File, err)
	}

	parsed := false
	got, err := Apply(ctx, in.Ingester, in.actor(), name, data, lim, start, func(string) error {
		parsed = true
		if in.written != nil && in.written(name) {
			return ErrChanging
		}
		return nil
	})
	res.Format = got.Format
	var pe *ParseError
	switch {
	case errors.As(err, &pe) && !parsed:
		// A half-written file fails to parse; only a file that has stopped
		// changing is really broken.
		if !in.settled(ctx, filepath.Join(in.Dir, name), before) {
			return res, fmt.Errorf("apply drop %s: %w", res.File, ErrChanging)
		}
		return in.finish(res, name, start, before, RejectedDir, err)
	case errors.As(err, &pe), errors.Is(err, model.ErrInvalidDrop):
		// The content is at fault, not the database: retrying cannot help.
		return in.finish(res, name, start, before, RejectedDir, err)
	case errors.Is(err, ErrChanging):
		return res, fmt.Errorf("apply drop %s: %w", res.File, ErrChanging)
	case err != nil:
		return res, fmt.Errorf("ingest drop %s: %w", res.File, err)
	}
	res.Alerts, res.New, res.Changed = got.Alerts, got.New, got.Changed
	res.Incidents, res.Duplicate, res.Refused, res.Deploys, res.Runs = got.Incidents, got.Duplicate, got.Refused, got.Deploys, got.Runs
	return in.finish(res, name, start, before, ProcessedDir, nil)
}

// finish moves the drop called name out of the drop folder: to processed/,
// or to rejected/ with a sidecar saying why. before is the file as it was
// read (nil if it could not be opened); the move happens only if that is
// still the file under this name, unchanged.
func (in *Intake) finish(res Result, name string, start time.Time, before os.FileInfo, sub string, why error) (Result, error) {
	res.Rejected = why
	if before != nil {
		switch now, err := os.Lstat(filepath.Join(in.Dir, name)); {
		case errors.Is(err, fs.ErrNotExist):
			// Gone before the move: its sender took it back. What was applied
			// stays applied, exactly as if the move had happened.
			res.Took = in.now().Sub(start)
			return res, nil
		case err != nil:
			return res, fmt.Errorf("apply drop %s: %w", res.File, err)
		case !now.Mode().IsRegular() || !os.SameFile(before, now):
			// A new drop of the same name was renamed over this one
			// meanwhile, or something that is no drop (a link, a FIFO;
			// perhaps under the inode number the drop had): leave the
			// newcomer for its own turn.
			res.Took = in.now().Sub(start)
			return res, nil
		case now.Size() != before.Size() || !now.ModTime().Equal(before.ModTime()),
			in.written != nil && in.written(name):
			// Written in place and still growing, so what was read is a
			// prefix. Applying the whole file once it is quiet repeats those
			// alerts' states, which is harmless; moving it now would lose the
			// rest.
			return res, fmt.Errorf("apply drop %s: %w", res.File, ErrChanging)
		}
	}
	note := ""
	switch {
	case why != nil:
		note = sidecar(res.File, why, start)
	case len(res.Refused) > 0:
		note = refusedSidecar(res.File, res.Refused, start)
	}
	dst, err := in.move(name, sub, note, before)
	if err != nil {
		return res, err
	}
	res.MovedTo = model.Clean(dst, false)
	res.Took = in.now().Sub(start)
	return res, nil
}

// settled waits until the file at path has been unchanged for Quiet and
// reports whether it is still the file before describes, as it was read.
func (in *Intake) settled(ctx context.Context, path string, before os.FileInfo) bool {
	quiet := in.Quiet
	if quiet <= 0 {
		quiet = 50 * time.Millisecond
	}
	// The wait is capped at Quiet so that a clock skewed into the future
	// cannot hold the worker up.
	wait := min(quiet-in.now().Sub(before.ModTime()), quiet)
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	after, err := os.Lstat(path)
	return err == nil && os.SameFile(before, after) && after.Size() == before.Size() && after.ModTime().Equal(before.ModTime())
}

// sidecar is the text of a rejected drop's .error file. It is read by whoever
// runs the sender, so it starts with the compiler-style line that tools can
// grep, then spells out each part and what to do next.
func sidecar(name string, why error, at time.Time) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\n", why)
	var pe *ParseError
	if errors.As(why, &pe) {
		fmt.Fprintf(&b, "file:     %s\n", pe.File)
		if pe.Offset >= 0 {
			fmt.Fprintf(&b, "where:    line %d, column %d (byte offset %d)\n", pe.Line, pe.Column, pe.Offset)
		} else {
			fmt.Fprintf(&b, "where:    the file as a whole\n")
		}
		if pe.Field != "" {
			fmt.Fprintf(&b, "field:    %s\n", pe.Field)
		}
		fmt.Fprintf(&b, "problem:  %s\n", pe.Reason)
	} else {
		fmt.Fprintf(&b, "file:     %s\nproblem:  %s\n", name, strings.TrimPrefix(why.Error(), name+": "))
	}
	fmt.Fprintf(&b, "rejected: %s — nothing in the file was applied\n\n", at.UTC().Format(time.RFC3339))
	if pe != nil || errors.Is(why, model.ErrInvalidDrop) {
		b.WriteString("What to do: fix the payload and drop it again (write it elsewhere, then rename it into the drop folder).\n" +
			"The accepted formats, their fields and limits: run 'hypercare formats'.\n")
	} else {
		b.WriteString("What to do: make the file readable by the user hypercare runs as, then drop it again.\n")
	}
	return b.String()
}

// refusedSidecar is the .error beside a drop applied in part, in
// processed/: which alerts were refused and why, for whoever runs the sender.
func refusedSidecar(name string, refused []model.RefusedAlert, at time.Time) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %d alert(s) refused; the rest of the file was applied %s\n\n", name, len(refused), at.UTC().Format(time.RFC3339))
	for _, r := range refused {
		fmt.Fprintf(&b, "%s: %s\n", r.Where, r.Reason)
		switch {
		case r.Name != "" && r.Key != "":
			fmt.Fprintf(&b, "    alert %s (key %s)\n", r.Name, r.Key)
		case r.Name != "" || r.Key != "":
			fmt.Fprintf(&b, "    alert %s\n", r.Name+r.Key)
		}
	}
	b.WriteString("\nWhat to do: fix the sender; each refused alert also stands in the console's feed as AlertRefused until its sender stops sending it.\n" +
		"The accepted formats, their fields and limits: run 'hypercare formats'.\n")
	return b.String()
}

func (in *Intake) actor() model.Actor {
	if in.Actor == (model.Actor{}) {
		return model.System
	}
	return in.Actor
}

func (in *Intake) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}
