package drops

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// move renames the drop into sub, under its own name unless that is taken:
// nothing there is ever overwritten. A non-empty note is written first as the
// sidecar NAME.error, so that a crash between the two leaves at worst a
// sidecar without its file, never a rejected file without its reason. It
// returns the new path relative to the drop folder. read is the file as it
// was read (nil if it could not be opened).
//
// The last look at the drop and the rename are two steps, and a sender may
// swap something else in between them; nothing can rename an inode only if
// it is still under a name. So what was moved is checked afterwards: if it
// is not the file that was read, it is put back where it was, and move
// returns "" as if the drop had been replaced before the look.
//
// Everything goes through an os.Root of the drop folder: a sub-folder that a
// sender replaced with a link to elsewhere cannot lead a sidecar, a move or
// a change of times outside the folder.
func (in *Intake) move(name, sub, note string, read os.FileInfo) (string, error) {
	shown := model.Clean(name, false)
	root, err := os.OpenRoot(in.Dir)
	if err != nil {
		return "", fmt.Errorf("move drop %s to %s/: %w", shown, sub, err)
	}
	defer root.Close()
	dest, err := openSub(root, sub)
	if err != nil {
		return "", fmt.Errorf("move drop %s to %s/: %w", shown, sub, err)
	}
	defer dest.Close()
	target, err := freeName(dest, name, note != "", in.now())
	if err != nil {
		return "", fmt.Errorf("move drop %s to %s/: %w", shown, sub, err)
	}
	to := filepath.Join(sub, target)
	if note != "" {
		if err := writeNew(dest, target+".error", note); err != nil {
			return "", fmt.Errorf("write the sidecar for rejected drop %s: %w", shown, err)
		}
	}
	if err := root.Rename(name, to); err != nil {
		if note != "" {
			dest.Remove(target + ".error") // the next try writes it again, beside the file
		}
		return "", fmt.Errorf("move drop %s to %s/: %w", shown, sub, err)
	}
	if read != nil {
		moved, err := dest.Lstat(target)
		if err != nil {
			return "", fmt.Errorf("move drop %s to %s/: %w", shown, sub, err)
		}
		if !moved.Mode().IsRegular() || !os.SameFile(read, moved) {
			putBack(root, to, name, moved)
			if note != "" {
				dest.Remove(target + ".error")
			}
			return "", nil
		}
	}
	if sub == ProcessedDir {
		// A rename keeps the sender's mtime, and processed/ is pruned by age:
		// the clock should start when the file was applied. It is the file
		// that was read, checked above, so no link is followed here. Best
		// effort: only a file's owner may set its times, and a drop written
		// by another user is then pruned by its sender's time, at worst early.
		now := in.now()
		_ = dest.Chtimes(target, now, now)
	}
	return to, nil
}

// openSub opens the folder sub of root, making it if it is missing: made
// here, not only at the start, so that an operator who cleans up by removing
// processed/ does not stall the intake.
func openSub(root *os.Root, sub string) (*os.Root, error) {
	dest, err := root.OpenRoot(sub)
	if errors.Is(err, fs.ErrNotExist) {
		if err := root.Mkdir(sub, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		dest, err = root.OpenRoot(sub)
	}
	return dest, err
}

// putBack moves what a sender swapped in just before a drop was moved back
// from to (in processed/ or rejected/) to name, unless something newer has
// taken that name since: a hard link never replaces anything, and a
// directory cannot be renamed over a file. Should that fail, it stays where
// it is, inside the drop folder, neither followed nor re-timed.
func putBack(root *os.Root, to, name string, moved os.FileInfo) {
	if moved.IsDir() {
		_ = root.Rename(to, name)
		return
	}
	if root.Link(to, name) == nil {
		_ = root.Remove(to)
	}
}

// freeName finds a name in the folder dest for a file called name that
// nothing already uses (nor its .error sidecar, when withSidecar). A clash
// gets a timestamp, then a counter, before the extension: a sender that
// always reuses one name still finds a free one at the first or second try.
//
// Only the watcher's single worker moves files into these folders, so
// checking and then renaming does not race with itself.
func freeName(dest *os.Root, name string, withSidecar bool, now time.Time) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	stamp := now.UTC().Format("20060102T150405.000Z")
	for i := 0; ; i++ {
		candidate := name
		switch {
		case i == 1:
			candidate = fmt.Sprintf("%s-%s%s", stem, stamp, ext)
		case i > 1:
			candidate = fmt.Sprintf("%s-%s-%d%s", stem, stamp, i, ext)
		}
		taken, err := exists(dest, candidate)
		if err == nil && !taken && withSidecar {
			taken, err = exists(dest, candidate+".error")
		}
		if err != nil {
			return "", err
		}
		if !taken {
			return candidate, nil
		}
	}
}

func exists(root *os.Root, name string) (bool, error) {
	_, err := root.Lstat(name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// writeNew writes a file that must not exist yet; O_EXCL also refuses a
// link left in its place.
func writeNew(root *os.Root, name, text string) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
