// Command kb times the knowledge base at scale. It writes N generated
// articles (Markdown with YAML front matter, about 200 words each from a
// vocabulary of ops words and a long tail of rarer ones, block lists,
// dates and a kept key) to a folder, imports the folder into a new SQLite
// database through the path `hypercare kb import` takes (kb.ReadDir, then
// Desk.ImportArticles as a lead), imports it a second time, when every file
// is unchanged, and then times the searches the console makes through the
// store's reader: the knowledge pane's filter as it is typed, an incident's
// suggestions and a runbook_url lookup, each -runs times (min/median/max).
//
//	go run ./bench/kb [-articles 50000] [-runs 20] [-dir DIR] [-db FILE]
//
// Given an existing -db, it skips the import and times the searches only.
//
// Budgets (issue 13): importing 10k articles ≤ 10 s; search over 50k
// articles ≤ 20 ms when selective, ≤ 150 ms at worst.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/kb"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

func main() {
	n := flag.Int("articles", 50000, "articles to generate and import")
	runs := flag.Int("runs", 20, "times each search is run")
	dir := flag.String("dir", "", "folder for the generated files (default: a temporary one)")
	path := flag.String("db", "", "database file (default: a new one in a temporary folder)")
	flag.Parse()
	if err := run(context.Background(), *n, *runs, *dir, *path); err != nil {
		fmt.Fprintln(os.Stderr, "kb:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n, runs int, dir, path string) error {
	tmp, err := os.MkdirTemp("", "hypercare-bench-kb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if dir == "" {
		dir = filepath.Join(tmp, "kb")
	}
	if path == "" {
		path = filepath.Join(tmp, "bench.db")
	}
	if _, err := os.Stat(path); err == nil {
		// A database from an earlier run: time the searches only.
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Printf("searching %s as it is (delete it to import again)\n", path)
		return searches(ctx, db, n, runs)
	}
	if err := generate(dir, n); err != nil {
		return err
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
	lead := model.Actor{Name: "bench", Role: model.RoleLead}
	for _, pass := range []string{"first import", "again, unchanged"} {
		start := time.Now()
		files, err := kb.ReadDir(os.DirFS(dir), ".", func(p string) string { return filepath.Join(dir, p) })
		if err != nil {
			return err
		}
		read := time.Since(start)
		items := make([]model.ImportItem, 0, len(files))
		for _, f := range files {
			if f.Err != nil {
				return f.Err
			}
			items = append(items, model.ImportItem{Source: f.Path, Article: f.Article})
		}
		res, err := desk.ImportArticles(ctx, lead, items)
		if err != nil {
			return err
		}
		total := time.Since(start)
		count := map[model.ImportOutcome]int{}
		for _, r := range res {
			count[r.Outcome]++
		}
		fmt.Printf("%-17s %d files: read+parse %v, total %v (%.0f articles/s); created %d, updated %d, unchanged %d, rejected %d\n",
			pass, len(files), read.Round(time.Millisecond), total.Round(time.Millisecond), float64(len(files))/total.Seconds(),
			count[model.ImportCreated], count[model.ImportUpdated], count[model.ImportUnchanged], count[model.ImportRejected])
	}
	return searches(ctx, db, n, runs)
}

// search is one search the console makes, and whether it is selective
// (budget 20 ms) or one of the worst (150 ms).
type search struct {
	what      string
	q         model.ArticleQuery
	selective bool
}

// searches times what the console asks the store: the pane's filter at
// each keystroke (one letter, two, a word, two words), an incident's
// suggestions (any of its words, published only) and the runbook_url
// lookup (the URL's slug, then the URL as text).
func searches(ctx context.Context, db *store.DB, n, runs int) error {
	code := fmt.Sprintf("e%05d", n/2)
	list := []search{
		{"unique code " + code, model.ArticleQuery{Search: code, Limit: 50}, true},
		{"rare word " + tail[len(tail)-1], model.ArticleQuery{Search: tail[len(tail)-1], Limit: 50}, true},
		{"two words, typed: payments fail", model.ArticleQuery{Search: "payments fail", Limit: 50}, false},
		{"one letter: r", model.ArticleQuery{Search: "r", Limit: 50}, false},
		{"two letters: re", model.ArticleQuery{Search: "re", Limit: 50}, false},
		{"common word: checkout", model.ArticleQuery{Search: "checkout", Limit: 50}, false},
		{"suggestions for an incident", model.ArticleQuery{Search: "Checkout latency high checkout HighLatency performance",
			Any: true, Published: true, Limit: 5}, false},
		{"runbook_url as text", model.ArticleQuery{Search: "https://wiki.example.com/runbooks/checkout-latency",
			Published: true, Limit: 5}, false},
	}
	fmt.Printf("\nsearch over %d articles, %d runs each (min / median / max):\n", n, runs)
	for _, sr := range list {
		times := make([]time.Duration, runs)
		var hits int
		for i := range times {
			start := time.Now()
			res, err := db.Articles(ctx, sr.q)
			if err != nil {
				return fmt.Errorf("%s: %w", sr.what, err)
			}
			times[i], hits = time.Since(start), len(res)
		}
		slices.Sort(times)
		budget := 150 * time.Millisecond
		if sr.selective {
			budget = 20 * time.Millisecond
		}
		verdict := "ok"
		if times[len(times)/2] > budget {
			verdict = "OVER BUDGET"
		}
		fmt.Printf("  %-45s %8v %8v %8v  (%d hits; budget %v: %s)\n", sr.what, times[0].Round(10*time.Microsecond),
			times[len(times)/2].Round(10*time.Microsecond), times[len(times)-1].Round(10*time.Microsecond), hits, budget, verdict)
	}
	start := time.Now()
	if _, err := db.ArticleBySlug(ctx, "checkout-latency"); err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	fmt.Printf("  %-45s %8v\n", "runbook slug lookup", time.Since(start).Round(10*time.Microsecond))
	return nil
}

var words = strings.Fields(`checkout payments orders replica lag disk volume restart rollback deploy
queue backlog certificate renew gateway timeout latency cache purge index rebuild failover promote
snapshot restore throttle limit token rotate session redis postgres kafka consumer partition`)

// tail is a long tail of rarer words (made-up, pronounceable, distinct),
// picked with a Zipf law so a few are common and most are rare, as in a
// real team's runbooks.
var tail = func() []string {
	syl := strings.Fields("ka lo mi ne ru sa te vo zu pri dra gen tor vel mus")
	out := make([]string, 0, 3000)
	for i := range 3000 {
		w := syl[i%len(syl)] + syl[(i/len(syl))%len(syl)] + syl[(i/len(syl)/len(syl))%len(syl)]
		out = append(out, fmt.Sprintf("%s%d", w, i))
	}
	return out
}()

// generate writes n articles to dir in ten subfolders.
func generate(dir string, n int) error {
	rng := rand.New(rand.NewPCG(13, 13))
	zipf := rand.NewZipf(rng, 1.2, 1, uint64(len(tail)-1))
	pick := func() string {
		if rng.IntN(3) == 0 {
			return tail[zipf.Uint64()]
		}
		return words[rng.IntN(len(words))]
	}
	kinds := model.ArticleKinds
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("team-%d", i%10))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		body := make([]string, 200)
		for j := range body {
			body[j] = pick()
		}
		text := fmt.Sprintf(`---
title: "%s %s: %s"
kind: %s
services:
  - %s
tags:
  - %s
  - %s
owner: ops-%d
valid_until: 2027-%02d-%02d
review_every: %dd
weight: %d
---
# Steps

When e%05d shows: %s
`, pick(), pick(), pick(), kinds[i%len(kinds)], pick(), pick(), pick(), i%7, 1+i%12, 1+i%28, 30+i%60, i, i, strings.Join(body, " "))
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("kb-%05d.md", i)), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
