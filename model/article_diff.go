package model

import (
	"fmt"
	"strings"
	"time"
)

// DiffOp says what a diff line does.
type DiffOp byte

// Diff operations, as a unified diff marks them.
const (
	DiffSame   DiffOp = ' '
	DiffRemove DiffOp = '-'
	DiffAdd    DiffOp = '+'
)

// DiffLine is one line of a diff.
type DiffLine struct {
	Op   DiffOp
	Text string
}

// DiffLines is the line diff that turns a into b: the longest common
// subsequence of lines, removals before additions where a block changed.
func DiffLines(a, b []string) []DiffLine {
	// The common head and tail cost nothing; only the middle is compared.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	out := make([]DiffLine, 0, len(a)+len(b))
	for _, l := range a[:head] {
		out = append(out, DiffLine{DiffSame, l})
	}
	x, y := a[head:len(a)-tail], b[head:len(b)-tail]
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out = append(out, DiffLine{DiffSame, x[i]})
			i, j = i+1, j+1
		case j == len(y) || (i < len(x) && lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, DiffLine{DiffRemove, x[i]})
			i++
		default:
			out = append(out, DiffLine{DiffAdd, y[j]})
			j++
		}
	}
	for _, l := range a[len(a)-tail:] {
		out = append(out, DiffLine{DiffSame, l})
	}
	return out
}

// UnifiedDiff writes the diff of a to b the way `diff -u` does: a header
// naming both, then hunks of changes with context lines of unchanged text
// around them. Equal texts give "".
func UnifiedDiff(fromName, toName string, a, b []string, context int) string {
	lines := DiffLines(a, b)
	var buf strings.Builder
	// Each hunk runs from context lines before its first change to context
	// lines after its last; changes closer than 2×context share a hunk.
	for start := 0; start < len(lines); {
		first := start
		for first < len(lines) && lines[first].Op == DiffSame {
			first++
		}
		if first == len(lines) {
			break
		}
		end := first
		for k := first; k < len(lines); k++ {
			if lines[k].Op != DiffSame {
				end = k + 1
			} else if k-end >= 2*context {
				break
			}
		}
		from, to := max(first-context, start), min(end+context, len(lines))
		if buf.Len() == 0 {
			fmt.Fprintf(&buf, "--- %s\n+++ %s\n", fromName, toName)
		}
		aLine, bLine := 1, 1
		for _, l := range lines[:from] {
			if l.Op != DiffAdd {
				aLine++
			}
			if l.Op != DiffRemove {
				bLine++
			}
		}
		var aN, bN int
		for _, l := range lines[from:to] {
			if l.Op != DiffAdd {
				aN++
			}
			if l.Op != DiffRemove {
				bN++
			}
		}
		fmt.Fprintf(&buf, "@@ -%s +%s @@\n", hunkRange(aLine, aN), hunkRange(bLine, bN))
		for _, l := range lines[from:to] {
			buf.WriteByte(byte(l.Op))
			buf.WriteString(l.Text)
			buf.WriteByte('\n')
		}
		start = to
	}
	return buf.String()
}

// hunkRange is "start,count", with diff's conventions for one line and none.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// DiffContext is how many unchanged lines surround each change in a
// version diff.
const DiffContext = 3

// DiffVersions is the readable diff between two versions of an article:
// its fields as "field: value" lines, then the text.
func DiffVersions(a, b ArticleVersion) string {
	name := func(v ArticleVersion) string {
		return fmt.Sprintf("%s v%d (%s, %s, %s)", v.Ref(), v.Version, v.State, v.Author, v.UpdatedAt.UTC().Format(time.DateTime))
	}
	return UnifiedDiff(name(a), name(b), versionLines(a.Article), versionLines(b.Article), DiffContext)
}

// versionLines is a version as the lines its diff compares.
func versionLines(a Article) []string {
	lines := []string{"title: " + a.Title, "kind: " + string(a.Kind)}
	add := func(key, v string) {
		if v != "" {
			lines = append(lines, key+": "+v)
		}
	}
	add("services", strings.Join(a.Services, ", "))
	add("tags", strings.Join(a.Tags, ", "))
	add("owner", a.Owner)
	if !a.ValidUntil.IsZero() {
		add("valid until", a.ValidUntil.UTC().Format(time.DateOnly))
	}
	if a.ReviewEvery > 0 {
		add("review every", a.ReviewEvery.String())
	}
	add("required for", strings.Join(a.RequiredFor, ", "))
	for l := range strings.SplitSeq(strings.TrimRight(a.Extra, "\n"), "\n") {
		add("kept", l)
	}
	lines = append(lines, "")
	return append(lines, strings.Split(strings.TrimRight(a.Body, "\n"), "\n")...)
}
