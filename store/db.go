// Package store keeps hypercare's records in one SQLite file. It is the only
// package that imports the SQLite driver.
//
// One connection writes (transactions begin IMMEDIATE, so writers queue on
// the lock instead of failing half-way); a pool of query-only connections
// reads, which WAL lets run beside the writer; one more copies the WAL back
// into the database file after commits (checkpoint.go). The writer also polls
// PRAGMA data_version, so commits by other processes wake subscribers too.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var (
	_ model.Store     = (*DB)(nil)
	_ model.Compacter = (*DB)(nil)
)

// Options tune a DB; the zero value is fine.
type Options struct {
	// PollInterval is how often commits by other processes are looked for.
	// Default 50ms.
	PollInterval time.Duration
	// ReadConns is the size of the read pool. Default 4.
	ReadConns int
}

// DB is an open hypercare database. It implements model.Store and is safe
// for concurrent use.
type DB struct {
	path    string
	writer  *sql.DB // exactly one connection
	readers *sql.DB // query_only pool

	writeStmts map[string]*sql.Stmt // prepared once on the writer; see prepareWrites
	readStmts  stmtCache

	subs model.Broadcaster

	suggest suggestionCache // the recurrence rule's last answer: problems.go
	terms   termCounts      // how common the text filter's trigrams are: alerttext.go

	stopWatch context.CancelFunc
	watchDone chan struct{}
	stopIndex context.CancelFunc // the alert text indexer: alerttext.go
	indexDone chan struct{}
	ckpt      *checkpointer // checkpoints beside the writer: checkpoint.go
	closeOnce sync.Once
	closeErr  error
}

// busyTimeoutMS is how long a connection waits for another process's lock
// before giving up; long enough for any single hypercare transaction.
const busyTimeoutMS = 5000

// Open opens or creates the database at path and brings its schema up to
// date. A database written by a newer hypercare is refused with
// *ErrNewerSchema before anything is written to it.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := checkVersion(ctx, abs); err != nil {
		return nil, err
	}

	db := &DB{path: abs, readStmts: stmtCache{stmts: map[string]*sql.Stmt{}}}
	ok := false
	defer func() {
		if !ok {
			db.closeAll()
		}
	}()

	db.writer, err = openPool(ctx, abs, 1, writerParams...)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db.writer, abs); err != nil {
		return nil, err
	}
	if err := db.prepareWrites(ctx); err != nil {
		return nil, err
	}
	if db.readers, err = openPool(ctx, abs, opts.ReadConns, "_query_only=1"); err != nil {
		return nil, err
	}
	db.readStmts.db = db.readers
	if err := db.startWatch(ctx, opts.PollInterval); err != nil {
		return nil, err
	}
	if err := db.startCheckpointer(ctx); err != nil {
		return nil, err
	}
	indexCtx, stopIndex := context.WithCancel(context.Background())
	db.stopIndex = stopIndex
	db.startIndexer(indexCtx)
	ok = true
	return db, nil
}

// fileDSN builds a SQLite URI for an absolute path. The path is escaped, so
// a '?' or '%' in a directory name cannot turn into a parameter.
func fileDSN(path string, params ...string) string {
	u := url.URL{Scheme: "file", Path: path}
	return u.String() + "?" + strings.Join(params, "&")
}

// Connection parameters: those of every connection, and the writer's own.
var (
	connParams = []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS),
		"_pragma=foreign_keys(1)",
		// Statement journals and sorts stay off disk.
		"_pragma=temp_store(MEMORY)",
	}
	writerParams = []string{"_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)",
		fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", checkpointBackstop), "_txlock=immediate"}
)

// WriterDSN is the data source name the writer connection opens path with,
// every pragma included: for benchmarks that compare hypercare's writes
// with raw SQL on the same driver and settings.
func WriterDSN(path string) string {
	return fileDSN(path, slices.Concat(connParams, writerParams)...)
}

func openPool(ctx context.Context, path string, conns int, params ...string) (*sql.DB, error) {
	pool, err := sql.Open("sqlite", fileDSN(path, slices.Concat(connParams, params)...))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	// Connections carry their page cache; keep them for the life of the DB.
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return pool, nil
}

// checkVersion reads the schema version of an existing file without writing
// to it. A cleanly closed WAL database has no -wal file, and even a read-only
// connection would create one (and a -shm) to read it; immutable=1 reads the
// main file alone. A -wal means a connection is live, or one crashed: the
// newest header may be in the WAL, so a plain read-only open reads it; that
// may rebuild the -shm index but never writes the database file.
func checkVersion(ctx context.Context, path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	// A live writer may hold a lock a moment (a commit, the indexer, the
	// checkpoint of its close): wait for it as every connection does.
	params := []string{"mode=ro", fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS)}
	if _, err := os.Stat(path + "-wal"); err != nil {
		params = append(params, "immutable=1")
	}
	ro, err := sql.Open("sqlite", fileDSN(path, params...))
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer ro.Close()
	v, err := userVersion(ctx, ro)
	if err != nil {
		return fmt.Errorf("database %s: %w; is it a hypercare database?", path, err)
	}
	if v > SchemaVersion {
		return &ErrNewerSchema{Path: path, Version: v, Known: SchemaVersion}
	}
	return nil
}

// Path is the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close stops change polling and closes every connection. The writer closes
// last so that, as the final connection, it checkpoints the WAL away.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.closeErr = db.closeAll() })
	return db.closeErr
}

func (db *DB) closeAll() error {
	if db.stopIndex != nil {
		db.stopIndex()
		<-db.indexDone
	}
	if db.stopWatch != nil {
		db.stopWatch()
		<-db.watchDone
	}
	var errs []error
	errs = append(errs, db.ckpt.close())
	errs = append(errs, db.readStmts.close())
	for _, st := range db.writeStmts {
		errs = append(errs, st.Close())
	}
	for _, pool := range []*sql.DB{db.readers, db.writer} {
		if pool != nil {
			errs = append(errs, pool.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// Write runs fn in one IMMEDIATE transaction on the writer connection and
// wakes subscribers once it has committed. There is one writer, so fn must
// not call Write itself; reads that must see fn's own changes go through
// the Tx.
func (db *DB) Write(ctx context.Context, fn func(model.Tx) error) error {
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	// Deferred so that a panic in fn cannot leave the only writer
	// connection inside an open transaction; a no-op after Commit.
	defer sqlTx.Rollback()
	t := &tx{ctx: ctx, tx: sqlTx, db: db}
	if err := fn(t); err != nil {
		return t.cause(err)
	}
	if err := t.writeHeld(); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.subs.Notify()
	db.ckpt.afterCommit()
	return nil
}

// stmtCache prepares each read query once per pool; database/sql then
// prepares it lazily on each pooled connection and reuses it.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
