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
	if err := admin(base, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("PostgreSQL at HYPERCARE_TEST_PG: %v", err)
	}
	t.Cleanup(func() {
		if err := admin(base, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
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

// Database creates an empty database for t, dropped when t ends, and
// returns its URL: for tests that cut it off (Outage) without touching the
// schemas other tests use.
func Database(t testing.TB) string {
	t.Helper()
	base := Server(t)
	name := fmt.Sprintf("hc_test_db_%d_%d", os.Getpid(), seq.Add(1))
	if err := admin(base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL at HYPERCARE_TEST_PG: %v", err)
	}
	t.Cleanup(func() {
		if err := admin(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Outage cuts the database at dbURL off, as a server that restarts or
// fails over does: its sessions are ended and new ones refused, until
// Outage(false) lets them in again.
func Outage(t testing.TB, dbURL string, down bool) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := pgx.Identifier{u.Path[1:]}.Sanitize()
	base := Server(t)
	if err := admin(base, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %v", name, !down)); err != nil {
		t.Fatal(err)
	}
	if down {
		err := admin(base, "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = '"+u.Path[1:]+"'")
		if err != nil {
			t.Fatal(err)
		}
	}
}

// admin runs one statement on the server's own database.
func admin(base, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
