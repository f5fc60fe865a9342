package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/charmbracelet/x/term"

	"github.com/kvstore-dev/kvstore/kvstore/termsafe"
)

// appendQuoted appends s as a JSON string that shows the key
// unambiguously: quote, backslash, C0 and C1 controls, DEL and U+2028/U+2029
// are escaped, but not <, > and &, so keys stay readable.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r < 0x20 || r == '\u2028' || r == '\u2029' || isControl(r):
			dst = fmt.Appendf(dst, `\u%04x`, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// needsQuotes reports whether a key printed on a line of its own must be
// written as a JSON string to be read back exactly: it holds a control
// character or a line separator, or it starts with a quote and would be
// taken for one. On a terminal, every character termsafe calls unsafe
// counts, since the key would not look like what it is, and so does a byte
// that is not UTF-8, which escapeForTerminal shows as \xNN: quoted, that
// key never looks like one holding a backslash and an x.
func needsQuotes(key string, tty bool) bool {
	if strings.HasPrefix(key, `"`) || (tty && !utf8.ValidString(key)) {
		return true
	}
	for _, r := range key {
		if isControl(r) || r == '\u2028' || r == '\u2029' || (tty && termsafe.Unsafe(r)) {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a terminal, where output is read by a
// person and passes through a terminal's escape sequence parser.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// escapeForTerminal rewrites the characters of JSON text that termsafe
// calls unsafe (DEL, C1 controls such as the 8-bit CSI, line and paragraph
// separators, bidi and zero-width characters) as \u escapes. Valid JSON can
// hold them only inside strings, where the escape means the same character,
// so the result is the same JSON. C0 controls cannot appear raw in JSON
// but as the white space between tokens, which stays as it is. A byte that
// is not UTF-8, which a data file may hold inside a string, is shown as
// \xNN, as the terminal UI shows it: JSON has no escape for it, and a
// terminal could take it for the start of a control sequence. To a pipe
// the bytes go as the file holds them, so export and import round trip.
func escapeForTerminal(text []byte) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = fmt.Appendf(out, `\x%02x`, text[i])
		case r >= 0x7f && termsafe.Unsafe(r):
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		default:
			out = append(out, text[i:i+size]...)
		}
		i += size
	}
	return out
}
