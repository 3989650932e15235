// Command kbimport times `hypercare kb import` at scale: it writes N
// generated articles (Markdown with YAML front matter, about 200 words
// each, block lists, dates and a kept key) to a folder, then imports the
// folder into a new SQLite database through the path the command takes
// (kb.ReadDir, then Desk.ImportArticles as a lead), and imports it a second
// time, when every file is unchanged.
//
//	go run ./bench/kbimport [-articles 10000] [-dir DIR] [-db FILE]
//
// Budget (issue 13): importing 10k articles ≤ 10 s.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/kb"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

func main() {
	n := flag.Int("articles", 10000, "articles to generate and import")
	dir := flag.String("dir", "", "folder for the generated files (default: a temporary one)")
	path := flag.String("db", "", "database file (default: a new one in a temporary folder)")
	flag.Parse()
	if err := run(context.Background(), *n, *dir, *path); err != nil {
		fmt.Fprintln(os.Stderr, "kbimport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n int, dir, path string) error {
	tmp, err := os.MkdirTemp("", "hypercare-bench-kbimport-")
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
	return nil
}

var words = strings.Fields(`checkout payments orders replica lag disk volume restart rollback deploy
queue backlog certificate renew gateway timeout latency cache purge index rebuild failover promote
snapshot restore throttle limit token rotate session redis postgres kafka consumer partition`)

// generate writes n articles to dir in ten subfolders.
func generate(dir string, n int) error {
	rng := rand.New(rand.NewPCG(13, 13))
	pick := func() string { return words[rng.IntN(len(words))] }
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

%s
`, pick(), pick(), pick(), kinds[i%len(kinds)], pick(), pick(), pick(), i%7, 1+i%12, 1+i%28, 30+i%60, i, strings.Join(body, " "))
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("kb-%05d.md", i)), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
