// Package display makes data safe and tidy to draw: every key and value is
// escaped before it reaches the terminal, and every row is cut or padded to
// its width in cells.
package display

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kvstore-dev/kvstore/kvstore/termsafe"
)

// Keys and values come from a file anyone may have edited, and Bubble Tea's
// renderer passes several escape sequences straight to the terminal (OSC 8
// hyperlinks, 8-bit CSI, \r, \b). So every piece of data is escaped before it
// is drawn: a character that could move the cursor, change the terminal's
// state, reorder text (bidi controls) or hide itself (zero-width and other
// format characters) is shown as \uXXXX, and a byte that is not UTF-8 as \xNN.
//
// Inside a JSON string, \uXXXX is the JSON escape for the same character, so
// the value pane still shows valid JSON with the same meaning. Which
// characters are unsafe is termsafe's rule, which the command line follows
// too.

// HasUnsafe reports whether s holds anything Escape would change.
func HasUnsafe(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || termsafe.Unsafe(r) {
			return true
		}
		i += size
	}
	return false
}

// Escape returns s with every unsafe character written as \uXXXX (or
// \UXXXXXXXX beyond the Basic Multilingual Plane) and every invalid UTF-8 byte
// as \xNN. Safe text is returned unchanged without allocating.
func Escape(s string) string {
	if !HasUnsafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case termsafe.Unsafe(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case termsafe.Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// KeyLabel is a key as the status bar and questions name it: escaped, and
// the empty key written as "" so that it is visible.
func KeyLabel(k string) string {
	if k == "" {
		return `""`
	}
	return Escape(k)
}
