package drops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError says what is wrong with a drop and where. It is written to the
// rejected file's .error sidecar, so it must make sense to whoever runs the
// sender: the position, the field, what was found and what is expected.
type ParseError struct {
	File   string // the drop's name, cleaned
	Offset int64  // byte offset in the file, -1 when the problem is the file as a whole
	Line   int    // 1-based; 0 when Offset is -1
	Column int    // 1-based, in characters
	Field  string // path of the offending value, e.g. alerts[0].startsAt; "" for the whole document
	Reason string
}

// Error reads like a compiler message: am-bad.json:1:57: alerts[0].startsAt: "not-a-time" is not an RFC 3339 time.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Where is the place part of the message: file:line:col, or the file.
func (e *ParseError) Where() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	return e.File
}

// Problem is the message without its place: the field, and what is wrong.
func (e *ParseError) Problem() string {
	if e.Field != "" {
		return e.Field + ": " + e.Reason
	}
	return e.Reason
}

// doc is one JSON text of a drop file: the whole file, or one NDJSON line.
// Errors carry positions in the whole file, so doc knows where it starts.
type doc struct {
	file string
	all  []byte // the whole file, to turn offsets into lines and columns
	base int    // offset of data in all
	data []byte
	lim  Limits
}

// sub is the part of d from start to end.
func (d *doc) sub(start, end int) *doc {
	s := *d
	s.base, s.data = d.base+start, d.data[start:end]
	return &s
}

// errAt reports a problem at offset off of d.data, or with the whole file when off < 0.
func (d *doc) errAt(off int, field, reason string) error {
	e := &ParseError{File: d.file, Offset: -1, Field: field, Reason: reason}
	if off >= 0 {
		abs := min(d.base+off, len(d.all))
		lineStart := bytes.LastIndexByte(d.all[:abs], '\n') + 1
		e.Offset = int64(abs)
		e.Line = bytes.Count(d.all[:abs], []byte{'\n'}) + 1
		e.Column = utf8.RuneCount(d.all[lineStart:abs]) + 1
	}
	return e
}

// errField reports a problem with the value at path, pointing at that value.
func (d *doc) errField(path, reason string) error {
	return d.errAt(locate(d.data, path), path, reason)
}

// errSyntax reports why data, which is not valid JSON, is not.
func (d *doc) errSyntax(data []byte) error {
	var v struct{}
	if err := json.Unmarshal(data, &v); err != nil {
		return d.errJSON(err)
	}
	return d.errAt(0, "", "invalid JSON")
}

// errJSON turns an encoding/json error into a ParseError at the right place.
func (d *doc) errJSON(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &syntax) && syntax.Error() == "unexpected end of JSON input":
		if d.base+len(d.data) < len(bytes.TrimRight(d.all, " \t\r\n")) {
			return d.errAt(len(d.data), "", "the line ends before its JSON object is complete: each line of a generic NDJSON drop holds one whole object")
		}
		return d.errAt(len(d.data), "", "the JSON ends before it is complete: the payload looks truncated — a sender must write a drop file elsewhere and rename it into the drop folder, or post the whole payload")
	case syntax != nil:
		// Offset counts the offending byte, so the error is at the byte before it.
		return d.errAt(max(int(syntax.Offset)-1, 0), "", "invalid JSON: "+syntax.Error())
	case errors.As(err, &typ):
		path, start := pathAt(d.data, typ.Offset)
		return d.errAt(start, path, fmt.Sprintf("is %s, expected %s", article(typ.Value), jsonKind(typ.Type)))
	}
	return d.errAt(-1, "", err.Error())
}

// article puts "a" or "an" before a JSON type name from encoding/json.
func article(v string) string {
	if v != "" && strings.ContainsRune("aeiou", rune(v[0])) {
		return "an " + v
	}
	return "a " + v
}

// jsonKind names a Go type the way the JSON sender sees it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	}
	return t.String()
}

// quote renders outside text inside a message: Go-quoted, so control
// characters show as escapes instead of acting on a terminal, and short.
func quote(s string) string {
	const maxLen = 64
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}

// quoteRune renders the character at the start of b for a message.
func quoteRune(b []byte) string {
	r, _ := utf8.DecodeRune(b)
	return strconv.QuoteRune(r)
}

// pathKey appends an object key to a path: .name for plain keys, ["odd key"] otherwise.
func pathKey(path, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

// walk calls visit with the start offset and path of every value in data,
// in document order, until visit returns false. When enter is not nil, a
// container whose path it refuses is stepped over unvisited. Paths are only
// rendered when asked for, so that large or deeply nested documents cost
// linear time. data must be valid JSON; walk only runs to report an error.
func walk(data []byte, enter func(path string) bool, visit func(start int, path func() string) bool) {
	type frame struct {
		array   bool
		index   int
		key     []byte // the current key, quoted
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var p string
		for _, f := range stack {
			if f.array {
				p = fmt.Sprintf("%s[%d]", p, f.index)
			} else {
				p = pathKey(p, unquote(f.key))
			}
		}
		return p
	}
	for i := 0; i < len(data); {
		c := data[i]
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':':
			i++
		case c == ',':
			if top != nil {
				top.index++
				top.wantKey = !top.array
			}
			i++
		case c == '}' || c == ']':
			if top != nil {
				stack = stack[:len(stack)-1]
			}
			i++
		case c == '"' && top != nil && top.wantKey:
			end := stringEnd(data, i)
			top.key, top.wantKey = data[i:end], false
			i = end
		default:
			if !visit(i, path) {
				return
			}
			switch {
			case (c == '{' || c == '[') && enter != nil && !enter(path()):
				i = valueEnd(data, i)
			case c == '{':
				stack = append(stack, frame{wantKey: true})
				i++
			case c == '[':
				stack = append(stack, frame{array: true})
				i++
			default:
				i = valueEnd(data, i)
			}
		}
	}
}

// valueEnd returns the offset just past the JSON value starting at data[i].
func valueEnd(data []byte, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch data[i] {
		case '"':
			i = stringEnd(data, i) - 1
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of the container holding a scalar
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ' ', '\t', '\r', '\n', ',', ':':
			if depth == 0 {
				return i
			}
		}
	}
	return len(data)
}

// stringEnd returns the offset just past the JSON string starting at data[i].
func stringEnd(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// unquote is the text of a quoted JSON string.
func unquote(quoted []byte) string {
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return string(quoted)
	}
	return s
}

// locate returns the offset of the value at path or, when there is no such
// value, of its closest existing parent (an alert without "labels" points at
// the alert). Only the containers on the way to path are entered.
func locate(data []byte, path string) int {
	at, best := 0, ""
	onTheWay := func(p string) bool {
		return p == "" || p == path || strings.HasPrefix(path, p) && strings.IndexByte(".[", path[len(p)]) >= 0
	}
	walk(data, onTheWay, func(start int, render func() string) bool {
		switch p := render(); {
		case p == path:
			at = start
			return false
		case len(p) > len(best) && onTheWay(p):
			at, best = start, p
		}
		return true
	})
	return at
}

// pathAt finds the value a json.UnmarshalTypeError points at: its Offset is
// just past the value's first token, so it is the last value starting before
// it. The path is rendered on a second pass, once the value is known.
func pathAt(data []byte, off int64) (string, int) {
	at := 0
	walk(data, nil, func(start int, _ func() string) bool {
		if int64(start) >= off {
			return false
		}
		at = start
		return true
	})
	path := ""
	walk(data, nil, func(start int, render func() string) bool {
		if start == at {
			path = render()
			return false
		}
		return true
	})
	return path, at
}
