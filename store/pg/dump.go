package pg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Snapshot is one read transaction over the whole database, for exporting
// every record, as store.Snapshot is for SQLite: what it reads is what was
// committed when it began (REPEATABLE READ), however long the reading takes.
type Snapshot struct {
	tx            pgx.Tx
	SchemaVersion int
	Tables        []string // every table holding records, in name order
}

// Snapshot begins a read-only REPEATABLE READ transaction and reads the
// schema version and the tables in it. counter_deltas is left out: it holds
// nothing between writes, and the counters are exported folded.
func (db *DB) Snapshot(ctx context.Context) (*Snapshot, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin read: %w", unreachable(err))
	}
	s := &Snapshot{tx: tx}
	if s.SchemaVersion, err = schemaVersion(ctx, tx); err != nil {
		tx.Rollback(ctx)
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
		AND tablename <> 'counter_deltas' ORDER BY tablename COLLATE "C"`)
	if s.Tables, err = collect(rows, err, "tables", func(sc scanner) (string, error) {
		var n string
		return n, sc.Scan(&n)
	}); err != nil {
		tx.Rollback(ctx)
		return nil, err
	}
	return s, nil
}

// Rows calls fn with each row of a table, one at a time. Values are as the
// SQLite store's snapshot gives them, so an export reads the same from
// either store: integers int64, flags 0 or 1, text string, NULL nil.
// columns and values are reused from row to row; fn must not keep them.
func (s *Snapshot) Rows(ctx context.Context, table string, fn func(columns []string, values []any) error) error {
	// Every column but the search document, which is derived from the
	// article's text (as SQLite's full-text index is, which its export
	// leaves out too).
	var list string
	err := s.tx.QueryRow(ctx, `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = to_regclass(quote_ident($1)) AND attnum > 0 AND NOT attisdropped
		AND atttypid <> 'tsvector'::regtype`, table).Scan(&list)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, unreachable(err))
	}
	rows, err := s.tx.Query(ctx, "SELECT "+list+" FROM "+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return fmt.Errorf("read %s: %w", table, unreachable(err))
	}
	defer rows.Close()
	var cols []string
	for _, f := range rows.FieldDescriptions() {
		cols = append(cols, f.Name)
	}
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		for i, v := range values {
			values[i] = asStored(v)
		}
		if err := fn(cols, values); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, unreachable(err))
	}
	return nil
}

// asStored maps PostgreSQL's types onto SQLite's storage classes.
func asStored(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	}
	return v
}

// Close ends the read transaction.
func (s *Snapshot) Close() error {
	return s.tx.Rollback(context.Background())
}

// Exists reports whether hypercare has written to the database at url: its
// schema has a version. It only reads, and never migrates.
func Exists(ctx context.Context, url string) (bool, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false, fmt.Errorf("database %s: %w", redact(url), unreachable(err))
	}
	defer conn.Close(context.Background())
	v, err := schemaVersion(ctx, conn)
	if err != nil {
		return false, fmt.Errorf("database %s: %w", redact(url), err)
	}
	return v > 0, nil
}
