package plan

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long the file must be quiet before it is reloaded: one save
// is often several events (truncate, write, rename), and a half-written file
// must not show up as a broken plan.
const settle = 150 * time.Millisecond

// Watcher watches one plan file and reloads it whenever it changes (Run).
// Making one starts the watch at once, so an edit saved any time after
// NewWatcher returns is seen by Run.
//
// The folder is watched rather than the file because editors save by writing
// a new file and renaming it over the old one, which a watch on the old file
// would not survive.
type Watcher struct {
	w    *fsnotify.Watcher
	path string
}

// NewWatcher starts watching the plan at path.
func NewWatcher(path string) (*Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch plan: %w", err)
	}
	path = filepath.Clean(path)
	if err := w.Add(filepath.Dir(path)); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch plan folder %s: %w", filepath.Dir(path), err)
	}
	return &Watcher{w: w, path: path}, nil
}

// Run reloads the plan on each change until ctx is done, then stops the
// watch. It calls onChange with the new plan, or with nil and the error when
// the edit is bad (the caller keeps its last good plan). It does not load
// the plan at the start; the caller has done that. It returns nil when ctx
// is done.
func (pw *Watcher) Run(ctx context.Context, onChange func(*Plan, error)) error {
	w, path := pw.w, pw.path
	defer w.Close()
	timer := time.NewTimer(settle)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if filepath.Clean(ev.Name) == path && ev.Op != fsnotify.Chmod {
				timer.Reset(settle)
			}
		case _, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow may have hidden an edit; reloading is cheap and safe.
			timer.Reset(settle)
		case <-timer.C:
			onChange(Load(path))
		}
	}
}
