package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore/termsafe"
)

// appendQuoted appends s as a JSON string that shows the key
// unambiguously: quote, backslash, C0 and C1 controls, DEL and U+2028/U+2029
// are escaped, but not <, > and &, so keys stay readable. A byte that is
// not UTF-8 is written \xNN, as the terminal UI shows it, which makes the
// string no longer JSON: such a key has no JSON string (see appendJSONKey).
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = fmt.Appendf(dst, `\x%02x`, s[i])
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
// counts, since the key would not look like what it is.
func needsQuotes(key string, tty bool) bool {
	if strings.HasPrefix(key, `"`) || !utf8.ValidString(key) {
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

// writeRaw writes a value's bytes to stdout as they are. On a terminal,
// which would act on control characters and show other bytes as what
// they are not, those are escaped as Go escapes them in a string (\x1b,
// \xff, \u202e), except line ends and tabs.
func writeRaw(cmd *cobra.Command, value []byte) error {
	w := cmd.OutOrStdout()
	if isTerminal(w) {
		var out []byte
		for i := 0; i < len(value); {
			r, size := utf8.DecodeRune(value[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				out = fmt.Appendf(out, `\x%02x`, value[i])
			case r == '\n' || r == '\t':
				out = append(out, value[i])
			case isControl(r) || termsafe.Unsafe(r):
				q := strconv.QuoteRuneToASCII(r)
				out = append(out, q[1:len(q)-1]...)
			default:
				out = append(out, value[i:i+size]...)
			}
			i += size
		}
		value = out
	}
	_, err := w.Write(value)
	return err
}
