package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Snapshot is one read transaction over the whole database, for exporting
// every record: what it reads is what was committed when it began, however
// long the reading takes while sessions go on writing. Close it soon: while
// it is open the WAL cannot be checkpointed past it.
type Snapshot struct {
	tx            *sql.Tx
	SchemaVersion int
	Tables        []string // every table holding records, in name order
}

// Snapshot begins a read transaction on the read pool and reads the schema
// version and the tables in it, so they belong to the same snapshot as the
// rows.
func (db *DB) Snapshot(ctx context.Context) (*Snapshot, error) {
	tx, err := db.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin read: %w", err)
	}
	s := &Snapshot{tx: tx}
	if s.SchemaVersion, err = userVersion(ctx, tx); err != nil {
		tx.Rollback()
		return nil, err
	}
	if s.Tables, err = tableNames(ctx, tx); err != nil {
		tx.Rollback()
		return nil, err
	}
	return s, nil
}

// Rows calls fn with each row of a table, in storage order, one at a
// time: a table of a million alerts is never held in memory. The values
// are as SQLite stores them: int64, float64, string, []byte or nil (times
// are unix milliseconds, lists and labels JSON text). columns and values
// are reused from row to row; fn must not keep them.
func (s *Snapshot) Rows(ctx context.Context, table string, fn func(columns []string, values []any) error) error {
	rows, err := s.tx.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table))
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		if err := fn(cols, values); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return nil
}

// Close ends the read transaction.
func (s *Snapshot) Close() error {
	return s.tx.Rollback()
}

// Count is how many rows a table holds in the snapshot.
func (s *Snapshot) Count(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}
