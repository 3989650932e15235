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
		return d.errAt(len(d.data), "", "the JSON ends before it is complete: the file looks truncated — a sender must write the file elsewhere and rename it into the drop folder")
	case syntax != nil:
		// Offset counts the offending byte, so the error is at the byte before it.
		return d.errAt(max(int(syntax.Offset)-1, 0), "", "invalid JSON: "+syntax.Error())
	case errors.As(err, &typ):
		path, start := pathAt(d.data, typ.Offset)
		return d.errAt(start, path, fmt.Sprintf("is %s, expected %s", article(typ.Value), jsonKind(typ.Type)))
	}
	return d.errAt(-1, "", err.Error())
}

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

// walk calls visit with the path and start offset of every value in data, in
// document order, until visit returns false. data must be valid JSON. It only
// runs when building an error, so it favours simplicity over speed.
func walk(data []byte, visit func(path string, start int) bool) {
	type frame struct {
		path    string // path of this container
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.array {
			return fmt.Sprintf("%s[%d]", f.path, f.index)
		}
		return pathKey(f.path, f.key)
	}
	advance := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := int(dec.InputOffset())
		for start < len(data) && strings.IndexByte(" \t\r\n,:", data[start]) >= 0 {
			start++
		}
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			stack = stack[:len(stack)-1]
			advance()
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		path := childPath()
		if !visit(path, start) {
			return
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{path: path, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{path: path, array: true})
		default:
			advance()
		}
	}
}

// locate returns the offset of the value at path, or of the whole document
// when there is no such value.
func locate(data []byte, path string) int {
	at := 0
	walk(data, func(p string, start int) bool {
		if p == path {
			at = start
			return false
		}
		return true
	})
	return at
}

// pathAt finds the value a json.UnmarshalTypeError points at: its Offset is
// just past the value's first token, so it is the last value starting before it.
func pathAt(data []byte, off int64) (string, int) {
	path, at := "", 0
	walk(data, func(p string, start int) bool {
		if int64(start) >= off {
			return false
		}
		path, at = p, start
		return true
	})
	return path, at
}
