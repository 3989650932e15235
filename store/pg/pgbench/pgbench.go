// Package pgbench is what the bench/ harnesses need of PostgreSQL beyond
// the store: a fresh schema per measured run, statements run as another
// tool would, and the raw batched upserts the real intake is measured
// against. Only bench/ imports it; it is not part of hypercare.
package pgbench

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// Schema creates the schema name in the database at base (dropping one of
// that name left by an earlier run) and returns base with its search_path
// set to it, for pg.Open and the functions here, and a func that drops it.
func Schema(ctx context.Context, base, name string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	id := pgx.Identifier{name}.Sanitize()
	if err := Exec(ctx, base, "DROP SCHEMA IF EXISTS "+id+" CASCADE", "CREATE SCHEMA "+id); err != nil {
		return "", nil, err
	}
	return u.String(), func() error { return Exec(context.Background(), base, "DROP SCHEMA IF EXISTS "+id+" CASCADE") }, nil
}

// Exec runs statements, one after another, on one connection to dbURL.
func Exec(ctx context.Context, dbURL string, sqls ...string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	return nil
}

// Upsert times running query once per row of args on dbURL, per rows to a
// transaction, each transaction's statements sent as one pgx batch (one
// prepared statement, one round trip): raw batched inserts, the floor the
// real intake is compared with. The clock runs from the first
// transaction's start to the last one's commit.
func Upsert(ctx context.Context, dbURL, query string, args [][]any, per int) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Prepare(ctx, "upsert", query); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := 0; i < len(args); i += per {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return 0, err
		}
		var b pgx.Batch
		for _, a := range args[i:min(len(args), i+per)] {
			b.Queue("upsert", a...)
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			tx.Rollback(ctx)
			return 0, err
		}
		if err := tx.Commit(ctx); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
