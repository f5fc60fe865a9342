// Package display makes data safe and tidy to draw: every key and value is
// escaped before it reaches the terminal, and every row is cut or padded to
// its width in cells.
package display

import (
	"fmt"
	"strings"
	"unicode"
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
		if (r == utf8.RuneError && size == 1) || (termsafe.Unsafe(r) && !joinsEmoji(s, i)) {
			return true
		}
		i += size
	}
	return false
}

// zwj is the zero-width joiner, which emoji sequences such as 👩‍👩‍👧‍👦 are
// made with.
const zwj = '\u200d'

// joinsEmoji reports whether s[i:] starts with a zero-width joiner between
// two pictographs (a variation selector may follow the first), as inside
// an emoji sequence, which the terminal draws as one emoji: harmless, so
// it is not escaped. Anywhere else it stays escaped, since it hides.
func joinsEmoji(s string, i int) bool {
	if !strings.HasPrefix(s[i:], string(zwj)) {
		return false
	}
	prev, size := utf8.DecodeLastRuneInString(s[:i])
	if prev == '\ufe0f' { // a variation selector: emoji presentation
		prev, _ = utf8.DecodeLastRuneInString(s[:i-size])
	}
	next, _ := utf8.DecodeRuneInString(s[i+len(string(zwj)):])
	return pictograph(prev) && pictograph(next)
}

// pictograph reports whether r is an emoji picture: the blocks of symbols
// and pictographs, and the older miscellaneous symbols and dingbats (♀,
// ♂, ❤) that emoji sequences join.
func pictograph(r rune) bool {
	return (r >= 0x1f000 && r <= 0x1faff) || (r >= 0x2600 && r <= 0x27bf)
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
		case r == zwj && joinsEmoji(s, i):
			b.WriteRune(r)
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

// KeyLabel is a key as the list, the titles, the status bar, prompts and
// questions show it, so that different keys always look different. A
// plain key shows as itself. Any other is quoted as a JSON string, with
// its quotes and backslashes escaped: the empty key (""), a key of spaces
// or with spaces at either end ("a "), one that starts with a quote, and
// one with characters that must be escaped, so that the key written
// \u0007 (shown plain) never looks like the key holding BEL ("\u0007").
func KeyLabel(k string) string {
	if plainKey(k) {
		return k
	}
	var b strings.Builder
	b.Grow(len(k) + 8)
	b.WriteByte('"')
	for i := 0; i < len(k); {
		r, size := utf8.DecodeRuneInString(k[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteString(Escape(k[i : i+size]))
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// plainKey reports whether k shows as itself: not empty, no spaces at
// either end, no quote at the start and nothing Escape would change.
func plainKey(k string) bool {
	if k == "" || k[0] == '"' || HasUnsafe(k) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(k)
	last, _ := utf8.DecodeLastRuneInString(k)
	return !unicode.IsSpace(first) && !unicode.IsSpace(last)
}
