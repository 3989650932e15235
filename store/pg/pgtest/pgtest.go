// Package pgtest gives tests a fresh PostgreSQL schema each, on the server
// HYPERCARE_TEST_PG names (.ci/pg starts a throwaway one and sets it).
//
// Without HYPERCARE_TEST_PG the tests skip, saying how to run them; with
// HYPERCARE_REQUIRE_PG set (.ci/run sets it) they fail instead, so CI never
// passes on PostgreSQL tests that did not run.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// Cluster is a PostgreSQL server of one test's own, which it may shut
// down and start again (a restart) without touching the server the other
// tests share. .ci/pg makes it, from the same Debian packages.
type Cluster struct {
	URL    string // the cluster's database
	dir    string // the cluster's folder, for .ci/pg down, up and stop
	script string // .ci/pg
}

// NewCluster starts a cluster for t, removed when t ends. It skips (fails
// under HYPERCARE_REQUIRE_PG) as Server does, and when PostgreSQL's
// programs are not on this machine.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	Server(t)
	script, err := ciScript()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(script, "start").Output()
	if err != nil {
		msg := fmt.Sprintf("%s start: %v: %s", script, err, stderrOf(err))
		if os.Getenv("HYPERCARE_REQUIRE_PG") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// The last line is: export HYPERCARE_TEST_PG='URL'  # stop with: .ci/pg stop DIR
	line := strings.TrimSpace(string(out))
	line = line[strings.LastIndex(line, "\n")+1:]
	_, rest, ok1 := strings.Cut(line, "HYPERCARE_TEST_PG='")
	u, rest, ok2 := strings.Cut(rest, "'")
	_, dir, ok3 := strings.Cut(rest, ".ci/pg stop ")
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("%s start said %q", script, out)
	}
	c := &Cluster{URL: u, dir: dir, script: script}
	t.Cleanup(func() {
		if out, err := exec.Command(script, "stop", dir).CombinedOutput(); err != nil {
			t.Errorf("%s stop %s: %v: %s", script, dir, err, out)
		}
	})
	return c
}

// Down shuts the server down as a restart or failover does: every session
// is ended, and nobody connects until Up.
func (c *Cluster) Down(t testing.TB) { c.run(t, "down") }

// Up starts the server again, at the same address.
func (c *Cluster) Up(t testing.TB) { c.run(t, "up") }

func (c *Cluster) run(t testing.TB, what string) {
	t.Helper()
	if out, err := exec.Command(c.script, what, c.dir).CombinedOutput(); err != nil {
		t.Fatalf("%s %s %s: %v: %s", c.script, what, c.dir, err, out)
	}
}

// ciScript finds .ci/pg in the repository the test runs in.
func ciScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, ".ci", "pg")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no .ci/pg above the test's folder: a cluster of the test's own needs the repository's .ci/pg")
		}
		dir = parent
	}
}

func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return strings.TrimSpace(string(exit.Stderr))
	}
	return ""
}
