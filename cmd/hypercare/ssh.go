package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	rm "github.com/charmbracelet/wish/recover"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"
)

// defaultSSHAddr is where `hypercare serve` listens for consoles when no
// address is given: loopback, so exposing it is a deliberate choice.
const defaultSSHAddr = "127.0.0.1:2222"

// sshIdle closes connections that neither send nor receive anything for
// this long: stalled handshakes and vanished peers. A console redraws its
// clock every second, so this never ends a session; sshInputIdle does.
const sshIdle = 10 * time.Minute

// sshInputIdle ends a console session whose operator has typed nothing for
// this long, so a laptop left open does not keep a logged-in console.
// Only input counts, not the redraws. Wall screens are exempt: nobody types
// at them, and they must survive days unattended.
const sshInputIdle = 30 * time.Minute

// idleClock is the time sessions are found idle by: the wall clock when
// serving, one moved by hand in tests, so that half an hour without input
// need not take half an hour.
type idleClock interface {
	Now() time.Time
	// After delivers once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// After is time.After: a timer left unfired when its session ends is
// collected with its channel (Go 1.23 and later), so none needs stopping.
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// hostKeyPath keeps the server's identity next to the database, so it
// survives restarts and clients do not see a "host key changed" warning.
//
// With the database on PostgreSQL it stays in the data folder: each
// process serving SSH has its own key, on its own machine.
func hostKeyPath(dbPath string) string {
	if isPostgres(dbPath) {
		return filepath.Join(dataDir(), "ssh_host_ed25519")
	}
	return filepath.Join(filepath.Dir(dbPath), "ssh_host_ed25519")
}

// sshConsole serves the console to SSH clients: each session gets its own
// ui.Model, renderer and identity over one shared store and service layer.
type sshConsole struct {
	// shared is what every session's console is wired with (as runConsole
	// wires the local one); each session adds its Actor and Renderer.
	shared ui.Deps
	log    *log.Logger
	// ctx ends every session when the server stops.
	ctx context.Context
	// clock decides when a session has gone sshInputIdle without input;
	// the wall clock when nil.
	clock idleClock
	// memory, when set (serve), raises the soft memory limit per session.
	memory *memoryBudget
}

// newSSHServer builds the SSH server; the host key at hostKey is generated
// (ed25519) on first start. Sessions end when ctx does.
func newSSHServer(ctx context.Context, c *sshConsole, hostKey string) (*ssh.Server, error) {
	c.ctx = ctx
	if c.clock == nil {
		c.clock = wallClock{}
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(hostKey),
		wish.WithPublicKeyAuth(c.allow),
		// Middlewares run last to first: the terminal check, then the
		// console, with a panic in either confined to its session.
		wish.WithMiddleware(rm.MiddlewareWithLogger(c.log, c.console, requireTerminal)),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", hostKey, err)
	}
	srv.IdleTimeout = sshIdle
	return srv, nil
}

// sshUser is who is at the other end of an SSH connection, decided from
// the current plan at login.
type sshUser struct {
	actor model.Actor
	wall  bool
}

// identify matches a public key against the current plan's operators, so
// plan edits take effect at the next login. Unknown keys get a read-only
// guest identity when the plan allows guests.
func identify(p *plan.Plan, key ssh.PublicKey) (sshUser, bool) {
	if p == nil || key == nil {
		return sshUser{}, false
	}
	for _, op := range p.Operators {
		for _, line := range op.Keys {
			known, _, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
			if err == nil && ssh.KeysEqual(known, key) {
				return sshUser{actor: model.Actor{Name: op.Name, Role: op.Role}, wall: op.Wall}, true
			}
		}
	}
	if p.Hypercare.GuestViewers {
		// The fingerprint tells guests apart in the audit log and presence.
		fp := strings.TrimPrefix(gossh.FingerprintSHA256(key), "SHA256:")
		return sshUser{actor: model.Actor{Name: "guest-" + fp[:8], Role: model.RoleViewer}}, true
	}
	return sshUser{}, false
}

// allow is the public-key check at login; there is no other way in.
func (c *sshConsole) allow(ctx ssh.Context, key ssh.PublicKey) bool {
	_, ok := identify(c.shared.Plan.Plan(), key)
	if !ok {
		// Clients offer each key they hold in turn, so this may precede a
		// successful login with another key; it tells an admin what to add.
		c.log.Printf("ssh: key %s offered by %s is not in the plan", gossh.FingerprintSHA256(key), ctx.RemoteAddr())
	}
	return ok
}

// requireTerminal turns away sessions without a PTY (ssh host cmd, ssh -T)
// with a message instead of a console that would never draw.
func requireTerminal(next ssh.Handler) ssh.Handler {
	return func(s ssh.Session) {
		if _, _, ok := s.Pty(); !ok {
			wish.Errorln(s, "hypercare needs an interactive terminal: connect with ssh -t (for example: ssh -t -p 2222 host)")
			_ = s.Exit(1)
			return
		}
		next(s)
	}
}

// console runs one ui.Model for the session. The wish bubbletea middleware
// wires the session's input, output and window changes into the program;
// it is built per session so that the model is closed when its program ends.
// While it runs, the session follows the plan and its operator's input (see
// follow); when either ends it, the reason is the last thing the client sees.
func (c *sshConsole) console(next ssh.Handler) ssh.Handler {
	return func(s ssh.Session) {
		// Listen for plan reloads before identifying, so that a reload in
		// between is not missed.
		planChanged, stopListening := c.shared.Plan.Subscribe()
		defer stopListening()
		// Identify again: the plan may have changed since the key was checked.
		who, ok := identify(c.shared.Plan.Plan(), s.PublicKey())
		if !ok {
			wish.Fatalln(s, "hypercare: your key is no longer in the support plan")
			return
		}
		var m *ui.Model
		stopOnShutdown := func() bool { return false }
		// followed ends the goroutine that follows the plan and the input,
		// and says why it ended the session ("" when it did not).
		followed := func() string { return "" }
		defer func() {
			stopOnShutdown()
			if m != nil {
				m.Close()
			}
		}()
		started := time.Now()
		if c.memory != nil {
			defer c.memory.join()()
		}
		c.log.Printf("ssh: %s (%s) connected from %s", who.actor.Name, who.actor.Role, s.RemoteAddr())
		var session int64
		if c.shared.Presence != nil {
			var leave func()
			session, leave = c.shared.Presence.Join(who.actor.Name, who.actor.Role)
			defer leave()
		}
		program := func(s ssh.Session) *tea.Program {
			d := c.deps(s, who)
			d.Session = session
			m = ui.New(d)
			// The server's PTYs are emulated (wish's default), so the session
			// itself is the terminal, as bm.MakeOptions would choose; its input
			// goes through a clock that notes when the operator last typed.
			in := newInputClock(s, c.clock.Now)
			// Signals belong to the server process, not to any one program in
			// it. Bubbletea's own panic catching stays on: it also covers the
			// goroutines commands run in, where a panic would end the server.
			p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(s), tea.WithAltScreen(), tea.WithoutSignalHandler(), tea.WithFPS(ui.FPS))
			// The server's shutdown quits the console as q does, so the
			// client's terminal is restored before the session ends.
			stopOnShutdown = context.AfterFunc(c.ctx, p.Quit)
			ctx, cancel := context.WithCancel(s.Context())
			var reason string
			done := make(chan struct{})
			go func() {
				defer close(done)
				if reason = c.follow(ctx, s.PublicKey(), who, planChanged, in, p); reason != "" {
					p.Quit()
				}
			}()
			followed = func() string {
				cancel()
				<-done
				return reason
			}
			return p
		}
		bm.MiddlewareWithProgramHandler(program, termenv.Ascii)(next)(s)
		why := followed()
		switch {
		case c.ctx.Err() != nil:
			wish.Errorln(s, "hypercare: the server is shutting down")
		case why != "":
			wish.Errorln(s, why)
			c.log.Printf("ssh: %s", strings.TrimPrefix(why, "hypercare: "))
		}
		c.log.Printf("ssh: %s disconnected after %s", who.actor.Name, time.Since(started).Round(time.Second))
	}
}

// follow keeps one session in step with the support plan and with its
// operator until ctx ends. After each plan reload the key is identified
// again: a role the plan changed applies at once; an operator the plan no
// longer lets in with this key (or whose wall setting changed) is ended.
// A session without input for sshInputIdle is ended too, except on a wall
// screen. It returns why the session must end, or "" when ctx ended first.
func (c *sshConsole) follow(ctx context.Context, key ssh.PublicKey, who sshUser, planChanged <-chan struct{}, in *inputClock, p *tea.Program) string {
	var idle <-chan time.Time // nil on a wall screen: never ready
	if !who.wall {
		idle = c.clock.After(sshInputIdle)
	}
	for {
		select {
		case <-ctx.Done():
			return ""
		case <-idle:
			quiet := c.clock.Now().Sub(in.last())
			if quiet >= sshInputIdle {
				return fmt.Sprintf("hypercare: no input for %s, so the session ended; connect again to carry on", spell(sshInputIdle))
			}
			idle = c.clock.After(sshInputIdle - quiet)
		case <-planChanged:
			now, ok := identify(c.shared.Plan.Plan(), key)
			switch {
			case !ok || now.actor.Name != who.actor.Name:
				return fmt.Sprintf("hypercare: the support plan no longer lets %s in with this key, so the session ended", who.actor.Name)
			case now.wall != who.wall:
				return fmt.Sprintf("hypercare: the support plan changed whether %s is a wall screen; connect again", who.actor.Name)
			case now.actor.Role != who.actor.Role:
				c.log.Printf("ssh: the plan changed %s's role from %s to %s; their open session follows", who.actor.Name, who.actor.Role, now.actor.Role)
				who = now
				p.Send(ui.RoleChangedMsg{Role: now.actor.Role})
			}
		}
	}
}

// inputClock passes a session's input through and notes when the operator
// last sent any (keys, pastes, a terminal's answers), by the time now tells.
type inputClock struct {
	r    io.Reader
	now  func() time.Time
	nano atomic.Int64 // Unix nanoseconds of the last input
}

func newInputClock(r io.Reader, now func() time.Time) *inputClock {
	in := &inputClock{r: r, now: now}
	in.nano.Store(now().UnixNano())
	return in
}

func (in *inputClock) Read(b []byte) (int, error) {
	n, err := in.r.Read(b)
	if n > 0 {
		in.nano.Store(in.now().UnixNano())
	}
	return n, err
}

func (in *inputClock) last() time.Time { return time.Unix(0, in.nano.Load()) }

// deps wires one session's console. The renderer is the client's: its
// terminal type, background and NO_COLOR decide the colours, not the server's.
func (c *sshConsole) deps(s ssh.Session, who sshUser) ui.Deps {
	d := c.shared
	d.Actor = who.actor
	d.Renderer = bm.MakeRenderer(s)
	if noColor(s.Environ()) {
		d.Renderer.SetColorProfile(termenv.Ascii)
	}
	if who.wall {
		// A wall screen only shows; nobody at it should be able to act.
		d.Actions, d.Wall = nil, true
	}
	return d
}

// noColor reports NO_COLOR as https://no-color.org defines it: present and
// not empty. OpenSSH sends it only with SendEnv NO_COLOR (and a server that
// accepts it, which this one does).
func noColor(environ []string) bool {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" {
			return true
		}
	}
	return false
}
