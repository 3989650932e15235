package ui

import (
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
	"github.com/muesli/termenv"
)

// loaded returns a console at a size with every pane's data in place, by
// running the commands Init and the resize produce (skipping the ones that
// wait for notifications or ticks).
func loaded(tb testing.TB, w, h int, profile termenv.Profile) *Model {
	return loadedOn(tb, newFakeStore(), w, h, profile)
}

// loadedOn is loaded on the fake f.
func loadedOn(tb testing.TB, f *fakeStore, w, h int, profile termenv.Profile) *Model {
	r := uitest.Renderer()
	r.SetColorProfile(profile) // before the styles are made, as a session's is
	m := New(Deps{Reader: f, Notifier: f, Actions: noWrites{}, Plan: testPlan(tb),
		Actor: model.Actor{Name: "alice", Role: model.RoleOperator}, Renderer: r,
		Now: func() time.Time { return testNow }, DropsDir: "/var/lib/hypercare/drops"})
	tb.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	pending := []tea.Cmd{m.Init()}
	for len(pending) > 0 {
		cmd := pending[0]
		pending = pending[1:]
		if cmd == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- cmd() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(200 * time.Millisecond):
			continue // a wait for the next notification or tick
		}
		if batch, ok := msg.(tea.BatchMsg); ok {
			pending = append(pending, batch...)
			continue
		}
		if _, ok := msg.(tickMsg); ok {
			continue
		}
		_, next := m.Update(msg)
		pending = append(pending, next)
	}
	return m
}

// BenchmarkView measures one frame of the full grid (200x60) and of a
// small terminal (80x24), in the colours SSH clients ask for (256 colours
// mostly). Budget (SPEC, 200x60): p50 ≤ 2 ms, p99 ≤ 5 ms.
func BenchmarkView(b *testing.B) {
	for _, tc := range []struct {
		name    string
		w, h    int
		profile termenv.Profile
	}{
		{"200x60/ascii", 200, 60, termenv.Ascii}, {"200x60/256", 200, 60, termenv.ANSI256}, {"200x60/truecolor", 200, 60, termenv.TrueColor},
		{"80x24/256", 80, 24, termenv.ANSI256},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := loaded(b, tc.w, tc.h, tc.profile)
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				_ = m.View()
				times = append(times, time.Since(start))
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
		})
	}
}

func TestLoadedHelperFillsPanes(t *testing.T) {
	m := loaded(t, 200, 60, termenv.Ascii)
	if v := m.View(); !containsAll(v, "INC-7", "HighErrorRate", "CHG-3", "Fail over orders-db") {
		t.Fatalf("panes not loaded:\n%s", v)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
