// Package pgbench is what the bench/ harnesses need of PostgreSQL beyond
// the store: a fresh schema per measured run, and the raw batched upsert
// that the real ingest path is measured against. Only bench/ imports it;
// it is not part of hypercare.
package pgbench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5"
)

// Schema creates the schema name in the database at base (dropping one of
// that name left by an earlier run) and returns base with its search_path
// set to it, for pg.Open, and a func that drops it again.
func Schema(ctx context.Context, base, name string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	id := pgx.Identifier{name}.Sanitize()
	if err := exec(ctx, base, "DROP SCHEMA IF EXISTS "+id+" CASCADE", "CREATE SCHEMA "+id); err != nil {
		return "", nil, err
	}
	return u.String(), func() error { return exec(context.Background(), base, "DROP SCHEMA IF EXISTS "+id+" CASCADE") }, nil
}

func exec(ctx context.Context, base string, sqls ...string) error {
	conn, err := pgx.Connect(ctx, base)
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

// RawUpsert writes alerts straight into the alerts table of the schema at
// dbURL (made by pg.Open, so with its indexes and counting triggers): one
// transaction, one pgx batch of one prepared upsert per alert. It is the
// floor for this schema, what Desk.Ingest is compared with, and returns
// how long it took from the transaction's start to its commit.
func RawUpsert(ctx context.Context, dbURL string, alerts []model.Alert, group string) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	const upsert = `INSERT INTO alerts (dedup_key, source, name, severity, state, service, summary,
	labels, annotations, starts_at, first_seen, last_seen, group_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
ON CONFLICT (dedup_key) DO UPDATE SET state = excluded.state, last_seen = excluded.last_seen, count = alerts.count + 1`
	now := time.Now().UnixMilli()
	var b pgx.Batch
	for _, a := range alerts {
		labels, _ := json.Marshal(a.Labels)
		ann, _ := json.Marshal(a.Annotations)
		b.Queue(upsert, a.DedupKey, a.Source, a.Name, int(a.Severity), string(a.State), a.Service, a.Summary,
			string(labels), string(ann), a.StartsAt.UnixMilli(), now, group)
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
