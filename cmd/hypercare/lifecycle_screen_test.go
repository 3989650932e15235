package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

// console is the real console over the real service layer and SQLite,
// driven from the keyboard.
type console struct {
	t    *testing.T
	tm   *teatest.TestModel
	seen bytes.Buffer
	from int // waits look at what was drawn since the last key press
}

func openConsole(t *testing.T, a *app, actor model.Actor, now time.Time, w, h int) *console {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := ui.New(ui.Deps{Reader: a.db, Notifier: a.db, Actions: a.desk, Plan: a.plan,
		Actor: actor, Renderer: r, Now: func() time.Time { return now }})
	t.Cleanup(m.Close)
	return &console{t: t, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))}
}

// waitFor waits until the screen has shown want since the last key press.
func (c *console) waitFor(want string) {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 64<<10)
	for !strings.Contains(c.seen.String()[c.from:], want) {
		if time.Now().After(deadline) {
			c.t.Fatalf("screen never showed %q; last output:\n%s", want, tail(c.seen.String()[c.from:], 3000))
		}
		n, _ := c.tm.Output().Read(buf)
		c.seen.Write(buf[:n])
		time.Sleep(10 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// press sends keys: names such as "enter", "tab", "left", or text to type.
func (c *console) press(keys ...string) {
	named := map[string]tea.KeyType{"enter": tea.KeyEnter, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"left": tea.KeyLeft, "right": tea.KeyRight, "esc": tea.KeyEsc, "backspace": tea.KeyBackspace}
	c.from = c.seen.Len()
	for _, k := range keys {
		if kt, ok := named[k]; ok {
			c.tm.Send(tea.KeyMsg{Type: kt})
			continue
		}
		for _, r := range k {
			c.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
	}
}

func (c *console) finalView() string {
	c.t.Helper()
	if err := c.tm.Quit(); err != nil {
		c.t.Fatal(err)
	}
	return c.tm.FinalModel(c.t, teatest.WithFinalTimeout(5*time.Second)).View()
}

// TestIncidentFromKeyboard creates a P1 from the form, escalates it,
// acknowledges it, puts it on hold and back, and resolves it with a
// satisfaction score, all from the keyboard on the real stack.
func TestIncidentFromKeyboard(t *testing.T) {
	for _, size := range [][2]int{{200, 60}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			ctx, a := openSeeded(t)
			now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
			a.desk.Now = func() time.Time { return now }
			lead := model.Actor{Name: "maya.patel", Role: model.RoleLead}
			c := openConsole(t, a, lead, now, size[0], size[1])
			c.waitFor("INC-1")

			c.press("c")
			c.waitFor("New incident")
			c.press("right") // service: storefront → checkout
			c.press("tab", "Card payments declined", "tab", "left", "tab", "left")
			c.waitFor("P1")
			c.press("enter")
			c.waitFor("Card payments declined")
			c.waitFor("L1 (Web on-call)")

			c.press("e")
			c.waitFor("escalated to L2 (Priya Shah)")
			c.press("a")
			c.waitFor("acknowledged by maya.patel")

			c.press("x")
			c.waitFor("Change state of INC-2")
			c.press("enter") // nothing chosen: the form says so and stays
			c.waitFor("to: choose the new state")
			c.press("right", "tab", "enter") // on_hold, but no hold reason yet
			c.waitFor("hold reason: choose what it waits for")
			c.press("vendor", "enter") // typing finds awaiting_vendor
			c.waitFor("awaiting vendor since")
			c.press("x")
			c.waitFor("Change state of INC-2 (now On Hold)")
			c.press("right", "enter") // back to in_progress
			c.waitFor("INC-2 → In Progress")

			c.press("r")
			c.waitFor("Resolve INC-2")
			c.press("tab", "right", "right", "right", "right", "right", "tab", "Rolled back the card BIN table", "enter")
			c.waitFor("INC-2 resolved (fixed)")
			c.waitFor("5/5")
			view := c.finalView()

			in, err := a.db.Incident(context.Background(), 2)
			if err != nil {
				t.Fatal(err)
			}
			if in.Priority != 1 || !in.Major || in.Escalation != 1 || in.State != model.StateResolved || in.Satisfaction != 5 || in.Resolution != "fixed" {
				t.Fatalf("incident after the keyboard run: %+v", in)
			}
			tl, _ := a.db.Timeline(ctx, 2)
			var kinds []string
			for _, e := range tl {
				kinds = append(kinds, e.Kind)
			}
			if got := strings.Join(kinds, " "); got != "created escalate ack state state state" {
				t.Fatalf("timeline kinds = %s", got)
			}
			if size[0] == 200 {
				teatest.RequireEqualOutput(t, []byte(view))
			}
		})
	}
}
