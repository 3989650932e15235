package rig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// burstFiles is how many files Fill renames in at once.
const burstFiles = 200

// Span is how far back a filled database reaches: a 90-day hypercare that
// ends now.
const Span = 90 * 24 * time.Hour

// Fill adds alerts to the database at dbPath through the real intake: Gen's
// files, renamed into a watched folder in bursts, applied by the watcher
// through the service layer with the example plan, so storms, routes,
// incidents and their timelines, alert history and the audit log are all
// written as live traffic writes them. The service layer's clock walks
// through the last 90 days, one step per burst, the steps shrinking
// towards now so that the last bursts are minutes apart: what they fired
// is still firing (about 2% of the alerts), as on a live system. The stale
// sweep runs at the end as the console's timer would run it. It returns the Gen, so
// a caller may go on with the same groups.
func Fill(ctx context.Context, dbPath string, alerts, perFile int, progress func(done int)) (*Gen, error) {
	work, err := os.MkdirTemp(filepath.Dir(dbPath), "fill-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	end := time.Now().UTC()
	var clock atomic.Int64
	// Bursts needed: a file adds perFile/2 new alerts once its group has
	// some firing to resolve.
	bursts := max(1, (2*alerts/max(1, perFile)+burstFiles-1)/burstFiles)
	at := func(k int) time.Time {
		left := 1 - float64(min(k, bursts))/float64(bursts)
		return end.Add(-time.Duration(left * left * float64(Span)))
	}
	clock.Store(at(0).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	r, err := Start(ctx, dbPath, work, now)
	if err != nil {
		return nil, err
	}
	g := &Gen{Alerts: perFile, Prefix: "fill", Now: now}
	// Files are made until the number of distinct alerts is reached; each
	// file also resolves some, so more files than alerts/perFile are needed.
	for k := 1; g.Made() < alerts; k++ {
		var batch []File
		for len(batch) < burstFiles && g.Made() < alerts {
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
		clock.Store(min(at(k).UnixNano(), end.Add(-time.Minute).UnixNano()))
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
