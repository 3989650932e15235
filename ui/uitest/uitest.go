// Package uitest drives a Bubble Tea program in tests: the console in ui's
// own tests over a data-only reader, and the console on the real service
// layer and SQLite in cmd/hypercare's. It imports neither ui nor store, so
// both can use it.
//
// A test acts (Press, Send) and then waits (WaitFor, WaitUntil). Every act
// marks the frames: a wait looks only at frames drawn after the program had
// handled everything sent before it, so text still on screen from before the
// action cannot satisfy it. Waits look at whole frames (View() as the
// program rendered it), not at the renderer's output, which redraws only the
// lines that changed.
package uitest

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// The sizes goldens are taken at: the smallest terminal the console serves
// with tabs, and a big screen with the grid.
const (
	SmallW, SmallH = 80, 24
	LargeW, LargeH = 200, 60
)

// Timeout is how long a wait gives the program. It is generous because
// tests run with -race on a machine busy with other builds; a passing wait
// returns as soon as its frame is drawn.
const Timeout = 20 * time.Second

// Renderer renders without colour (the Ascii profile), so frames and
// goldens hold text only, whatever terminal runs the tests.
func Renderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// Screen is a running program and the frames it drew since the last mark.
type Screen struct {
	t  testing.TB
	tm *teatest.TestModel

	mu      sync.Mutex
	drawn   chan struct{} // closed and replaced on every frame and mark
	marks   int           // marks sent
	handled int           // marks the program has handled
	frames  []string      // frames drawn since the last handled mark
	last    string        // the newest frame, for failure messages
	done    bool          // the program has ended
}

// syncMsg is a mark: once the program handles it, every message sent
// before it has been handled too (a program handles messages in order).
type syncMsg int

// probe wraps the model under test and reports marks and frames.
type probe struct {
	tea.Model
	s *Screen
}

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if n, ok := msg.(syncMsg); ok {
		p.s.mu.Lock()
		p.s.handled, p.s.frames = int(n), nil
		p.s.signal()
		p.s.mu.Unlock()
		return p, nil
	}
	var cmd tea.Cmd
	p.Model, cmd = p.Model.Update(msg)
	return p, cmd
}

func (p probe) View() string {
	v := p.Model.View()
	p.s.mu.Lock()
	p.s.frames = append(p.s.frames, v)
	p.s.last = v
	p.s.signal()
	p.s.mu.Unlock()
	return v
}

// signal wakes the waits; s.mu is held.
func (s *Screen) signal() {
	close(s.drawn)
	s.drawn = make(chan struct{})
}

// Start runs m at a terminal size of w×h. The program is stopped when the
// test ends, if the test has not called Final.
func Start(t testing.TB, m tea.Model, w, h int) *Screen {
	t.Helper()
	s := &Screen{t: t, drawn: make(chan struct{})}
	s.tm = teatest.NewTestModel(t, probe{Model: m, s: s}, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() {
		if !s.ended() {
			s.tm.Quit()
			s.tm.WaitFinished(t, teatest.WithFinalTimeout(Timeout), teatest.WithTimeoutFn(func(tb testing.TB) {
				tb.Logf("the program did not end within %s", Timeout)
			}))
		}
	})
	return s
}

func (s *Screen) ended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// named are the keys Press knows by name; anything else is typed.
var named = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"backspace": tea.KeyBackspace, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "space": tea.KeySpace,
	"ctrl+d": tea.KeyCtrlD, "ctrl+e": tea.KeyCtrlE, "ctrl+p": tea.KeyCtrlP, "ctrl+s": tea.KeyCtrlS, "ctrl+u": tea.KeyCtrlU,
}

// Press presses keys, then marks. Each argument is a key name ("enter",
// "esc", "tab", "shift+tab", "backspace", arrows, "ctrl+s" …) or text,
// typed one key per character as a person types it.
func (s *Screen) Press(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if kt, ok := named[k]; ok {
			s.tm.Send(tea.KeyMsg{Type: kt})
			continue
		}
		for _, r := range k {
			s.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
	}
	s.Mark()
}

// Send sends messages to the program as they are, then marks.
func (s *Screen) Send(msgs ...tea.Msg) {
	s.t.Helper()
	for _, msg := range msgs {
		s.tm.Send(msg)
	}
	s.Mark()
}

// Mark returns once the program has handled everything sent so far; the
// waits after it look only at frames drawn from then on. Mark before
// changing the world behind the program's back (a write from elsewhere, a
// plan edit) to wait for what that change draws.
func (s *Screen) Mark() {
	s.t.Helper()
	s.mu.Lock()
	s.marks++
	n := s.marks
	s.mu.Unlock()
	s.tm.Send(syncMsg(n))
	deadline := time.After(Timeout)
	for {
		s.mu.Lock()
		handled, drawn := s.handled, s.drawn
		s.mu.Unlock()
		if handled >= n {
			return
		}
		select {
		case <-drawn:
		case <-deadline:
			s.t.Fatalf("the program did not take a key within %s", Timeout)
		}
	}
}

// WaitFor waits until one frame drawn since the last mark shows every one
// of want, and returns that frame.
func (s *Screen) WaitFor(want ...string) string {
	s.t.Helper()
	return s.WaitUntil(fmt.Sprintf("%q", want), func(frame string) bool {
		for _, w := range want {
			if !strings.Contains(frame, w) {
				return false
			}
		}
		return true
	})
}

// WaitForPane waits until one frame drawn since the last mark shows every
// one of want inside the box titled title (see Pane), and returns the frame.
func (s *Screen) WaitForPane(title string, want ...string) string {
	s.t.Helper()
	return s.WaitUntil(fmt.Sprintf("%q in the pane %q", want, title), func(frame string) bool {
		pane := Pane(frame, title)
		for _, w := range want {
			if !strings.Contains(pane, w) {
				return false
			}
		}
		return pane != ""
	})
}

// WaitUntil waits until a frame drawn since the last mark satisfies ok, and
// returns that frame; what names the state for the failure message.
func (s *Screen) WaitUntil(what string, ok func(frame string) bool) string {
	s.t.Helper()
	deadline := time.After(Timeout)
	seen := 0
	for {
		s.mu.Lock()
		frames, drawn, last := s.frames, s.drawn, s.last
		s.mu.Unlock()
		for ; seen < len(frames); seen++ {
			if ok(frames[seen]) {
				return frames[seen]
			}
		}
		select {
		case <-drawn:
		case <-deadline:
			s.t.Fatalf("no frame showed %s within %s; the last frame:\n%s", what, Timeout, last)
			return ""
		}
	}
}

// Final quits the program and returns its last frame: the settled screen,
// the thing to compare with a golden.
func (s *Screen) Final() string {
	s.t.Helper()
	if err := s.tm.Quit(); err != nil {
		s.t.Fatal(err)
	}
	fm := s.tm.FinalModel(s.t, teatest.WithFinalTimeout(Timeout))
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	return fm.(probe).Model.View()
}

// Golden compares view with testdata/TestName.golden; run the tests with
// -update to rewrite the file, and read it before committing.
func Golden(t testing.TB, view string) {
	t.Helper()
	teatest.RequireEqualOutput(t, []byte(view))
}

// Pane is the inside of the box whose top border names title, one line per
// row, without the borders: the part of a frame a check is about. It is ""
// when no box is titled so.
func Pane(frame, title string) string {
	lines := strings.Split(ansi.Strip(frame), "\n")
	for top, line := range lines {
		at := strings.Index(line, title)
		if at < 0 {
			continue
		}
		left := strings.LastIndexAny(line[:at], "┏┌╭")
		if left < 0 {
			continue
		}
		right := strings.IndexAny(line[at:], "┓┐╮")
		if right < 0 {
			continue
		}
		from := ansi.StringWidth(line[:left])
		to := ansi.StringWidth(line[:at+right]) + 1
		var rows []string
		for _, l := range lines[top+1:] {
			row := ansi.Cut(l, from, to)
			if strings.HasPrefix(row, "┗") || strings.HasPrefix(row, "└") || strings.HasPrefix(row, "╰") || row == "" {
				break
			}
			rows = append(rows, ansi.Cut(row, 1, ansi.StringWidth(row)-1))
		}
		return strings.Join(rows, "\n")
	}
	return ""
}
