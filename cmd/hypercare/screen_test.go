package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/muesli/termenv"
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
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := ui.New(ui.Deps{Reader: a.db, Notifier: a.db, Actions: a.desk, Plan: a.plan,
		Actor: model.Actor{Name: "alice", Role: model.RoleOperator}, Renderer: r, Now: func() time.Time { return now }})
	defer m.Close()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 60))
	var seen bytes.Buffer
	waitScreen := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		buf := make([]byte, 64<<10)
		for !strings.Contains(seen.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q", want)
			}
			n, _ := tm.Output().Read(buf)
			seen.Write(buf[:n])
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitScreen("EvilRED")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen("window title")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	view := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View()
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
	teatest.RequireEqualOutput(t, []byte(view))
}
