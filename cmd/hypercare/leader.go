package main

import (
	"context"
	"time"
)

// leadCheckEvery is how often a process asks whether it leads the
// time-driven work: how soon another takes over when the leader stops. A
// variable only so that tests running hypercare as processes of its own
// can tick faster.
var leadCheckEvery = 15 * time.Second

// whileLeading runs run for as long as this process leads the time-driven
// work (database.leading), asking every interval: it starts run when the
// lead is taken and cancels it when the lead is lost, until ctx ends, and
// returns once run has. On a SQLite file a process always leads, so run
// simply runs.
func whileLeading(ctx context.Context, leading func(context.Context) bool, every time.Duration, run func(context.Context)) {
	var stop context.CancelFunc // set while run runs
	var done chan struct{}
	end := func() {
		if stop != nil {
			stop()
			<-done
			stop = nil
		}
	}
	defer end()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		switch lead := leading(ctx); {
		case lead && stop == nil:
			rctx, cancel := context.WithCancel(ctx)
			stop, done = cancel, make(chan struct{})
			go func() { defer close(done); run(rctx) }()
		case !lead:
			end()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
