package plan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type reload struct {
	plan *Plan
	err  error
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.toml")
	valid := readFile(t, "testdata/valid.toml")
	named := func(name string) string { return strings.Replace(valid, `"Test shop"`, `"`+name+`"`, 1) }
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(path, named("v0"))

	ctx, cancel := context.WithCancel(context.Background())
	reloads := make(chan reload, 16)
	done := make(chan error, 1)
	go func() {
		done <- watch(ctx, path, func(p *Plan, err error) { reloads <- reload{p, err} })
	}()
	next := func() reload {
		t.Helper()
		select {
		case r := <-reloads:
			return r
		case <-time.After(5 * time.Second):
			t.Fatal("no reload within 5s")
			return reload{}
		}
	}

	// The watcher starts in the background: edit until it reports, so the
	// test does not depend on how long that takes.
	write(path, named("v1"))
	var first reload
	for ok := false; !ok; {
		select {
		case first = <-reloads:
			ok = true
		case <-time.After(300 * time.Millisecond):
			write(path, named("v1"))
		}
	}
	if first.err != nil || first.plan.Hypercare.Service != "v1" || first.plan.Path != path {
		t.Fatalf("good edit: %+v", first)
	}
	drain(reloads)

	// Noise in the folder is ignored.
	write(filepath.Join(dir, "notes.txt"), "x")

	write(path, strings.Replace(valid, `role = "operator"`, `role = "root"`, 1))
	r := next()
	var ce *CheckError
	if r.plan != nil || !errors.As(r.err, &ce) || !strings.Contains(r.err.Error(), "operator[1].role") {
		t.Fatalf("bad edit: %+v", r)
	}

	// Editors save by writing a temporary file and renaming it into place.
	tmp := filepath.Join(dir, ".plan.toml.swp")
	write(tmp, named("v2"))
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if r := next(); r.err != nil || r.plan.Hypercare.Service != "v2" {
		t.Fatalf("rename into place: %+v", r)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Watch returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

// drain empties the channel once the file has been quiet for a while, so
// late events from the start-up writes cannot be taken for the next edit.
func drain(reloads chan reload) {
	for {
		select {
		case <-reloads:
		case <-time.After(2 * settle):
			return
		}
	}
}

func TestWatchMissingFolder(t *testing.T) {
	err := watch(context.Background(), filepath.Join(t.TempDir(), "gone", "plan.toml"), func(*Plan, error) {})
	if err == nil {
		t.Fatal("Watch on a missing folder returned nil")
	}
}

// watch runs a Watcher of path until ctx is done, as the console does.
func watch(ctx context.Context, path string, onChange func(*Plan, error)) error {
	w, err := NewWatcher(path)
	if err != nil {
		return err
	}
	return w.Run(ctx, onChange)
}
