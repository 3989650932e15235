package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

var _ model.Archive = (*Archive)(nil)

// Archive keeps what a prune removes as JSON lines, one file per table for
// each prune: DIR/20260501T020000.000Z-alerts.jsonl. A line is one record
// as `hypercare export all` writes it: {"id":1,"dedup_key":"…",…}, times
// in unix milliseconds, labels and lists as JSON text. Every Keep is
// written and synced before it returns, so the rows are on disk before
// the transaction that deletes them commits.
type Archive struct {
	dir   string
	stamp string
	files map[string]*os.File
	kept  map[string]int
}

// ArchiveFile is one file an archive wrote.
type ArchiveFile struct {
	Table string
	Path  string
	Rows  int
}

// NewArchive archives into dir, naming its files by at; nothing is
// created until the first record is kept.
func NewArchive(dir string, at time.Time) *Archive {
	return &Archive{dir: dir, stamp: at.UTC().Format("20060102T150405.000Z"),
		files: map[string]*os.File{}, kept: map[string]int{}}
}

// Keep appends rows of a table to its file and syncs it (model.Archive).
func (a *Archive) Keep(table string, columns []string, rows [][]any) error {
	f, err := a.file(table)
	if err != nil {
		return err
	}
	keys := make([][]byte, len(columns))
	for i, c := range columns {
		keys[i], _ = json.Marshal(c)
	}
	var buf bytes.Buffer
	for _, row := range rows {
		buf.WriteByte('{')
		for i, v := range row {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(keys[i])
			buf.WriteByte(':')
			b, err := json.Marshal(v) // []byte becomes base64, nil null
			if err != nil {
				return fmt.Errorf("archive %s.%s: %w", table, columns[i], err)
			}
			buf.Write(b)
		}
		buf.WriteString("}\n")
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("archive %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("archive %s: %w", f.Name(), err)
	}
	a.kept[table] += len(rows)
	return nil
}

// file opens the table's file for appending, creating the folder and the
// file (and syncing the folder, so the new name survives a crash too).
func (a *Archive) file(table string) (*os.File, error) {
	if f, ok := a.files[table]; ok {
		return f, nil
	}
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return nil, fmt.Errorf("archive folder: %w", err)
	}
	name := filepath.Join(a.dir, a.stamp+"-"+table+".jsonl")
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("archive file: %w", err)
	}
	if d, err := os.Open(a.dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("archive folder %s: %w", a.dir, err)
		}
	}
	a.files[table] = f
	return f, nil
}

// Files lists the files written, by table name.
func (a *Archive) Files() []ArchiveFile {
	var out []ArchiveFile
	for table, f := range a.files {
		out = append(out, ArchiveFile{Table: table, Path: f.Name(), Rows: a.kept[table]})
	}
	slices.SortFunc(out, func(x, y ArchiveFile) int { return strings.Compare(x.Table, y.Table) })
	return out
}

// Close closes the files; everything kept is already on disk.
func (a *Archive) Close() error {
	var first error
	for _, f := range a.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
