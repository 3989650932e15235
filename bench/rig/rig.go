// Package rig runs hypercare's real intake for the benchmarks: a store, the
// service layer with the example plan, and a drop watcher on a folder that
// files are renamed into, as producers are told to. Nothing is called
// directly that a producer would not reach through the folder.
package rig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/drops"
)

// Plan is the example plan, the one the demo and the docs use.
func Plan() (*plan.Plan, error) { return plan.Parse("examples/plan.toml", examples.Plan) }

// Store is a database the rig runs on: SQLite (store) or PostgreSQL (store/pg).
type Store interface {
	model.Store
	Close() error
}

// Rig is an open database with a watcher applying its drop folder.
type Rig struct {
	DB      Store
	Desk    *model.Desk
	Watcher *drops.Watcher
	Dir     string // the drop folder
	stage   string // where files are written before they are renamed in

	mu      sync.Mutex
	results []drops.Result
	applied map[string]time.Time // when each file's result came, by name
	arrived chan struct{}        // capacity 1: a result came

	stop func() error
}

// Start opens (or creates) the database at dbPath and watches root/drops.
// now, if not nil, is the service layer's clock.
func Start(ctx context.Context, dbPath, root string, now func() time.Time) (*Rig, error) {
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return nil, err
	}
	return StartOn(ctx, db, root, now)
}

// StartOn is Start on a database already open, which the rig closes.
func StartOn(ctx context.Context, db Store, root string, now func() time.Time) (*Rig, error) {
	p, err := Plan()
	if err != nil {
		db.Close()
		return nil, err
	}
	desk := model.NewDesk(db, p)
	if now != nil {
		desk.Now = now
	}
	if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
		db.Close()
		return nil, err
	}
	r := &Rig{DB: db, Desk: desk, Dir: filepath.Join(root, "drops"), stage: filepath.Join(root, "stage"), arrived: make(chan struct{}, 1)}
	if err := os.MkdirAll(r.stage, 0o755); err != nil {
		db.Close()
		return nil, err
	}
	r.Watcher, err = drops.NewWatcher(drops.Config{Dir: r.Dir, Ingester: desk, KeepProcessed: -1, OnResult: r.note,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, "  watcher: "+format+"\n", args...) }})
	if err != nil {
		db.Close()
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Watcher.Run(wctx) }()
	r.stop = func() error { cancel(); return <-done }
	for !r.Watcher.Status().Watching {
		select {
		case err := <-done:
			cancel()
			db.Close()
			return nil, fmt.Errorf("drop watcher: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	return r, nil
}

func (r *Rig) note(res drops.Result) {
	r.mu.Lock()
	r.results = append(r.results, res)
	if r.applied == nil {
		r.applied = map[string]time.Time{}
	}
	r.applied[res.File] = time.Now()
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}:
	default:
	}
}

// AppliedAt is when the watcher reported the file named name applied (or
// rejected); zero before then. A step on the way to visible, for
// benchmarks that split a latency.
func (r *Rig) AppliedAt(name string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied[name]
}

// Close stops the watcher and closes the database.
func (r *Rig) Close() error {
	return errors.Join(r.stop(), r.DB.Close())
}

// File is one drop: a name and its bytes.
type File struct {
	Name string
	Data []byte
}

// Stage writes files where they wait to be renamed in.
func (r *Rig) Stage(files []File) error {
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(r.stage, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Burst renames staged files into the drop folder as fast as it can and
// waits until the watcher has applied (or rejected) every one of them. It
// returns the time from the first rename to the last result, and the results.
func (r *Rig) Burst(files []File, within time.Duration) (time.Duration, []drops.Result, error) {
	r.mu.Lock()
	r.results = r.results[:0]
	clear(r.applied)
	r.mu.Unlock()
	start := time.Now()
	for _, f := range files {
		if err := os.Rename(filepath.Join(r.stage, f.Name), filepath.Join(r.Dir, f.Name)); err != nil {
			return 0, nil, err
		}
	}
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		n := len(r.results)
		r.mu.Unlock()
		if n >= len(files) {
			break
		}
		select {
		case <-r.arrived:
		case <-deadline.C:
			return 0, nil, fmt.Errorf("%d of %d files applied after %v", n, len(files), within)
		}
	}
	took := time.Since(start)
	r.mu.Lock()
	out := append([]drops.Result(nil), r.results...)
	r.mu.Unlock()
	for _, res := range out {
		if res.Rejected != nil {
			return took, out, fmt.Errorf("%s rejected: %v", res.File, res.Rejected)
		}
	}
	return took, out, nil
}

// Copy copies a database file (closed cleanly, so without a WAL) to a new
// path, for a run that must start from the same stored data as the others.
func Copy(from, to string) error {
	os.Remove(to + "-wal")
	os.Remove(to + "-shm")
	if _, err := os.Stat(from + "-wal"); err == nil {
		return fmt.Errorf("%s has a WAL: it was not closed cleanly", from)
	}
	// cp uses copy_file_range, much faster than a read-write loop here.
	if out, err := exec.Command("cp", from, to).CombinedOutput(); err != nil {
		return fmt.Errorf("copy %s: %v %s", from, err, out)
	}
	// The copy is written back to the disk now, not by the first fsync
	// of the run (SQLite's first checkpoint), which would otherwise time
	// the writeback of the whole file: 0.4 s for a 1 GB copy here, and
	// more or less of it depending on how much the kernel had flushed by
	// then. A database in use has no such backlog.
	f, err := os.OpenFile(to, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return f.Close()
}

// Machine describes where a figure was measured: CPU, cores, Go and the
// load average at the moment (other work on the machine skews every figure).
func Machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s, %s", cpu, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().Format("2006-01-02 15:04"))
}

// Load is the 1, 5 and 15 minute load averages, as uptime prints them.
func Load() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "load unknown"
	}
	return "load " + strings.Join(f[:3], " ")
}

// Upgrade brings a stored base up to this binary's schema and waits until
// its alert text index has caught up, then closes it cleanly. A base built
// by an older binary would otherwise be migrated in every run's copy, and
// the index rebuilt behind the measurement, holding the writer a batch at a
// time: the runs would time the upgrade, not the intake. Call it once,
// before the runs copy the base.
func Upgrade(ctx context.Context, path string) error {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return fmt.Errorf("upgrade %s: %w", path, err)
	}
	start := time.Now()
	for {
		left, err := db.AlertTextBacklog(ctx)
		if err != nil {
			db.Close()
			return fmt.Errorf("upgrade %s: %w", path, err)
		}
		if left <= 0 {
			break
		}
		if time.Since(start) > 30*time.Minute {
			db.Close()
			return fmt.Errorf("upgrade %s: the alert text index still has %d alerts to read after 30 minutes", path, left)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if took := time.Since(start); took > time.Second {
		fmt.Printf("upgraded %s (schema %d, text index caught up) in %s\n", path, store.SchemaVersion, took.Round(time.Second))
	}
	return db.Close()
}
