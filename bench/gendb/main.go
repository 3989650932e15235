// Command gendb fills a new hypercare database for the benchmarks, through
// the paths real data takes, so that what is stored looks like what a
// busy hypercare stores:
//
//   - alerts (1M by default) arrive as Alertmanager webhooks renamed into a
//     watched drop folder and applied by the drop watcher through the
//     service layer with the example plan (bench/rig.Fill): storms form,
//     routes open incidents and write their timelines, alert history and the
//     audit log grow as they do live, and the stale sweep runs at the end;
//   - incidents and requests are opened, worked and mostly closed through
//     the service layer (Desk.CreateIncident, Transition), each with its
//     audit record and timeline;
//   - changes and knowledge base articles are written through the service
//     layer too (Desk.CreateChange, SaveArticle).
//
// The service layer's clock walks through the 90 days before now, so the
// records spread over a hypercare's length as they would.
//
//	go run ./bench/gendb -db /tmp/perf/bench.db
//	HYPERCARE_BENCH_DB=/tmp/perf/bench.db go test -run '^$' -bench . ./store/
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hypercare-ops/hypercare/bench/rig"
	"github.com/hypercare-ops/hypercare/model"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.path, "db", "", "database file to create (must not exist)")
	flag.IntVar(&cfg.alerts, "alerts", 1_000_000, "distinct alerts, through the drop folder")
	flag.IntVar(&cfg.perFile, "per-file", 100, "alerts per drop file")
	flag.IntVar(&cfg.incidents, "incidents", 20_000, "incidents and requests opened by people, through the service layer")
	flag.IntVar(&cfg.changes, "changes", 2_000, "changes")
	flag.IntVar(&cfg.articles, "articles", 1_000, "knowledge base articles")
	flag.Uint64Var(&cfg.seed, "seed", 1, "random seed; the same seed gives the same data")
	flag.Parse()
	if cfg.path == "" {
		fmt.Fprintln(os.Stderr, "gendb: -db FILE is required")
		flag.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(cfg.path); err == nil {
		fmt.Fprintf(os.Stderr, "gendb: %s exists; remove it or pick another -db\n", cfg.path)
		os.Exit(2)
	}
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "gendb:", err)
		os.Exit(1)
	}
}

type config struct {
	path                                          string
	alerts, perFile, incidents, changes, articles int
	seed                                          uint64
}

func run(ctx context.Context, cfg config) error {
	fmt.Printf("machine: %s, %s\n", rig.Machine(), rig.Load())
	start := time.Now()
	last := time.Now()
	if cfg.alerts > 0 {
		_, err := rig.Fill(ctx, cfg.path, cfg.alerts, cfg.perFile, func(done int) {
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				fmt.Printf("  alerts: %d of %d (%.0f/s)\n", done, cfg.alerts, float64(done)/time.Since(start).Seconds())
			}
		})
		if err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		fmt.Printf("alerts     %9d in %8s through the drop folder\n", cfg.alerts, time.Since(start).Round(time.Second))
	}

	work, err := os.MkdirTemp(filepath.Dir(cfg.path), "gendb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	end := time.Now().UTC()
	var clock atomic.Int64
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	r, err := rig.Start(ctx, cfg.path, work, now)
	if err != nil {
		return err
	}
	defer r.Close()
	g := &gen{rng: rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)), desk: r.Desk, ctx: ctx}
	p, err := rig.Plan()
	if err != nil {
		return err
	}
	for _, sv := range p.ModelServices() {
		g.services = append(g.services, sv.ID)
	}
	steps := []struct {
		name  string
		count int
		one   func(int) error
	}{
		{"incidents", cfg.incidents, g.incident},
		{"changes", cfg.changes, g.change},
		{"articles", cfg.articles, g.article},
	}
	for _, st := range steps {
		began := time.Now()
		for i := range st.count {
			// Each record at its moment of the 90 days, in order.
			clock.Store(end.Add(-rig.Span + time.Duration(i)*(rig.Span/time.Duration(max(1, st.count)))).UnixNano())
			if err := st.one(i); err != nil {
				return fmt.Errorf("%s %d: %w", st.name, i, err)
			}
		}
		took := time.Since(began)
		fmt.Printf("%-10s %9d in %8s (%.0f/s) through the service layer\n", st.name, st.count, took.Round(time.Millisecond), float64(st.count)/took.Seconds())
	}
	c, err := r.DB.Counts(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("counts: %+v\n", c)
	return nil
}

type gen struct {
	rng      *rand.Rand
	desk     *model.Desk
	ctx      context.Context
	services []string
}

var (
	lead  = model.Actor{Name: "gendb", Role: model.RoleAdmin}
	words = strings.Fields(`database replica lag disk volume certificate expiry queue consumer backlog checkout
		payment provider timeout retry login session token cache eviction memory pressure restart rollback deploy
		release canary traffic failover backup restore batch job schedule heartbeat network latency dns proxy`)
)

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// incident opens one incident or request; all but a few hundred of the
// newest are resolved and closed, as a hypercare's history is.
func (g *gen) incident(i int) error {
	kind := model.KindIncident
	if g.rng.IntN(7) == 0 {
		kind = model.KindRequest
	}
	svc := g.pick(g.services)
	in, err := g.desk.CreateIncident(g.ctx, lead, model.NewIncident{Kind: kind, Service: svc,
		Title:       fmt.Sprintf("%s %s on %s", g.pick(words), g.pick(words), svc),
		Description: "Reported by monitoring.", Category: model.Categories[g.rng.IntN(len(model.Categories))],
		Impact: model.Level(1 + g.rng.IntN(3)), Urgency: model.Level(1 + g.rng.IntN(3))})
	if err != nil {
		return err
	}
	if g.rng.IntN(300) == 0 {
		return nil // still open
	}
	if _, err := g.desk.Transition(g.ctx, lead, in.ID, model.StateChange{To: model.StateResolved,
		Code: model.ResolutionCodes[g.rng.IntN(len(model.ResolutionCodes))]}); err != nil {
		return err
	}
	_, err = g.desk.Transition(g.ctx, lead, in.ID, model.StateChange{To: model.StateClosed})
	return err
}

// change proposes one change on a service, planned for the next days.
func (g *gen) change(int) error {
	svc := g.pick(g.services)
	start := g.desk.Now().Add(time.Duration(1+g.rng.IntN(14*24)) * time.Hour).Truncate(time.Minute)
	_, _, err := g.desk.CreateChange(g.ctx, lead, model.Change{
		Title: fmt.Sprintf("Upgrade %s %s", svc, g.pick(words)), Services: []string{svc},
		Type: model.ChangeNormal, Impact: model.Medium, Probability: model.Medium, Implementer: "maya.patel",
		Start: start, End: start.Add(time.Duration(30+g.rng.IntN(240)) * time.Minute),
		Description: "Planned upgrade.", Backout: "Roll back.", TestPlan: "Smoke tests.",
	})
	return err
}

// article writes one knowledge base article of about 200 words.
func (g *gen) article(i int) error {
	body := make([]string, 200)
	for j := range body {
		body[j] = g.pick(words)
	}
	_, err := g.desk.SaveArticle(g.ctx, lead, model.Article{
		Slug: fmt.Sprintf("kb-%05d", i), Title: fmt.Sprintf("%s %s %s", g.pick(words), g.pick(words), g.pick(words)),
		Kind: model.ArticleKinds[g.rng.IntN(len(model.ArticleKinds))], Service: g.pick(g.services),
		Tags: []string{g.pick(words), g.pick(words)}, Body: strings.Join(body, " "),
	})
	return err
}
