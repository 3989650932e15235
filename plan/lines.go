package plan

import (
	"fmt"
	"strings"
)

// lines maps a field path such as "service[3].maintenance[1].start" to the
// line it is written on. The TOML decoder records positions by key name only,
// so the third [[service]] and the first share one entry there; problems need
// the line of the table the user actually has to fix. Array indexes count from
// 1, as a person counts tables in the file.
type lines map[string]int

// find returns the line of path, or of its nearest recorded parent when the
// field itself is not written (a missing required key points at its table).
// It returns 0 when nothing is known.
func (l lines) find(path string) int {
	for path != "" {
		if n, ok := l[path]; ok {
			return n
		}
		cut := strings.LastIndexAny(path, ".[")
		if cut < 0 {
			break
		}
		path = path[:cut]
	}
	return 0
}

// scanLines skims TOML source that has already parsed cleanly, recording the
// line of every table header, key and array element. It does not validate:
// the parser has done that, so the skimmer only needs to find where things
// start and to step over strings and comments correctly.
func scanLines(src string) lines {
	s := &skimmer{src: src, line: 1, at: lines{}}
	arrays := map[string]int{} // array-of-tables path → tables seen so far
	table := ""
	for {
		s.space(true)
		if s.i >= len(s.src) {
			return s.at
		}
		if s.src[s.i] != '[' {
			s.keyValue(table)
			continue
		}
		double := strings.HasPrefix(s.src[s.i:], "[[")
		s.i++
		if double {
			s.i++
		}
		keys := s.keys(']')
		s.i++
		if double {
			s.i++
		}
		table = ""
		for n, k := range keys {
			table = join(table, k)
			if double && n == len(keys)-1 {
				arrays[table]++
			}
			if count := arrays[table]; count > 0 {
				table = fmt.Sprintf("%s[%d]", table, count)
			}
		}
		s.mark(table)
	}
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

type skimmer struct {
	src  string
	i    int
	line int
	seen int // src[:seen] has been counted into line
	at   lines
}

// mark records the current line for path and, unless already known, for
// each of its parents, so a field missing from an implicit table such as
// [sla] still has a line to point at.
func (s *skimmer) mark(path string) {
	s.line += strings.Count(s.src[s.seen:s.i], "\n")
	s.seen = s.i
	for p := path; p != ""; {
		if _, ok := s.at[p]; !ok || p == path {
			s.at[p] = s.line
		}
		cut := strings.LastIndexAny(p, ".[")
		if cut < 0 {
			break
		}
		p = p[:cut]
	}
}

// space skips blanks, and with newlines also line breaks and comments.
func (s *skimmer) space(newlines bool) {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case c == ' ' || c == '\t':
			s.i++
		case newlines && (c == '\n' || c == '\r'):
			s.i++
		case newlines && c == '#':
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		default:
			return
		}
	}
}

// keys reads a possibly dotted, possibly quoted key up to stop.
func (s *skimmer) keys(stop byte) []string {
	var keys []string
	for s.i < len(s.src) {
		s.space(false)
		start := s.i
		switch s.src[s.i] {
		case '"', '\'':
			s.str()
			keys = append(keys, strings.Trim(s.src[start:s.i], `"'`))
		default:
			for s.i < len(s.src) && isBare(s.src[s.i]) {
				s.i++
			}
			keys = append(keys, s.src[start:s.i])
		}
		s.space(false)
		if s.i >= len(s.src) || s.src[s.i] != '.' {
			break
		}
		s.i++
	}
	if s.i < len(s.src) && s.src[s.i] != stop {
		s.i++ // never stall on text the parser would have refused
	}
	return keys
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// keyValue reads "key = value" inside table.
func (s *skimmer) keyValue(table string) {
	path := table
	for _, k := range s.keys('=') {
		path = join(path, k)
	}
	s.mark(path)
	s.i++ // '='
	s.space(false)
	s.value(path)
}

// value steps over one value, recording the lines of array elements and of
// keys in inline tables.
func (s *skimmer) value(path string) {
	if s.i >= len(s.src) {
		return
	}
	switch s.src[s.i] {
	case '"', '\'':
		s.str()
	case '[':
		s.i++
		for n := 1; ; n++ {
			s.space(true)
			if s.i >= len(s.src) || s.src[s.i] == ']' {
				s.i++
				return
			}
			elem := fmt.Sprintf("%s[%d]", path, n)
			s.mark(elem)
			s.value(elem)
			s.space(true)
			if s.i < len(s.src) && s.src[s.i] == ',' {
				s.i++
			}
		}
	case '{':
		s.i++
		for {
			s.space(true)
			if s.i >= len(s.src) || s.src[s.i] == '}' {
				s.i++
				return
			}
			s.keyValue(path)
			s.space(true)
			if s.i < len(s.src) && s.src[s.i] == ',' {
				s.i++
			}
		}
	default:
		// Numbers, booleans and dates; a date may hold a space ("2026-11-19 08:00").
		for s.i < len(s.src) && !strings.ContainsRune(",]}\n#", rune(s.src[s.i])) {
			s.i++
		}
	}
}

// str steps over a basic, literal or multi-line string starting at s.i.
func (s *skimmer) str() {
	q := s.src[s.i]
	delim := string(q)
	if strings.HasPrefix(s.src[s.i:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	s.i += len(delim)
	for s.i < len(s.src) {
		switch {
		case q == '"' && s.src[s.i] == '\\':
			s.i += 2
		case strings.HasPrefix(s.src[s.i:], delim):
			s.i += len(delim)
			// A multi-line string may end with up to two quotes of content.
			for n := 0; len(delim) == 3 && n < 2 && s.i < len(s.src) && s.src[s.i] == q; n++ {
				s.i++
			}
			return
		default:
			s.i++
		}
	}
}
