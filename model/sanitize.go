package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean removes terminal escape sequences and control characters from text
// that came from outside (drops, plan, CLI, forms) so it can never clear a
// screen, recolour it or retitle a window. Newlines and tabs survive when
// multiline is true; otherwise they become spaces. Invalid UTF-8 is replaced.
// Invisible format characters (zero-width spaces and joiners, the BOM,
// direction marks and overrides, soft hyphens) are removed too: they make
// two different names look the same, so "checkout" and "check\u200bout"
// would be told apart by nobody on screen.
func Clean(s string, multiline bool) string {
	if plainASCII(s) {
		return s // nothing to remove: most text, every time a drop is applied
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune('\uFFFD')
			i++
			continue
		case r == 0x1b: // ESC: drop the whole sequence
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // 8-bit CSI
			i += size + csiBodyLen(s[i+size:])
			continue
		case r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f: // 8-bit OSC, DCS, PM, APC
			i += size + stringBodyLen(s[i+size:])
			continue
		case r == '\n' || r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			// dropped: a bare CR would let text overwrite itself on screen
		case unicode.IsControl(r), r == '\u2028', r == '\u2029',
			unicode.Is(unicode.Cf, r): // format characters, bidi overrides among them
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// CleanMap cleans keys and values of a label/annotation map in place and
// returns it.
func CleanMap(m map[string]string) map[string]string {
	for k, v := range m {
		ck, cv := Clean(k, false), Clean(v, true)
		if ck != k {
			delete(m, k)
		}
		m[ck] = cv
	}
	return m
}

// escapeLen is the byte length of the escape sequence at the start of s (s[0] == ESC).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiBodyLen(s[2:])
	case ']', 'P', '^', '_', 'X':
		return 2 + stringBodyLen(s[2:])
	case '(', ')', '*', '+', '-', '.', '/', '#', '%', ' ':
		// designate charset and friends: ESC, intermediate, final
		if len(s) >= 3 {
			return 3
		}
		return len(s)
	}
	return 2
}

// csiBodyLen consumes parameter and intermediate bytes up to and including
// the final byte (0x40–0x7e).
func csiBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
		if s[i] < 0x20 || s[i] > 0x7e {
			return i
		}
	}
	return len(s)
}

// stringBodyLen consumes an OSC/DCS/PM/APC body up to BEL or ST (ESC \ or 0x9c).
func stringBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 0x07:
			return i + 1
		case 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case 0xc2:
			if i+1 < len(s) && s[i+1] == 0x9c {
				return i + 2
			}
		}
	}
	return len(s)
}

// plainASCII reports whether s is printable ASCII only, which Clean leaves
// as it is.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
