// Package pg keeps hypercare's records in PostgreSQL, for a hypercare that
// outgrows one machine: several hypercare processes (two NOC sites, a war
// room elsewhere) share one database. It implements the same model.Store
// as the SQLite store (package store), with the same schema numbered the
// same way, and is the only package that imports the PostgreSQL driver.
//
// Writers queue as SQLite's do: every write transaction first takes a
// transaction-scoped advisory lock, so the service layer's read-then-write
// rules (an alert's storm, an incident for an alert group, a drop applied
// once) hold across processes exactly as they hold on one SQLite writer.
// Reads run beside writes on the pool, from MVCC snapshots. Each commit
// sends a NOTIFY; every process LISTENs, so a write in one wakes the
// sessions of all of them (notify.go).
package pg

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var _ model.Store = (*DB)(nil)

// IsURL reports whether a --db value names a PostgreSQL database rather
// than a SQLite file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Options tune a DB; the zero value is fine.
type Options struct {
	// MaxConns is the size of the connection pool. Default 8.
	MaxConns int32
}

// DB is an open hypercare database on PostgreSQL. It implements
// model.Store and is safe for concurrent use.
type DB struct {
	pool  *pgxpool.Pool
	url   string
	where string // the URL without its password, for messages

	// key tells this hypercare's locks and notifications apart from those
	// of another hypercare in another schema of the same database:
	// hashtext of the schema's name.
	schema  string
	key     int32
	channel string
	// self is this DB's payload on the channel: its listener skips its own
	// commits, whose subscribers Write woke already.
	self string

	subs    model.Broadcaster
	listen  listener
	lead    leader
	suggest suggestionCache

	alertSeq string // the sequence of alert ids (alertSeqSQL)
	// trigrams says the schema has the trigram index for the feed's text
	// filter (migration 0019); without it the filter walks the feed.
	trigrams bool

	closeOnce sync.Once
}

// Advisory lock classes, the first half of each two-key lock; the second
// half is DB.key.
const (
	lockWrite   = 0x6863_0001 // every write transaction: writers queue
	lockMigrate = 0x6863_0002 // the schema migration
)

// Open connects to the database at url (postgres://…; a search_path
// parameter picks the schema) and brings its schema up to date. A database
// migrated by a newer hypercare is refused with *ErrNewerSchema before
// anything is written to it.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	where := redact(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", where, err)
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		// Each process's sessions say whose they are in pg_stat_activity,
		// and so which process leads (DB.Leader).
		cfg.ConnConfig.RuntimeParams["application_name"] = appName()
	}
	cfg.MaxConns = 8
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", where, err)
	}
	db := &DB{pool: pool, url: url, where: where}
	ok := false
	defer func() {
		if !ok {
			pool.Close()
		}
	}()
	var schema *string
	if err := pool.QueryRow(ctx, `SELECT current_schema(), hashtext(current_schema())`).Scan(&schema, &db.key); err != nil {
		return nil, fmt.Errorf("database %s: %w", where, unreachable(err))
	}
	if schema == nil {
		return nil, fmt.Errorf("database %s: no schema of its search_path exists; create the schema first", where)
	}
	db.schema = *schema
	db.channel = fmt.Sprintf("hypercare_%08x", uint32(db.key))
	db.self = rand.Text()
	if err := db.checkVersion(ctx); err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, alertSeqSQL).Scan(&db.alertSeq); err != nil {
		return nil, fmt.Errorf("database %s: %w", where, unreachable(err))
	}
	if db.trigrams, err = textIndexed(ctx, pool); err != nil {
		return nil, fmt.Errorf("database %s: %w", where, err)
	}
	db.lead.cfg = cfg.ConnConfig.Copy()
	if err := db.startListening(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	ok = true
	return db, nil
}

// appName names this process's sessions: "hypercare PID@HOST".
func appName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("hypercare %d@%s", os.Getpid(), host)
}

// Redact drops the password from a database URL, for messages and logs.
func Redact(raw string) string { return redact(raw) }

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable database URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Where is the database's URL without its password.
func (db *DB) Where() string { return db.where }

// Close stops listening and closes every connection.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.listen.stop()
		db.lead.close(db.key)
		db.pool.Close()
	})
	return nil
}

// Write runs fn in one transaction, holding the write lock, and wakes
// subscribers here and, through NOTIFY, in every other process once it has
// committed. fn must not call Write itself.
func (db *DB) Write(ctx context.Context, fn func(model.Tx) error) error {
	pgTx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin write: %w", unreachable(err))
	}
	// A no-op after Commit; deferred so that a panic in fn cannot leave
	// the connection inside an open transaction.
	defer pgTx.Rollback(context.WithoutCancel(ctx))
	t := &tx{ctx: ctx, tx: pgTx, db: db}
	// The lock goes with the transaction's first statement, before it.
	t.later("begin write", nil, `SELECT pg_advisory_xact_lock($1, $2)`, lockWrite, db.key)
	if err := fn(t); err != nil {
		t.discard() // rolled back
		return err
	}
	t.later("commit: count", nil, foldCountersSQL)
	// Delivered to the listeners when, and only if, the commit succeeds.
	t.later("commit", nil, `SELECT pg_notify($1, $2)`, db.channel, db.self)
	if err := t.flush(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if err := pgTx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", unreachable(err))
	}
	db.subs.Notify()
	return nil
}

// foldCountersSQL adds the deltas the counting triggers appended to the
// counters, once per transaction (migrations/0001_init.sql says why).
const foldCountersSQL = `WITH d AS (DELETE FROM counter_deltas RETURNING name, delta)
UPDATE counters c SET value = c.value + s.delta
FROM (SELECT name, sum(delta) AS delta FROM d GROUP BY name) s
WHERE c.name = s.name`

// counterValue reads a counter with any delta not folded into it yet.
const counterValue = `c.value + coalesce((SELECT sum(d.delta) FROM counter_deltas d WHERE d.name = c.name), 0)::bigint`

// scanner is a pgx.Row or pgx.Rows.
type scanner = rowcodec.Row

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, err error, what string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, unreachable(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, unreachable(err))
	}
	return out, nil
}

// one scans a single-row read, mapping "no rows" to model.ErrNotFound
// under the record's reference.
func one[T any](row pgx.Row, ref string, scan func(scanner) (T, error)) (T, error) {
	var zero T
	v, err := scan(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return zero, fmt.Errorf("%s: %w", ref, model.ErrNotFound)
	}
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", ref, unreachable(err))
	}
	return v, nil
}

// query runs a read on the pool; pgx prepares each statement once per
// connection and reuses it.
func (db *DB) query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	return db.pool.Query(ctx, query, args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) pgx.Row {
	return db.pool.QueryRow(ctx, query, args...)
}
