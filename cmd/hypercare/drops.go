package main

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/drops"
	"github.com/hypercare-ops/hypercare/ui"
)

// watchDrops starts the drop folder's watcher for the life of ctx and
// returns what the footer shows of it. With logf (serve; the console has
// its screen instead), what an operator may want to know is logged: the
// watcher's own notes, and each drop rejected or applied with alerts
// refused, with the first reason. The process that watches the drops also
// runs the SLA sweep and the Alertmanager reconcile for as long, and the
// status carries the reconcile's last problem.
//
// The returned wait blocks until every goroutine it started has returned;
// call it after ctx ends and before the database closes, so no prune or
// sweep is still writing (into the database, or archive/ beside it) as
// the process or a test tears down.
func watchDrops(ctx context.Context, a *app, dir string, logf func(string, ...any)) (status func() ui.DropStatus, wait func(), err error) {
	cfg := drops.Config{Dir: dir, Ingester: a.desk, Limits: drops.DefaultLimits(), Logf: logf}
	if logf != nil {
		cfg.OnResult = func(res drops.Result) {
			switch {
			case res.Rejected != nil:
				logf("drops: %s rejected, moved to %s: %s", res.File, res.MovedTo, firstLine(res.Rejected.Error()))
			case len(res.Refused) > 0:
				r := res.Refused[0]
				logf("drops: %s applied, %d alert(s) refused (see %s.error); first: %s: %s", res.File, len(res.Refused), res.MovedTo, r.Where, r.Reason)
			}
			for _, d := range res.Deploys {
				if d.Unauthorised {
					logf("drops: %s: %s, %s: %s", res.File, d.Ref(), d.Describe(), d.Note)
				}
			}
		}
	}
	w, err := drops.NewWatcher(cfg)
	if err != nil {
		return nil, nil, err
	}
	var running sync.WaitGroup
	goWait := func(f func()) {
		running.Add(1)
		go func() { defer running.Done(); f() }()
	}
	var stopped atomic.Value // error from Run, when it returned early
	goWait(func() {
		if err := w.Run(ctx); err != nil && ctx.Err() == nil {
			stopped.Store(err)
		}
	})
	// The process that ingests also keeps the SLA clocks (the 75% warning,
	// breach escalation and level timeouts) and the expiry warnings: they
	// need no one at a keyboard.
	// With several processes on one PostgreSQL database, the leader alone
	// does (database.leading).
	goWait(func() { sweepSLA(ctx, a.desk, a.db.leading, slaSweepEvery) })
	// And it keeps the database to the plan's retention (the leader, too).
	var pruneProblem atomic.Value // string: why the last prune failed
	goWait(func() {
		prunePeriodically(ctx, a.desk, a.db.leading, archiveDir(a.where), pruneEvery, func(p string) {
			if p != "" && logf != nil {
				logf("retention: %s", p)
			}
			pruneProblem.Store(p)
		})
	})
	var reconcileProblem atomic.Value // string: why the last check with an Alertmanager failed
	goWait(func() {
		reconcileAlertmanagers(ctx, a.desk, a.plan.Plan, a.db.leading, reconcileEvery, func(p string) { reconcileProblem.Store(p) })
	})
	return func() ui.DropStatus {
		st := w.Status()
		out := ui.DropStatus{Watching: st.Watching, Queue: st.Queue, Processed: st.Processed, Rejected: st.Rejected,
			LastFile: st.Last.File, LastAt: st.Last.At, LastRejected: st.Last.Rejected != nil}
		if st.Retrying != nil {
			out.Problem = firstLine(st.Retrying.Error())
		}
		if st.Ignored > 0 {
			out.Ignored, out.LastIgnored = st.Ignored, st.LastIgnored.Name+": "+st.LastIgnored.Kind
		}
		out.Sources, _ = reconcileProblem.Load().(string)
		out.Sources = firstLine(out.Sources)
		out.Retention, _ = pruneProblem.Load().(string)
		if err, ok := stopped.Load().(error); ok {
			out.Problem = firstLine(err.Error())
		}
		return out
	}, running.Wait, nil
}

// slaSweepEvery bounds how late an SLA event is raised. A variable only so
// that tests running hypercare as processes of its own can tick faster.
var slaSweepEvery = 15 * time.Second

// sweepSLA raises due SLA and escalation events, marks alerts whose
// senders went quiet as stale, raises the licence and certificate expiry
// warnings due, reminds war rooms of a status update due, and records
// missed and late job runs, until ctx ends, on the ticks when this process
// leads. A failed sweep is tried again on the next tick: events are raised
// by state, not by the tick, so none is lost, and a process that takes the
// lead over raises what came due meanwhile.
func sweepSLA(ctx context.Context, desk *model.Desk, leading func(context.Context) bool, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sweepOnce(ctx, desk, leading)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepOnce runs every sweep if this process leads, and says whether it did.
func sweepOnce(ctx context.Context, desk *model.Desk, leading func(context.Context) bool) bool {
	if !leading(ctx) {
		return false
	}
	_, _ = desk.SweepSLA(ctx, desk.Now())
	_, _ = desk.SweepStale(ctx, desk.Now())
	_, _ = desk.SweepExpiry(ctx, desk.Now())
	_, _ = desk.SweepMajor(ctx, desk.Now())
	_, _ = desk.SweepJobs(ctx, desk.Now())
	return true
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
