package termsafe

import "testing"

func TestUnsafe(t *testing.T) {
	unsafe := map[rune]string{
		0x00: "NUL", 0x07: "BEL", 0x08: "backspace", '\t': "tab", '\n': "line feed",
		'\r': "carriage return", 0x1b: "ESC", 0x7f: "DEL", 0x85: "NEL", 0x9b: "8-bit CSI",
		0x9d: "8-bit OSC", '\u2028': "line separator", '\u2029': "paragraph separator",
		'\u202e': "right-to-left override", '\u2066': "left-to-right isolate",
		'\u200b': "zero-width space", '\u200d': "zero-width joiner", '\ufeff': "byte order mark",
		'\u00ad': "soft hyphen", '\u061c': "Arabic letter mark", 0xe0041: "tag letter A",
	}
	for r, name := range unsafe {
		if !Unsafe(r) {
			t.Errorf("Unsafe(U+%04X, %s) = false", r, name)
		}
	}
	for _, r := range []rune{' ', 'a', '~', '"', '\\', 0xa0, 'é', '\u0301', '日', '☃', '🚀', '\u2027', '\u202f', 0xfffd} {
		if Unsafe(r) {
			t.Errorf("Unsafe(U+%04X %q) = true", r, r)
		}
	}
}
