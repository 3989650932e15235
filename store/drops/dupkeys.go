package drops

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"strings"
)

// dupKey is a key repeated within one JSON object. encoding/json keeps the
// last of them without a word, so a payload that says two things at once
// would be read as whichever came last; it is refused instead.
type dupKey struct {
	off int   // offset of the repeat in the doc's data
	err error // the *ParseError that says where and which
}

type dupKeys []dupKey

// duplicateKeys finds every key repeated within an object of d.data, which
// must be valid JSON. It costs one pass over the bytes; key sets are kept
// per open object and reused, so a payload of many small objects stays cheap.
func (d *doc) duplicateKeys() dupKeys {
	type frame struct {
		array   bool
		index   int
		key     []byte   // the current key, decoded
		keys    [][]byte // the keys seen so far, decoded; slices of data unless escaped
		offsets []int
		wantKey bool
	}
	var stack []frame
	var out dupKeys
	path := func() string {
		var p string
		for _, f := range stack[:len(stack)-1] {
			if f.array {
				p = fmt.Sprintf("%s[%d]", p, f.index)
			} else {
				p = pathKey(p, string(f.key))
			}
		}
		return p
	}
	data := d.data
	for i := 0; i < len(data); {
		c := data[i]
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch {
		case c == '"' && top != nil && top.wantKey:
			end := stringEnd(data, i)
			raw := data[i:end]
			key := raw[1 : len(raw)-1]
			if bytes.IndexByte(raw, '\\') >= 0 {
				key = []byte(unquote(raw))
			}
			for j, k := range top.keys {
				if bytes.Equal(k, key) {
					first := d.errAt(top.offsets[j], "", "")
					var pe *ParseError
					line := ""
					if errors.As(first, &pe) && pe.Line > 0 {
						line = fmt.Sprintf(" (first at line %d, column %d)", pe.Line, pe.Column)
					}
					out = append(out, dupKey{off: i, err: d.errAt(i, path(), fmt.Sprintf(
						"the key %s appears twice in one object%s: a JSON reader would keep only the last one; send each key once", quote(string(key)), line))})
					break
				}
			}
			top.keys, top.offsets = append(top.keys, key), append(top.offsets, i)
			top.key, top.wantKey = key, false
			i = end
		case c == '"':
			i = stringEnd(data, i)
		case c == '{' || c == '[':
			f := frame{array: c == '[', wantKey: c == '{'}
			if n := len(stack); n < cap(stack) {
				// Reuse the key slices of an object closed at this depth.
				f.keys, f.offsets = stack[:n+1][n].keys[:0], stack[:n+1][n].offsets[:0]
			}
			stack = append(stack, f)
			i++
		case c == '}' || c == ']':
			if top != nil {
				stack = stack[:len(stack)-1]
			}
			i++
		case c == ',':
			if top != nil {
				top.index++
				top.wantKey = !top.array
			}
			i++
		default:
			i++
		}
	}
	return out
}

// within returns the first repeat inside span ([start, end) of the doc's
// data), or nil.
func (ds dupKeys) within(span [2]int) error {
	for _, dk := range ds {
		if dk.off >= span[0] && dk.off < span[1] {
			return dk.err
		}
	}
	return nil
}

// outside returns the first repeat that is in none of the spans, or nil.
func (ds dupKeys) outside(spans [][2]int) error {
next:
	for _, dk := range ds {
		for _, s := range spans {
			if dk.off >= s[0] && dk.off < s[1] {
				continue next
			}
		}
		return dk.err
	}
	return nil
}

// elementsOf yields the index and the place ([start, end) in data) of each
// element of the JSON array starting at data[at], one at a time, so that a
// payload of many alerts is walked without a list of them all; data must be
// valid JSON.
func elementsOf(data []byte, at int) iter.Seq2[int, [2]int] {
	return func(yield func(int, [2]int) bool) {
		n := 0
		for i := skipSpace(data, at+1); i < len(data) && data[i] != ']'; n++ {
			start := i
			i = valueEnd(data, i)
			if !yield(n, [2]int{start, i}) {
				return
			}
			if i = skipSpace(data, i); i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
			}
		}
	}
}

// arrayElements is every place elementsOf yields, as a list.
func arrayElements(data []byte, at int) [][2]int {
	var spans [][2]int
	for _, span := range elementsOf(data, at) {
		spans = append(spans, span)
	}
	return spans
}

// prefixField puts the path of the value an error was found in before the
// field it names, for an error found in a part of the document read apart.
func prefixField(err error, at string) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		switch {
		case pe.Field == "":
			pe.Field = at
		case strings.HasPrefix(pe.Field, "["):
			pe.Field = at + pe.Field
		default:
			pe.Field = at + "." + pe.Field
		}
	}
	return err
}
