package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes name → content under dir, making folders.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A team's folder: good files (Hugo lists, Jekyll quoting, Obsidian's bare
// note), a duplicate slug and a broken file. Good ones go in, the others
// are named with file:line and the exit code is 1; importing again changes
// nothing; a changed file is a new version; an export imports unchanged.
func TestKBImportExport(t *testing.T) {
	db, planPath := seeded(t)
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"checkout-5xx.md": `---
title: "Checkout: returns 5xx"
kind: runbook
services:
  - checkout
  - payments
tags: [checkout, HighErrorRate]
owner: tom.okafor
valid_until: 2027-06-30
review_every: 90d
required_for: [operator]
weight: 3
---
# Checkout returns 5xx

Roll back the last deploy.
`,
		"notes/Orders DB lag.md": "---\naliases: [lag]\n---\n# Orders DB lag\n\nCheck the replica.\n",
		"dup.md":                 "---\ntitle: Another\nslug: checkout-5xx\nkind: faq\n---\ntext\n",
		"broken.md":              "---\ntitle: Broken\nkind: runbook\nvalid_until: soon\n---\ntext\n",
	})
	kb := func(who string, args ...string) (int, string, string) {
		return cli(t, append([]string{"--db", db, "--plan", planPath, "--as", who, "kb"}, args...)...)
	}

	code, out, errOut := kb(operatorName, "import", src)
	if code != exitRejected || !strings.Contains(errOut, "may not import articles: needs the lead role") {
		t.Fatalf("an operator's import: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = kb(leadName, "import", src)
	for _, want := range []string{
		"created    KB-1 v1  " + filepath.Join(src, "checkout-5xx.md"),
		"created    KB-2 v1  " + filepath.Join(src, "notes", "Orders DB lag.md"),
		"rejected   " + filepath.Join(src, "broken.md") + `:4: valid_until: "soon" is not a date`,
		"rejected   " + filepath.Join(src, "dup.md") + `:3: slug: "checkout-5xx" is also the slug of ` + filepath.Join(src, "checkout-5xx.md") + ":1",
		"2 created, 0 updated, 0 unchanged, 2 rejected",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	if code != exitRejected || !strings.Contains(errOut, "2 file(s) rejected") {
		t.Fatalf("import with rejected files: exit %d, %s", code, errOut)
	}

	os.Remove(filepath.Join(src, "broken.md"))
	os.Remove(filepath.Join(src, "dup.md"))
	if code, out, _ = kb(leadName, "import", src); code != exitOK || !strings.Contains(out, "0 created, 0 updated, 2 unchanged, 0 rejected") {
		t.Fatalf("importing again: exit %d\n%s", code, out)
	}
	writeFiles(t, src, map[string]string{"notes/Orders DB lag.md": "---\naliases: [lag]\n---\n# Orders DB lag\n\nCheck the replica, then the WAL.\n"})
	if code, out, _ = kb(leadName, "import", src, "--json"); code != exitOK || !strings.Contains(out, `"outcome": "updated"`) || !strings.Contains(out, `"version": 2`) {
		t.Fatalf("importing a changed file: exit %d\n%s", code, out)
	}

	// The export round-trips: what it writes imports as unchanged, the
	// kept keys and the fields included.
	dst := t.TempDir()
	if code, out, errOut = kb(leadName, "export", dst); code != exitOK || !strings.Contains(out, "2 articles written") {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	exported, _ := os.ReadFile(filepath.Join(dst, "checkout-5xx.md"))
	for _, want := range []string{"services: [checkout, payments]", "valid_until: 2027-06-30", "review_every: 90d",
		"required_for: [operator]", "weight: 3", "author: maya.patel"} {
		if !strings.Contains(string(exported), want) {
			t.Errorf("export lacks %q:\n%s", want, exported)
		}
	}
	if code, out, _ = kb(leadName, "import", dst); code != exitOK || !strings.Contains(out, "0 created, 0 updated, 2 unchanged, 0 rejected") {
		t.Fatalf("importing the export: exit %d\n%s", code, out)
	}

	// History, diff, restore and the lifecycle.
	steps := []struct {
		who  string
		args []string
		code int
		want string
	}{
		{viewerName, []string{"history", "orders-db-lag"}, exitOK, "* v2   published"},
		{viewerName, []string{"diff", "KB-2", "1", "v2"}, exitOK, "-Check the replica.\n+Check the replica, then the WAL.\n"},
		{viewerName, []string{"diff", "KB-2", "1", "x"}, exitUsage, `"x" is not a version`},
		{operatorName, []string{"restore", "KB-2", "1"}, exitOK, "KB-2 v3 restored from v1: a draft"},
		{operatorName, []string{"submit", "KB-2"}, exitOK, "KB-2 submit: v2 in force, published (newest v3)"},
		{operatorName, []string{"publish", "KB-2"}, exitRejected, "may not publish articles"},
		{"ben.hughes", []string{"publish", "orders-db-lag"}, exitOK, "KB-2 publish: v3 in force, published (newest v3)"},
		{viewerName, []string{"read", "KB-1"}, exitOK, "KB-1 v1 read by " + viewerName},
		{operatorName, []string{"read", "KB-1"}, exitOK, "KB-1 v1 read by " + operatorName},
		{operatorName, []string{"retire", "KB-9"}, exitRejected, "KB-9 does not exist"},
		{operatorName, []string{"history", "no-such"}, exitRejected, `no article has the slug "no-such"`},
		{operatorName, []string{"dance"}, exitUsage, `unknown action "dance"`},
		{operatorName, []string{"diff", "KB-2"}, exitUsage, "kb diff takes KB-n V1 V2"},
	}
	for _, s := range steps {
		code, out, errOut := kb(s.who, s.args...)
		if code != s.code || !strings.Contains(out+errOut, s.want) {
			t.Errorf("%s kb %s: exit %d, want %d with %q\n%s%s", s.who, strings.Join(s.args, " "), code, s.code, s.want, out, errOut)
		}
	}

	// The training matrix: KB-1 is required of operators; tom read it.
	code, out, _ = kb(leadName, "training", "--json")
	var tr struct {
		Rows []struct {
			Name  string
			Cells []struct{ Required, Current bool }
		}
		Completion struct{ N, Of int }
	}
	if err := json.Unmarshal([]byte(out), &tr); code != exitOK || err != nil {
		t.Fatalf("training: exit %d, %v\n%s", code, err, out)
	}
	if tr.Completion.N != 1 || tr.Completion.Of < 2 {
		t.Fatalf("completion = %+v", tr.Completion)
	}
	if code, out, _ = kb(leadName, "training"); code != exitOK || !strings.Contains(out, "[1] KB-1 v1 Checkout: returns 5xx") ||
		!strings.Contains(out, operatorName+" (operator)") {
		t.Fatalf("training: exit %d\n%s", code, out)
	}
}
