package store

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func refs[T any](items []T, ref func(T) string) string {
	var out []string
	for _, it := range items {
		out = append(out, ref(it))
	}
	return strings.Join(out, " ")
}

// newDesk is a desk over a new store, its clock at t0 (storetest's desk,
// for the SQLite store's own tests).
func newDesk(t *testing.T) (*DB, *model.Desk, *modeltest.Clock) {
	db := openTest(t)
	desk := model.NewDesk(db, modeltest.Policy{})
	c := &modeltest.Clock{At: t0}
	desk.Now = c.Now
	return db, desk, c
}

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "hypercare.db"), Options{PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// rawOpen opens the file with no hypercare machinery, as another tool would.
func rawOpen(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", fileDSN(path, "_pragma=foreign_keys(1)", fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

type migrationRow struct {
	version   int
	name      string
	appliedAt int64
}

func migrationRows(t *testing.T, db *DB) []migrationRow {
	t.Helper()
	rows, err := db.readers.QueryContext(t.Context(), "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []migrationRow
	for rows.Next() {
		var r migrationRow
		if err := rows.Scan(&r.version, &r.name, &r.appliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestMigrateFromEmptyThenReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hypercare.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := userVersion(ctx, db.readers); err != nil || v != SchemaVersion {
		t.Fatalf("user_version = %d, %v; want %d", v, err, SchemaVersion)
	}
	first := migrationRows(t, db)
	if len(first) != SchemaVersion || first[0].version != 1 || first[0].name != "init" || first[0].appliedAt == 0 {
		t.Fatalf("schema_migrations = %+v", first)
	}
	var journal string
	if err := db.readers.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil || journal != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", journal, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before := fileHash(t, path)

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again := migrationRows(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if len(again) != len(first) || again[0] != first[0] {
		t.Errorf("reopen changed schema_migrations: %+v, was %+v", again, first)
	}
	if fileHash(t, path) != before {
		t.Error("reopening a current database rewrote it")
	}
}

func TestMigrationFiles(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != SchemaVersion {
		t.Fatalf("SchemaVersion = %d but there are %d migrations; update the constant", SchemaVersion, len(ms))
	}
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"gap", []string{"migrations/0001_a.sql", "migrations/0003_c.sql"}},
		{"no description", []string{"migrations/0001.sql"}},
		{"not a number", []string{"migrations/one_a.sql"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys[f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			if _, err := loadMigrations(fsys); err == nil {
				t.Errorf("loadMigrations(%v) accepted bad names", tc.files)
			}
		})
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	for _, tc := range []struct {
		name string
		// inUse keeps another connection open, so the file has a live WAL.
		inUse bool
	}{
		{"closed cleanly", false},
		{"in use by another process", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "hypercare.db")
			db, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			raw := rawOpen(t, path)
			if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+5)); err != nil {
				t.Fatal(err)
			}
			if tc.inUse {
				if _, err := raw.Exec("PRAGMA wal_autocheckpoint = 0"); err != nil {
					t.Fatal(err)
				}
				if _, err := raw.Exec("INSERT INTO operators (name, role) VALUES ('x', 'viewer')"); err != nil {
					t.Fatal(err)
				}
			} else if err := raw.Close(); err != nil {
				t.Fatal(err)
			}
			walBefore := exists(path + "-wal")
			if walBefore != tc.inUse {
				t.Fatalf("test setup: -wal exists = %v", walBefore)
			}
			hashBefore := fileHash(t, path)

			_, err = Open(ctx, path, Options{})
			var newer *ErrNewerSchema
			if !errors.As(err, &newer) {
				t.Fatalf("Open = %v; want *ErrNewerSchema", err)
			}
			if newer.Version != SchemaVersion+5 || newer.Known != SchemaVersion {
				t.Errorf("error fields = %+v", newer)
			}
			for _, want := range []string{path, "newer hypercare", "upgrade hypercare or use another --db"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if fileHash(t, path) != hashBefore {
				t.Error("refused database file was modified")
			}
			if exists(path+"-wal") != walBefore {
				t.Errorf("-wal exists = %v after refusal, was %v", !walBefore, walBefore)
			}
		})
	}
}

func TestOpenAwkwardPath(t *testing.T) {
	// Characters that mean something in a URI must stay part of the name.
	dir := filepath.Join(t.TempDir(), "ops?team#1 100%")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hyper care.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !exists(path) {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("database not at %s; directory holds %v", path, entries)
	}
}

func TestOpenRejectsNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), path, Options{}); err == nil || !strings.Contains(err.Error(), "hypercare database") {
		t.Fatalf("Open(text file) = %v; want a clear refusal", err)
	}
}

// TestHelperProcess is not a test: other tests run the test binary again
// with this as its only test, as a second hypercare process that writes one
// alert. With HYPERCARE_STORE_HELPER_CRASH set it then exits without
// closing the database, as a killed process would.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("HYPERCARE_STORE_HELPER_DB")
	if path == "" {
		t.Skip("helper for tests that need a second process")
	}
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Write(t.Context(), func(tx model.Tx) error {
		_, err := tx.UpsertAlert(&model.Alert{DedupKey: "other-process", Name: "FromElsewhere",
			Severity: model.SevCritical, State: model.AlertFiring}, time.Time{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("HYPERCARE_STORE_HELPER_CRASH") != "" {
		os.Exit(0)
	}
}

// runHelper runs TestHelperProcess against path in a child process.
func runHelper(t *testing.T, path string, env ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), "HYPERCARE_STORE_HELPER_DB="+path), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
}

func TestOtherProcessWriteIsNoticed(t *testing.T) {
	db := openTest(t)
	wake, cancel := db.Subscribe()
	defer cancel()

	runHelper(t, db.Path())
	select {
	case <-wake:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after another process committed")
	}
	feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != 1 || feed[0].Name != "FromElsewhere" {
		t.Fatalf("feed = %+v; want the other process's alert", feed)
	}
}

// TestOwnCommitWakesOnce: a commit by this process wakes a subscriber once,
// when Write returns; the poll for other processes' commits must not wake it
// a second time for the same commit (every wake-up costs each session a
// re-query). openTest polls every 10 ms, so 20 polls pass in the wait.
func TestOwnCommitWakesOnce(t *testing.T) {
	db := openTest(t)
	wake, cancel := db.Subscribe()
	defer cancel()
	for i := range 3 {
		err := db.Write(t.Context(), func(tx model.Tx) error {
			_, err := tx.UpsertAlert(&model.Alert{DedupKey: fmt.Sprintf("k%d", i), Name: "n", State: model.AlertFiring}, time.Time{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-wake:
		default:
			t.Fatalf("commit %d: no wake-up pending when Write returned", i)
		}
		select {
		case <-wake:
			t.Fatalf("commit %d woke the subscriber twice", i)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestOpenAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hypercare.db")
	runHelper(t, path, "HYPERCARE_STORE_HELPER_CRASH=1")
	if !exists(path + "-wal") {
		t.Fatal("test setup: the crashed process left no WAL behind")
	}
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open after a crash: %v", err)
	}
	defer db.Close()
	if a, err := db.Alert(t.Context(), 1); err != nil || a.DedupKey != "other-process" {
		t.Fatalf("committed alert after recovery = %+v, %v", a, err)
	}
}
