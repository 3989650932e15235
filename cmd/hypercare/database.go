package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/pg"
)

// database is the store hypercare runs on: the SQLite file --db names, by
// default, or PostgreSQL when --db is a postgres:// URL (README: More than
// one site). Every command opens it through openDatabase.
type database interface {
	model.Store
	Close() error
	// snapshot reads every table in one read transaction.
	snapshot(ctx context.Context) (*snapshot, error)
	// leading reports whether this process runs the time-driven work (the
	// sweeps, the Alertmanager reconcile) now: on PostgreSQL one process
	// of those sharing the database leads (pg.DB.Leading); a SQLite file
	// serves one machine, where every process that watches drops sweeps,
	// its writes serialised by the file's lock.
	leading(ctx context.Context) bool
}

// snapshot is a read transaction over every table, as both stores give it.
type snapshot struct {
	SchemaVersion int
	Tables        []string
	Rows          func(ctx context.Context, table string, fn func(columns []string, values []any) error) error
	Close         func() error
}

type sqliteDB struct{ *store.DB }

func (d sqliteDB) snapshot(ctx context.Context) (*snapshot, error) {
	s, err := d.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &snapshot{SchemaVersion: s.SchemaVersion, Tables: s.Tables, Rows: s.Rows, Close: s.Close}, nil
}

func (sqliteDB) leading(context.Context) bool { return true }

type postgresDB struct{ *pg.DB }

func (d postgresDB) leading(ctx context.Context) bool { return d.Leading(ctx) }

func (d postgresDB) snapshot(ctx context.Context) (*snapshot, error) {
	s, err := d.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &snapshot{SchemaVersion: s.SchemaVersion, Tables: s.Tables, Rows: s.Rows, Close: s.Close}, nil
}

// isPostgres reports whether --db names a PostgreSQL database.
func isPostgres(db string) bool { return pg.IsURL(db) }

// openDatabase opens --db, creating and migrating it as needed: a SQLite
// file (its folder made) or a PostgreSQL database.
func openDatabase(ctx context.Context, where string) (database, error) {
	if isPostgres(where) {
		db, err := pg.Open(ctx, where, pg.Options{})
		if err != nil {
			return nil, err
		}
		return postgresDB{db}, nil
	}
	if err := os.MkdirAll(filepath.Dir(where), 0o755); err != nil {
		return nil, fmt.Errorf("database folder: %w", err)
	}
	db, err := store.Open(ctx, where, store.Options{})
	if err != nil {
		return nil, err
	}
	return sqliteDB{db}, nil
}

// openExisting opens the database for the CLI; unlike the console it will
// not create an empty one, so a typo in --db is reported, not hidden.
func openExisting(ctx context.Context, where string) (database, error) {
	if err := dbExists(where); err != nil {
		return nil, err
	}
	return openDatabase(ctx, where)
}

// dbExists says what to do when there is no database at --db.
func dbExists(where string) error {
	if isPostgres(where) {
		ok, err := pg.Exists(context.Background(), where)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no hypercare database at %s: create it by starting the console once ('hypercare --db URL'), "+
				"or copy a SQLite one there with 'hypercare migrate --from FILE.db --to URL'", pg.Redact(where))
		}
		return nil
	}
	if _, err := os.Stat(where); err != nil {
		return fmt.Errorf("no database at %s: check --db, or create it by starting the console once ('hypercare --db %s'); 'hypercare --demo' tries one with sample data", where, where)
	}
	return nil
}
