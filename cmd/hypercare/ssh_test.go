package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/ui"
	gossh "golang.org/x/crypto/ssh"
)

// screenWait bounds how long a test waits for a screen or a session to end.
// It is only reached when something is wrong, so it is generous: under -race
// on a loaded 2-core machine a first frame has taken over 5 s.
const screenWait = 30 * time.Second

// sshEnv is a console server on a free loopback port over the seeded store,
// with the example plan's operators given fresh keys.
type sshEnv struct {
	addr    string
	plan    string // plan file
	app     *app
	keys    map[string]gossh.Signer // operator name → key
	hostKey gossh.PublicKey
}

// buggyReader is the store as sessions read it, with a bug: filtering the
// alert feed for "boom" panics, in the session that asked.
type buggyReader struct{ model.Reader }

func (r buggyReader) Feed(ctx context.Context, q model.FeedQuery) ([]model.Alert, error) {
	if strings.Contains(q.Filter, "boom") {
		panic("test: feed query exploded")
	}
	return r.Reader.Feed(ctx, q)
}

func startSSH(t *testing.T, guests bool) *sshEnv {
	t.Helper()
	return startSSHClock(t, guests, nil)
}

// startSSHClock is startSSH with sessions found idle by clock (the wall
// clock when nil).
func startSSHClock(t *testing.T, guests bool, clock idleClock) *sshEnv {
	t.Helper()
	dbPath, planPath := seeded(t)
	env := &sshEnv{plan: planPath, keys: writeKeyedPlan(t, planPath, guests)}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, dbPath, planPath)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	env.app = a
	c := &sshConsole{log: log.New(io.Discard, "", 0), clock: clock, shared: ui.Deps{
		Reader: buggyReader{a.db}, Notifier: a.db, Actions: a.desk, Plan: a.plan, Presence: &model.Presence{},
	}}
	srv, err := newSSHServer(ctx, c, hostKeyPath(dbPath))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	env.addr = ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(ctx, srv, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("server stopped with %v", err)
		}
		a.db.Close()
	})
	// The host key is made on first start and kept next to the database.
	pub, err := os.ReadFile(hostKeyPath(dbPath) + ".pub")
	if err != nil {
		t.Fatalf("host key not written: %v", err)
	}
	if env.hostKey, _, _, _, err = gossh.ParseAuthorizedKey(pub); err != nil {
		t.Fatal(err)
	}
	return env
}

// writeKeyedPlan rewrites the example plan with a new key for every
// operator and returns the keys.
func writeKeyedPlan(t *testing.T, path string, guests bool) map[string]gossh.Signer {
	t.Helper()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]gossh.Signer{}
	for i, op := range p.Operators {
		signer := newSigner(t)
		keys[op.Name] = signer
		p.Operators[i].Keys = []string{strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + op.Name}
	}
	p.Hypercare.GuestViewers = guests
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return keys
}

func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *sshEnv) dial(key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", e.addr, &gossh.ClientConfig{
		User:            "anyone", // the key says who it is, not the user name
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(e.hostKey),
		Timeout:         screenWait,
	})
}

// term is a client terminal: it keeps everything the server drew and
// answers the device-attributes query the way a terminal emulator does.
type term struct {
	t      *testing.T
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.Writer
	ended  chan error
	// drawn has a value when the server has drawn since waitFor last
	// looked, so waits wake on output instead of on a timer.
	drawn chan struct{}
	// replied is closed once the answer to the device-attributes query has
	// been sent: the only input a session gets that its test did not type.
	replied chan struct{}

	mu       sync.Mutex
	out      []byte
	answered bool
}

func (e *sshEnv) open(t *testing.T, key gossh.Signer, width, height int, environ ...string) *term {
	t.Helper()
	client, err := e.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, client: client, sess: sess, ended: make(chan error, 1), drawn: make(chan struct{}, 1), replied: make(chan struct{})}
	t.Cleanup(tm.close)
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if tm.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	// Messages the server prints as a session ends go to stderr; a
	// terminal shows both.
	sess.Stdout, sess.Stderr = tm, tm
	if err := sess.RequestPty("xterm-256color", height, width, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { tm.ended <- sess.Wait() }()
	return tm
}

func (tm *term) Write(p []byte) (int, error) {
	tm.mu.Lock()
	tm.out = append(tm.out, p...)
	answer := !tm.answered && bytes.Contains(tm.out, []byte(ansi.RequestPrimaryDeviceAttributes))
	tm.answered = tm.answered || answer
	tm.mu.Unlock()
	select {
	case tm.drawn <- struct{}{}:
	default: // a wake-up is already waiting
	}
	if answer {
		// Not from here: the server may be waiting for this very output to
		// be taken before it reads input.
		go func() {
			tm.stdin.Write([]byte("\x1b[?62;22c")) // a VT220 with colour
			close(tm.replied)
		}()
	}
	return len(p), nil
}

// mark is where the output ends now; waitFor(…, mark) looks only at what
// was drawn after it.
func (tm *term) mark() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return len(tm.out)
}

// waitFor waits until every text in want shows in the output after since.
func (tm *term) waitFor(since int, within time.Duration, want ...string) {
	tm.t.Helper()
	timeout := time.NewTimer(within)
	defer timeout.Stop()
	for {
		tm.mu.Lock()
		screen := ansi.Strip(string(tm.out[since:]))
		tm.mu.Unlock()
		missing := ""
		for _, w := range want {
			if !strings.Contains(screen, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-tm.drawn:
		case <-timeout.C:
			tm.t.Fatalf("%q not on screen within %s; the screen showed:\n%s", missing, within, screen)
		}
	}
}

// waitQueue waits for the incident queue's first row, and for want. The
// row (the id padded to its column), not just "INC-1": the major-incident
// banner names INC-1 before the queue has loaded, and a key pressed then
// has no incident to act on.
func (tm *term) waitQueue(want ...string) {
	tm.t.Helper()
	tm.waitFor(0, screenWait, append([]string{"INC-1  "}, want...)...)
}

// raw is everything drawn so far, escape sequences and all.
func (tm *term) raw() []byte {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return bytes.Clone(tm.out)
}

func (tm *term) press(keys string) {
	tm.t.Helper()
	if _, err := tm.stdin.Write([]byte(keys)); err != nil {
		tm.t.Fatal(err)
	}
}

func (tm *term) close() {
	tm.sess.Close()
	tm.client.Close()
}

func TestSSHRefusesUnknownKey(t *testing.T) {
	env := startSSH(t, false)
	_, err := env.dial(newSigner(t))
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("unknown key: err = %v, want an authentication failure", err)
	}
}

func TestSSHWithoutTerminalSaysSoAndExits1(t *testing.T) {
	env := startSSH(t, false)
	client, err := env.dial(env.keys["tom.okafor"])
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	done := make(chan error, 1)
	go func() { done <- sess.Run("") }()
	select {
	case err = <-done:
	case <-time.After(screenWait):
		t.Fatal("a session without a terminal hung")
	}
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
	if !strings.Contains(stderr.String(), "hypercare needs an interactive terminal: connect with ssh -t") {
		t.Fatalf("stderr = %q", stderr.String())
	}
}

func TestSSHOperatorSeesConsoleAndQuits(t *testing.T) {
	env := startSSH(t, false)
	tm := env.open(t, env.keys["tom.okafor"], 80, 24)
	tm.waitQueue("HYPERCARE", "tom.okafor")
	tm.press("q")
	select {
	case err := <-tm.ended:
		if err != nil {
			t.Fatalf("quit: %v, want a clean exit", err)
		}
	case <-time.After(screenWait):
		t.Fatal("q did not end the session")
	}
}

func TestSSHViewerAndWallCannotAck(t *testing.T) {
	env := startSSH(t, false)
	for name, refusal := range map[string]string{"dan.kowalski": "may not acknowledge", "wall": "read-only"} {
		tm := env.open(t, env.keys[name], 80, 24)
		tm.waitQueue()
		since := tm.mark()
		tm.press("a")
		tm.waitFor(since, screenWait, refusal)
	}
	in, err := env.app.db.Incident(context.Background(), 1)
	if err != nil || in.Assignee != "" || in.State != model.StateNew {
		t.Fatalf("INC-1 after refused acks: %+v, %v", in, err)
	}
}

func TestSSHAckShowsLiveInOtherSession(t *testing.T) {
	env := startSSH(t, false)
	a := env.open(t, env.keys["tom.okafor"], 80, 24)
	b := env.open(t, env.keys["sofia.lindqvist"], 120, 30) // wide enough for the owner column
	a.waitQueue()
	b.waitQueue("New")
	since := b.mark()
	a.press("a")
	b.waitFor(since, screenWait, "In Progress", "tom.okafor")
}

func TestSSHGuestViewer(t *testing.T) {
	env := startSSH(t, true)
	guest := newSigner(t)
	tm := env.open(t, guest, 80, 24)
	name := "guest-" + strings.TrimPrefix(gossh.FingerprintSHA256(guest.PublicKey()), "SHA256:")[:8]
	tm.waitQueue(name)
	since := tm.mark()
	tm.press("a")
	tm.waitFor(since, screenWait, "may not acknowledge")
}

func TestSSHHonoursClientNoColor(t *testing.T) {
	env := startSSH(t, false)
	colour := env.open(t, env.keys["tom.okafor"], 80, 24)
	plain := env.open(t, env.keys["sofia.lindqvist"], 80, 24, "NO_COLOR=1")
	colour.waitQueue()
	plain.waitQueue()
	sgrColour := []byte("\x1b[38;") // a foreground colour, as any styled screen has
	if out := colour.raw(); !bytes.Contains(out, sgrColour) && !bytes.Contains(out, []byte(";38;")) {
		t.Fatal("the colour session drew no colours; the test cannot tell NO_COLOR apart")
	}
	if out := plain.raw(); bytes.Contains(out, sgrColour) || bytes.Contains(out, []byte(";38;")) {
		t.Fatal("NO_COLOR=1 from the client, but the session drew colours")
	}
}

func TestSSHPanicEndsOnlyThatSession(t *testing.T) {
	env := startSSH(t, false)
	calm := env.open(t, env.keys["sofia.lindqvist"], 80, 24)
	doomed := env.open(t, env.keys["tom.okafor"], 80, 24)
	calm.waitQueue()
	doomed.waitQueue()
	doomed.press("2/boom")
	select {
	case <-doomed.ended:
	case <-time.After(screenWait):
		t.Fatal("the session whose console panicked is still open")
	}
	since := calm.mark()
	if _, err := env.app.desk.AckIncident(context.Background(), model.Actor{Name: "raj.iyer", Role: model.RoleOperator}, 1); err != nil {
		t.Fatal(err)
	}
	calm.waitFor(since, screenWait, "In Progress")
	again := env.open(t, env.keys["tom.okafor"], 80, 24)
	again.waitQueue()
}

// TestSSHSessionsLeaveNothingBehind opens sessions at once, ends them, and
// expects the server's goroutines back where they were before the first.
func TestSSHSessionsLeaveNothingBehind(t *testing.T) {
	env := startSSH(t, false)
	// Whatever lives as long as the server (the plan watcher, the store's
	// pools) started with it, so the count is taken with no session yet.
	// Not all of it is running yet (the accept loop starts from a goroutine
	// of its own), and goroutines of the tests before may still be ending:
	// the count is a little off either way. Twenty sessions make a leak of
	// even one goroutine each stand well clear of that.
	before := runtime.NumGoroutine()
	const sessions, slack = 20, 2
	names := []string{"tom.okafor", "sofia.lindqvist", "raj.iyer", "maya.patel"}
	terms := make([]*term, sessions)
	for i := range terms {
		terms[i] = env.open(t, env.keys[names[i%len(names)]], 80, 24)
	}
	for _, tm := range terms {
		tm.waitQueue()
	}
	for _, tm := range terms {
		tm.close()
	}
	// Sessions wind down in the background, past any event the test could
	// wait for: the client's close has to reach the server, bubbletea gives
	// its input reader half a second, and a clock tick already asked for
	// outlives its program by up to a second. So the count is polled, and
	// only one that stays high for long is a leak.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); after > before+slack && time.Now().Before(deadline); after = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	if after > before+slack {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d before %d sessions, still %d 10s after they ended\n%s", before, sessions, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestSSHPlanReloadChangesWhoGetsIn(t *testing.T) {
	env := startSSH(t, false)
	old, loaded := env.keys["tom.okafor"], env.app.plan.Plan()
	changed, stop := env.app.plan.Subscribe()
	defer stop()
	fresh := writeKeyedPlan(t, env.plan, false)
	for timeout := time.After(screenWait); env.app.plan.Plan() == loaded; {
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("plan edit not picked up: %v", env.app.plan.Err())
		}
	}
	if _, err := env.dial(old); err == nil {
		t.Error("a key removed from the plan still gets in")
	}
	client, err := env.dial(fresh["tom.okafor"])
	if err != nil {
		t.Fatalf("a key added to the plan is refused: %v", err)
	}
	client.Close()
}

func TestSSHIdentifyFollowsThePlan(t *testing.T) {
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		t.Fatal(err)
	}
	wall, _ := p.Operator("wall")
	key, _, _, _, err := gossh.ParseAuthorizedKey([]byte(wall.Keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	if who, ok := identify(p, key); !ok || who.actor.Name != "wall" || who.actor.Role != model.RoleViewer || !who.wall {
		t.Errorf("wall key: %+v, %v", who, ok)
	}
	stranger := newSigner(t).PublicKey()
	if who, ok := identify(p, stranger); ok {
		t.Errorf("unknown key let in as %+v", who)
	}
	p.Hypercare.GuestViewers = true
	if who, ok := identify(p, stranger); !ok || who.actor.Role != model.RoleViewer || who.wall ||
		!strings.HasPrefix(who.actor.Name, "guest-") {
		t.Errorf("guest: %+v, %v", who, ok)
	}
	if _, ok := identify(nil, stranger); ok {
		t.Error("no plan, yet a key was let in")
	}
}

func TestNoColor(t *testing.T) {
	for environ, want := range map[string]bool{"NO_COLOR=1": true, "NO_COLOR=": false, "TERM=xterm": false, "NO_COLORS=1": false} {
		if got := noColor([]string{environ}); got != want {
			t.Errorf("noColor(%q) = %v", environ, got)
		}
	}
}

// TestSSHPresence: each session sees who else is connected, who else has
// the same incident open, and is told when someone takes it.
func TestSSHPresence(t *testing.T) {
	env := startSSH(t, false)
	a := env.open(t, env.keys["tom.okafor"], 200, 60)
	b := env.open(t, env.keys["sofia.lindqvist"], 200, 60)
	a.waitQueue("also here: sofia.lindqvist")
	b.waitQueue("also here: tom.okafor")
	since := b.mark()
	a.press("\r") // INC-1's detail
	b.press("\r")
	// Only a detail that has loaded can tell that its incident was taken
	// since: wait for its body, not just its title.
	b.waitFor(since, screenWait, "also viewing: tom.okafor", "Timeline")
	since = b.mark()
	a.press("a")
	b.waitFor(since, screenWait, "INC-1 taken by tom.okafor")
}

// editPlan changes the plan file as an editor saves it and waits until the
// live plan satisfies loaded.
func (e *sshEnv) editPlan(t *testing.T, edit func(*plan.Plan), loaded func(*plan.Plan) bool) {
	t.Helper()
	p, err := plan.Load(e.plan)
	if err != nil {
		t.Fatal(err)
	}
	edit(p)
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	reloadPlan(t, e.app, e.plan, buf.Bytes(), loaded)
}

// waitEnded waits for the session to end and returns everything it drew.
func (tm *term) waitEnded(within time.Duration) string {
	tm.t.Helper()
	select {
	case <-tm.ended:
	case <-time.After(within):
		tm.t.Fatalf("the session is still open after %s", within)
	}
	return ansi.Strip(string(tm.raw()))
}

func TestSSHPlanRemovingOperatorEndsTheirSession(t *testing.T) {
	env := startSSH(t, false)
	gone := env.open(t, env.keys["tom.okafor"], 80, 24)
	stays := env.open(t, env.keys["sofia.lindqvist"], 80, 24)
	gone.waitQueue()
	stays.waitQueue()
	env.editPlan(t, func(p *plan.Plan) {
		p.Operators = slices.DeleteFunc(p.Operators, func(op plan.Operator) bool { return op.Name == "tom.okafor" })
	}, func(p *plan.Plan) bool { _, ok := p.Operator("tom.okafor"); return !ok })
	if screen := gone.waitEnded(screenWait); !strings.Contains(screen, "the support plan no longer lets tom.okafor in with this key, so the session ended") {
		t.Fatalf("the removed operator's session ended without saying why:\n%s", screen)
	}
	// Everyone else carries on.
	since := stays.mark()
	if _, err := env.app.desk.AckIncident(context.Background(), model.Actor{Name: "raj.iyer", Role: model.RoleOperator}, 1); err != nil {
		t.Fatal(err)
	}
	stays.waitFor(since, screenWait, "In Progress")
}

func TestSSHPlanReplacingKeyEndsSession(t *testing.T) {
	env := startSSH(t, false)
	tm := env.open(t, env.keys["tom.okafor"], 80, 24)
	tm.waitQueue()
	fresh := newSigner(t)
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(fresh.PublicKey())))
	env.editPlan(t, func(p *plan.Plan) {
		for i := range p.Operators {
			if p.Operators[i].Name == "tom.okafor" {
				p.Operators[i].Keys = []string{line}
			}
		}
	}, func(p *plan.Plan) bool {
		op, _ := p.Operator("tom.okafor")
		return len(op.Keys) == 1 && op.Keys[0] == line
	})
	if screen := tm.waitEnded(screenWait); !strings.Contains(screen, "no longer lets tom.okafor in with this key") {
		t.Fatalf("a session on a key taken out of the plan:\n%s", screen)
	}
}

// TestSSHPlanDemotionAppliesAtOnce: an operator demoted to viewer while
// connected can no longer write from the session opened as operator.
func TestSSHPlanDemotionAppliesAtOnce(t *testing.T) {
	env := startSSH(t, false)
	tm := env.open(t, env.keys["tom.okafor"], 80, 24)
	tm.waitQueue("tom.okafor (operator)")
	since := tm.mark()
	env.editPlan(t, func(p *plan.Plan) {
		for i := range p.Operators {
			if p.Operators[i].Name == "tom.okafor" {
				p.Operators[i].RoleName = "viewer"
			}
		}
	}, func(p *plan.Plan) bool { op, _ := p.Operator("tom.okafor"); return op.Role == model.RoleViewer })
	tm.waitFor(since, screenWait, "the support plan changed your role to viewer")
	tm.press("a")
	tm.waitFor(since, screenWait, "may not acknowledge")
	in, err := env.app.db.Incident(context.Background(), 1)
	if err != nil || in.Assignee != "" || in.State != model.StateNew {
		t.Fatalf("INC-1 after the demoted operator's ack: %+v, %v", in, err)
	}
	select {
	case err := <-tm.ended:
		t.Fatalf("a demotion ended the session (%v); it should carry on as viewer", err)
	default:
	}
}

// handClock is an idleClock moved by hand. Each After is announced on
// armed, so a test knows the server is waiting before it moves the clock.
type handClock struct {
	armed chan time.Duration

	mu     sync.Mutex
	now    time.Time
	timers []handTimer
}

type handTimer struct {
	at time.Time
	c  chan time.Time
}

func newHandClock() *handClock {
	return &handClock{armed: make(chan time.Duration, 16), now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *handClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *handClock) After(d time.Duration) <-chan time.Time {
	fire := make(chan time.Time, 1)
	c.mu.Lock()
	c.timers = append(c.timers, handTimer{at: c.now.Add(d), c: fire})
	c.fireDue()
	c.mu.Unlock()
	c.armed <- d
	return fire
}

// advance moves the clock on by d and fires the timers then due.
func (c *handClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fireDue()
}

func (c *handClock) fireDue() {
	c.timers = slices.DeleteFunc(c.timers, func(tm handTimer) bool {
		if tm.at.After(c.now) {
			return false
		}
		tm.c <- c.now
		return true
	})
}

// waitArmed waits for the server to set a timer, and wants it to be for d.
func (c *handClock) waitArmed(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-c.armed:
		if got != d {
			t.Fatalf("the server waits %s for input, want %s", got, d)
		}
	case <-time.After(screenWait):
		t.Fatalf("the server set no timer of %s", d)
	}
}

// TestSSHIdleCountsInputNotRedraws: typing keeps a session open; without
// input it ends after sshInputIdle although the screen keeps redrawing,
// and a wall screen is never ended for being idle. The idle check runs on a
// clock the test moves, so each step waits for the server's answer to it.
func TestSSHIdleCountsInputNotRedraws(t *testing.T) {
	clock := newHandClock()
	env := startSSHClock(t, false, clock)
	wall := env.open(t, env.keys["wall"], 80, 24)
	tm := env.open(t, env.keys["tom.okafor"], 80, 24)
	wall.waitQueue()
	tm.waitQueue()
	clock.waitArmed(t, sshInputIdle) // tom's: the wall screen sets none
	// The terminal's answer is input too: let it in before the clock moves.
	<-tm.replied

	// A key two thirds of the way through keeps the session past the
	// idle time: the server looks again when the key's idle time is up.
	clock.advance(sshInputIdle * 2 / 3)
	since := tm.mark()
	tm.press("?")
	tm.waitFor(since, screenWait, "Navigate") // the server has read the key
	since = tm.mark()
	tm.press("\x1b")
	tm.waitFor(since, screenWait, "INC-1")
	clock.advance(sshInputIdle * 2 / 3)
	clock.waitArmed(t, sshInputIdle/3)

	// Drawing is not input: a change on screen leaves the deadline as it is.
	since, wallSince := tm.mark(), wall.mark()
	if _, err := env.app.desk.AckIncident(context.Background(), model.Actor{Name: "raj.iyer", Role: model.RoleOperator}, 1); err != nil {
		t.Fatal(err)
	}
	tm.waitFor(since, screenWait, "In Progress")
	wall.waitFor(wallSince, screenWait, "In Progress")
	clock.advance(sshInputIdle / 3)
	if screen := tm.waitEnded(screenWait); !strings.Contains(screen, "no input for 30m, so the session ended") {
		t.Fatalf("the idle session ended without saying why:\n%s", screen)
	}

	// The wall screen, as idle as tom was, set no timer and carries on.
	if len(clock.armed) > 0 {
		t.Fatalf("a timer of %s was set after tom's session ended; the wall screen must set none", <-clock.armed)
	}
	wallSince = wall.mark()
	if _, err := env.app.desk.CreateIncident(context.Background(), model.System, model.NewIncident{Title: "Orders export late", Service: "orders", Impact: model.Low, Urgency: model.Low}); err != nil {
		t.Fatal(err)
	}
	wall.waitFor(wallSince, screenWait, "INC-2")
	select {
	case err := <-wall.ended:
		t.Fatalf("the wall screen was ended for being idle: %v", err)
	default:
	}
}
