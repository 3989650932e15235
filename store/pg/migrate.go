package pg

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// SchemaVersion is the newest schema this build knows: the number of the
// last file in migrations/. Each migration does on PostgreSQL what the
// SQLite migration of the same number does, so the two stores agree on
// what a schema version means; a test keeps this equal to
// store.SchemaVersion.
const SchemaVersion = 21

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrNewerSchema is returned by Open when the database was migrated by a
// newer hypercare. Nothing is written to it.
type ErrNewerSchema struct {
	Where   string // the database, without its password
	Version int    // the database's schema version
	Known   int    // the newest version this build knows
}

func (e *ErrNewerSchema) Error() string {
	return fmt.Sprintf("database %s has schema version %d but this hypercare knows up to %d: "+
		"it was written by a newer hypercare; upgrade hypercare or use another --db", e.Where, e.Version, e.Known)
}

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in order. File names are
// NNNN_name.sql, numbered from 1 without gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	out := make([]migration, 0, len(names))
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

// rowQuerier is what a pool and a transaction share for one-row reads.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// schemaVersion reads the schema version, 0 for a schema hypercare never
// wrote to; it only reads.
func schemaVersion(ctx context.Context, q rowQuerier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", unreachable(err))
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", unreachable(err))
	}
	return v, nil
}

// checkVersion refuses a database a newer hypercare migrated, before
// anything is written to it.
func (db *DB) checkVersion(ctx context.Context) error {
	v, err := schemaVersion(ctx, db.pool)
	if err != nil {
		return fmt.Errorf("database %s: %w; is it a hypercare database?", db.where, err)
	}
	if v > SchemaVersion {
		return &ErrNewerSchema{Where: db.where, Version: v, Known: SchemaVersion}
	}
	return nil
}

// migrate brings the schema to SchemaVersion in one transaction (DDL is
// transactional in PostgreSQL), so a failed migration leaves the previous
// schema intact. An advisory lock makes processes that start together
// migrate one after the other; the version is read again under it. A
// schema that is already current is not written at all.
func (db *DB) migrate(ctx context.Context) error {
	if v, err := schemaVersion(ctx, db.pool); err != nil || v == SchemaVersion {
		return err
	}
	migrations, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration: %w", unreachable(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockMigrate, db.key); err != nil {
		return fmt.Errorf("begin migration: %w", unreachable(err))
	}
	current, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if current > SchemaVersion {
		return &ErrNewerSchema{Where: db.where, Version: current, Known: SchemaVersion}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at bigint NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	now := time.Now().UnixMilli()
	for _, m := range migrations[current:] {
		// The simple protocol runs a file of several statements at once.
		if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, now); err != nil {
			return fmt.Errorf("record migration %04d: %w", m.version, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit migration: %w", unreachable(err))
	}
	if current < trigramVersion && SchemaVersion >= trigramVersion {
		if ok, err := textIndexed(ctx, db.pool); err == nil && !ok {
			log.Printf("database %s: %s", db.where, noTextIndex)
		}
	}
	return nil
}

// trigramVersion is the migration that makes the trigram index, where
// pg_trgm may be created.
const trigramVersion = 19

// noTextIndex says what a database without the trigram index means, and
// how to make it.
const noTextIndex = `the pg_trgm extension could not be created (it needs the CREATE privilege on the database, ` +
	`and the extension's files), so the alert feed's text filter reads every alert for text few alerts hold; ` +
	`as the database owner: CREATE EXTENSION pg_trgm SCHEMA public; then in hypercare's schema: ` +
	`CREATE INDEX alerts_text_trgm ON alerts USING gin ((name || ' ' || service || ' ' || summary) public.gin_trgm_ops)`

// textIndexed reports whether the schema has the trigram index.
func textIndexed(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT to_regclass('alerts_text_trgm') IS NOT NULL`).Scan(&ok)
	return ok, unreachable(err)
}
