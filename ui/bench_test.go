package ui

import (
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
)

// loaded returns a console at a size with every pane's data in place, by
// running the commands Init and the resize produce (skipping the ones that
// wait for notifications or ticks).
func loaded(tb testing.TB, w, h int, profile termenv.Profile) *Model {
	m := newTestModel(tb, newFakeStore(), model.RoleOperator)
	m.s.Renderer.SetColorProfile(profile)
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

// BenchmarkView200x60 measures one frame of the full grid. Budget (SPEC):
// p50 ≤ 2 ms, p99 ≤ 5 ms.
func BenchmarkView200x60(b *testing.B) {
	for _, tc := range []struct {
		name    string
		profile termenv.Profile
	}{{"ascii", termenv.Ascii}, {"truecolor", termenv.TrueColor}} {
		b.Run(tc.name, func(b *testing.B) {
			m := loaded(b, 200, 60, tc.profile)
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
