// Command sessions measures what many consoles cost the server, without
// SSH and without the drop folder: N real consoles (ui.Model in bubbletea
// programs, each with its own renderer and a terminal of -size) on one
// database, reading through ui.Shared as `hypercare serve` wires them
// (-shared=false reads the store directly, for comparison), while alerts
// are ingested through the desk every -every. It reports the store reads
// per commit, the process's CPU per commit, and ingest → frame: from the
// start of the ingest to the first frame a console writes with the alert's
// name in it.
//
//	go run ./bench/sessions -db /tmp/bench-1m.db -sessions 100 -size 80x24
//
// The database is copied first; the copy is deleted at the end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/bench/latency"
	"github.com/hypercare-ops/hypercare/bench/rig"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/muesli/termenv"
)

func main() {
	db := flag.String("db", "", "database to copy (default: a new, empty one)")
	n := flag.Int("sessions", 100, "consoles")
	drops := flag.Int("drops", 100, "alerts to ingest, one per commit")
	every := flag.Duration("every", 100*time.Millisecond, "time between ingests")
	size := flag.String("size", "80x24", "terminal size, WIDTHxHEIGHT")
	shared := flag.Bool("shared", true, "read through ui.Shared, as serve does")
	profile := flag.String("profile", "", "write cpu.prof and block.prof of the timed part into this folder")
	flag.Parse()
	profileDir = *profile
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		fmt.Fprintln(os.Stderr, "sessions: -size WIDTHxHEIGHT")
		os.Exit(2)
	}
	if err := run(*db, *n, *drops, *every, w, h, *shared); err != nil {
		fmt.Fprintln(os.Stderr, "sessions:", err)
		os.Exit(1)
	}
}

// countingReader counts the reads that reach the store.
type countingReader struct {
	model.Reader
	reads atomic.Int64
}

// Versions passes the store's part versions through (and counts them), so
// that Shared keeps what no commit changed as it does over the store.
func (c *countingReader) Versions(ctx context.Context) (model.Versions, error) {
	c.reads.Add(1)
	v, ok := c.Reader.(model.Versioner)
	if !ok {
		return model.Versions{}, errors.New("the store does not count its parts' changes")
	}
	return v.Versions(ctx)
}

func (c *countingReader) Counts(ctx context.Context) (model.Counts, error) {
	c.reads.Add(1)
	return c.Reader.Counts(ctx)
}

func (c *countingReader) Queue(ctx context.Context, q model.QueueQuery) ([]model.Incident, error) {
	c.reads.Add(1)
	return c.Reader.Queue(ctx, q)
}

func (c *countingReader) Feed(ctx context.Context, q model.FeedQuery) ([]model.Alert, error) {
	c.reads.Add(1)
	return c.Reader.Feed(ctx, q)
}

func (c *countingReader) ChangesBetween(ctx context.Context, from, to time.Time) ([]model.Change, error) {
	c.reads.Add(1)
	return c.Reader.ChangesBetween(ctx, from, to)
}

func (c *countingReader) NextChange(ctx context.Context, after time.Time) (model.Change, error) {
	c.reads.Add(1)
	return c.Reader.NextChange(ctx, after)
}

func (c *countingReader) TrainingData(ctx context.Context) (model.TrainingData, error) {
	c.reads.Add(1)
	return c.Reader.TrainingData(ctx)
}

// staticPlan is a plan that never changes.
type staticPlan struct {
	model.Broadcaster
	p *plan.Plan
}

func (s *staticPlan) Plan() *plan.Plan { return s.p }
func (s *staticPlan) Err() error       { return nil }

var benchName = regexp.MustCompile(`bench-(\d{4})`)

// screen is one console's terminal: it notes when each bench alert's name
// first reaches it.
type screen struct {
	mu   sync.Mutex
	tail []byte
	seen map[int]time.Time
}

func (s *screen) Write(p []byte) (int, error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	raw := append(s.tail, p...)
	for _, m := range benchName.FindAllStringSubmatch(ansi.Strip(string(raw)), -1) {
		id, _ := strconv.Atoi(m[1])
		if _, ok := s.seen[id]; !ok {
			s.seen[id] = now
		}
	}
	s.tail = append(s.tail[:0], raw[max(0, len(raw)-256):]...)
	return len(p), nil
}

func (s *screen) at(id int) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.seen[id]
	return t, ok
}

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(src string, n, drops int, every time.Duration, w, h int, shared bool) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hypercare-bench-sessions-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "hypercare.db")
	if src != "" {
		if err := rig.Upgrade(ctx, src); err != nil {
			return err
		}
		if err := rig.Copy(src, path); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		return err
	}
	desk := model.NewDesk(db, p)
	counted := &countingReader{Reader: db}
	var reader model.Reader = counted
	var notifier model.Notifier = db
	if shared {
		s := ui.NewShared(counted, db)
		defer s.Close()
		reader, notifier = s, s
	}
	screens := make([]*screen, n)
	programs := make([]*tea.Program, n)
	for i := range n {
		screens[i] = &screen{seen: map[int]time.Time{}}
		r := lipgloss.NewRenderer(screens[i])
		r.SetColorProfile(termenv.ANSI256)
		op := p.Operators[i%len(p.Operators)]
		m := ui.New(ui.Deps{Reader: reader, Notifier: notifier, Actions: desk, Planner: desk, Plan: &staticPlan{p: p},
			Actor: model.Actor{Name: op.Name, Role: op.Role}, Renderer: r})
		defer m.Close()
		prog := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(screens[i]), tea.WithoutSignalHandler())
		programs[i] = prog
		go prog.Run()
		prog.Send(tea.WindowSizeMsg{Width: w, Height: h})
		prog.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'2'}}) // the alert feed
	}
	defer func() {
		for _, prog := range programs {
			prog.Kill()
		}
	}()
	var ingests latency.Sample
	ingest := func(id int) (time.Time, error) {
		name := fmt.Sprintf("bench-%04d", id)
		start := time.Now()
		defer func() { ingests = append(ingests, time.Since(start)) }()
		_, err := desk.Ingest(ctx, model.System, model.Drop{Name: name, Events: []model.AlertEvent{{Alert: model.Alert{
			DedupKey: name, Name: name, State: model.AlertFiring, Severity: model.SevCritical, Summary: "sessions bench alert",
			Labels: map[string]string{"service": name}}}}})
		return start, err
	}
	// Warm up: every console draws one alert first.
	if _, err := ingest(0); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for i, s := range screens {
		for {
			if _, ok := s.at(0); ok {
				break
			}
			if time.Now().After(deadline) {
				s.mu.Lock()
				last := ansi.Strip(string(s.tail))
				s.mu.Unlock()
				return fmt.Errorf("the warm-up alert never reached console %d of %d; its last output: %q", i+1, n, last)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The consoles' first loads (every pane; the exit scorecard over a
	// hundred thousand incidents) may still run when the warm-up alert is
	// on every screen: wait until the CPU used in a second stops falling
	// by more than a tenth of a core, so that "idle" is the clocks alone.
	for prev, start := time.Duration(-1), time.Now(); time.Since(start) < time.Minute; {
		before := cpu()
		time.Sleep(time.Second)
		used := cpu() - before
		if prev >= 0 && used > prev-100*time.Millisecond {
			break
		}
		prev = used
	}
	idleCPU := cpu()
	time.Sleep(2 * time.Second)
	fmt.Printf("%d consoles at %dx%d, shared reads %v: idle (clocks ticking) %.0f%% of a core\n",
		n, w, h, shared, 100*float64(cpu()-idleCPU)/float64(2*time.Second))

	ingests = nil
	stopProfile, err := startProfile()
	if err != nil {
		return err
	}
	reads, used := counted.reads.Load(), cpu()
	started := map[int]time.Time{}
	tick := time.NewTicker(every)
	for id := 1; id <= drops; id++ {
		<-tick.C
		at, err := ingest(id)
		if err != nil {
			return err
		}
		started[id] = at
	}
	tick.Stop()
	time.Sleep(2 * time.Second) // the last frames
	if err := stopProfile(); err != nil {
		return err
	}
	span := time.Duration(drops)*every + 2*time.Second
	reads, used = counted.reads.Load()-reads, cpu()-used
	var lat latency.Sample
	missing := 0
	for _, s := range screens {
		for id, at := range started {
			seen, ok := s.at(id)
			if !ok {
				missing++
				continue
			}
			lat = append(lat, seen.Sub(at))
		}
	}
	fmt.Printf("%d commits in %s: %.1f store reads per commit, process CPU %.0f%% of a core (%.1f ms per commit)\n",
		drops, span, float64(reads)/float64(drops), 100*float64(used)/float64(span), float64(used)/float64(drops)/1e6)
	fmt.Printf("ingest alone (the commit): %s\n", ingests)
	fmt.Printf("ingest → frame, %d of %d (consoles × alerts), %d never drawn: %s\n", len(lat), n*drops, missing, lat)
	return nil
}

// profileDir is -profile.
var profileDir string

// startProfile starts the CPU and blocking profiles when -profile is set;
// the func it returns writes them.
func startProfile() (func() error, error) {
	if profileDir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(profileDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(profileDir, "cpu.prof"))
	if err != nil {
		return nil, err
	}
	runtime.SetBlockProfileRate(int(time.Millisecond))
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		f.Close()
		b, err := os.Create(filepath.Join(profileDir, "block.prof"))
		if err != nil {
			return err
		}
		defer b.Close()
		return pprof.Lookup("block").WriteTo(b, 0)
	}, nil
}
