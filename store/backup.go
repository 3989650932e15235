package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BackupInfo describes a checked copy of the database.
type BackupInfo struct {
	Path          string // absolute
	Size          int64  // bytes
	SchemaVersion int
	Tables        []TableCount // every table, in name order
}

// TableCount is how many rows a table holds.
type TableCount struct {
	Name string
	Rows int64
}

// Backup writes a consistent copy of the database to dest while sessions
// keep reading and writing, and checks it before it is put in place. dest
// must not exist yet.
func (db *DB) Backup(ctx context.Context, dest string) (BackupInfo, error) {
	return BackupFile(ctx, db.path, dest)
}

// BackupFile is Backup of the database file at src, open elsewhere or not.
// It never writes to src, not even to bring its schema up to date: a
// backup taken before an upgrade is of the database as it was.
//
// VACUUM INTO copies one read snapshot, so a transaction is in the copy
// whole or not at all, and it takes no write lock. The read pool is
// query_only, which forbids VACUUM even INTO another file, and the one
// writer must stay free for the desk, so the copy is made on a read-only
// connection of its own. It is written to a temporary name in dest's
// folder, opened and checked (PRAGMA integrity_check), and only then
// renamed to dest: a crash or a failed check never leaves a file at dest
// that looks like a backup and is not one.
func BackupFile(ctx context.Context, src, dest string) (BackupInfo, error) {
	src, err := filepath.Abs(src)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup of %s: %w", src, err)
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dest, err)
	}
	exists := func() error {
		if _, err := os.Stat(abs); err == nil {
			return fmt.Errorf("backup to %s: the file already exists; pick another name or delete it first", dest)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("backup to %s: %w", dest, err)
		}
		return nil
	}
	if err := exists(); err != nil {
		return BackupInfo{}, err
	}
	// An empty file reserves the temporary name; VACUUM INTO accepts an
	// empty target.
	f, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.tmp")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dest, err)
	}
	tmp := f.Name()
	f.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	conn, err := openPool(ctx, src, 1, "mode=ro")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dest, err)
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", tmp)
	conn.Close()
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dest, err)
	}
	info, err := inspect(ctx, tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: the copy failed its check, so it was not kept: %w", dest, err)
	}
	if err := exists(); err != nil { // made meanwhile by someone else
		return BackupInfo{}, err
	}
	if err := os.Rename(tmp, abs); err != nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dest, err)
	}
	done = true
	info.Path = abs
	return info, nil
}

// inspect opens a database file that nobody else has open, runs PRAGMA
// integrity_check and counts its records. immutable=1 reads the file alone,
// so looking at a copy leaves no -wal or -shm beside it.
func inspect(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	ro, err := sql.Open("sqlite", fileDSN(path, "mode=ro", "immutable=1"))
	if err != nil {
		return BackupInfo{}, err
	}
	defer ro.Close()
	rows, err := ro.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return BackupInfo{}, fmt.Errorf("integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return BackupInfo{}, fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return BackupInfo{}, fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	info := BackupInfo{Path: path, Size: st.Size()}
	if info.SchemaVersion, err = userVersion(ctx, ro); err != nil {
		return BackupInfo{}, err
	}
	names, err := tableNames(ctx, ro)
	if err != nil {
		return BackupInfo{}, err
	}
	for _, name := range names {
		tc := TableCount{Name: name}
		if err := ro.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(name)).Scan(&tc.Rows); err != nil {
			return BackupInfo{}, fmt.Errorf("count %s: %w", name, err)
		}
		info.Tables = append(info.Tables, tc)
	}
	return info, nil
}

// querier is what *sql.DB and *sql.Tx share for queries.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// tableNames lists the tables that hold records, in name order: not
// SQLite's own, and not the full-text index, which is rebuilt from the
// articles (a virtual table and its shadow tables).
func tableNames(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_table_list
		WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
		ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// quoteIdent quotes a table name for SQL; the names come from the schema,
// and quoting keeps any of them a name.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
