package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// TestHostileDropNeverReachesScreen sends the hostile fixture through the
// real path (parser, service layer, SQLite) and reads it back on the real
// console: the screen must hold no escape or control character from it.
func TestHostileDropNeverReachesScreen(t *testing.T) {
	needFixtures(t)
	ctx, a := openSeeded(t)
	now := time.Date(2026, 11, 20, 13, 5, 0, 0, time.UTC)
	a.desk.Now = func() time.Time { return now } // stored times, and so the golden, stay fixed
	if _, _, err := ingestFile(ctx, a.desk, model.System, filepath.Join(fixtures, "hostile-escapes.json")); err != nil {
		t.Fatal(err)
	}
	m := ui.New(ui.Deps{Reader: a.db, Notifier: a.db, Actions: a.desk, Plan: a.plan,
		Actor: model.Actor{Name: "alice", Role: model.RoleOperator}, Renderer: uitest.Renderer(), Now: func() time.Time { return now }})
	t.Cleanup(m.Close) // after the program has ended: cleanups run last first
	tm := uitest.Start(t, m, uitest.LargeW, uitest.LargeH)
	tm.WaitForPane("Alerts", "EvilRED")
	// The header's figures (and the war room's banner) come with the first
	// read of the counts, apart from the panes' rows: the golden holds them.
	tm.WaitFor("● LIVE")
	tm.Press("2", "enter")
	tm.WaitForPane("ALR-1 · EvilRED", "window title")
	view := tm.Final()
	for i, r := range view {
		if r < 0x20 && r != '\n' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("control character %U at %d on screen:\n%s", r, i, view)
		}
	}
	for _, want := range []string{"EvilRED", "tab herebell", "line one", "window title"} {
		if !strings.Contains(view, want) {
			t.Errorf("cleaned text %q missing from the detail", want)
		}
	}
	if strings.Contains(view, "javascript:") && strings.Contains(view, "Links") && strings.Contains(view[strings.Index(view, "Links"):], "javascript:") {
		t.Error("a javascript: URL is offered as a link")
	}
	uitest.Golden(t, view)
}
