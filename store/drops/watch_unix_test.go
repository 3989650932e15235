//go:build unix

package drops

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// outsideFile is a valid drop outside the drop folder, with an old mtime:
// reading it would ingest its content, re-timing it would change the mtime.
func outsideFile(t *testing.T) (path, sum string, mtime time.Time) {
	t.Helper()
	data := `{"key":"OUTSIDE","status":"firing","summary":"read from outside the drop folder","labels":{"probe":"outside"}}` + "\n"
	path = writeDrop(t, t.TempDir(), "outside.json", data)
	mtime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte(data))
	return path, hex.EncodeToString(h[:]), mtime
}

// untouched fails the test if the file outside the folder was moved,
// re-timed or ingested.
func untouched(t *testing.T, path, sum string, mtime time.Time, fake *fakeIngester) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("the file outside the folder was moved: %v", err)
	}
	if !info.ModTime().Equal(mtime) {
		t.Errorf("the file outside the folder was re-timed: %v, was %v", info.ModTime(), mtime)
	}
	for _, d := range fake.drops() {
		if d.SHA256 == sum {
			t.Errorf("the file outside the folder was read and ingested as %s", d.Name)
		}
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatcherSwaps: while the watcher runs, a sender swaps a drop, a FIFO
// and a link to a file outside the folder in under one name, over and over
// as fast as it can, so that some swaps land between the watcher's looks and
// its reads. The watcher never blocks (the drops renamed in meanwhile are all
// applied) and never reads, moves or re-times the file outside.
func TestWatcherSwaps(t *testing.T) {
	outside, sum, mtime := outsideFile(t)
	lw := startWatcher(t, nil, nil)
	swap := filepath.Join(lw.dir, "swap.json")
	stop, stopped := make(chan struct{}), make(chan error, 1)
	stopSwapping := sync.OnceValue(func() error {
		close(stop)
		return <-stopped
	})
	t.Cleanup(func() { stopSwapping() }) // also when the test fails early
	var swaps atomic.Int64
	go func() {
		stopped <- func() error {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return nil
				default:
				}
				regular := filepath.Join(lw.stage, "swap.json")
				if err := os.WriteFile(regular, fmt.Appendf(nil, firing, i, i, i), 0o644); err != nil {
					return err
				}
				fifo, link := filepath.Join(lw.stage, "fifo"), filepath.Join(lw.stage, "link")
				if err := syscall.Mkfifo(fifo, 0o644); err != nil {
					return err
				}
				if err := os.Symlink(outside, link); err != nil {
					return err
				}
				for _, from := range []string{regular, fifo, link} {
					if err := os.Rename(from, swap); err != nil {
						return err
					}
				}
				swaps.Add(1)
			}
		}()
	}()
	// At least 40 drops, and at least 500 rounds of swaps meanwhile.
	for i := 0; i < 40 || swaps.Load() < 500; i++ {
		lw.dropIn(t, fmt.Sprintf("after-%02d.json", i), fmt.Sprintf(firing, 1000000+i, i, i))
		waitFor(t, fmt.Sprintf("after-%02d.json applied", i), func() bool {
			_, err := os.Stat(filepath.Join(lw.dir, ProcessedDir, fmt.Sprintf("after-%02d.json", i)))
			return err == nil
		})
	}
	if err := stopSwapping(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rounds of swaps", swaps.Load())
	// Once the watcher is done with whatever is left, the last link swapped
	// in is where the sender put it (it may have been moved by a rename that
	// lost the race, then put back), and it is noted.
	waitFor(t, "the watcher done with the last link", func() bool {
		s := lw.Status()
		info, err := os.Lstat(swap)
		return s.Queue == 0 && s.Ignored == 1 && s.LastIgnored.Kind == "symbolic link" &&
			err == nil && info.Mode()&os.ModeSymlink != 0
	})
	untouched(t, outside, sum, mtime, lw.fake)
}

// TestWatcherLeavesOddEntriesAlone: a directory, a FIFO, a socket and a
// device in the drop folder are left where they are, never opened, each
// logged once however many events they cause, and counted in Status.
func TestWatcherLeavesOddEntriesAlone(t *testing.T) {
	lw := startWatcher(t, func(dir string) {
		// Found by the startup scan rather than by an event.
		if err := os.Mkdir(filepath.Join(dir, "a-directory"), 0o755); err != nil {
			t.Fatal(err)
		}
	}, nil)
	odd := []string{"a-directory", "a-fifo", "a-socket"}
	fifo := filepath.Join(lw.dir, "a-fifo")
	mkfifo(t, fifo)
	ln, err := net.Listen("unix", filepath.Join(lw.dir, "a-socket"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// A character device like /dev/null, where the system lets us make one.
	device := filepath.Join(lw.dir, "a-device")
	if err := syscall.Mknod(device, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		odd = append(odd, "a-device")
	} else {
		t.Logf("no device node (%v): checking the others", err)
		device = ""
	}
	waitFor(t, "every odd entry noted", func() bool { return lw.Status().Ignored == len(odd) })

	// More events on the same entries: written to and closed, again and again.
	for range 5 {
		for _, path := range []string{fifo, device} {
			if path == "" {
				continue
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Logf("open %s: %v", path, err)
				continue
			}
			f.WriteString("x\n")
			f.Close()
		}
	}
	// Their events came before this drop's, so once it is applied the
	// watcher has looked at every one of them.
	lw.dropIn(t, "after.json", fmt.Sprintf(firing, 1, 1, 1))
	if s := lw.waitDone(t, 1); s.Processed != 1 || s.Rejected != 0 || s.Ignored != len(odd) {
		t.Errorf("status = %+v", s)
	}
	for _, name := range odd {
		if lines := lw.logged(name); len(lines) != 1 {
			t.Errorf("%s logged %d times, want once: %q", name, len(lines), lines)
		}
		if _, err := os.Lstat(filepath.Join(lw.dir, name)); err != nil {
			t.Errorf("%s was not left where it was: %v", name, err)
		}
	}
	if line := lw.logged("a-fifo"); len(line) == 1 && !strings.Contains(line[0], "is a named pipe (FIFO), not a regular file: left where it is") {
		t.Errorf("log line = %q", line[0])
	}

	// Gone and back is a new entry, reported afresh.
	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, fifo)
	waitFor(t, "the new FIFO noted", func() bool { return len(lw.logged("a-fifo")) == 2 })
}

// TestWatcherHardLinkIn: a file linked into the folder is never written
// there, so no writer's close ever comes; it is applied once quiet.
func TestWatcherHardLinkIn(t *testing.T) {
	lw := startWatcher(t, nil, func(c *Config) { c.Settle = 10 * time.Millisecond })
	staged := writeDrop(t, lw.stage, "linked.json", fmt.Sprintf(firing, 1, 1, 1))
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(staged, old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(staged, filepath.Join(lw.dir, "linked.json")); err != nil {
		t.Fatal(err)
	}
	lw.waitDone(t, 1)
	mustExist(t, filepath.Join(lw.dir, ProcessedDir, "linked.json"))
}

// TestIntakeSwapDuringApply: the drop is swapped for a link to a file
// outside the folder while it is being applied. What was read is applied;
// the link is neither followed nor moved.
func TestIntakeSwapDuringApply(t *testing.T) {
	outside, sum, mtime := outsideFile(t)
	fake := newFake()
	in := newIntake(t, fake)
	path := writeDrop(t, in.Dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1))
	fake.setBefore(func(model.Drop) error {
		if err := os.Remove(path); err != nil {
			return err
		}
		return os.Symlink(outside, path)
	})
	res, err := in.Apply(t.Context(), "probe.json")
	if err != nil || res.MovedTo != "" || res.Alerts != 1 {
		t.Fatalf("Apply = %+v, %v", res, err)
	}
	untouched(t, outside, sum, mtime, fake)
	if info, err := os.Lstat(path); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was not left where it was: %v %v", info, err)
	}
	fake.setBefore(nil)
	if _, err := in.Apply(t.Context(), "probe.json"); !errors.As(err, new(*NotRegularError)) {
		t.Errorf("Apply on the link: %v", err)
	}
	untouched(t, outside, sum, mtime, fake)
}

// TestMoveRetimesOnlyWhatWasRead: should a link be swapped in between the
// last look and the rename, the rename moves the link itself, nothing
// follows it to re-time the file it points to, and it is put back.
func TestMoveRetimesOnlyWhatWasRead(t *testing.T) {
	outside, sum, mtime := outsideFile(t)
	fake := newFake()
	in := newIntake(t, fake)
	read, err := os.Lstat(writeDrop(t, in.Dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(in.Dir, "probe.json")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, path); err != nil {
		t.Fatal(err)
	}
	if to, err := in.move("probe.json", ProcessedDir, "", read); err != nil || to != "" {
		t.Fatalf("move = %q, %v", to, err)
	}
	untouched(t, outside, sum, mtime, fake)
	if info, err := os.Lstat(path); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was not put back: %v %v", info, err)
	}
	if left, _ := os.ReadDir(filepath.Join(in.Dir, ProcessedDir)); len(left) != 0 {
		t.Errorf("left in processed/: %v", left)
	}
}

// TestMoveStaysInTheFolder: processed/ and rejected/ replaced by links to
// folders elsewhere lead no drop and no sidecar out of the drop folder.
func TestMoveStaysInTheFolder(t *testing.T) {
	in := newIntake(t, newFake())
	elsewhere := t.TempDir()
	for _, sub := range []string{ProcessedDir, RejectedDir} {
		if err := os.Remove(filepath.Join(in.Dir, sub)); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(elsewhere, filepath.Join(in.Dir, sub)); err != nil {
			t.Fatal(err)
		}
	}
	writeDrop(t, in.Dir, "good.json", fmt.Sprintf(firing, 1, 1, 1))
	writeDrop(t, in.Dir, "bad.json", "{")
	for _, name := range []string{"good.json", "bad.json"} {
		if _, err := in.Apply(t.Context(), name); err == nil {
			t.Errorf("%s moved through a link out of the folder", name)
		}
		mustExist(t, filepath.Join(in.Dir, name))
	}
	if left, _ := os.ReadDir(elsewhere); len(left) != 0 {
		t.Errorf("written outside the folder: %v", left)
	}
}

// TestReadFileRefusesOddFiles: reading a FIFO returns at once, a device is
// not read, a link is not followed; each error names the kind.
func TestReadFileRefusesOddFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(writeDrop(t, t.TempDir(), "real.json", fmt.Sprintf(firing, 1, 1, 1)), link); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{fifo: "named pipe (FIFO)", "/dev/zero": "character device", link: "symbolic link", dir: "directory"} {
		read := make(chan error, 1)
		go func() {
			_, err := ReadFile(path, Limits{})
			read <- err
		}()
		var err error
		select {
		case err = <-read:
		case <-time.After(10 * time.Second):
			t.Fatalf("ReadFile(%s) blocked", path)
		}
		var nr *NotRegularError
		if !errors.As(err, &nr) || nr.Kind != kind || !strings.Contains(err.Error(), path+" is a "+kind) {
			t.Errorf("ReadFile(%s) = %v, want a %s refused", path, err, kind)
		}
	}
}

// TestReadDropSwappedAfterLook: whatever replaces a drop between the look at
// it and its opening is not read: a FIFO does not block, a link to outside
// the folder is not followed, a link to another drop inside is not taken
// for the file looked at.
func TestReadDropSwappedAfterLook(t *testing.T) {
	outside, _, _ := outsideFile(t)
	dir := t.TempDir()
	other := writeDrop(t, dir, "other.json", fmt.Sprintf(firing, 2, 2, 2))
	swaps := map[string]func(path string) error{
		"a FIFO":                       func(path string) error { return syscall.Mkfifo(path, 0o644) },
		"a link to outside the folder": func(path string) error { return os.Symlink(outside, path) },
		"a link to another drop":       func(path string) error { return os.Symlink(filepath.Base(other), path) },
	}
	for what, swapIn := range swaps {
		t.Run(what, func(t *testing.T) {
			writeDrop(t, dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1))
			testHookLooked = func(path string) {
				if err := os.Remove(path); err != nil {
					t.Error(err)
				}
				if err := swapIn(path); err != nil {
					t.Error(err)
				}
			}
			defer func() { testHookLooked = nil }()
			read := make(chan error, 1)
			var data []byte
			go func() {
				var err error
				_, data, err = readDrop(dir, "probe.json", 1<<20)
				read <- err
			}()
			select {
			case err := <-read:
				if err == nil || data != nil {
					t.Errorf("read %q, %v", data, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("readDrop blocked")
			}
			os.Remove(filepath.Join(dir, "probe.json"))
		})
	}
}
