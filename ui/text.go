package ui

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/model"
)

// width is the number of cells s takes. Frames measure thousands of strings,
// so the common case (text, box drawing and SGR colour codes) is counted
// directly; anything else goes to the full grapheme-aware measure.
func width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j + 1
			continue
		case c >= 0x20 && c < 0x7f:
			n++
			i++
			continue
		case c < 0x80:
			return ansi.StringWidth(s)
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !narrow(r) {
			return ansi.StringWidth(s)
		}
		n++
		i += size
	}
	return n
}

// narrow reports runes known to take one cell: Latin text and the
// punctuation, arrows, box drawing and shapes the console draws.
func narrow(r rune) bool {
	return (r >= 0xa0 && r < 0x300) || (r >= 0x2010 && r <= 0x2027) || (r >= 0x2190 && r <= 0x21ff) || (r >= 0x2500 && r <= 0x25ff)
}

// fit truncates s (which may carry styling) to w cells with an ellipsis and
// pads it with spaces to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = width(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// joinCols lays out left and right text on one line of width w, right-aligned
// right part, truncating the left part first.
func joinCols(left, right string, w int) string {
	rw := width(right)
	if rw >= w {
		return fit(right, w)
	}
	return fit(left, w-rw) + right
}

// padLines makes text exactly h lines of width w so panes never jitter.
func padLines(lines []string, w, h int) string {
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(fit(lines[i], w))
		} else {
			b.WriteString(blank(w))
		}
	}
	return b.String()
}

// countdown renders a duration compactly: 3h05m, 42m, 2d4h, -15m.
func countdown(d time.Duration) string { return model.Countdown(d) }

// ago renders how long ago t was, relative to now.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	if d < time.Minute {
		return "now"
	}
	return countdown(d)
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, " -"), "\n")
}

// spaces backs blank: most frames need many runs of spaces.
var spaces = strings.Repeat(" ", 512)

// blank is w spaces.
func blank(w int) string {
	if w <= len(spaces) {
		return spaces[:max(w, 0)]
	}
	return strings.Repeat(" ", w)
}

// besides joins two blocks of equal height line by line; both are already
// padded to their widths, so no measuring is needed (unlike
// lipgloss.JoinHorizontal, which measures every line).
func besides(left, right string) string {
	l, r := strings.Split(left, "\n"), strings.Split(right, "\n")
	var b strings.Builder
	b.Grow(len(left) + len(right))
	for i := range max(len(l), len(r)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(l) {
			b.WriteString(l[i])
		}
		if i < len(r) {
			b.WriteString(r[i])
		}
	}
	return b.String()
}

// Markers at the edges of a line clipped to the screen: there is more of
// it to the left, or to the right.
const clipLeft, clipRight = "←", "→"

// clipLine shows the part of a line (which may carry styling) that starts
// x cells in, in w cells: whole when it fits, else with a marker on each
// side that has more, so a long command is never mistaken for a short one.
func clipLine(line string, x, w int) string {
	n := width(line)
	if n <= w || w < 3 {
		return line
	}
	x = max(min(x, n-w+1), 0)
	room, left := w, ""
	if x > 0 {
		room, left = room-1, clipLeft
	}
	right := ""
	if n-x > room {
		room, right = room-1, clipRight
	}
	cut := ansi.Cut(line, x, x+room)
	if strings.Contains(cut, "\x1b") {
		cut += "\x1b[0m" // the marker is not in the line's colours
	}
	return left + cut + right
}
