package ui

import (
	"sync"

	"github.com/hypercare-ops/hypercare/plan"
)

// Under serve, a hundred sessions on the alert feed show the same rows:
// Shared hands each of them the same answer, the same slice, until what it
// holds changes. A commit changes one row or two of a page; drawing every
// row of it again in every session was most of what the server did per
// commit at 200x60. drawnRows keeps each row as drawn, by the row itself
// (its place in the shared answer, which is never changed in place) and
// all else its drawing reads, so a row is drawn once per second for every
// session showing it alike.

type rowKey struct {
	row    any // *T, the row in its answer
	w      int
	second int64 // the time shown (ages, countdowns)
	look   look
	plan   *plan.Plan
	also   any // what else the pane's rows are drawn from (listSpec.shareRows)
}

// rowCache holds the rows drawn in the current second and the one before
// (a session's clock may be a little behind another's): older rows are
// dropped as a new second starts, so it holds at most two seconds' pages.
type rowCache struct {
	mu       sync.Mutex
	second   int64
	cur, old map[rowKey]string
}

var drawnRows = &rowCache{}

// get is the row drawn for key, drawing it with draw the first time.
func (c *rowCache) get(key rowKey, draw func() string) string {
	c.mu.Lock()
	switch {
	case key.second > c.second:
		c.old = nil
		if key.second == c.second+1 {
			c.old = c.cur
		}
		c.cur, c.second = map[rowKey]string{}, key.second
	case key.second < c.second-1:
		c.mu.Unlock()
		return draw() // a clock far behind the rest: not worth keeping
	}
	m := c.cur
	if key.second < c.second {
		m = c.old
	}
	if line, ok := m[key]; ok {
		c.mu.Unlock()
		return line
	}
	c.mu.Unlock()
	// Drawn outside the lock: sessions drawing other rows need not wait.
	// Two sessions may draw the same row at once; both are right.
	line := draw()
	c.mu.Lock()
	if key.second == c.second {
		c.cur[key] = line
	} else if key.second == c.second-1 && c.old != nil {
		c.old[key] = line
	}
	c.mu.Unlock()
	return line
}
