// Command ssh measures the console served over SSH against the budgets in
// SPEC.md and issue 6: with N concurrent sessions on loopback and a drop
// every 100 ms, every session sees each new alert within 1 s (p99); the
// server grows by at most 8 MB per session; and nothing is left behind once
// the sessions disconnect.
//
//	go run ./bench/ssh                       # 100 sessions, 100 drops
//	go run ./bench/ssh -sessions 20 -drops 30
//	go run ./bench/ssh -bin ./hypercare      # an already built binary
//
// The server is the real `hypercare serve --ssh`, run as a child process so
// its memory is measured alone (/proc/PID/status VmRSS), not mixed with the
// clients'. Its goroutines are counted from the dump Go prints on SIGQUIT:
// once after a single session on a fresh server, once after all N sessions
// came and went; the two must match.
//
// Each session is a terminal (-size, 80x24 by default, or 200x60 for the
// whole grid) that answers the device-attributes query as terminal
// emulators do and shows the alert feed. A drop is one generic NDJSON alert
// written as a dotfile and renamed in, as producers must; its latency is
// from the rename to the alert's name reaching that session's screen.
//
// With -db the measured server runs on a copy of that database (a million
// alerts from bench/gendb, with storms), the plan's storm rules on: the
// bench's own alerts each name a service of their own, so none of them
// folds into a storm and every one must be drawn.
//
//	go run ./bench/ssh -db /tmp/bench-1m.db -size 200x60
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/bench/latency"
	"github.com/hypercare-ops/hypercare/bench/rig"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/plan"
	gossh "golang.org/x/crypto/ssh"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.sessions, "sessions", 100, "concurrent SSH sessions")
	flag.IntVar(&cfg.drops, "drops", 100, "drops to write, one alert each")
	flag.DurationVar(&cfg.every, "every", 100*time.Millisecond, "time between drops")
	flag.StringVar(&cfg.bin, "bin", "", "hypercare binary (default: build ./cmd/hypercare into the work folder)")
	flag.StringVar(&cfg.db, "db", "", "database to copy for the measured server (default: an empty one)")
	flag.StringVar(&cfg.size, "size", "80x24", "the clients' terminal size, WIDTHxHEIGHT")
	flag.StringVar(&cfg.colour, "colour", "256", "what the clients' terminals show: 256 (TERM=xterm-256color, as most SSH clients say), truecolor (COLORTERM=truecolor sent too) or none (NO_COLOR=1 sent)")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ssh:", err)
		os.Exit(1)
	}
}

type config struct {
	sessions, drops int
	every           time.Duration
	bin, colour     string
	db, size        string
	w, h            int
}

// environ is what the clients send for cfg.colour.
func (cfg config) environ() ([]string, error) {
	switch cfg.colour {
	case "256":
		return nil, nil
	case "truecolor":
		return []string{"COLORTERM=truecolor"}, nil
	case "none":
		return []string{"NO_COLOR=1"}, nil
	}
	return nil, fmt.Errorf("-colour %q: use 256, truecolor or none", cfg.colour)
}

func run(cfg config) error {
	environ, err := cfg.environ()
	if err != nil {
		return err
	}
	if _, err := fmt.Sscanf(cfg.size, "%dx%d", &cfg.w, &cfg.h); err != nil || cfg.w < 60 || cfg.h < 20 {
		return fmt.Errorf("-size %q: give WIDTHxHEIGHT, at least 60x20", cfg.size)
	}
	termW, termH = cfg.w, cfg.h
	work, err := os.MkdirTemp("", "hypercare-bench-ssh-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if cfg.bin == "" {
		cfg.bin = filepath.Join(work, "hypercare")
		build := exec.Command("go", "build", "-o", cfg.bin, "github.com/hypercare-ops/hypercare/cmd/hypercare")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build hypercare: %w", err)
		}
	}
	keys, err := newKeys()
	if err != nil {
		return err
	}

	// The baseline: a fresh server after one session.
	base, err := startServer(cfg.bin, filepath.Join(work, "base"), keys)
	if err != nil {
		return err
	}
	if err := base.warmUp(keys); err != nil {
		base.stop()
		return err
	}
	baseGoroutines, err := base.goroutines()
	if err != nil {
		return err
	}

	if cfg.db != "" {
		if err := rig.Upgrade(context.Background(), cfg.db); err != nil {
			return err
		}
		start := time.Now()
		data := filepath.Join(work, "run", "data")
		if err := os.MkdirAll(data, 0o755); err != nil {
			return err
		}
		if err := rig.Copy(cfg.db, filepath.Join(data, "hypercare.db")); err != nil {
			return err
		}
		fmt.Printf("copied %s in %s\n", cfg.db, time.Since(start).Round(time.Millisecond))
	}
	srv, err := startServer(cfg.bin, filepath.Join(work, "run"), keys)
	if err != nil {
		return err
	}
	defer srv.stop()
	if err := srv.warmUp(keys); err != nil {
		return err
	}
	// A server that opens a database last written hours ago catches up
	// first: the stale sweep marks the alerts whose senders went quiet
	// since (tens of thousands on a gendb database), and every session
	// would read after it. That is a start-up cost, not the steady state
	// the figures below are about: wait for it to end.
	if took, ok := srv.settle(2 * time.Minute); ok {
		fmt.Printf("server settled (under 5%% of a core for a second) after %s\n", took.Round(time.Millisecond))
	} else {
		fmt.Printf("server still busy after %s; measuring anyway\n", took.Round(time.Millisecond))
	}
	idle := srv.sample()
	fmt.Printf("server: %s  (idle after one session)\n", idle)

	start := time.Now()
	sessions := make([]*session, cfg.sessions)
	errs := make(chan error, cfg.sessions)
	for i := range sessions {
		go func() {
			s, err := openSession(srv.addr, keys.forSession(i), environ)
			sessions[i] = s
			errs <- err
		}()
	}
	for range sessions {
		if err := <-errs; err != nil {
			return fmt.Errorf("open session: %w", err)
		}
	}
	for _, s := range sessions {
		if err := s.waitReady(30 * time.Second); err != nil {
			return err
		}
	}
	fmt.Printf("%d sessions (colour: %s) on the alert feed in %s\n", cfg.sessions, cfg.colour, time.Since(start).Round(time.Millisecond))
	// A server that just opened a large database has sweeps to run (SLA
	// clocks, retention, notifications) before it is in its steady state:
	// one alert every session has drawn says it is there.
	settle := time.Now()
	if _, err := dropOne(filepath.Join(srv.dir, "drops"), 0); err != nil {
		return err
	}
	for _, s := range sessions {
		if _, ok := s.seenAt(0, time.Now().Add(2*time.Minute)); !ok {
			return errors.New("the warm-up alert never reached every session")
		}
	}
	fmt.Printf("warm-up alert on every screen after %s\n", time.Since(settle).Round(time.Millisecond))
	drawn := srv.sample()
	time.Sleep(2 * time.Second)
	open := srv.sample()
	fmt.Printf("server: %s  (%d sessions open; CPU %.0f%% of a core with no drops: clocks ticking)\n",
		open, cfg.sessions, 100*float64(open.cpu-drawn.cpu)/float64(2*time.Second))

	clientCPU := ownCPU()
	renamed, err := dropAlerts(filepath.Join(srv.dir, "drops"), cfg.drops, cfg.every)
	if err != nil {
		return err
	}
	loaded := srv.sample()
	fmt.Printf("server: %s  (after %d drops)\n", loaded, cfg.drops)
	span := time.Duration(cfg.drops) * cfg.every
	fmt.Printf("CPU while dropping (%s): server %s, the bench's clients %s\n",
		span, (loaded.cpu - open.cpu).Round(time.Millisecond), (ownCPU() - clientCPU).Round(time.Millisecond))
	var lat latency.Sample
	missing := 0
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range sessions {
		for id, at := range renamed {
			seen, ok := s.seenAt(id, deadline)
			if !ok {
				missing++
				continue
			}
			lat = append(lat, seen.Sub(at))
		}
	}
	fmt.Printf("drop → alert on screen, %d samples (%d sessions × %d drops), %d never seen: %s\n",
		len(lat), cfg.sessions, cfg.drops, missing, lat)

	for _, s := range sessions {
		s.close()
	}
	after := srv.sample()
	// Each session holds a socket until the server has wound it down.
	for settle := time.Now().Add(10 * time.Second); after.sockets() > idle.sockets() && time.Now().Before(settle); after = srv.sample() {
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("server: %s  (all sessions closed)\n", after)
	// A closed console's pending clock tick (1 s) still has to fire before
	// its goroutine can see the program is gone.
	time.Sleep(2 * time.Second)
	afterGoroutines, err := srv.goroutines()
	if err != nil {
		return err
	}

	perSession := func(s stats) float64 { return float64(s.rssKB-idle.rssKB) / 1024 / float64(cfg.sessions) }
	fmt.Printf("\nRSS growth per session: %.2f MB open, %.2f MB under drops (budget 8 MB)\n", perSession(open), perSession(loaded))
	// An alert a session never drew (it was already scrolled off when the
	// session caught up) counts as slower than any that was drawn.
	all := slices.Clone(lat)
	for range missing {
		all = append(all, never)
	}
	fmt.Printf("drop → screen over all %d pairs: p50 %s, p99 %s (budget p99 1000 ms); %d never drawn\n",
		len(all), millis(all.Quantile(0.5)), millis(all.Quantile(0.99)), missing)
	fmt.Printf("goroutines: %d on a fresh server after one session, %d after %d sessions came and went\n",
		total(baseGoroutines), total(afterGoroutines), cfg.sessions)
	for where, n := range afterGoroutines {
		if n > baseGoroutines[where] {
			fmt.Printf("  +%d in %s\n", n-baseGoroutines[where], where)
		}
	}
	fmt.Printf("open files: %d idle, %d with sessions, %d after", idle.fds, open.fds, after.fds)
	if extra := without(after.files, idle.files); len(extra) > 0 {
		fmt.Printf(" (more than idle: %s)", strings.Join(extra, ", "))
	}
	fmt.Println()
	return nil
}

// never stands for an alert a session did not draw.
const never = time.Duration(1<<63 - 1)

func millis(d time.Duration) string {
	if d == never {
		return "never"
	}
	return fmt.Sprintf("%.0f ms", latency.Millis(d))
}

// ownCPU is the user and system time this process has used, its clients'.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// keys are the operators' keys the bench plan lists.
type keys struct {
	names   []string
	signers []gossh.Signer
}

func newKeys() (keys, error) {
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		return keys{}, err
	}
	var k keys
	for _, op := range p.Operators {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return keys{}, err
		}
		s, err := gossh.NewSignerFromKey(priv)
		if err != nil {
			return keys{}, err
		}
		k.names, k.signers = append(k.names, op.Name), append(k.signers, s)
	}
	return k, nil
}

// forSession spreads sessions over the operators, several at once each.
func (k keys) forSession(i int) gossh.Signer { return k.signers[i%len(k.signers)] }

// writePlan writes the example plan with the bench keys; its storm rules
// stand (the bench's alerts are each a group of their own).
func (k keys) writePlan(path string) error {
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		return err
	}
	for i := range p.Operators {
		p.Operators[i].Keys = []string{strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.signers[i].PublicKey())))}
	}
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// server is `hypercare serve --ssh` running as a child process.
type server struct {
	cmd    *exec.Cmd
	dir    string
	addr   string
	stderr string        // file the server logs to, and dumps its goroutines into
	exited chan struct{} // closed when the process has ended
}

func startServer(bin, dir string, k keys) (*server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	planPath := filepath.Join(dir, "plan.toml")
	if err := k.writePlan(planPath); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{dir: dir, addr: addr, stderr: filepath.Join(dir, "server.log"), exited: make(chan struct{})}
	logFile, err := os.Create(s.stderr)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	s.cmd = exec.Command(bin, "--db", filepath.Join(dir, "data", "hypercare.db"), "--plan", planPath,
		"--drops", filepath.Join(dir, "drops"), "--config", filepath.Join(dir, "config.toml"), "serve", "--ssh", addr)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	// The SIGQUIT dump lists every goroutine, not only the running one.
	s.cmd.Env = append(os.Environ(), "GOTRACEBACK=all")
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			log, _ := os.ReadFile(s.stderr)
			return nil, fmt.Errorf("server did not start on %s:\n%s", addr, log)
		}
	}
}

// warmUp runs one session to its first frame and quits it, so that what
// the server makes once (connection pools, caches) is not counted per session.
func (s *server) warmUp(k keys) error {
	sess, err := openSession(s.addr, k.forSession(0), nil)
	if err != nil {
		return err
	}
	if err := sess.waitReady(15 * time.Second); err != nil {
		return err
	}
	sess.close()
	time.Sleep(time.Second)
	return nil
}

// stats are what /proc says about the server process.
type stats struct {
	rssKB, threads, fds int
	files               []string
	cpu                 time.Duration // user and system time so far
}

func (s stats) String() string {
	return fmt.Sprintf("RSS %6.1f MB, %3d threads, %4d open files", float64(s.rssKB)/1024, s.threads, s.fds)
}

// settle waits until the server has used under 5% of a core over a
// whole second, or for at most limit.
func (s *server) settle(limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	for prev := s.sample(); time.Since(start) < limit; {
		time.Sleep(time.Second)
		now := s.sample()
		if now.cpu-prev.cpu < 50*time.Millisecond {
			return time.Since(start), true
		}
		prev = now
	}
	return time.Since(start), false
}

func (s *server) sample() stats {
	var st stats
	pid := s.cmd.Process.Pid
	if f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			name, value, _ := strings.Cut(sc.Text(), ":")
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
			switch name {
			case "VmRSS":
				st.rssKB = n
			case "Threads":
				st.threads = n
			}
		}
		f.Close()
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// utime and stime are fields 14 and 15, after the parenthesised name.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		utime, _ := strconv.Atoi(fields[11])
		stime, _ := strconv.Atoi(fields[12])
		st.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	}
	st.files = s.openFiles()
	st.fds = len(st.files)
	return st
}

func (s stats) sockets() int {
	n := 0
	for _, f := range s.files {
		if strings.HasPrefix(f, "socket:") {
			n++
		}
	}
	return n
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; 100 on Linux.
const clockTicks = 100

// openFiles names what each of the server's file descriptors points at.
func (s *server) openFiles() []string {
	dir := fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid)
	fds, _ := os.ReadDir(dir)
	var names []string
	for _, fd := range fds {
		target, _ := os.Readlink(filepath.Join(dir, fd.Name()))
		names = append(names, strings.TrimPrefix(target, s.dir+"/"))
	}
	return names
}

// goroutineHeader starts each goroutine in the dump; goroutine 0 is a
// thread's scheduler stack, not a goroutine.
var goroutineHeader = regexp.MustCompile(`(?m)^goroutine [1-9][0-9]* `)

// goroutines ends the server with SIGQUIT and counts the goroutines in the
// dump Go prints on its way out, by the function each is in.
func (s *server) goroutines() (map[string]int, error) {
	if err := s.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		return nil, err
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		return nil, errors.New("server did not exit on SIGQUIT")
	}
	dump, err := os.ReadFile(s.stderr)
	if err != nil {
		return nil, err
	}
	census := map[string]int{}
	for _, g := range goroutineHeader.Split(string(dump), -1)[1:] {
		// The header's state in brackets, then the innermost frame that is
		// not the runtime's own.
		state, frames, _ := strings.Cut(g, "\n")
		state = state[strings.LastIndex(state, "[")+1 : strings.LastIndex(state, "]")]
		where := "?"
		for _, line := range strings.Split(frames, "\n") {
			if line != "" && !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, "runtime.") && !strings.HasPrefix(line, "internal/") {
				where, _, _ = strings.Cut(line, "(")
				break
			}
		}
		census[where+" ["+state+"]"]++
	}
	if len(census) == 0 {
		return nil, fmt.Errorf("no goroutine dump in %s", s.stderr)
	}
	return census, nil
}

func total(census map[string]int) int {
	n := 0
	for _, c := range census {
		n += c
	}
	return n
}

func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
	}
}

// dropAlerts writes one firing alert every interval, by the rename-in
// protocol, and returns when each was renamed into the drop folder.
func dropAlerts(dir string, n int, every time.Duration) (map[int]time.Time, error) {
	renamed := make(map[int]time.Time, n)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for id := 1; id <= n; id++ {
		<-tick.C
		at, err := dropOne(dir, id)
		if err != nil {
			return nil, err
		}
		renamed[id] = at
	}
	return renamed, nil
}

// dropOne writes alert id by the rename-in protocol and returns when it
// was renamed into the drop folder.
func dropOne(dir string, id int) (time.Time, error) {
	name := fmt.Sprintf("bench-%04d", id)
	// A service of its own: its own group, never a storm's member.
	line := fmt.Sprintf(`{"source":"bench","key":%q,"name":%q,"status":"firing","severity":"critical","summary":"ssh bench alert","labels":{"bench":"ssh","service":%q},"at":%q}`+"\n",
		name, name, name, time.Now().UTC().Format(time.RFC3339Nano))
	tmp := filepath.Join(dir, "."+name+".ndjson")
	if err := os.WriteFile(tmp, []byte(line), 0o644); err != nil {
		return time.Time{}, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name+".ndjson")); err != nil {
		return time.Time{}, err
	}
	return time.Now(), nil
}

// session is one client terminal on the alert feed. It notes when each
// bench alert's name first reaches it.
type session struct {
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.Writer

	mu       sync.Mutex
	changed  *sync.Cond
	tail     []byte // the end of the output so far, for names split across reads
	answered bool   // the device-attributes query
	drawn    bool   // the console's first frame
	ready    bool   // the alert feed shows
	seen     map[int]time.Time
}

func openSession(addr string, key gossh.Signer, environ []string) (*session, error) {
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "bench",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), // a throwaway server on loopback
		Timeout:         30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	sess, err := client.NewSession()
	if err != nil {
		client.Close()
		return nil, err
	}
	s := &session{client: client, sess: sess, seen: map[int]time.Time{}}
	s.changed = sync.NewCond(&s.mu)
	if s.stdin, err = sess.StdinPipe(); err != nil {
		s.close()
		return nil, err
	}
	sess.Stdout = s
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			s.close()
			return nil, err
		}
	}
	if err := sess.RequestPty("xterm-256color", termH, termW, gossh.TerminalModes{}); err != nil {
		s.close()
		return nil, err
	}
	if err := sess.Shell(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

var benchName = regexp.MustCompile(`bench-(\d{4})`)

// feedShown is the alert feed's column heading: the feed is on screen,
// empty or not.
var feedShown = regexp.MustCompile(`SEEN +SEV +STATE`)

// termW and termH are the clients' terminal size (-size).
var termW, termH = 80, 24

func (s *session) Write(p []byte) (int, error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	raw := append(s.tail, p...)
	text := ansi.Strip(string(raw))
	var reply string
	switch {
	case !s.answered && bytes.Contains(raw, []byte(ansi.RequestPrimaryDeviceAttributes)):
		s.answered, reply = true, "\x1b[?62;22c"
	case !s.drawn && strings.Contains(text, "HYPERCARE"):
		s.drawn, reply = true, "2" // the alert feed pane
	case s.drawn && !s.ready && feedShown.MatchString(text):
		s.ready = true
	}
	for _, m := range benchName.FindAllStringSubmatch(text, -1) {
		id, _ := strconv.Atoi(m[1])
		if _, ok := s.seen[id]; !ok {
			s.seen[id] = now
		}
	}
	// Keep enough to find a name or a marker cut in two by the next read.
	s.tail = append(s.tail[:0], raw[max(0, len(raw)-256):]...)
	if reply != "" {
		go s.stdin.Write([]byte(reply))
	}
	s.changed.Broadcast()
	return len(p), nil
}

func (s *session) waitReady(within time.Duration) error {
	timer := time.AfterFunc(within, s.changed.Broadcast)
	defer timer.Stop()
	deadline := time.Now().Add(within)
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.ready {
		if time.Now().After(deadline) {
			return fmt.Errorf("no alert feed on screen within %s (drawn: %v)", within, s.drawn)
		}
		s.changed.Wait()
	}
	return nil
}

// seenAt is when the alert first reached this session, waiting for it
// until deadline.
func (s *session) seenAt(id int, deadline time.Time) (time.Time, bool) {
	timer := time.AfterFunc(time.Until(deadline), s.changed.Broadcast)
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if at, ok := s.seen[id]; ok {
			return at, true
		}
		if time.Now().After(deadline) {
			return time.Time{}, false
		}
		s.changed.Wait()
	}
}

func (s *session) close() {
	s.sess.Close()
	s.client.Close()
}

// without lists what is in a but not in b, counting duplicates.
func without(a, b []string) []string {
	left := map[string]int{}
	for _, x := range b {
		left[x]++
	}
	var out []string
	for _, x := range a {
		if left[x] > 0 {
			left[x]--
			continue
		}
		out = append(out, x)
	}
	return out
}
