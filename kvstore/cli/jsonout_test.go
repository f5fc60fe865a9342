package cli

import "testing"

// On a terminal, JSON output keeps its meaning but shows the characters a
// terminal would act on, or that hide or reorder text, as \u escapes.
func TestEscapeForTerminal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":"plain ☃"}`, `{"a":"plain ☃"}`},
		{"\"csi \u009b31m del \x7f\"", `"csi \u009b31m del \u007f"`},
		{"\"bidi \u202e zero\u200bwidth bom\ufeff\"", `"bidi \u202e zero\u200bwidth bom\ufeff"`},
		{"\"tag \U000E0041\"", `"tag \udb40\udc41"`},
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
	} {
		if got := needsQuotes(c.key, c.tty); got != c.want {
			t.Errorf("needsQuotes(%q, tty %v) = %v, want %v", c.key, c.tty, got, c.want)
		}
	}
}
