package ui

import (
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

// A row is drawn once for every session asking for it alike within its
// second; another row, width, palette or second is drawn again; rows two
// seconds old are dropped.
func TestDrawnRowsOncePerSecond(t *testing.T) {
	c := &rowCache{}
	answer := []model.Alert{{ID: 1}, {ID: 2}}
	draws := 0
	draw := func(key rowKey) string {
		return c.get(key, func() string { draws++; return "drawn" })
	}
	key := func(i, w int, second int64, dark bool) rowKey {
		return rowKey{row: &answer[i], w: w, second: second, look: look{dark: dark}}
	}
	for _, step := range []struct {
		name  string
		key   rowKey
		draws int // drawn so far, after this step
	}{
		{"first session", key(0, 80, 100, true), 1},
		{"another session, same row", key(0, 80, 100, true), 1},
		{"another row", key(1, 80, 100, true), 2},
		{"another width", key(0, 120, 100, true), 3},
		{"another palette", key(0, 80, 100, false), 4},
		{"the next second", key(0, 80, 101, true), 5},
		{"a clock a second behind", key(0, 80, 100, true), 5},
		{"two seconds on", key(0, 80, 103, true), 6},
		{"the second before is gone", key(0, 80, 101, true), 7},
		{"a clock far behind is drawn, not kept", key(0, 80, 50, true), 8},
		{"and drawn again", key(0, 80, 50, true), 9},
	} {
		if got := draw(step.key); got != "drawn" {
			t.Fatalf("%s: %q", step.name, got)
		}
		if draws != step.draws {
			t.Fatalf("%s: %d draws so far, want %d", step.name, draws, step.draws)
		}
	}
}
