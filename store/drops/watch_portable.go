//go:build !linux

package drops

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// reportsClose: fsnotify does not say when a writer closes a file here, so a
// file written in place is applied once it has been quiet for the settle time.
const reportsClose = false

// watchFolder reports what happens in dir until stop is called.
func watchFolder(dir string) (events <-chan change, errs <-chan error, stop func(), err error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("drop watcher: %w", err)
	}
	if err := fsw.Add(dir); err != nil {
		fsw.Close()
		return nil, nil, nil, fmt.Errorf("watch drop folder %s: %w", dir, err)
	}
	changes, problems := make(chan change), make(chan error)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case ev, ok := <-fsw.Events:
				if !ok {
					return
				}
				c, ok := fsnotifyChange(dir, ev)
				if !ok {
					continue
				}
				select {
				case changes <- c:
				case <-done:
					return
				}
			case err, ok := <-fsw.Errors:
				if !ok {
					return
				}
				if errors.Is(err, fsnotify.ErrEventOverflow) {
					err = errOverflow
				}
				select {
				case problems <- err:
				case <-done:
					return
				}
			}
		}
	}()
	stop = func() {
		close(done)
		fsw.Close()
		<-finished
	}
	return changes, problems, stop, nil
}

// fsnotifyChange translates one fsnotify event. A file renamed in and one
// created in place are both Create here, so both have just appeared.
func fsnotifyChange(dir string, ev fsnotify.Event) (change, bool) {
	if filepath.Clean(ev.Name) == dir {
		return change{op: folderGone}, ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
	}
	name := filepath.Base(ev.Name)
	switch {
	case ev.Has(fsnotify.Create):
		return change{name, appeared}, true
	case ev.Has(fsnotify.Write):
		return change{name, written}, true
	case ev.Has(fsnotify.Remove), ev.Has(fsnotify.Rename):
		return change{name, gone}, true
	}
	return change{}, false
}
