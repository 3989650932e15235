package store

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/storetest"
)

// The WAL is copied into the database file after a commit by the
// checkpoint connection, while the writer's own automatic checkpoint waits
// for a WAL many times larger than one small commit leaves.
func TestCheckpointsBesideWriter(t *testing.T) {
	db := openTest(t)
	var backstop int
	if err := db.writer.QueryRowContext(t.Context(), "PRAGMA wal_autocheckpoint").Scan(&backstop); err != nil {
		t.Fatal(err)
	}
	if backstop != checkpointBackstop {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", backstop, checkpointBackstop)
	}
	// Drain a checkpoint that opening the database may have caused.
	select {
	case <-db.ckpt.ran:
	default:
	}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var alerts []model.Alert
	for i := range 50 {
		alerts = append(alerts, model.Alert{DedupKey: fmt.Sprintf("ckpt-%d", i), Source: "test", Name: "DiskFull",
			Severity: model.SevWarning, State: model.AlertFiring, Service: "db", Summary: "disk full", LastSeen: now})
	}
	storetest.UpsertAlerts(t, db, alerts)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-db.ckpt.ran:
		case <-deadline:
			t.Fatal("no checkpoint copied the commit into the database file within 10 s")
		}
		if n := db.ckpt.walFrames.Load(); n > 0 && db.ckpt.copiedFrames.Load() == n {
			break
		}
		// A reader (the text indexer) held part of the WAL: ask again.
		db.ckpt.afterCommit()
	}
	if n := db.ckpt.walFrames.Load(); n >= checkpointBackstop {
		t.Fatalf("the WAL held %d frames: the writer's backstop may have checkpointed", n)
	}
	// The database file alone, without its WAL, now holds the alerts.
	alone, err := sql.Open("sqlite", fileDSN(db.path, "mode=ro", "immutable=1"))
	if err != nil {
		t.Fatal(err)
	}
	defer alone.Close()
	var got int
	if err := alone.QueryRowContext(t.Context(), "SELECT count(*) FROM alerts WHERE dedup_key LIKE 'ckpt-%'").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != len(alerts) {
		t.Fatalf("the database file holds %d of the %d alerts committed", got, len(alerts))
	}
}
