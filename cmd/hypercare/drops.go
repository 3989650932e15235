package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
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
// refused, with the first reason.
func watchDrops(ctx context.Context, a *app, dir string, logf func(string, ...any)) (func() ui.DropStatus, error) {
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
		}
	}
	w, err := drops.NewWatcher(cfg)
	if err != nil {
		return nil, err
	}
	var stopped atomic.Value // error from Run, when it returned early
	go func() {
		if err := w.Run(ctx); err != nil && ctx.Err() == nil {
			stopped.Store(err)
		}
	}()
	// The process that ingests also keeps the SLA clocks: the 75% warning,
	// breach escalation and level timeouts need no one at a keyboard.
	go sweepSLA(ctx, a.desk, slaSweepEvery)
	var reconcileProblem atomic.Value // string: why the last check with an Alertmanager failed
	go reconcileAlertmanagers(ctx, a.desk, a.plan.Plan, reconcileEvery, func(p string) { reconcileProblem.Store(p) })
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
		if err, ok := stopped.Load().(error); ok {
			out.Problem = firstLine(err.Error())
		}
		return out
	}, nil
}

// slaSweepEvery bounds how late an SLA event is raised.
const slaSweepEvery = 15 * time.Second

// sweepSLA raises due SLA and escalation events, and marks alerts whose
// senders went quiet as stale, until ctx ends. A failed sweep is tried again
// on the next tick: events are raised by state, not by the tick, so none is
// lost.
func sweepSLA(ctx context.Context, desk *model.Desk, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_, _ = desk.SweepSLA(ctx, desk.Now())
		_, _ = desk.SweepStale(ctx, desk.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// runServe runs hypercare as a service until interrupted: the drop watcher,
// the console over SSH (unless --ssh off) and, with --http, the webhook
// receiver.
func runServe(g global, args []string, w io.Writer) error {
	var httpAddr, sshAddr string
	fs := g.flags("serve")
	fs.StringVar(&httpAddr, "http", "", "")
	fs.StringVar(&sshAddr, "ssh", defaultSSHAddr, "")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		return usagef("serve: unexpected %q", words[0])
	}
	if sshAddr == "off" && httpAddr == "" {
		return usagef("serve: with --ssh off there is nothing to serve; give --http ADDR (e.g. --http 127.0.0.1:9095)")
	}
	keys, err := loadKeys(g)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	if err := os.MkdirAll(g.drops, 0o755); err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	a, err := openApp(ctx, g.db, g.plan)
	if err != nil {
		return err
	}
	defer a.db.Close()
	memory := &memoryBudget{}
	memory.apply()
	dropStatus, err := watchDrops(ctx, a, g.drops, log.New(os.Stderr, "", log.LstdFlags).Printf)
	if err != nil {
		return err
	}
	var servers []func() error
	if sshAddr != "off" {
		c := &sshConsole{log: log.New(os.Stderr, "", log.LstdFlags), memory: memory, shared: ui.Deps{
			Reader: a.db, Notifier: a.db, Actions: a.desk, Plan: a.plan,
			Keys: keys, DropsDir: g.drops, Drops: dropStatus, Presence: &model.Presence{},
		}}
		srv, err := newSSHServer(ctx, c, hostKeyPath(g.db))
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", sshAddr)
		if err != nil {
			return fmt.Errorf("ssh: %w", err)
		}
		servers = append(servers, func() error { return serveUntilDone(ctx, srv, ln) })
		host, port, _ := net.SplitHostPort(ln.Addr().String())
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host, _ = os.Hostname() // listening everywhere: name this machine
		}
		fmt.Fprintf(w, "hypercare: consoles over SSH: ssh -p %s %s (host key %s)\n", port, host, hostKeyPath(g.db))
	}
	if httpAddr != "" {
		logger := log.New(os.Stderr, "", log.LstdFlags)
		rc := newReceiver(g.drops, drops.DefaultLimits(), func(format string) model.AlertSource { return a.plan.Plan().AlertSource(format) }, logger)
		srv, ln, err := listenHTTP(httpAddr, rc.handler(), logger)
		if err != nil {
			return err
		}
		servers = append(servers, func() error { return serveUntilDone(ctx, srv, ln) })
		fmt.Fprintf(w, "hypercare: receiving alerts on http://%s%s<format> (alertmanager, grafana, pagerduty, opsgenie, generic) into %s\n", ln.Addr(), alertsPrefix, g.drops)
	}
	fmt.Fprintln(w, "hypercare: ctrl+c stops")
	// One server failing stops the other, so a half-up service is not
	// mistaken for a working one.
	errs := make(chan error, len(servers))
	for _, serve := range servers {
		go func() { errs <- serve() }()
	}
	var first error
	for range servers {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}
