package kb

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestParseFrontMatterAsToolsWriteIt(t *testing.T) {
	tests := []struct {
		name, file string
		want       model.Article
	}{
		{"hugo block lists, quoted title, date and unknown keys", `---
title: "Checkout: returns 5xx"
date: 2024-03-01T10:00:00+01:00
draft: false
kind: runbook
services:
  - checkout
  - payments
tags:
  - checkout
  - "5xx"
owner: alice
valid_until: 2026-06-30
review_every: 12w
required_for: [Operator, lead]
weight: 10
---
# Steps

Restart.
`, model.Article{Slug: "checkout-5xx", Title: "Checkout: returns 5xx", Kind: model.ArticleRunbook, State: model.ArticlePublished,
			Services: []string{"checkout", "payments"}, Tags: []string{"checkout", "5xx"}, Owner: "alice",
			ValidUntil: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), ReviewEvery: 84 * 24 * time.Hour,
			RequiredFor: []string{"operator", "lead"},
			Extra:       "date: 2024-03-01T10:00:00+01:00\ndraft: false\nweight: 10\n", Body: "# Steps\n\nRestart.\n"}},
		{"jekyll folded title, single-quoted slug, one service, old comma tags", `---
title: >-
  Orders DB
  replication lag
slug: 'orders-lag'
kind: Known-Error
service: orders
tags: db, lag, db
state: review
---
Body text.
`, model.Article{Slug: "orders-lag", Title: "Orders DB replication lag", Kind: model.ArticleKnownError, State: model.ArticleReview,
			Services: []string{"orders"}, Tags: []string{"db", "lag"}, Body: "Body text.\n"}},
		{"obsidian: no kind, title from the heading, CRLF, nested unknown map", "---\r\naliases:\r\n  - lag\r\ncssclasses: {wide: true}\r\n---\r\n# Lag notes\r\n\r\ntext\r\n",
			model.Article{Slug: "checkout-5xx", Title: "Lag notes", Kind: model.ArticleHowTo, State: model.ArticlePublished,
				Extra: "aliases:\n  - lag\ncssclasses: {wide: true}\n", Body: "# Lag notes\n\ntext\n"}},
		{"mkdocs: no front matter at all", "# Purge the cache\n\nRun purge.\n",
			model.Article{Slug: "checkout-5xx", Title: "Purge the cache", Kind: model.ArticleHowTo, State: model.ArticlePublished,
				Body: "# Purge the cache\n\nRun purge.\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse("kb/Checkout 5xx.md", []byte(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			// Writing it and reading it back gives the same article.
			data, err := Write(got)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("kb/Checkout 5xx.md", data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip changed it:\n%s\ngot  %+v\nwant %+v", data, again, got)
			}
			if data2, _ := Write(again); string(data2) != string(data) {
				t.Fatalf("writing again differs:\n%s\n---\n%s", data, data2)
			}
		})
	}
}

func TestParseErrorsNameFileLineAndField(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"unknown kind", "---\ntitle: x\nkind: guide\n---\nbody\n", `x.md:3: kind: "guide" is not a kind; use one of how-to, runbook`},
		{"bad date", "---\ntitle: x\n\nvalid_until: next week\n---\nbody\n", `x.md:4: valid_until: "next week" is not a date`},
		{"bad interval", "---\ntitle: x\nreview_every: often\n---\nbody\n", `x.md:3: review_every: "often" is not an interval`},
		{"bad role", "---\ntitle: x\nrequired_for:\n  - operator\n  - boss\n---\nbody\n", `x.md:3: required_for: unknown role "boss"`},
		{"broken yaml", "---\ntitle: x\ntags: [a, b\n---\nbody\n", `x.md:`},
		{"title as a list", "---\ntitle: [a, b]\n---\nbody\n", `x.md:2: title: give one value, not a list or a map`},
		{"twice", "---\ntitle: a\nservice: x\nservices: [y]\n---\nbody\n", `x.md:4: services: set twice (first on line 3)`},
		{"not closed", "---\ntitle: a\n", `x.md:1: front matter is not closed`},
		{"no body", "---\ntitle: a\n---\n\n", `x.md:3: the article has no text after the front matter`},
		{"no title", "---\nkind: faq\n---\nplain text\n", `x.md:1: title: required`},
		{"bad slug", "---\ntitle: a\nslug: a/b\n---\nx\n", `x.md:3: slug: "a/b" is not a slug`},
		{"not a map", "---\n- a\n- b\n---\nx\n", `x.md:2: front matter is not a list of key: value lines`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.md", []byte(tc.file))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one starting %q", err, tc.want)
			}
		})
	}
}

func TestReadDirFindsDuplicateSlugs(t *testing.T) {
	fsys := fstest.MapFS{
		"kb/a.md":            {Data: []byte("---\ntitle: A\n---\ntext\n")},
		"kb/sub/b.md":        {Data: []byte("---\ntitle: B\nkind: faq\nslug: a\n---\ntext\n")},
		"kb/c.markdown":      {Data: []byte("---\ntitle: C\nkind: nope\n---\ntext\n")},
		"kb/notes.txt":       {Data: []byte("not an article")},
		"kb/.obsidian/x.md":  {Data: []byte("# hidden\n")},
		"kb/.git/HEAD":       {Data: []byte("ref")},
		"kb/sub/deeper/d.md": {Data: []byte("# D\n\ntext\n")},
	}
	files, err := ReadDir(fsys, "kb", func(p string) string { return "/src/" + p })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		line := f.Path
		if f.Err != nil {
			line += " ! " + f.Err.Error()
		}
		got = append(got, line)
	}
	want := []string{
		"kb/a.md",
		"kb/c.markdown ! /src/kb/c.markdown:3: kind: \"nope\" is not a kind; use one of how-to, runbook, known-error, recovery, faq, handover",
		"kb/sub/b.md ! /src/kb/sub/b.md:4: slug: \"a\" is also the slug of /src/kb/a.md:1; give one of them another slug",
		"kb/sub/deeper/d.md",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
