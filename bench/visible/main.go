// Command visible measures drop → visible: from the moment a drop file is
// renamed into the watched folder until a console session has drawn it on
// its screen. Issue 17's budget at 1M stored alerts: p50 ≤ 10 ms and
// p99 ≤ 50 ms for a 100-alert file, and ≤ 0.5 s for one 10,000-alert file.
//
// "Visible" is not when Ingest returns, nor when the store notifies: it is
// when the session's renderer writes the new alert to its terminal. The
// session is the real console (ui.New, reading through ui.Shared as the
// console does) on the real service layer and store, run by bubbletea as
// a headless program whose terminal output goes to a scanner, the way an
// SSH session's goes to its channel; the program has the same options as
// an SSH session (alt screen, bubbletea's renderer at the console's frame
// rate, ui.FPS). The intake is the real drop watcher on the real folder
// (bench/rig). The console shows the alert feed: at 80x24 it is
// switched to the Alerts tab, at 200x60 it is one pane of the grid.
//
// Each drop is an Alertmanager webhook of -alerts critical firing alerts
// of a group of its own, named uniquely, so that it storms (the example
// plan's storm size is 20) and stands at the top of the feed as one row
// with its name; the run waits for that name on screen before the next
// drop. The stored database is copied for every run, so each starts from
// the same data.
//
//	go run ./bench/visible -base /tmp/perf/base-1000000.db
//	go run ./bench/visible -base /tmp/perf/base-1000000.db -size 200x60 -drops 300
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/bench/latency"
	"github.com/hypercare-ops/hypercare/bench/rig"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/muesli/termenv"
)

type config struct {
	base        string
	size        string
	drops, runs int
	alerts, big int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.base, "base", "", "stored database to start each run from (bench/gendb or bench/ingest -bases makes one); empty: an empty database")
	flag.StringVar(&cfg.size, "size", "80x24", "the session's terminal, WIDTHxHEIGHT")
	flag.IntVar(&cfg.drops, "drops", 200, "drops per run, one at a time")
	flag.IntVar(&cfg.alerts, "alerts", 100, "alerts per drop")
	flag.IntVar(&cfg.big, "big", 10_000, "alerts in the one big file at the end of each run (0: none)")
	flag.IntVar(&cfg.runs, "runs", 3, "runs")
	flag.Parse()
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/visible:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	var w, h int
	if _, err := fmt.Sscanf(cfg.size, "%dx%d", &w, &h); err != nil {
		return fmt.Errorf("-size %q: want WIDTHxHEIGHT, e.g. 80x24", cfg.size)
	}
	fmt.Printf("machine: %s\n", rig.Machine())
	fmt.Printf("each run: %d drops of %d alerts one at a time, then one of %d; a %dx%d session; base %q\n\n", cfg.drops, cfg.alerts, cfg.big, w, h, cfg.base)
	if cfg.base != "" {
		if err := rig.Upgrade(ctx, cfg.base); err != nil {
			return err
		}
	}
	var p50s, p99s, maxes, bigs []time.Duration
	for r := range cfg.runs {
		load := rig.Load()
		small, big, err := oneRun(ctx, cfg, r, w, h)
		if err != nil {
			return err
		}
		fmt.Printf("run %d (%s): drop → visible %s", r+1, load, small)
		if cfg.big > 0 {
			fmt.Printf("; %d-alert file %v", cfg.big, big.Round(time.Millisecond))
		}
		fmt.Println()
		p50s, p99s, maxes = append(p50s, small.Quantile(0.5)), append(p99s, small.Quantile(0.99)), append(maxes, small.Quantile(1))
		bigs = append(bigs, big)
	}
	fmt.Printf("\n%d runs, min/median/max over runs:\n", cfg.runs)
	fmt.Printf("  p50 %s (budget ≤ 10 ms)\n  p99 %s (budget ≤ 50 ms)\n  max %s\n", spread(p50s), spread(p99s), spread(maxes))
	if cfg.big > 0 {
		fmt.Printf("  %d-alert file %s (budget ≤ 500 ms)\n", cfg.big, spread(bigs))
	}
	met := median(p50s) <= 10*time.Millisecond && median(p99s) <= 50*time.Millisecond && (cfg.big == 0 || median(bigs) <= 500*time.Millisecond)
	fmt.Printf("  verdict (medians): %s; %s now\n", map[bool]string{true: "MET", false: "NOT MET"}[met], rig.Load())
	return nil
}

func oneRun(ctx context.Context, cfg config, r, w, h int) (latency.Sample, time.Duration, error) {
	var applied, drawn latency.Sample // the two steps of each drop → visible
	defer func() {
		if len(applied) > 0 {
			fmt.Printf("  run %d steps, p50 / p99: rename → applied %v / %v, applied → drawn %v / %v\n", r+1,
				applied.Quantile(0.5).Round(10*time.Microsecond), applied.Quantile(0.99).Round(10*time.Microsecond),
				drawn.Quantile(0.5).Round(10*time.Microsecond), drawn.Quantile(0.99).Round(10*time.Microsecond))
		}
	}()
	root, err := os.MkdirTemp("", "bench-visible-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(root)
	dbPath := filepath.Join(root, "hypercare.db")
	if cfg.base != "" {
		if err := rig.Copy(cfg.base, dbPath); err != nil {
			return nil, 0, err
		}
	}
	rg, err := rig.Start(ctx, dbPath, root, nil)
	if err != nil {
		return nil, 0, err
	}
	defer rg.Close()
	p, err := rig.Plan()
	if err != nil {
		return nil, 0, err
	}
	scr := &screen{}
	prog, stop, err := startSession(rg, p, scr, w, h)
	if err != nil {
		return nil, 0, err
	}
	defer stop()
	if w < ui.GridMinWidth || h < ui.GridMinHeight {
		prog.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")}) // the Alerts tab
	}
	if err := scr.await("Alerts", time.Now(), 30*time.Second); err != nil {
		return nil, 0, fmt.Errorf("the session never showed its feed: %w", err)
	}
	var sample latency.Sample
	for i := range cfg.drops {
		// Drops come when their senders send them, at no particular moment
		// of the session's frame clock (bubbletea draws at ui.FPS): a pause
		// of a random part of two frames keeps the runs from falling into
		// step with it, which would favour or punish every drop alike.
		time.Sleep(rand.N(2 * time.Second / ui.FPS))
		name := fmt.Sprintf("Vis%dx%04d", r, i)
		took, app, err := dropAndWait(rg, scr, name, cfg.alerts, 10*time.Second)
		if err != nil {
			return nil, 0, err
		}
		sample = append(sample, took)
		if app > 0 {
			applied, drawn = append(applied, app), append(drawn, took-app)
		}
	}
	var big time.Duration
	if cfg.big > 0 {
		if big, _, err = dropAndWait(rg, scr, fmt.Sprintf("Big%dx", r), cfg.big, time.Minute); err != nil {
			return nil, 0, err
		}
	}
	return sample, big, nil
}

// dropAndWait renames a drop of n alerts named name in and times until the
// session has drawn name, and until the watcher reported it applied (zero
// if that report came after the drawing).
func dropAndWait(rg *rig.Rig, scr *screen, name string, n int, within time.Duration) (visible, applied time.Duration, err error) {
	f := rig.File{Name: strings.ToLower(name) + ".json", Data: payload(name, n)}
	if err := rg.Stage([]rig.File{f}); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	scr.expect(name)
	if err := os.Rename(filepath.Join(rg.Dir, "..", "stage", f.Name), filepath.Join(rg.Dir, f.Name)); err != nil {
		return 0, 0, err
	}
	if err := scr.await(name, start, within); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", f.Name, err)
	}
	seen := scr.seenAt()
	if at := rg.AppliedAt(f.Name); !at.IsZero() && !at.After(seen) {
		applied = at.Sub(start)
	}
	return seen.Sub(start), applied, nil
}

// payload is an Alertmanager webhook of n critical firing alerts of one
// group of its own, all named name.
func payload(name string, n int) []byte {
	type alert struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    string            `json:"startsAt"`
		Fingerprint string            `json:"fingerprint"`
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	alerts := make([]alert, n)
	for i := range alerts {
		alerts[i] = alert{Status: "firing", StartsAt: now, Fingerprint: fmt.Sprintf("%s-%06d", strings.ToLower(name), i),
			Labels: map[string]string{"alertname": name, "service": "search", "severity": "critical", "env": "prod",
				"instance": fmt.Sprintf("search-%d", i)},
			Annotations: map[string]string{"summary": "visibility probe"}}
	}
	b, _ := json.Marshal(map[string]any{"version": "4", "status": "firing", "receiver": "hypercare",
		"groupKey": fmt.Sprintf("{}:{alertname=%q}", name), "alerts": alerts})
	return b
}

// fixedPlan is the example plan, never edited during a run.
type fixedPlan struct {
	model.Broadcaster
	p *plan.Plan
}

func (f *fixedPlan) Plan() *plan.Plan { return f.p }
func (f *fixedPlan) Err() error       { return nil }

// startSession runs the console on the rig's service layer as a headless
// program writing its terminal output to scr.
func startSession(rg *rig.Rig, p *plan.Plan, scr io.Writer, w, h int) (*tea.Program, func(), error) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii) // text only, so a name is found as written
	op := model.Actor{Name: "bench", Role: model.RoleOperator}
	reads := ui.NewShared(rg.DB, rg.DB) // as the console reads
	m := ui.New(ui.Deps{Reader: reads, Notifier: reads, Actions: rg.Desk, Planner: rg.Desk, Plan: &fixedPlan{p: p},
		Actor: op, Renderer: r, DropsDir: rg.Dir})
	in, inW := io.Pipe() // no keys come from here; Send brings them
	prog := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(scr), tea.WithAltScreen(), tea.WithoutSignalHandler(), tea.WithFPS(ui.FPS))
	done := make(chan error, 1)
	go func() {
		_, err := prog.Run()
		done <- err
	}()
	prog.Send(tea.WindowSizeMsg{Width: w, Height: h})
	return prog, func() {
		prog.Quit()
		inW.Close()
		<-done
		m.Close()
		reads.Close()
	}, nil
}

// screen is the session's terminal: it notes when the awaited text is
// first written to it.
type screen struct {
	mu     sync.Mutex
	want   string
	tail   []byte // the end of the last write, for text split across writes
	seen   time.Time
	signal chan struct{}
}

func (s *screen) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.want != "" && s.seen.IsZero() {
		buf := append(s.tail, b...)
		if bytes.Contains(buf, []byte(s.want)) {
			s.seen = time.Now()
			close(s.signal)
		}
	}
	if len(b) >= 64 {
		s.tail = append(s.tail[:0], b[len(b)-64:]...)
	} else {
		s.tail = append(s.tail, b...)
		if len(s.tail) > 64 {
			s.tail = s.tail[len(s.tail)-64:]
		}
	}
	return len(b), nil
}

func (s *screen) expect(text string) {
	s.mu.Lock()
	s.want, s.seen, s.signal = text, time.Time{}, make(chan struct{})
	s.mu.Unlock()
}

func (s *screen) seenAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

// await waits until text is on screen; a text not yet expected is expected
// from now.
func (s *screen) await(text string, since time.Time, within time.Duration) error {
	s.mu.Lock()
	if s.want != text {
		s.mu.Unlock()
		s.expect(text)
		s.mu.Lock()
	}
	sig := s.signal
	s.mu.Unlock()
	select {
	case <-sig:
		return nil
	case <-time.After(within - time.Since(since)):
		return fmt.Errorf("%q not on screen after %v", text, within)
	}
}

func median(xs []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

func spread(xs []time.Duration) string {
	s := slices.Sorted(slices.Values(xs))
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", latency.Millis(d)) }
	return fmt.Sprintf("%s / %s / %s", ms(s[0]), ms(median(xs)), ms(s[len(s)-1]))
}
