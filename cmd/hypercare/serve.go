package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/drops"
	"github.com/hypercare-ops/hypercare/ui"
)

const serveUsage = `Usage: hypercare serve [--ssh ADDR|off] [--http ADDR]

Runs hypercare as a service until interrupted (Ctrl-C, SIGTERM):
  - the console over SSH on --ssh (default 127.0.0.1:2222): anyone whose public
    key is in the plan's [[operator]] keys logs in as that operator, whatever
    user name they give; the host key is kept as ssh_host_ed25519 next to the
    database. Connect with: ssh -t -p 2222 HOST
  - the drop folder (--drops) watched: alert, deploy and heartbeat files renamed
    into it are applied and moved to processed/ or, with a reason, rejected/
  - with --http ADDR, the webhook receiver: alerts at POST /alerts/<format>,
    deploys and heartbeats too (see 'hypercare formats' for the paths)
  - the time-driven work: SLA warnings and escalations, stale alerts, expiry
    warnings, missed jobs, notifications, and the hourly prune of what is older
    than the plan's [retention]. On PostgreSQL one process does it (the leader).
--ssh off with no --http watches the drop folder alone (a headless intake).
A plan edit is taken up live; an edit with problems keeps the last good plan.

Flags:
  --ssh ADDR    where consoles listen, or off      (default 127.0.0.1:2222)
  --http ADDR   where webhooks are taken, e.g. :9095 (default: none)
  --db, --drops, --plan as for every command (hypercare --help)
`

// runServe runs hypercare as a service until interrupted: the drop watcher,
// the console over SSH (unless --ssh off) and, with --http, the webhook
// receiver.
func runServe(g global, args []string, w io.Writer) error {
	var httpAddr, sshAddr string
	fs := g.flags("serve")
	fs.StringVar(&httpAddr, "http", "", "")
	fs.StringVar(&sshAddr, "ssh", defaultSSHAddr, "")
	words, err := parse(fs, args)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cmdUsage{usage: serveUsage}
	case errors.As(err, &ue):
		return cmdUsage{usage: serveUsage, msg: "serve: " + ue.msg}
	case len(words) > 0:
		return cmdUsage{usage: serveUsage, msg: fmt.Sprintf("serve: unexpected %q", words[0])}
	}
	ctx, cancel := signalContext()
	defer cancel()
	return serve(ctx, g, sshAddr, httpAddr, w)
}

// serve runs the service until ctx ends. With SSH off and no HTTP it is a
// headless intake: the drop folder watched, SLA and stale sweeps running.
func serve(ctx context.Context, g global, sshAddr, httpAddr string, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	keys, err := loadKeys(g)
	if err != nil {
		return err
	}
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
	memory.pace()
	logf := log.New(os.Stderr, "", log.LstdFlags).Printf
	dropStatus, waitDrops, err := watchDrops(ctx, a, g.drops, logf)
	if err != nil {
		return err
	}
	waitNotify := startNotify(ctx, a, logf)
	defer func() { cancel(); waitNotify(); waitDrops() }() // before the database closes
	var servers []func() error
	if sshAddr != "off" {
		// The sessions read through one Shared: what several of them show
		// is read once per commit, not once per session.
		reads := ui.NewShared(a.db, a.db)
		defer reads.Close()
		c := &sshConsole{log: log.New(os.Stderr, "", log.LstdFlags), memory: memory, shared: ui.Deps{
			Reader: reads, Notifier: reads, Actions: a.desk, Planner: a.desk, Plan: a.plan,
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
		rc.knowPlan(a.plan.Plan)
		srv, ln, err := listenHTTP(httpAddr, rc.handler(), logger)
		if err != nil {
			return err
		}
		servers = append(servers, func() error { return serveUntilDone(ctx, srv, ln) })
		fmt.Fprintf(w, "hypercare: receiving alerts on http://%s%s<format> (alertmanager, grafana, pagerduty, opsgenie, generic), deploys on http://%[1]s%[4]s and heartbeats on http://%[1]s%[5]s into %[3]s\n",
			ln.Addr(), alertsPrefix, g.drops, deploysPath, heartbeatsPath)
	}
	if len(servers) == 0 {
		fmt.Fprintf(w, "hypercare: watching %s for alert drops (no SSH, no HTTP); ctrl+c stops\n", g.drops)
		<-ctx.Done()
		return nil
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

// listenServer is what *ssh.Server and *http.Server have in common.
type listenServer interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
	Close() error
}

// serveUntilDone runs srv on ln until ctx ends, then gives open sessions and
// requests a few seconds to finish before closing what is left.
func serveUntilDone(ctx context.Context, srv listenServer, ln net.Listener) error {
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(ln) }()
	select {
	case err := <-errs:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := srv.Shutdown(shutdown); err != nil {
		return srv.Close()
	}
	return nil
}
