package kvstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// This file holds the JSON machinery the store runs on every load and save:
// a validating scanner that compacts values in the same pass, and an indenter
// for already-compact values. Both are purpose-built because they dominate
// load and flush time; encoding/json's scanner is several times slower and
// would need a second pass to compact.

// maxDepth bounds nesting, as encoding/json does, so hostile input cannot
// exhaust memory through the container stack.
const maxDepth = 10000

// scanError is a position-carrying error from the scanner, turned into a
// *SyntaxError once the file name and line/column are known.
type scanError struct {
	off int
	msg string
}

func (e *scanError) syntaxError(file string, src []byte) *SyntaxError {
	line, col := lineCol(src, e.off)
	return &SyntaxError{File: file, Line: line, Column: col, Offset: int64(e.off), Msg: e.msg}
}

// lineCol converts a byte offset into a 1-based line and byte column.
func lineCol(src []byte, off int) (line, col int) {
	off = min(off, len(src))
	before := src[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = off - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// plainStringByte marks bytes that may be copied verbatim inside a string:
// all but the quote, the backslash and the control characters, which JSON
// must escape. Bytes from 0x80 up are kept as they are, whether or not they
// form UTF-8, as encoding/json's Valid and Compact keep them: a file that a
// program wrote in Latin-1, or with a string cut inside a character, still
// opens, and a save writes those bytes back unchanged. (Decoding such a
// string, as Get does, turns each bad byte into U+FFFD; the terminal UI
// and the command line show it as \xNN.)
var plainStringByte = func() (t [256]bool) {
	for i := range t {
		t[i] = i >= 0x20 && i != '"' && i != '\\'
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func skipSpace(src []byte, i int) int {
	for i < len(src) && isSpace(src[i]) {
		i++
	}
	return i
}

func describe(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c < 0x20 || c >= 0x7f:
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return "'" + string(rune(c)) + "'"
}

func errAt(src []byte, i int, context string) *scanError {
	if i >= len(src) {
		return &scanError{off: len(src), msg: "unexpected end of JSON input"}
	}
	return &scanError{off: i, msg: "invalid character " + describe(src[i]) + " " + context}
}

// scanString validates the string starting at src[i] (a '"') and appends it
// verbatim to dst. It returns the index just past the closing quote.
func scanString(dst, src []byte, i int) ([]byte, int, *scanError) {
	end, err := stringEnd(src, i)
	if err != nil {
		return dst, end, err
	}
	return append(dst, src[i:end]...), end, nil
}

// stringEnd validates the string starting at src[i] (a '"') and returns the
// index just past the closing quote.
func stringEnd(src []byte, i int) (int, *scanError) {
	start := i
	i++
	for {
		j := i
		for {
			if j+8 > len(src) {
				for j < len(src) && plainStringByte[src[j]] {
					j++
				}
				break
			}
			n := plainPrefix(binary.LittleEndian.Uint64(src[j:]))
			j += n
			if n < 8 {
				break // src[j] is not plain
			}
		}
		i = j
		if i >= len(src) {
			return i, &scanError{off: start, msg: "unterminated string"}
		}
		switch c := src[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(src) {
				return i, &scanError{off: start, msg: "unterminated string"}
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := 2; k < 6; k++ {
					if i+k >= len(src) || !isHex(src[i+k]) {
						return i, &scanError{off: i, msg: `invalid \u escape in string`}
					}
				}
				i += 6
			default:
				return i, &scanError{off: i + 1, msg: "invalid character " + describe(src[i+1]) + " in string escape"}
			}
		case c == '\n':
			return i, &scanError{off: i, msg: "line break inside a string (missing closing quote?)"}
		default:
			return i, &scanError{off: i, msg: "invalid control character " + describe(c) + " in string (escape it as \\u00XX)"}
		}
	}
}

// Masks for testing the eight bytes of a uint64 at once.
const (
	eachByte = 0x0101010101010101
	highBits = 0x8080808080808080
)

// plainPrefix returns how many of the eight bytes of w (read from a
// string, the first byte lowest) are plainStringByte before the first that
// is not, 8 if all are, so that stringEnd passes them in one step, and a
// short string's closing quote is found without a loop over its bytes.
// Most of a data file's bytes are in strings: in a CPU profile of
// ReadKey's scan of a 1M-key file (300 MB), passing eight bytes at a time
// cut the scan from 0.74 to 0.57 s. The subtractions below borrow out of a
// byte's high bit when it is a control character (w-0x20) or equals the
// quote or the backslash (hasZero of the XOR); a byte with its high bit
// set, which a string may hold, never borrows and is masked out by &^. A
// borrow runs on only from a byte that is itself a hit, into the bytes
// above it, so the lowest bit set is exactly the first byte that is not
// plain.
func plainPrefix(w uint64) int {
	hasZero := func(v uint64) uint64 { return (v - eachByte) &^ v & highBits }
	hits := (w-0x20*eachByte)&^w&highBits | hasZero(w^'"'*eachByte) | hasZero(w^'\\'*eachByte)
	return bits.TrailingZeros64(hits) >> 3
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber validates a JSON number at src[i] and returns the index past it.
func scanNumber(src []byte, i int) (int, *scanError) {
	if src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && isDigit(src[i]):
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	default:
		return i, errAt(src, i, "in numeric literal")
	}
	if i < len(src) && src[i] == '.' {
		i++
		if i >= len(src) || !isDigit(src[i]) {
			return i, errAt(src, i, "after decimal point in numeric literal")
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= len(src) || !isDigit(src[i]) {
			return i, errAt(src, i, "in exponent of numeric literal")
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	return i, nil
}

// scanKey scans an object key and the colon after it, appending both.
func scanKey(dst, src []byte, i int) ([]byte, int, *scanError) {
	i = skipSpace(src, i)
	if i >= len(src) || src[i] != '"' {
		return dst, i, errAt(src, i, "looking for beginning of object key string")
	}
	dst, i, err := scanString(dst, src, i)
	if err != nil {
		return dst, i, err
	}
	i = skipSpace(src, i)
	if i >= len(src) || src[i] != ':' {
		return dst, i, errAt(src, i, "after object key")
	}
	return append(dst, ':'), i + 1, nil
}

// compactValue validates the JSON value that starts at or after src[i] and
// appends its compact form (all insignificant white space removed, every
// other byte kept) to dst. It returns the index just past the value.
func compactValue(dst, src []byte, i int) ([]byte, int, *scanError) {
	var stack []byte // open containers: '{' or '['
	var err *scanError
	for {
		// Expecting a value.
		i = skipSpace(src, i)
		if i >= len(src) {
			return dst, i, errAt(src, i, "")
		}
		switch c := src[i]; {
		case c == '{' || c == '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if len(stack) >= maxDepth {
				return dst, i, &scanError{off: i, msg: fmt.Sprintf("exceeded max nesting depth of %d", maxDepth)}
			}
			dst = append(dst, c)
			i = skipSpace(src, i+1)
			if i < len(src) && src[i] == closer {
				dst = append(dst, closer)
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if dst, i, err = scanKey(dst, src, i); err != nil {
					return dst, i, err
				}
			}
			continue
		case c == '"':
			if dst, i, err = scanString(dst, src, i); err != nil {
				return dst, i, err
			}
		case c == '-' || isDigit(c):
			start := i
			if i, err = scanNumber(src, i); err != nil {
				return dst, i, err
			}
			dst = append(dst, src[start:i]...)
		case c == 't' || c == 'f' || c == 'n':
			var lit string
			if lit, err = scanLiteral(src, i); err != nil {
				return dst, i + len(lit), err
			}
			dst = append(dst, lit...)
			i += len(lit)
		default:
			return dst, i, errAt(src, i, "looking for beginning of value")
		}

		// A value is complete: close containers until one wants more.
		for {
			if len(stack) == 0 {
				return dst, i, nil
			}
			i = skipSpace(src, i)
			top := stack[len(stack)-1]
			if i < len(src) && src[i] == ',' {
				dst = append(dst, ',')
				i++
				if top == '{' {
					if dst, i, err = scanKey(dst, src, i); err != nil {
						return dst, i, err
					}
				}
				break
			}
			if i < len(src) && (top == '{' && src[i] == '}' || top == '[' && src[i] == ']') {
				dst = append(dst, src[i])
				i++
				stack = stack[:len(stack)-1]
				continue
			}
			if top == '{' {
				return dst, i, errAt(src, i, "after object key:value pair (missing ',' or '}'?)")
			}
			return dst, i, errAt(src, i, "after array element (missing ',' or ']'?)")
		}
	}
}

// Compact checks raw as SetRaw does (exactly one JSON value, surrounding
// white space allowed, nesting at most 10,000 deep; bytes inside strings
// that are not UTF-8 are kept, as in a data file) and returns
// it without insignificant white space, as the store keeps values. Invalid
// text gives a *SyntaxError with its line and column, so an editor can check
// a value before it stores it and point at the mistake.
func Compact(raw []byte) ([]byte, error) {
	c, serr := compactJSON(raw)
	if serr != nil {
		return nil, serr.syntaxError("", raw)
	}
	return c, nil
}

// compactJSON validates that text is exactly one JSON value (surrounding
// white space allowed) and returns its compact form.
func compactJSON(text []byte) ([]byte, *scanError) {
	dst, i, err := compactValue(make([]byte, 0, len(text)), text, 0)
	if err != nil {
		return nil, err
	}
	if i = skipSpace(text, i); i < len(text) {
		return nil, errAt(text, i, "after top-level value")
	}
	return dst, nil
}

// scanLiteral checks the literal true, false or null that starts at
// src[i], whose first byte is t, f or n. It returns the literal; on a
// mismatch it returns the part that matched and an error at the first
// byte that differs.
func scanLiteral(src []byte, i int) (string, *scanError) {
	lit := "null"
	if src[i] == 't' {
		lit = "true"
	} else if src[i] == 'f' {
		lit = "false"
	}
	for k := 0; k < len(lit); k++ {
		if i+k >= len(src) || src[i+k] != lit[k] {
			return lit[:k], errAt(src, i+k, "in literal "+lit+" (expecting '"+lit[k:k+1]+"')")
		}
	}
	return lit, nil
}
