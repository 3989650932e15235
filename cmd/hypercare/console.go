package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/cmd/hypercare/demo"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/muesli/termenv"
)

// planHolder keeps the last good plan and the reason the newest edit was
// refused, and tells every session when either changes.
type planHolder struct {
	model.Broadcaster
	mu  sync.RWMutex
	cur *plan.Plan
	err error
}

func (h *planHolder) Plan() *plan.Plan {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.cur
}

func (h *planHolder) Err() error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.err
}

// set records a reload: a good plan replaces the current one, a bad one only
// sets the error, so the console keeps running on the last good plan.
func (h *planHolder) set(p *plan.Plan, err error) {
	h.mu.Lock()
	if err == nil {
		h.cur = p
	}
	h.err = err
	h.mu.Unlock()
	h.Notify()
}

// app is an opened hypercare: store, service layer and live plan.
type app struct {
	db    database
	where string // --db: the SQLite file or the PostgreSQL URL
	desk  *model.Desk
	plan  *planHolder
}

// openApp opens the store and the plan, syncs the plan's services into the
// store and starts watching the plan file until ctx ends.
func openApp(ctx context.Context, dbPath, planPath string) (*app, error) {
	p, err := loadPlan(planPath)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	a := &app{db: db, where: dbPath, desk: model.NewDesk(db, p), plan: &planHolder{cur: p}}
	if err := syncPlan(ctx, a.desk, p); err != nil {
		db.Close()
		return nil, err
	}
	// The watch starts before openApp returns, so no edit made after it is missed.
	watch, err := plan.NewWatcher(planPath)
	if err != nil {
		a.plan.set(nil, fmt.Errorf("%w; restart hypercare to pick up edits", err))
		return a, nil
	}
	go func() {
		err := watch.Run(ctx, func(np *plan.Plan, err error) {
			if err == nil {
				a.desk.SetPolicy(np)
				if serr := syncPlan(ctx, a.desk, np); serr != nil {
					err = fmt.Errorf("plan loaded but not all saved: %w", serr)
				}
			}
			a.plan.set(np, err)
		})
		if err != nil && ctx.Err() == nil {
			a.plan.set(nil, fmt.Errorf("watching %s stopped: %w; restart hypercare to pick up edits", planPath, err))
		}
	}()
	return a, nil
}

// demoWorld is the folder a demo lives in: its plan, database and drops.
type demoWorld struct {
	dir, db, plan string
	kept          bool // --keep: the folder stays after the console ends
}

// openDemo makes the demo's folder (see demoFolder), starts the receiver
// that files the demo's notifications in its outbox/ until ctx ends,
// writes the demo plan into it, points g at the folder's plan, database
// and drop folder, and says on out where they are, so the report and the
// CLI can be tried on the demo from another terminal while the console
// runs.
func openDemo(ctx context.Context, g *global, now time.Time, out io.Writer) (demoWorld, error) {
	dir, err := demoFolder(g.keep)
	if err != nil {
		return demoWorld{}, err
	}
	d := demoWorld{dir: dir, db: filepath.Join(dir, "hypercare.db"), plan: filepath.Join(dir, "plan.toml"), kept: g.keep != ""}
	g.db, g.plan, g.drops = d.db, d.plan, filepath.Join(dir, "drops")
	// The demo's notifications go to a receiver in this process that
	// files each message in the demo's folder.
	outbox, err := demo.Receive(ctx, filepath.Join(dir, "outbox"))
	if err == nil {
		err = writeDemoPlan(g.plan, now, outbox)
	}
	if err != nil {
		d.close()
		return demoWorld{}, err
	}
	fmt.Fprintf(out, "hypercare: demo in %s; its database is %s; try: %s\n", dir, d.db, d.reportCommand())
	fmt.Fprintf(out, "hypercare: the demo's notifications (webhooks, e-mail) are filed in %s\n", filepath.Join(dir, "outbox"))
	if !d.kept {
		fmt.Fprintln(out, "hypercare: the demo folder goes when the console ends; --keep DIR keeps it")
	}
	return d, nil
}

func (d demoWorld) reportCommand() string {
	return fmt.Sprintf("hypercare --db %s --plan %s report", d.db, d.plan)
}

// farewell is what the demo says when the console ends: where its
// database stays, or that it is gone.
func (d demoWorld) farewell() string {
	if d.kept {
		return fmt.Sprintf("hypercare: the demo is kept in %s; its database is %s; try: %s", d.dir, d.db, d.reportCommand())
	}
	return fmt.Sprintf("hypercare: the demo's database %s is removed with its folder; --demo --keep DIR keeps it", d.db)
}

// close removes the demo's folder unless it is kept.
func (d demoWorld) close() {
	if !d.kept {
		os.RemoveAll(d.dir)
	}
}

// demoFolder is where a demo lives: a new temporary folder, or keep (which
// must not hold a database already: the demo seeds a fresh week).
func demoFolder(keep string) (string, error) {
	if keep == "" {
		return os.MkdirTemp("", "hypercare-demo-")
	}
	if _, err := os.Stat(filepath.Join(keep, "hypercare.db")); err == nil {
		return "", fmt.Errorf("--keep %s: it already holds a demo database; give an empty or new folder", keep)
	}
	if err := os.MkdirAll(keep, 0o755); err != nil {
		return "", fmt.Errorf("--keep: %w", err)
	}
	return keep, nil
}

// syncPlan saves what the store keeps from the plan: the services, and the
// people (their roles decide the required reading the training matrix
// counts).
func syncPlan(ctx context.Context, desk *model.Desk, p *plan.Plan) error {
	if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
		return fmt.Errorf("load services from the plan: %w", err)
	}
	if err := desk.SyncRoster(ctx, model.System, p.Roster()); err != nil {
		return fmt.Errorf("load operators from the plan: %w", err)
	}
	return nil
}

// editorCommand is the operator's editor for long notes: $VISUAL, else
// $EDITOR, as other terminal programs choose; empty when neither is set.
func editorCommand() string {
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if e := strings.TrimSpace(os.Getenv(v)); e != "" {
			return e
		}
	}
	return ""
}

// loadPlan reads the support plan, saying what to do when it is missing or
// has problems.
func loadPlan(path string) (*plan.Plan, error) {
	p, err := plan.Load(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, noPlanError(path)
		}
		return nil, fmt.Errorf("plan %s is invalid, fix it and start again (check with 'hypercare plan check %s'):\n%w", path, path, err)
	}
	return p, nil
}

// noPlanError says what to do when there is no plan file at path.
func noPlanError(path string) error {
	return fmt.Errorf("no support plan at %s: write a starter plan there with '%s' and edit it, "+
		"or start from examples/plan.toml, pass --plan FILE, or try --demo", path, withPlanFlag("hypercare init", path))
}

// offerStarter is the first run of the console: with no plan at path, it
// asks on a terminal whether to write the starter plan there, as hypercare
// init does, and writes it on yes (an empty answer is yes). Without a
// terminal, on no, or when the question cannot be read, it returns the
// missing plan's error. A plan that exists (even one that does not load)
// is left for loadPlan to judge.
func offerStarter(path string, interactive bool, in io.Reader, out io.Writer, now time.Time) error {
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if !interactive {
		return noPlanError(path)
	}
	fmt.Fprintf(out, "No support plan at %s. Write a starter plan there now? [Y/n] ", path)
	answer, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && answer == "" {
		fmt.Fprintln(out)
		return noPlanError(path)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "", "y", "yes":
	default:
		return noPlanError(path)
	}
	p, note, err := writeStarter(path, now)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(out, note)
	}
	fmt.Fprintf(out, "hypercare: wrote a starter plan to %s\n%s", path, starterSummary(p))
	fmt.Fprintf(out, "hypercare: the console watches it for edits: change it in an editor while the console runs and each save applies (a mistake keeps the last good plan)\n")
	return nil
}

// actorFor finds who is at this terminal. --as must name an operator in the
// plan. Without it, the plan's operator named like the OS user (localUser)
// is used, else a local administrator: whoever can open the database file
// can change anything in it anyway, and the footer says so.
func actorFor(p *plan.Plan, as string) (model.Actor, error) {
	if as != "" {
		op, ok := p.Operator(as)
		if !ok {
			return model.Actor{}, fmt.Errorf("--as %s: no such [[operator]] in %s; add one or pick an existing name", as, p.Path)
		}
		return model.Actor{Name: op.Name, Role: op.Role}, nil
	}
	user := localUser()
	if op, ok := p.Operator(user); ok {
		return model.Actor{Name: op.Name, Role: op.Role}, nil
	}
	return model.Actor{Name: user + "@local", Role: model.RoleAdmin}, nil
}

// demoActor is the demo plan's first lead unless --as names someone, so the
// demo shows a real person with a real role.
func demoActor(p *plan.Plan, as string) (model.Actor, error) {
	if as == "" {
		for _, op := range p.Operators {
			if op.Role == model.RoleLead {
				return model.Actor{Name: op.Name, Role: op.Role}, nil
			}
		}
	}
	return actorFor(p, as)
}

// signalContext ends on SIGHUP, SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
}

// errNoTerminal is why the console does not start from a pipe or a script.
var errNoTerminal = errors.New("the console needs a terminal, and this is not one; from a script use " +
	"'hypercare list', 'show', 'report', 'incident' or 'change', or run 'hypercare serve' (see hypercare --help)")

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func runConsole(g global) error {
	if g.rotate > 0 && !g.wall {
		return usagef("--rotate turns a wall screen's panes; it goes with --wall")
	}
	if g.keep != "" && !g.demo {
		return usagef("--keep DIR keeps the demo's folder; it goes with --demo")
	}
	keys, err := loadKeys(g)
	if err != nil {
		return err
	}
	terminal := isTerminal(os.Stdin) && isTerminal(os.Stdout)
	if !g.demo {
		// Before the terminal check: without a plan there is no console,
		// so that is what to say first.
		if err := offerStarter(g.plan, terminal, os.Stdin, os.Stderr, time.Now()); err != nil {
			return err
		}
	}
	if !terminal {
		return errNoTerminal
	}
	// A closed terminal (SIGHUP) or kill (SIGTERM) ends the program through
	// its context, so deferred clean-up (the demo's temporary folder, the
	// database) still runs.
	ctx, cancel := signalContext()
	defer cancel()

	if g.demo {
		d, err := openDemo(ctx, &g, time.Now(), os.Stderr)
		if err != nil {
			return err
		}
		// Deferred first, so it runs last: after the farewell below.
		defer d.close()
		// The console's screen covered what was said at the start: say
		// again where the database is (or that it is gone).
		defer func() { fmt.Fprintln(os.Stderr, d.farewell()) }()
	}
	if err := os.MkdirAll(g.drops, 0o755); err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	a, err := openApp(ctx, g.db, g.plan)
	if err != nil {
		return err
	}
	defer a.db.Close()
	who := actorFor
	if g.demo {
		who = demoActor
	}
	actor, err := who(a.plan.Plan(), g.as)
	if err != nil {
		return err
	}
	if g.demo {
		fmt.Fprintln(os.Stderr, "hypercare: seeding a week of demo data…")
		seededTo := time.Now()
		if err := demo.Seed(ctx, a.desk, a.plan.Plan(), seededTo); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		genErr, beatErr, staffErr := make(chan error, 1), make(chan error, 1), make(chan error, 1)
		live := time.Now()
		go func() {
			// Live alerts arrive as real drop files, through the watcher.
			genErr <- demo.WriteDrops(ctx, g.drops, a.plan.Plan(), 3*time.Second, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7)))
		}()
		go func() {
			// So do the jobs' heartbeats, from where the seeded week ends.
			beatErr <- demo.WriteHeartbeats(ctx, g.drops, a.plan.Plan(), seededTo, 3*time.Second)
		}()
		go func() {
			// The other people on shift work the queue, leaving the
			// operator at this console their own work.
			staffErr <- demo.Staff(ctx, a.desk, a.plan.Plan(), live, 20*time.Second, actor.Name)
		}()
		// The console owns the terminal while it runs; report a generator
		// failure once it is back.
		defer func() {
			cancel()
			if err := <-genErr; err != nil {
				fmt.Fprintf(os.Stderr, "hypercare: the demo alert generator stopped early: %v\n", err)
			}
			if err := <-beatErr; err != nil {
				fmt.Fprintf(os.Stderr, "hypercare: the demo job scheduler stopped early: %v\n", err)
			}
			if err := <-staffErr; err != nil {
				fmt.Fprintf(os.Stderr, "hypercare: the demo staff stopped early: %v\n", err)
			}
		}()
	}

	r := lipgloss.NewRenderer(os.Stdout)
	if g.plain {
		r.SetColorProfile(termenv.Ascii)
	}
	dropStatus, waitDrops, err := watchDrops(ctx, a, g.drops, nil)
	if err != nil {
		return err
	}
	waitNotify := startNotify(ctx, a, nil)
	defer func() { cancel(); waitNotify(); waitDrops() }() // before the database closes
	presence := &model.Presence{}
	session, leave := presence.Join(actor.Name, actor.Role)
	defer leave()
	// The console reads as a server of one reads (ui.Shared): a commit then
	// costs it the reads of what the commit changed.
	reads := ui.NewShared(a.db, a.db)
	defer reads.Close()
	deps := ui.Deps{
		Reader: reads, Notifier: reads, Actions: a.desk, Planner: a.desk, Plan: a.plan,
		Actor: actor, Keys: keys, Renderer: r, DropsDir: g.drops, Drops: dropStatus,
		Presence: presence, Session: session, Editor: editorCommand(),
	}
	if op, ok := a.plan.Plan().Operator(actor.Name); g.wall || (ok && op.Wall) {
		// A wall screen shows; nobody walking past it can act through it.
		deps.Actions, deps.Wall, deps.Rotate = nil, true, g.rotate
	}
	m := ui.New(deps)
	defer m.Close()
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(ui.FPS))
	// Subscribed before the program starts, so no reload is missed.
	planChanged, stopListening := a.plan.Subscribe()
	defer stopListening()
	ended := make(chan string, 1)
	go func() {
		ended <- followPlan(ctx, a.plan.Plan, func(pl *plan.Plan) (model.Actor, error) { return who(pl, g.as) }, actor, planChanged, p.Send, p.Quit)
	}()
	_, err = p.Run()
	cancel() // ends followPlan if the operator quit
	if why := <-ended; why != "" {
		return errors.New(why)
	}
	if errors.Is(err, tea.ErrProgramKilled) {
		return nil
	}
	return err
}

// followPlan keeps the local console in step with the support plan until
// ctx ends, as SSH sessions are: after each reload the operator is looked
// up again; a role the plan changed applies at once, and an operator the
// plan no longer has ends the console (quit) with the reason it returns.
func followPlan(ctx context.Context, current func() *plan.Plan, who func(*plan.Plan) (model.Actor, error), actor model.Actor, changed <-chan struct{}, send func(tea.Msg), quit func()) string {
	for {
		select {
		case <-ctx.Done():
			return ""
		case <-changed:
			now, err := who(current())
			switch {
			case err != nil:
				quit()
				return fmt.Sprintf("the support plan no longer has %s (%v), so the console ended", actor.Name, err)
			case now.Name == actor.Name && now.Role != actor.Role:
				actor = now
				send(ui.RoleChangedMsg{Role: now.Role})
			}
		}
	}
}

// writeDemoPlan writes the example plan, moved so that today is a week into
// hypercare and notifying the demo's receiver, where the console watches it
// like any plan: edit it live.
func writeDemoPlan(path string, now time.Time, outbox *demo.Receiver) error {
	p, err := demo.Plan(now)
	if err != nil {
		return fmt.Errorf("demo plan: %w", err)
	}
	if outbox != nil { // nil: the example plan's own targets (tests that only read the plan)
		demo.NotifyLocally(p, outbox)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := p.Encode(f); err != nil {
		f.Close()
		return fmt.Errorf("write demo plan: %w", err)
	}
	return f.Close()
}
