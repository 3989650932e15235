// Package pgtest gives tests a fresh PostgreSQL schema each, on the server
// HYPERCARE_TEST_PG names (.ci/pg starts a throwaway one and sets it).
//
// Without HYPERCARE_TEST_PG the tests skip, saying how to run them; with
// HYPERCARE_REQUIRE_PG set (.ci/run sets it) they fail instead, so CI never
// passes on PostgreSQL tests that did not run.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Skipped is what a test without a database says.
const Skipped = "PostgreSQL tests skipped: run them beside a throwaway server with " +
	"'.ci/pg go test ./...' (or set HYPERCARE_TEST_PG=postgres://...)"

// Server returns the server's URL, or skips (fails under
// HYPERCARE_REQUIRE_PG) when there is none.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv("HYPERCARE_TEST_PG")
	if u == "" {
		if os.Getenv("HYPERCARE_REQUIRE_PG") != "" {
			t.Fatal("HYPERCARE_REQUIRE_PG is set but HYPERCARE_TEST_PG is not: run the tests under .ci/pg")
		}
		t.Skip(Skipped)
	}
	return u
}

var seq atomic.Int64

// URL creates an empty schema for t, dropped when t ends, and returns the
// server's URL with search_path set to it: a database of its own as far as
// hypercare can tell.
func URL(t testing.TB) string {
	t.Helper()
	base := Server(t)
	schema := fmt.Sprintf("hc_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("PostgreSQL at HYPERCARE_TEST_PG: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	return WithSchema(t, base, schema)
}

// WithSchema sets a URL's search_path.
func WithSchema(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HYPERCARE_TEST_PG: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
