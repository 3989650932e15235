package ui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// renderMarkdown lays an article's Markdown out w cells wide with glamour,
// but for two things glamour does to a runbook. It wraps code blocks like
// prose, so a long command reads as two: code blocks are set aside before
// rendering and put back afterwards with every line whole, for the detail
// to clip and scroll sideways. And it breaks words at hyphens, so
// "orders-db" or "--to-revision" in prose splits over two lines: hyphens
// inside words are made non-breaking while glamour wraps.
func renderMarkdown(src string, w int, style string, profile termenv.Profile) (string, error) {
	text, blocks := setCodeAside(src)
	text = nonBreakingHyphens(text)
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(w, 20)), glamour.WithColorProfile(profile))
	if err != nil {
		return "", fmt.Errorf("markdown renderer: %w", err)
	}
	out, err := r.Render(text)
	if err != nil {
		return "", err
	}
	out = strings.ReplaceAll(out, "\u2011", "-")
	return putCodeBack(strings.Trim(out, "\n"), blocks), nil
}

// nonBreakingHyphens makes every hyphen between two letters or digits
// (inside a word) a non-breaking one, which takes the same one cell.
func nonBreakingHyphens(s string) string {
	runes := []rune(s)
	word := func(i int) bool {
		return i >= 0 && i < len(runes) && (unicode.IsLetter(runes[i]) || unicode.IsDigit(runes[i]))
	}
	for i, r := range runes {
		if r == '-' && word(i-1) && word(i+1) {
			runes[i] = '\u2011'
		}
	}
	return string(runes)
}

// codeMark stands in for a code block in the Markdown glamour renders: a
// word glamour leaves alone, numbered.
const codeMark = "HYPERCAREx"

// setCodeAside replaces each code block of src (fenced, or indented four
// spaces outside a list) with a paragraph holding its mark, indented as
// the block was so it stays inside its list item, and returns the blocks'
// lines.
func setCodeAside(src string) (string, [][]string) {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var out []string
	var blocks [][]string
	mark := func(indent int, code []string) {
		out = append(out, "", blank(indent)+codeMark+strconv.Itoa(len(blocks)), "")
		blocks = append(blocks, code)
	}
	inList, prevBlank := false, true
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		indent := leadingSpaces(line)
		body := strings.TrimLeft(line, " \t")
		if fence, ok := openingFence(body); ok {
			var code []string
			j := i + 1
			for ; j < len(lines) && !closingFence(lines[j], fence); j++ {
				code = append(code, dropIndent(lines[j], indent))
			}
			mark(indent, code)
			i, prevBlank = j, true // an unclosed fence runs to the end, as in CommonMark
			continue
		}
		switch {
		case body == "":
			prevBlank = true
			out = append(out, line)
			continue
		case indent >= 4 && prevBlank && !inList:
			var code []string
			j := i
			for ; j < len(lines) && (strings.TrimSpace(lines[j]) == "" || leadingSpaces(lines[j]) >= 4); j++ {
				code = append(code, dropIndent(lines[j], 4))
			}
			for len(code) > 0 && strings.TrimSpace(code[len(code)-1]) == "" {
				code, j = code[:len(code)-1], j-1
			}
			mark(0, code)
			i, prevBlank = j-1, true
			continue
		case indent == 0:
			inList = listItem.MatchString(body)
		}
		prevBlank = false
		out = append(out, line)
	}
	return strings.Join(out, "\n"), blocks
}

// listItem is the start of a Markdown list item: "- ", "* ", "+ ", "1. ", "1) ".
var listItem = regexp.MustCompile(`^([-*+]|\d{1,9}[.)])(\s|$)`)

// openingFence reports whether a line (its indentation removed) opens a
// fenced code block, and with which fence.
func openingFence(body string) (string, bool) {
	for _, c := range []string{"`", "~"} {
		n := len(body) - len(strings.TrimLeft(body, c))
		if n >= 3 && (c == "~" || !strings.Contains(body[n:], "`")) {
			return body[:n], true
		}
	}
	return "", false
}

// closingFence reports whether line closes a block opened with fence: the
// same character at least as many times, and nothing after it.
func closingFence(line, fence string) bool {
	body := strings.TrimSpace(line)
	return len(body) >= len(fence) && strings.Trim(body, fence[:1]) == ""
}

// leadingSpaces counts a line's indentation, a tab as four.
func leadingSpaces(line string) int {
	n := 0
	for _, r := range line {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 4 - n%4
		default:
			return n
		}
	}
	return n
}

// dropIndent removes up to n columns of indentation from a code line.
func dropIndent(line string, n int) string {
	line = expandTabs(line)
	i := 0
	for i < n && i < len(line) && line[i] == ' ' {
		i++
	}
	return line[i:]
}

// expandTabs turns tabs into spaces to the next multiple of four, so a
// code line measures what it shows.
func expandTabs(line string) string {
	if !strings.Contains(line, "\t") {
		return line
	}
	var b strings.Builder
	col := 0
	for _, r := range line {
		if r == '\t' {
			n := 4 - col%4
			b.WriteString(blank(n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

// putCodeBack replaces each code block's mark in glamour's output with its
// lines, unwrapped, two cells in from where the mark stood, as glamour
// indents code. Control characters are dropped: an article is written by
// people, but a pasted escape sequence must not reach the terminal.
func putCodeBack(rendered string, blocks [][]string) string {
	if len(blocks) == 0 {
		return rendered
	}
	var out []string
	for _, line := range strings.Split(rendered, "\n") {
		plain := ansi.Strip(line)
		at := strings.Index(plain, codeMark)
		if at < 0 {
			out = append(out, line)
			continue
		}
		digits := strings.TrimRightFunc(plain[at+len(codeMark):], func(r rune) bool { return !unicode.IsDigit(r) })
		k, err := strconv.Atoi(strings.TrimSpace(digits))
		if err != nil || k >= len(blocks) {
			out = append(out, line)
			continue
		}
		indent := blank(width(plain[:at]) + 2)
		for _, code := range blocks[k] {
			code = strings.TrimRightFunc(strings.Map(func(r rune) rune {
				if unicode.IsControl(r) {
					return -1
				}
				return r
			}, code), unicode.IsSpace)
			if code == "" {
				out = append(out, "")
				continue
			}
			out = append(out, indent+code)
		}
	}
	return strings.Join(out, "\n")
}

// PlainMarkdown lays Markdown out w cells wide for a terminal without
// colours, as the console does on one (the plan as `hypercare plan show`
// prints it), without the spaces that pad each line to the width.
func PlainMarkdown(src string, w int) (string, error) {
	out, err := renderMarkdown(src, w, "notty", termenv.Ascii)
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n"), err
}
