package main

import (
	"io"
	"os"
	"path/filepath"
)

// replaceFile writes a file whole or not at all: write fills a temporary
// dotfile (NAME.tmp, which the drop watcher and most readers skip) beside
// path, which is synced and then renamed to path. Whoever reads path
// meanwhile gets the old file or the new one, never half; if write fails,
// the temporary file goes and path is as it was.
func replaceFile(path string, write func(io.Writer) error) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp makes the file private; the file it stands for is not.
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
