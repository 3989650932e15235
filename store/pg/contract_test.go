package pg

import (
	"context"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/pg/pgtest"
	"github.com/hypercare-ops/hypercare/store/storetest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// openTest opens a store on a fresh schema, closed when t ends.
func openTest(t *testing.T) *DB {
	t.Helper()
	return openURL(t, pgtest.URL(t))
}

func openURL(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The store contract (storetest) on PostgreSQL, a fresh schema per test.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) storetest.DB {
			db := openTest(t)
			return storetest.DB{Store: db, Raw: poolRaw{db.pool}}
		},
		OpenAgain: func(t *testing.T, db storetest.DB) model.Store {
			return openURL(t, db.Store.(*DB).url)
		},
	})
}

// poolRaw runs SQL past the service layer.
type poolRaw struct{ pool *pgxpool.Pool }

func (r poolRaw) Exec(ctx context.Context, query string, args ...any) error {
	_, err := r.pool.Exec(ctx, query, args...)
	return err
}

func (r poolRaw) Int(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := r.pool.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}
