// Package termsafe holds the one rule that the command line and the
// terminal UI share for text taken from a data file, which anyone may have
// edited: which characters must not reach a terminal as themselves.
//
// A terminal acts on control characters instead of showing them (moving
// the cursor, setting the title, writing the clipboard: C0, DEL and the C1
// controls, among them the 8-bit CSI), line and paragraph separators break
// a line where the text has none, and format characters reorder text or
// hide themselves (bidi controls, zero-width characters, the byte order
// mark, tag characters). Each front end escapes such a character in its
// own notation; which characters those are is decided here.
package termsafe

import "unicode"

// Unsafe reports whether r must not be printed on a terminal as itself.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f: // C0 controls and DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls, including 8-bit CSI
		return true
	case r < 0x80:
		return false
	case r == '\u2028' || r == '\u2029': // line and paragraph separators
		return true
	}
	// Cf holds the bidi controls (U+202A-202E, U+2066-2069, U+200E/F,
	// U+061C), the zero-width characters (U+200B-200D, U+2060, U+FEFF), the
	// soft hyphen and the tag characters.
	return unicode.Is(unicode.Cf, r)
}
