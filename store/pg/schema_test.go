package pg

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/pg/pgtest"
	"github.com/jackc/pgx/v5"
)

// The two stores number their schemas alike: migration N means the same on
// both, so a schema version says the same thing whichever store wrote it.
func TestMigrationsMirrorSQLite(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != SchemaVersion {
		t.Fatalf("SchemaVersion = %d but there are %d migrations; update the constant", SchemaVersion, len(ms))
	}
	if SchemaVersion != store.SchemaVersion {
		t.Fatalf("PostgreSQL schema %d, SQLite schema %d: add the migrations the SQLite store gained to store/pg/migrations",
			SchemaVersion, store.SchemaVersion)
	}
	sqlite, err := store.MigrationNames()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.name != sqlite[i] {
			t.Errorf("migration %04d is %q here and %q for SQLite", m.version, m.name, sqlite[i])
		}
	}
	for _, files := range [][]string{
		{"migrations/0001_a.sql", "migrations/0003_c.sql"},
		{"migrations/0001.sql"},
		{"migrations/one_a.sql"},
	} {
		fsys := fstest.MapFS{}
		for _, f := range files {
			fsys[f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		}
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("loadMigrations(%v) accepted bad names", files)
		}
	}
}

type migrationRow struct {
	Version   int
	Name      string
	AppliedAt int64
}

func migrationRows(t *testing.T, db *DB) []migrationRow {
	t.Helper()
	rows, err := db.pool.Query(t.Context(), "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[migrationRow])
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestMigrateFromEmptyThenReopen(t *testing.T) {
	url := pgtest.URL(t)
	db := openURL(t, url)
	first := migrationRows(t, db)
	if len(first) != SchemaVersion || first[0].Version != 1 || first[0].Name != "init" || first[0].AppliedAt == 0 {
		t.Fatalf("schema_migrations = %+v", first)
	}
	db.Close()
	again := openURL(t, url)
	if rows := migrationRows(t, again); len(rows) != len(first) || rows[len(rows)-1] != first[len(first)-1] {
		t.Errorf("reopening changed schema_migrations: %+v, was %+v", rows, first)
	}
}

// A schema a newer hypercare migrated is refused, and nothing is written
// to it: not one migration, not one table.
func TestRefuseNewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	db := openURL(t, url)
	if _, err := db.pool.Exec(t.Context(), "INSERT INTO schema_migrations VALUES ($1, 'from the future', 1)", SchemaVersion+5); err != nil {
		t.Fatal(err)
	}
	// What a write would change: the tables and the rows in each.
	tables := func() string {
		rows, err := db.pool.Query(t.Context(), `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range names {
			var c int64
			if err := db.pool.QueryRow(t.Context(), "SELECT count(*) FROM "+pgx.Identifier{n}.Sanitize()).Scan(&c); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s:%d", n, c))
		}
		return strings.Join(out, ",")
	}
	var before int64
	if err := db.pool.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&before); err != nil {
		t.Fatal(err)
	}
	list := tables()
	_, err := Open(t.Context(), url, Options{})
	var newer *ErrNewerSchema
	if !errors.As(err, &newer) || newer.Version != SchemaVersion+5 || newer.Known != SchemaVersion {
		t.Fatalf("Open = %v; want *ErrNewerSchema", err)
	}
	for _, want := range []string{"newer hypercare", "upgrade hypercare or use another --db"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "hc-secret") {
		t.Errorf("error %q shows the password", err)
	}
	var after int64
	if err := db.pool.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before || tables() != list {
		t.Errorf("the refused schema changed: %d migrations (was %d), tables %s (were %s)", after, before, tables(), list)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://hc:hc-secret@db.example:5432/ops?sslmode=require": "postgres://hc@db.example:5432/ops?sslmode=require",
		"postgres:///ops?host=/tmp/x&password=hc-secret":              "postgres:///ops?host=%2Ftmp%2Fx",
		"postgresql://db/ops": "postgresql://db/ops",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" - : * ", ""},
		{"disk", `'disk':*`},
		{"disk full", `'disk' & 'full':*`},
		{`it's`, `'it''s':*`},
		{`a\\b`, `'a\\\\b':*`},
		{"r", `'r':*A`},
		{"disk fu", `'disk' & 'fu':*A`},
	} {
		if got := searchQuery(tc.in); got != tc.want {
			t.Errorf("searchQuery(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := searchAnyQuery("Disk full on orders-db"); got != `'Disk' | 'full' | 'orders-db':*` {
		t.Errorf("searchAnyQuery = %s", got)
	}
}
