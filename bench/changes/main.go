// Command changes times the change board's hot paths at scale: the
// conflict check of one change (Desk.CheckChange, what the form and the
// detail call) and a week of the calendar (what every session's calendar
// pane reads), over a real SQLite database holding N open changes spread
// over ±90 days on the example plan's services, with the example plan's
// windows, freezes and jobs.
//
//	go run ./bench/changes [-changes 10000] [-n 2000] [-db FILE]
//
// Budgets (issue 12): conflict check ≤ 5 ms, calendar week ≤ 2 ms.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/hypercare-ops/hypercare/bench/latency"
	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

func main() {
	changes := flag.Int("changes", 10000, "open changes in the database")
	n := flag.Int("n", 2000, "runs per measure")
	path := flag.String("db", "", "database file (default: a new one in a temporary folder)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the timed part to this file")
	flag.Parse()
	stop := func() {}
	if *profile != "" {
		var err error
		if stop, err = startProfile(*profile); err != nil {
			fmt.Fprintln(os.Stderr, "changes:", err)
			os.Exit(1)
		}
	}
	err := run(context.Background(), *path, *changes, *n)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "changes:", err)
		os.Exit(1)
	}
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func run(ctx context.Context, path string, count, n int) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "hypercare-bench-changes-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
	}
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	desk := model.NewDesk(db, p)
	now := time.Now().Truncate(time.Minute)
	if err := seed(ctx, db, p, now, count); err != nil {
		return err
	}
	services := p.ModelServices()
	rng := rand.New(rand.NewPCG(2, 3))
	probe := func() model.Change {
		sv := services[rng.IntN(len(services))].ID
		start := now.Add(time.Duration(rng.IntN(60*24*60)) * time.Minute)
		return model.Change{ID: -1, Services: []string{sv}, Implementer: "sofia.lindqvist", State: model.ChangeNew,
			Type: model.ChangeNormal, Start: start, End: start.Add(time.Duration(30+rng.IntN(180)) * time.Minute)}
	}

	fmt.Printf("%s: %d open changes over ±90 days, %d runs each\n\n", path, count, n)
	var check, week latency.Sample
	conflicts := 0
	for range n {
		c := probe()
		if err := check.Time(func() error {
			cs, err := desk.CheckChange(ctx, c)
			conflicts += len(cs)
			return err
		}); err != nil {
			return err
		}
	}
	for i := range n {
		from := now.Add(time.Duration(i%60-30) * 24 * time.Hour)
		if err := week.Time(func() error {
			_, err := db.ChangesBetween(ctx, from, from.Add(7*24*time.Hour))
			return err
		}); err != nil {
			return err
		}
	}
	over := false
	report := func(name string, s latency.Sample, budget time.Duration) {
		verdict := "ok"
		if s.Quantile(0.5) > budget {
			verdict, over = "OVER", true
		}
		fmt.Printf("%-24s %s  budget %v: %s\n", name, s, budget, verdict)
	}
	report("conflict check", check, 5*time.Millisecond)
	report("calendar week", week, 2*time.Millisecond)
	fmt.Printf("\n(%.1f conflicts per checked change on average)\n", float64(conflicts)/float64(n))
	if over {
		return errors.New("over budget")
	}
	return nil
}

// seed writes count scheduled changes, 30 minutes to 4 hours long, over the
// plan's services between 90 days ago and 90 days ahead, in one
// transaction through the store (the seed is not what is measured).
func seed(ctx context.Context, db *store.DB, p *plan.Plan, now time.Time, count int) error {
	if err := db.Write(ctx, func(tx model.Tx) error { return tx.ReplaceServices(p.ModelServices()) }); err != nil {
		return err
	}
	services := p.ModelServices()
	people := []string{"sofia.lindqvist", "raj.iyer", "tom.okafor", "web", "platform"}
	rng := rand.New(rand.NewPCG(1, 2))
	return db.Write(ctx, func(tx model.Tx) error {
		for i := range count {
			start := now.Add(time.Duration(rng.IntN(180*24*60)-90*24*60) * time.Minute)
			c := model.Change{Title: fmt.Sprintf("bench change %d", i), Services: []string{services[rng.IntN(len(services))].ID},
				Type: model.ChangeNormal, State: model.ChangeScheduled, Impact: model.Medium, Probability: model.Medium,
				Risk: model.Medium, Implementer: people[rng.IntN(len(people))], Start: start,
				End: start.Add(time.Duration(30+rng.IntN(210)) * time.Minute), Round: 1, Created: now}
			if err := tx.InsertChange(&c); err != nil {
				return err
			}
		}
		return nil
	})
}
