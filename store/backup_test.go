package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
)

func TestBackup(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	desk := model.NewDesk(db, modeltest.Policy{})
	if _, err := desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "disk full", Service: "orders",
		Impact: model.High, Urgency: model.High}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dest := filepath.Join(dir, "copy.db")
	info, err := db.Backup(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if info.Path != dest || info.Size != st.Size() || info.SchemaVersion != SchemaVersion {
		t.Errorf("info = %+v; want path %s, size %d, schema %d", info, dest, st.Size(), SchemaVersion)
	}
	if rows(t, info, "incidents") != 1 || rows(t, info, "audit") != 1 || rows(t, info, "timeline") != 1 {
		t.Errorf("counts = %+v; want one incident with its audit row and timeline entry", info.Tables)
	}
	for _, tc := range info.Tables {
		if strings.HasPrefix(tc.Name, "articles_fts") || strings.HasPrefix(tc.Name, "sqlite_") {
			t.Errorf("counts list %s, which holds no records of its own", tc.Name)
		}
	}

	_, err = db.Backup(ctx, dest)
	if err == nil || !strings.Contains(err.Error(), "already exists; pick another name or delete it") {
		t.Errorf("backup over an existing file: %v; want it refused with what to do", err)
	}
	// Only the copy: no temporary file, no -wal or -shm left by checking it.
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files; want the backup alone", len(entries))
	}

	copyDB, err := Open(ctx, dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	q, err := copyDB.Queue(ctx, model.QueueQuery{})
	if err != nil || len(q) != 1 || q[0].Title != "disk full" {
		t.Fatalf("backup queue = %+v, %v", q, err)
	}
}

func rows(t *testing.T, info BackupInfo, table string) int64 {
	t.Helper()
	for _, tc := range info.Tables {
		if tc.Name == table {
			return tc.Rows
		}
	}
	t.Fatalf("the backup has no table %s: %+v", table, info.Tables)
	return 0
}

// A backup taken while the desk keeps writing holds whole transactions:
// each incident with its timeline entry, its audit row and the counter its
// trigger moved, and as many as were committed when the copy's snapshot
// was taken.
func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	desk := model.NewDesk(db, modeltest.Policy{})
	var committed atomic.Int64
	progress := make(chan struct{}, 1)
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			_, err := desk.CreateIncident(ctx, model.System, model.NewIncident{Title: fmt.Sprintf("incident %d", i),
				Service: "checkout", Impact: model.Medium, Urgency: model.Low})
			if err != nil {
				done <- err
				return
			}
			committed.Add(1)
			select {
			case progress <- struct{}{}:
			default:
			}
		}
	}()
	for committed.Load() < 20 {
		<-progress
	}
	before := committed.Load()
	dest := filepath.Join(t.TempDir(), "busy.db")
	info, err := db.Backup(ctx, dest)
	after := committed.Load()
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("the writer failed during the backup: %v", werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	// One write may have committed and not yet been counted.
	n := rows(t, info, "incidents")
	if n < before || n > after+1 {
		t.Errorf("the backup holds %d incidents; %d were committed before it began and %d by the time it returned", n, before, after)
	}

	copyDB, err := Open(ctx, dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var created, audited, counted int64
	for _, q := range []struct {
		sql  string
		into *int64
	}{
		{"SELECT count(*) FROM timeline WHERE kind = 'created'", &created},
		{"SELECT count(*) FROM audit WHERE action = 'incident.create'", &audited},
		{"SELECT value FROM counters WHERE name = 'incidents'", &counted},
	} {
		if err := copyDB.readers.QueryRowContext(ctx, q.sql).Scan(q.into); err != nil {
			t.Fatal(err)
		}
	}
	if created != n || audited != n || counted != n {
		t.Errorf("a transaction is in the backup in part: %d incidents, %d created entries, %d audit rows, counter %d", n, created, audited, counted)
	}
}

// A copy that is not a sound database is never put in place as a backup.
func TestInspectRefusesDamage(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	desk := model.NewDesk(db, modeltest.Policy{})
	for i := range 200 {
		if _, err := desk.CreateIncident(ctx, model.System, model.NewIncident{Title: fmt.Sprintf("incident %d with a longer title to fill pages", i),
			Service: "checkout", Impact: model.Low, Urgency: model.Low}); err != nil {
			t.Fatal(err)
		}
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	info, err := db.Backup(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inspect(ctx, dest); err != nil {
		t.Fatalf("a sound copy failed its check: %v", err)
	}
	// Overwrite the middle of the file: pages of the tables, past the header.
	data, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	for i := info.Size / 2; i < info.Size/2+8192 && i < info.Size; i++ {
		data[i] = 0xA5
	}
	if err := os.WriteFile(dest, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := inspect(context.Background(), dest); err == nil || !strings.Contains(err.Error(), "integrity check") {
		t.Errorf("a damaged copy: %v; want its integrity check to fail", err)
	}

}
