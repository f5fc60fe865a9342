package cli

import (
	"testing"
	"unicode/utf8"

	"github.com/kvstore-dev/kvstore/kvstore/termsafe"
)

// On a terminal, JSON output keeps its meaning but shows the characters a
// terminal would act on, or that hide or reorder text, as \u escapes.
func TestEscapeForTerminal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":"plain ☃"}`, `{"a":"plain ☃"}`},
		{"\"csi \u009b31m del \x7f\"", `"csi \u009b31m del \u007f"`},
		{"\"bidi \u202e zero\u200bwidth bom\ufeff\"", `"bidi \u202e zero\u200bwidth bom\ufeff"`},
		{"\"tag \U000E0041\"", `"tag \udb40\udc41"`},
		{"\"ls \u2028 ps \u2029\"", `"ls \u2028 ps \u2029"`},
		{"{\n  \"a\": 1\n}\n", "{\n  \"a\": 1\n}\n"},
		{"\"latin-1 caf\xe9, cut \xe2\x98\"", `"latin-1 caf\xe9, cut \xe2\x98"`},
	} {
		if got := string(escapeForTerminal([]byte(c.in))); got != c.want {
			t.Errorf("escapeForTerminal(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A key listed on a line of its own is quoted when it could not be read
// back as itself; on a terminal, also when it would not look like itself.
func TestNeedsQuotes(t *testing.T) {
	for _, c := range []struct {
		key       string
		tty, want bool
	}{
		{"user.1", false, false},
		{"näive ☃", true, false},
		{"line\nbreak", false, true},
		{"\"quoted", false, true},
		{"csi\u009b", false, true},
		{"bidi\u202e", false, false},
		{"bidi\u202e", true, true},
		{"caf\xe9", false, true},
		{"caf\xe9", true, true},
	} {
		if got := needsQuotes(c.key, c.tty); got != c.want {
			t.Errorf("needsQuotes(%q, tty %v) = %v, want %v", c.key, c.tty, got, c.want)
		}
	}
}

// The command line escapes exactly the characters termsafe calls unsafe,
// the rule the terminal UI follows too: every character a JSON string may
// hold raw, through the tag characters.
func TestEscapeForTerminalFollowsTermsafe(t *testing.T) {
	for r := rune(0x20); r <= 0xe007f; r++ {
		if r == '"' || r == '\\' || !utf8.ValidRune(r) {
			continue
		}
		text := `"` + string(r) + `"`
		if escaped := string(escapeForTerminal([]byte(text))) != text; escaped != termsafe.Unsafe(r) {
			t.Errorf("U+%04X: escaped %v, termsafe.Unsafe says %v", r, escaped, termsafe.Unsafe(r))
		}
	}
}
