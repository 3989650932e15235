package pg

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Source is a database to copy from, read in one transaction: the SQLite
// store's Snapshot.
type Source interface {
	// Rows calls fn with each row of a table; values are int64, float64,
	// string, []byte or nil, and are reused from row to row.
	Rows(ctx context.Context, table string, fn func(columns []string, values []any) error) error
	Count(ctx context.Context, table string) (int64, error)
}

// TableCopy is one table copied: how many rows.
type TableCopy struct {
	Name string
	Rows int64
}

// notCopied are the tables each database keeps for itself: its own record
// of its migrations, the counters' working table, and the SQLite store's
// bookkeeping of its alert text index (its migration 0016), an index this
// store does not keep.
var notCopied = []string{"schema_migrations", "counter_deltas", "alerts_text_state", "alerts_text_dirty"}

// Import copies every table of a hypercare database into this one, which
// must be empty and at the same schema version: ids, the audit log and the
// counters as they are, in one transaction holding the write lock, so a
// failed copy leaves nothing behind. Each table's rows are streamed with
// COPY and counted again before the commit; a count that differs fails the
// copy.
func (db *DB) Import(ctx context.Context, version int, tables []string, src Source) ([]TableCopy, error) {
	if version != SchemaVersion {
		return nil, fmt.Errorf("the database to copy has schema version %d, this hypercare writes %d: "+
			"open it once with this hypercare to bring it up to date", version, SchemaVersion)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin copy: %w", unreachable(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockWrite, db.key); err != nil {
		return nil, fmt.Errorf("begin copy: %w", unreachable(err))
	}
	order, err := tableOrder(ctx, tx)
	if err != nil {
		return nil, err
	}
	var copied []TableCopy
	for _, t := range tables {
		if !slices.Contains(notCopied, t) && !slices.Contains(order, t) {
			return nil, fmt.Errorf("table %s has no counterpart in %s", t, db.where)
		}
	}
	for _, t := range order {
		if t == "counters" {
			continue // set, not appended to, below
		}
		var any bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+pgx.Identifier{t}.Sanitize()+")").Scan(&any); err != nil {
			return nil, fmt.Errorf("look at %s: %w", t, unreachable(err))
		}
		if any {
			return nil, fmt.Errorf("%s already holds records (table %s): hypercare migrate copies into an empty database", db.where, t)
		}
		if !slices.Contains(tables, t) {
			return nil, fmt.Errorf("the database to copy has no table %s", t)
		}
	}
	// The counting and history triggers would count and record the copied
	// rows again: the copy brings the counters and the history as they are.
	for _, t := range order {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{t}.Sanitize()+" DISABLE TRIGGER USER"); err != nil {
			return nil, fmt.Errorf("copy %s: %w", t, err)
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM counters"); err != nil {
		return nil, fmt.Errorf("copy counters: %w", err)
	}
	for _, t := range order {
		n, err := copyTable(ctx, tx, t, src)
		if err != nil {
			return nil, err
		}
		copied = append(copied, TableCopy{Name: t, Rows: n})
	}
	for _, t := range order {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+pgx.Identifier{t}.Sanitize()+" ENABLE TRIGGER USER"); err != nil {
			return nil, fmt.Errorf("copy %s: %w", t, err)
		}
	}
	// New records carry on from the copied ids.
	rows, err := tx.Query(ctx, `SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attidentity <> ''`)
	idents, err := collect(rows, err, "identities", func(s scanner) ([2]string, error) {
		var id [2]string
		return id, s.Scan(&id[0], &id[1])
	})
	if err != nil {
		return nil, err
	}
	for _, id := range idents {
		t, c := pgx.Identifier{id[0]}.Sanitize(), pgx.Identifier{id[1]}.Sanitize()
		if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max("+c+"), 0) + 1, false) FROM "+t,
			t, id[1]); err != nil {
			return nil, fmt.Errorf("carry on the ids of %s: %w", id[0], err)
		}
	}
	// Verify: every table holds what the source holds.
	for _, c := range copied {
		want, err := src.Count(ctx, c.Name)
		if err != nil {
			return nil, err
		}
		var got int64
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{c.Name}.Sanitize()).Scan(&got); err != nil {
			return nil, fmt.Errorf("count %s: %w", c.Name, unreachable(err))
		}
		if got != want || c.Rows != want {
			return nil, fmt.Errorf("table %s: %d rows in the copy, %d in the source: nothing was kept", c.Name, got, want)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit copy: %w", unreachable(err))
	}
	db.subs.Notify()
	return copied, nil
}

// tableOrder lists the schema's tables holding records (not those in
// notCopied), each after the tables its foreign keys name, so rows are
// copied after the rows they refer to.
func tableOrder(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname, coalesce(array_agg(r.relname) FILTER (WHERE r.relname IS NOT NULL AND r.relname <> c.relname), '{}')
		FROM pg_class c
		LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
		LEFT JOIN pg_class r ON r.oid = k.confrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
		GROUP BY c.relname ORDER BY c.relname COLLATE "C"`)
	type table struct {
		name string
		refs []string
	}
	list, err := collect(rows, err, "tables", func(s scanner) (table, error) {
		var t table
		return t, s.Scan(&t.name, &t.refs)
	})
	if err != nil {
		return nil, err
	}
	list = slices.DeleteFunc(list, func(t table) bool { return slices.Contains(notCopied, t.name) })
	var order []string
	done := map[string]bool{}
	for len(order) < len(list) {
		progress := false
		for _, t := range list {
			if !done[t.name] && allIn(t.refs, done) {
				done[t.name], progress = true, true
				order = append(order, t.name)
			}
		}
		if !progress {
			return nil, fmt.Errorf("the tables' foreign keys go round in a circle")
		}
	}
	return order, nil
}

func allIn(names []string, set map[string]bool) bool {
	for _, n := range names {
		if !set[n] {
			return false
		}
	}
	return true
}

// copyTable streams one table from src into tx with COPY, converting
// SQLite's storage classes to the columns' types (0/1 to booleans). Columns
// generated in both schemas (firing, is_open) are left for PostgreSQL to
// work out, as is the search document, and its own identities (seq).
func copyTable(ctx context.Context, tx pgx.Tx, table string, src Source) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT attname, atttypid = 'boolean'::regtype, attgenerated <> '' FROM pg_attribute
		WHERE attrelid = to_regclass(quote_ident($1)) AND attnum > 0 AND NOT attisdropped`, table)
	type column struct {
		name            string
		bool, generated bool
	}
	cols, err := collect(rows, err, table+" columns", func(s scanner) (column, error) {
		var c column
		return c, s.Scan(&c.name, &c.bool, &c.generated)
	})
	if err != nil {
		return 0, err
	}
	byName := map[string]column{}
	for _, c := range cols {
		byName[c.name] = c
	}

	// The source pushes rows; COPY pulls them: a goroutine between them
	// hands over one row at a time, so a table of millions is never held
	// in memory.
	type row struct {
		values []any
		err    error
	}
	feed := make(chan row, 256)
	var names []string
	var pick []int    // source column index of each copied column
	var isBool []bool // per copied column
	header := make(chan error, 1)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(feed)
		first := true
		err := src.Rows(cctx, table, func(columns []string, values []any) error {
			if first {
				first = false
				for i, c := range columns {
					col, ok := byName[c]
					if !ok {
						err := fmt.Errorf("table %s: column %s has no counterpart here", table, c)
						header <- err
						return err
					}
					if col.generated {
						continue // PostgreSQL works it out, as SQLite did
					}
					names, pick, isBool = append(names, c), append(pick, i), append(isBool, col.bool)
				}
				header <- nil
			}
			out := make([]any, len(pick))
			for j, i := range pick {
				out[j] = values[i]
				if isBool[j] {
					if v, ok := values[i].(int64); ok {
						out[j] = v != 0
					}
				}
			}
			select {
			case feed <- row{values: out}:
				return nil
			case <-cctx.Done():
				return cctx.Err()
			}
		})
		if first {
			header <- nil // an empty table: nothing to copy
		}
		if err != nil {
			select {
			case feed <- row{err: fmt.Errorf("read %s: %w", table, err)}:
			case <-cctx.Done():
			}
		}
	}()
	if err := <-header; err != nil {
		return 0, err
	}
	if names == nil {
		for r := range feed {
			if r.err != nil {
				return 0, r.err
			}
		}
		return 0, nil
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromFunc(func() ([]any, error) {
		r, ok := <-feed
		if !ok {
			return nil, nil
		}
		return r.values, r.err
	}))
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", table, unreachable(err))
	}
	return n, nil
}
