package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/charmbracelet/x/term"
)

// maxIndentDepth is the nesting depth past which the store writes a
// container on one line; export follows it so that its output is the file
// the store would write, byte for byte.
const maxIndentDepth = 32

// indent is one level of indentation in the canonical file format.
const indent = "  "

// writeCanonical writes entries, in the order given (the store's sorted
// order), as the store writes a file it created: one member per line,
// two-space indentation, LF line ends and a final newline.
func writeCanonical(w io.Writer, entries iter.Seq2[string, json.RawMessage]) error {
	bw := bufio.NewWriter(w)
	buf := []byte{'{'}
	first := true
	for key, value := range entries {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, '\n')
		buf = append(buf, indent...)
		buf = appendQuoted(buf, key, false)
		buf = append(buf, ':', ' ')
		buf = appendIndented(buf, value, 1)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	if !first {
		buf = append(buf, '\n')
	}
	buf = append(buf, '}', '\n')
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// appendIndented appends compact, valid JSON v laid out as the store lays
// out a value at depth levels of indentation: json.Indent's layout, except
// that containers nested deeper than maxIndentDepth stay on one line.
func appendIndented(dst, v []byte, depth int) []byte {
	newline := func(dst []byte, depth int) []byte {
		dst = append(dst, '\n')
		return append(dst, strings.Repeat(indent, depth)...)
	}
	for i := 0; i < len(v); {
		switch c := v[i]; c {
		case '"':
			j := stringEnd(v, i)
			dst = append(dst, v[i:j]...)
			i = j
		case '{', '[':
			if v[i+1] == '}' || v[i+1] == ']' {
				dst = append(dst, c, v[i+1])
				i += 2
				continue
			}
			if depth >= maxIndentDepth {
				j := containerEnd(v, i)
				dst = append(dst, v[i:j]...)
				i = j
				continue
			}
			depth++
			dst = newline(append(dst, c), depth)
			i++
		case '}', ']':
			depth--
			dst = append(newline(dst, depth), c)
			i++
		case ',':
			dst = newline(append(dst, ','), depth)
			i++
		case ':':
			dst = append(dst, ':', ' ')
			i++
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// stringEnd returns the index just past the JSON string that opens at v[i].
func stringEnd(v []byte, i int) int {
	for i++; v[i] != '"'; i++ {
		if v[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// containerEnd returns the index just past the object or array that opens
// at v[i] in compact, valid JSON.
func containerEnd(v []byte, i int) int {
	level := 0
	for i < len(v) {
		switch v[i] {
		case '"':
			i = stringEnd(v, i)
			continue
		case '{', '[':
			level++
		case '}', ']':
			level--
			if level == 0 {
				return i + 1
			}
		}
		i++
	}
	return len(v)
}

// appendQuoted appends s as a JSON string, escaped as the store escapes
// keys in its file: quote, backslash, C0 controls and U+2028/U+2029, but
// not <, > and &, so keys stay readable. With strict, DEL and the C1
// controls are escaped too, for output meant to show a key unambiguously.
func appendQuoted(dst []byte, s string, strict bool) []byte {
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
		case r < 0x20 || r == '\u2028' || r == '\u2029' || (strict && isControl(r)):
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
// taken for one. On a terminal, characters that hide or reorder text count
// too, since the key would not look like what it is.
func needsQuotes(key string, tty bool) bool {
	if strings.HasPrefix(key, `"`) {
		return true
	}
	for _, r := range key {
		if isControl(r) || r == '\u2028' || r == '\u2029' || (tty && unicode.Is(unicode.Cf, r)) {
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

// escapeForTerminal rewrites the characters of JSON text that a terminal
// would act on or that hide or reorder text (DEL, C1 controls such as the
// 8-bit CSI, bidi and zero-width characters) as \u escapes. Valid JSON can
// hold them only inside strings, where the escape means the same character,
// so the result is the same JSON; C0 controls cannot appear raw at all.
func escapeForTerminal(text []byte) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case isControl(r) && r >= 0x7f, unicode.Is(unicode.Cf, r):
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
