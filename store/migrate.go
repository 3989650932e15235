package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the newest schema this build knows: the number of the last
// file in migrations/. A test keeps the two in step.
const SchemaVersion = 21

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrNewerSchema is returned by Open when the database was migrated by a
// newer hypercare. The file is left untouched.
type ErrNewerSchema struct {
	Path    string
	Version int // the database's schema version
	Known   int // the newest version this build knows
}

func (e *ErrNewerSchema) Error() string {
	return fmt.Sprintf("database %s has schema version %d but this hypercare knows up to %d: "+
		"it was written by a newer hypercare; upgrade hypercare or use another --db", e.Path, e.Version, e.Known)
}

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in order. File names are
// NNNN_name.sql, numbered from 1 without gaps, so a missing or duplicated
// file fails every test rather than a user's upgrade.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	out := make([]migration, 0, len(names)) // fs.Glob returns names sorted
	for i, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".sql")
		num, label, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || label == "" {
			return nil, fmt.Errorf("migration %s: name it NNNN_description.sql", name)
		}
		if version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %04d; migrations must be numbered without gaps", name, i+1)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{version: version, name: label, sql: string(body)})
	}
	return out, nil
}

// rowQuerier is what *sql.DB, *sql.Conn and *sql.Tx share for one-row reads.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q rowQuerier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// migrate brings the database to SchemaVersion in one transaction, so a
// failed migration leaves the previous schema intact. A database that is
// already current is not written at all.
func migrate(ctx context.Context, writer *sql.DB, path string) error {
	current, err := userVersion(ctx, writer)
	if err != nil {
		return err
	}
	if current > SchemaVersion {
		return &ErrNewerSchema{Path: path, Version: current, Known: SchemaVersion}
	}
	if current == SchemaVersion {
		return nil
	}
	migrations, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	tx, err := writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit

	// Another process may have migrated between the check above and our
	// write lock; read the version again under the lock.
	if current, err = userVersion(ctx, tx); err != nil {
		return err
	}
	if current > SchemaVersion {
		return &ErrNewerSchema{Path: path, Version: current, Known: SchemaVersion}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	now := time.Now().UnixMilli()
	for _, m := range migrations[current:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, now); err != nil {
			return fmt.Errorf("record migration %04d: %w", m.version, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}

// MigrationNames lists the names of the migrations, in order: what the
// PostgreSQL store checks its own against, so migration N means the same on
// both stores.
func MigrationNames() ([]string, error) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.name
	}
	return names, nil
}
