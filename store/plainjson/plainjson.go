// Package plainjson reads the JSON that needs no decoding in one pass:
// strings without escapes, and objects of such strings. On the hot paths
// (every alert of every drop, the labels of every feed row at every
// commit) encoding/json's validation and reflection cost more than the
// work. Each reader says false for anything else, and the caller leaves
// that to encoding/json, which then answers as it always did.
//
// The readers take a string and return parts of it: a caller turns its
// bytes into a string once, and the keys and values it gets share it.
package plainjson

import (
	"strings"
	"unicode/utf8"
)

// SkipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func SkipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// String reads the JSON string starting at s[i] when it needs no decoding
// (no escape, no control character, valid UTF-8, which encoding/json would
// otherwise mend), and says where what follows it starts.
func String(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return "", 0, false
	}
	v := s[i+1 : i+1+end]
	for j := 0; j < len(v); j++ {
		if c := v[j]; c == '\\' || c < 0x20 {
			return "", 0, false
		}
	}
	if !utf8.ValidString(v) {
		return "", 0, false
	}
	return v, i + 2 + end, true
}

// StringMap reads the JSON object starting at s[i] when all its keys and
// values are plain strings (String). As encoding/json does, {} is an empty
// map, not nil, and of a key given twice the last value stands.
func StringMap(s string, i int) (map[string]string, int, bool) {
	if i >= len(s) || s[i] != '{' {
		return nil, 0, false
	}
	m := map[string]string{}
	i = SkipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return m, i + 1, true
	}
	for {
		k, next, ok := String(s, i)
		if !ok {
			return nil, 0, false
		}
		i = SkipSpace(s, next)
		if i >= len(s) || s[i] != ':' {
			return nil, 0, false
		}
		v, next, ok := String(s, SkipSpace(s, i+1))
		if !ok {
			return nil, 0, false
		}
		m[k] = v
		i = SkipSpace(s, next)
		if i >= len(s) {
			return nil, 0, false
		}
		switch s[i] {
		case ',':
			i = SkipSpace(s, i+1)
		case '}':
			return m, i + 1, true
		default:
			return nil, 0, false
		}
	}
}
