package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/storetest"
)

// The store contract (storetest) on SQLite files in t.TempDir().
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) storetest.DB {
			db := openTest(t)
			return storetest.DB{Store: db, Raw: sqlRaw{rawOpen(t, db.Path())}}
		},
		OpenAgain: func(t *testing.T, db storetest.DB) model.Store {
			again, err := Open(t.Context(), db.Store.(*DB).Path(), Options{PollInterval: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { again.Close() })
			return again
		},
	})
}

// sqlRaw runs SQL on a connection of its own, as another tool would.
type sqlRaw struct{ db *sql.DB }

func (r sqlRaw) Exec(ctx context.Context, query string, args ...any) error {
	_, err := r.db.ExecContext(ctx, query, args...)
	return err
}

func (r sqlRaw) Int(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := r.db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}
