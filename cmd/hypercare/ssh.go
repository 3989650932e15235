package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	rm "github.com/charmbracelet/wish/recover"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/plan"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"
)

// defaultSSHAddr is where `hypercare serve` listens for consoles when no
// address is given: loopback, so exposing it is a deliberate choice.
const defaultSSHAddr = "127.0.0.1:2222"

// sshIdle closes connections that neither send nor receive anything for
// this long: stalled handshakes and vanished peers. A console redraws its
// clock every second, so a wall screen nobody touches is never idle.
const sshIdle = 10 * time.Minute

// hostKeyPath keeps the server's identity next to the database, so it
// survives restarts and clients do not see a "host key changed" warning.
func hostKeyPath(dbPath string) string {
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
}

// newSSHServer builds the SSH server; the host key at hostKey is generated
// (ed25519) on first start. Sessions end when ctx does.
func newSSHServer(ctx context.Context, c *sshConsole, hostKey string) (*ssh.Server, error) {
	c.ctx = ctx
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
func (c *sshConsole) console(next ssh.Handler) ssh.Handler {
	return func(s ssh.Session) {
		// Identify again: the plan may have changed since the key was checked.
		who, ok := identify(c.shared.Plan.Plan(), s.PublicKey())
		if !ok {
			wish.Fatalln(s, "hypercare: your key is no longer in the support plan")
			return
		}
		var m *ui.Model
		stopOnShutdown := func() bool { return false }
		defer func() {
			stopOnShutdown()
			if m != nil {
				m.Close()
			}
		}()
		started := time.Now()
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
			// Signals belong to the server process, not to any one program in
			// it. Bubbletea's own panic catching stays on: it also covers the
			// goroutines commands run in, where a panic would end the server.
			p := tea.NewProgram(m, append(bm.MakeOptions(s), tea.WithAltScreen(), tea.WithoutSignalHandler())...)
			// The server's shutdown quits the console as q does, so the
			// client's terminal is restored before the session ends.
			stopOnShutdown = context.AfterFunc(c.ctx, p.Quit)
			return p
		}
		bm.MiddlewareWithProgramHandler(program, termenv.Ascii)(next)(s)
		if c.ctx.Err() != nil {
			wish.Errorln(s, "hypercare: the server is shutting down")
		}
		c.log.Printf("ssh: %s disconnected after %s", who.actor.Name, time.Since(started).Round(time.Second))
	}
}

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
