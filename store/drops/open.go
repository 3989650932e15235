package drops

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hypercare-ops/hypercare/model"
)

// Reading a drop safely. Senders can write to the drop folder, so any entry
// in it may be swapped for something else between any look at it and any
// use of it: a FIFO (opening it would block), a device (reading it would
// not end), a symbolic link (reading or moving it would reach outside the
// folder). So a drop is looked at without following links, opened through
// an os.Root of its folder (which never leads outside it) without blocking,
// and the opened file itself must be that same regular file; only then is
// it read, and never more than the size limit.

// NotRegularError says an entry is not a regular file: a directory,
// symbolic link, FIFO, device or socket. Such entries are never opened,
// read or moved as drops.
type NotRegularError struct {
	File string // the entry's name, cleaned
	Kind string // "directory", "symbolic link", "named pipe (FIFO)", …
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is a %s, not a regular file: only regular files are read as drops", e.File, e.Kind)
}

// kindOf names the kind of a file that is not regular.
func kindOf(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "directory"
	case mode&fs.ModeSymlink != 0:
		return "symbolic link"
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "socket"
	case mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "block device"
	}
	return "special file"
}

// errTooBig says a drop is over Limits.MaxBytes.
var errTooBig = errors.New("over MaxBytes")

// tooBig is the rejection of a drop of size bytes, over the limit.
func tooBig(file string, size int64, maxBytes int) error {
	return &ParseError{File: file, Offset: -1,
		Reason: fmt.Sprintf("the file is %d bytes, over the limit of %d (MaxBytes): split it into smaller drops", size, maxBytes)}
}

// testHookLooked, when set by a test, runs between the look at a drop and
// its opening: where a sender's swap does the most harm.
var testHookLooked func(path string)

// readDrop reads the regular file called name in the folder dir, unless it
// is over maxBytes: then it returns errTooBig, and info says how big it is.
// An entry that is not a regular file gives a *NotRegularError without
// being opened; one swapped for another file since it was looked at gives
// ErrChanging. On fs.ErrPermission, info is the file that could not be
// opened, so that it is moved aside only if it is still there. The size is
// checked before reading, and the read is bounded too in case the file
// grows meanwhile, so a huge file never fills memory. The file is closed
// before it is moved, which some systems require.
func readDrop(dir, name string, maxBytes int) (info os.FileInfo, data []byte, err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	looked, err := root.Lstat(name)
	if err != nil {
		return nil, nil, err
	}
	if !looked.Mode().IsRegular() {
		return nil, nil, &NotRegularError{File: model.Clean(name, false), Kind: kindOf(looked.Mode())}
	}
	if testHookLooked != nil {
		testHookLooked(filepath.Join(dir, name))
	}
	f, err := root.OpenFile(name, os.O_RDONLY|openNoBlock, 0)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return looked, nil, err
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, err
	case err != nil:
		// Most likely a link to outside the folder, swapped in since the
		// look: os.Root refuses to follow it.
		return nil, nil, fmt.Errorf("%w (%v)", ErrChanging, err)
	}
	defer f.Close()
	info, err = f.Stat()
	switch {
	case err != nil:
		return nil, nil, err
	case !info.Mode().IsRegular():
		// Swapped for a FIFO or a device since the look; the non-blocking
		// open returned at once, and nothing is read from it.
		return nil, nil, &NotRegularError{File: model.Clean(name, false), Kind: kindOf(info.Mode())}
	case !os.SameFile(looked, info):
		// Another file, or a link to one inside the folder: whatever is
		// under the name now gets its own look.
		return nil, nil, ErrChanging
	case info.Size() > int64(maxBytes):
		return info, nil, errTooBig
	}
	data, err = io.ReadAll(io.LimitReader(f, int64(maxBytes)+1))
	if err != nil {
		return info, nil, err
	}
	if len(data) > maxBytes {
		// It grew after the stat; report the size that was read.
		info, err = f.Stat()
		if err != nil {
			return nil, nil, err
		}
		return info, nil, errTooBig
	}
	return info, data, nil
}

// ReadFile reads the drop file at path the way the watcher reads one from
// the drop folder: never following a symbolic link, never blocking on a
// FIFO, never reading a device or more than lim.MaxBytes. The file is left
// where it is; Apply applies what was read. An entry that is not a regular
// file gives a *NotRegularError. Every error names the file cleaned of
// control characters, so it is safe to print.
func ReadFile(path string, lim Limits) ([]byte, error) {
	lim = lim.orDefault()
	name, shown := filepath.Base(path), model.Clean(path, false)
	info, data, err := readDrop(filepath.Dir(path), name, lim.MaxBytes)
	switch {
	case errors.Is(err, errTooBig):
		return nil, tooBig(shown, info.Size(), lim.MaxBytes)
	case errors.Is(err, ErrChanging):
		return nil, fmt.Errorf("%s: %w; try again once its sender is done", shown, ErrChanging)
	case err != nil:
		var nr *NotRegularError
		if errors.As(err, &nr) {
			nr.File = shown
			return nil, nr
		}
		return nil, fmt.Errorf("read %s: %w", shown, unwrapPath(err))
	}
	return data, nil
}

// unwrapPath drops the raw path an *fs.PathError carries, which may hold
// control characters, keeping what went wrong.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
