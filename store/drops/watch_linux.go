//go:build linux

package drops

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// reportsClose: inotify says when a writer closes a file, so a file written
// in place is applied as soon as its writer is done, however long it pauses
// between writes.
const reportsClose = true

// watchFolder reports what happens in dir until stop is called. It uses
// inotify directly rather than through fsnotify, whose v1 API keeps the
// close-write event unexported; and inotify also tells a file renamed in
// (whole) from one created in place (still being written), which fsnotify
// reports alike as Create.
func watchFolder(dir string) (events <-chan change, errs <-chan error, stop func(), err error) {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("watch drop folder %s: %w", dir, os.NewSyscallError("inotify_init1", err))
	}
	const mask = syscall.IN_MOVED_TO | syscall.IN_CREATE | syscall.IN_MODIFY | syscall.IN_CLOSE_WRITE |
		syscall.IN_DELETE | syscall.IN_MOVED_FROM | syscall.IN_DELETE_SELF | syscall.IN_MOVE_SELF | syscall.IN_ONLYDIR
	if _, err := syscall.InotifyAddWatch(fd, dir, mask); err != nil {
		syscall.Close(fd)
		return nil, nil, nil, fmt.Errorf("watch drop folder %s: %w", dir, os.NewSyscallError("inotify_add_watch", err))
	}
	// Non-blocking, so reads wait in the runtime's poller and Close ends them.
	f := os.NewFile(uintptr(fd), "inotify")
	changes, problems := make(chan change), make(chan error)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		readInotify(f, changes, problems, done)
	}()
	stop = func() {
		close(done)
		f.Close()
		<-finished
	}
	return changes, problems, stop, nil
}

// readInotify sends what f reports until it is closed or done is.
func readInotify(f *os.File, changes chan<- change, problems chan<- error, done <-chan struct{}) {
	// Room for many events at once; one needs at most 16 bytes + NAME_MAX + 1.
	buf := make([]byte, 64<<10)
	send := func(c change) bool {
		select {
		case changes <- c:
			return true
		case <-done:
			return false
		}
	}
	for {
		n, err := f.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				select {
				case problems <- fmt.Errorf("read inotify events: %w", err):
				case <-done:
				}
			}
			return
		}
		for rest := buf[:n]; len(rest) >= syscall.SizeofInotifyEvent; {
			mask := binary.NativeEndian.Uint32(rest[4:8])
			size := syscall.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(rest[12:16]))
			if size > len(rest) {
				break // cannot happen: the kernel returns whole events
			}
			name := string(bytes.TrimRight(rest[syscall.SizeofInotifyEvent:size], "\x00"))
			rest = rest[size:]
			if mask&syscall.IN_Q_OVERFLOW != 0 {
				select {
				case problems <- errOverflow:
				case <-done:
					return
				}
				continue
			}
			if c, ok := inotifyChange(mask, name); ok && !send(c) {
				return
			}
		}
	}
}

// inotifyChange translates one inotify event.
func inotifyChange(mask uint32, name string) (change, bool) {
	switch {
	case mask&(syscall.IN_DELETE_SELF|syscall.IN_MOVE_SELF|syscall.IN_IGNORED|syscall.IN_UNMOUNT) != 0:
		return change{op: folderGone}, true
	case mask&syscall.IN_MOVED_TO != 0:
		return change{name, renamedIn}, true
	case mask&syscall.IN_CREATE != 0 && mask&syscall.IN_ISDIR != 0:
		// A directory is never written to; it is looked at (and left alone) at once.
		return change{name, appeared}, true
	case mask&syscall.IN_CREATE != 0:
		return change{name, created}, true
	case mask&syscall.IN_MODIFY != 0:
		return change{name, written}, true
	case mask&syscall.IN_CLOSE_WRITE != 0:
		return change{name, closed}, true
	case mask&(syscall.IN_DELETE|syscall.IN_MOVED_FROM) != 0:
		return change{name, gone}, true
	}
	return change{}, false
}
