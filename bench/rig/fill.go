package rig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// Span is how far back a filled database reaches: a 90-day hypercare that
// ends now.
const Span = 90 * 24 * time.Hour

// Fill adds alerts to the database at dbPath through the real intake: Gen's
// files, renamed into a watched folder in bursts, applied by the watcher
// through the service layer with the example plan, so storms, routes,
// incidents and their timelines, alert history and the audit log are all
// written as live traffic writes them. The service layer's clock walks
// through the last 90 days, one step per burst, and the stale sweep runs
// at the end as the console's timer would run it. It returns the Gen, so
// a caller may go on with the same groups.
func Fill(ctx context.Context, dbPath string, alerts, perFile int, progress func(done int)) (*Gen, error) {
	work, err := os.MkdirTemp(filepath.Dir(dbPath), "fill-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	end := time.Now().UTC()
	var clock atomic.Int64
	clock.Store(end.Add(-Span).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	r, err := Start(ctx, dbPath, work, now)
	if err != nil {
		return nil, err
	}
	g := &Gen{Alerts: perFile, Prefix: "fill", Now: now}
	const burst = 200
	files := (alerts + perFile - 1) / perFile
	// Files are made until the number of distinct alerts is reached; each
	// file also resolves some, so more files than alerts/perFile are needed.
	for g.Made() < alerts {
		var batch []File
		for len(batch) < burst && g.Made() < alerts {
			batch = append(batch, g.Files(1)...)
		}
		if err := r.Stage(batch); err != nil {
			r.Close()
			return nil, err
		}
		if _, _, err := r.Burst(batch, time.Hour); err != nil {
			r.Close()
			return nil, err
		}
		clock.Add(int64(Span) / int64(max(1, 2*files/burst)))
		if progress != nil {
			progress(g.Made())
		}
	}
	clock.Store(end.UnixNano())
	if _, err := r.Desk.SweepStale(ctx, end); err != nil {
		r.Close()
		return nil, fmt.Errorf("stale sweep: %w", err)
	}
	return g, r.Close()
}
