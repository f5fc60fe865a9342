package kvstore

// The data file's object: walking its members, and decoding and quoting
// its keys byte for byte. The values are jsonscan.go's.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeKey turns a quoted JSON string, as scanString accepted it, into a
// Go string holding the same bytes: escapes are decoded and every other
// byte is kept, bytes that are not UTF-8 included, so that a save writes
// the key back as it was (appendQuoted copies such bytes). It refuses a key
// with a \u escape of a lone UTF-16 surrogate, which encoding/json would
// turn into U+FFFD and no Go string can hold, rather than change it.
func decodeKey(quoted []byte) (string, bool) {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	b := make([]byte, 0, len(inner))
	for i := 0; i < len(inner); {
		c := inner[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		e := inner[i+1]
		if e != 'u' {
			b = append(b, unescaped[e])
			i += 2
			continue
		}
		r := hexRune(inner[i+2 : i+6])
		i += 6
		if utf16.IsSurrogate(r) {
			if i+6 > len(inner) || inner[i] != '\\' || inner[i+1] != 'u' {
				return "", false
			}
			if r = utf16.DecodeRune(r, hexRune(inner[i+2:i+6])); r == utf8.RuneError {
				return "", false
			}
			i += 6
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b), true
}

// unescaped maps the letter of a one-letter JSON escape to its byte.
var unescaped = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hexRune decodes the four hex digits of a \u escape.
func hexRune(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// parseObject scans a whole data file: an object whose members become
// entries. Empty or all-white-space input is an empty object. Compact values
// are appended to arena, so loading costs one allocation per key (its
// string) and none per value. arena may be src[:0]: compaction only ever
// drops bytes, so it writes behind the point it reads, and the values then
// share src's memory. Error offsets are offsets into src, whose bytes before
// the offset such an in-place scan has overwritten. visit gets each member's
// key, the offsets in src of its key and of the byte just past its value,
// and its compact value.
func parseObject(src, arena []byte, visit func(key string, keyOff, end int, value []byte) *scanError) *scanError {
	return walkObject(src, func(keyOff, keyEnd int) (int, *scanError) {
		key, ok := decodeKey(src[keyOff:keyEnd])
		if !ok {
			return keyOff, errKeyEncoding(keyOff)
		}
		i, err := scanColon(src, keyEnd)
		if err != nil {
			return i, err
		}
		start := len(arena)
		if arena, i, err = compactValue(arena, src, i); err != nil {
			return i, err
		}
		return i, visit(key, keyOff, i, arena[start:len(arena):len(arena)])
	})
}

// memberFunc checks one member of a data file's object after its key
// string, which starts at src[keyOff] and ends just before src[keyEnd]: the
// key's decoding, the colon and the value. It returns the offset past the
// value, or the member's error, which ends the walk.
type memberFunc func(keyOff, keyEnd int) (int, *scanError)

// walkObject checks the frame of a data file: an optional byte order mark,
// then one object, or nothing but white space. For each member it scans
// the key string and calls member with the offsets of the key's opening
// quote and of the byte past its closing one. The first error in the text
// is the one returned, so every reader of the file reports a fault at the
// same line and column.
func walkObject(src []byte, member memberFunc) *scanError {
	_, err := walkObjectUntil(src, -1, member)
	return err
}

// walkObjectUntil is walkObject that stops, with stopped true and no error,
// where walkMembers with stop would.
func walkObjectUntil(src []byte, stop int, member memberFunc) (stopped bool, err *scanError) {
	i := 0
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) { // UTF-8 byte order mark
		i = 3
	}
	i = skipSpace(src, i)
	if i >= len(src) {
		return false, nil
	}
	if src[i] != '{' {
		kind := "value"
		switch c := src[i]; {
		case c == '[':
			kind = "an array"
		case c == '"':
			kind = "a string"
		case c == '-' || isDigit(c):
			kind = "a number"
		case c == 't' || c == 'f':
			kind = "a boolean"
		case c == 'n':
			kind = "null"
		default:
			return false, errAt(src, i, "looking for beginning of object")
		}
		return false, &scanError{off: i, msg: "the top-level value is " + kind + "; a store file must hold a JSON object"}
	}
	i = skipSpace(src, i+1)
	if i < len(src) && src[i] == '}' {
		return false, afterObject(src, i+1)
	}
	return walkMembers(src, i, stop, member)
}

// walkMembers walks the data file's members from src[i], a place where a
// member's key is due (past the object's '{', or past a ',' between two
// members), to the end of the file, as walkObject does. If the next key
// would start at src[stop], it stops there instead, with stopped true: a
// walk that starts at stop from the same place goes on exactly as this
// one would, which is what lets findMember check the parts of a file on
// several cores at once.
func walkMembers(src []byte, i, stop int, member memberFunc) (stopped bool, err *scanError) {
	for {
		i = skipSpace(src, i)
		if i == stop {
			return true, nil
		}
		if i >= len(src) || src[i] != '"' {
			return false, errAt(src, i, "looking for beginning of object key string")
		}
		keyOff := i
		var keyEnd int
		if keyEnd, err = stringEnd(src, i); err != nil {
			return false, err
		}
		if i, err = member(keyOff, keyEnd); err != nil {
			return false, err
		}
		i = skipSpace(src, i)
		if i < len(src) && src[i] == ',' {
			i++
			continue
		}
		if i < len(src) && src[i] == '}' {
			return false, afterObject(src, i+1)
		}
		return false, errAt(src, i, "after object key:value pair (missing ',' or '}'?)")
	}
}

// afterObject checks that nothing but white space follows the top-level
// object, which ends just before src[i].
func afterObject(src []byte, i int) *scanError {
	if i = skipSpace(src, i); i < len(src) {
		return errAt(src, i, "after the top-level object")
	}
	return nil
}

// errKeyEncoding is the error for the key string at off that decodeKey
// refuses: one with a lone surrogate escape.
func errKeyEncoding(off int) *scanError {
	return &scanError{off: off, msg: "object key holds a \\u escape of a lone UTF-16 surrogate, which no key can keep"}
}

// scanColon checks for the colon after an object key, which ends at
// src[i], and returns the offset past it.
func scanColon(src []byte, i int) (int, *scanError) {
	i = skipSpace(src, i)
	if i >= len(src) || src[i] != ':' {
		return i, errAt(src, i, "after object key")
	}
	return i + 1, nil
}

// Members parses text as Open parses a data file, one JSON object, and
// returns its members, each value compact. Unlike encoding/json it keeps
// the bytes of keys and values that are not UTF-8, so that what the
// command line exports from such a file imports unchanged. Invalid text,
// or a key given twice, is a *SyntaxError with the line and column.
func Members(text []byte) (map[string]json.RawMessage, error) {
	members := map[string]json.RawMessage{}
	serr := parseObject(text, nil, func(key string, keyOff, _ int, value []byte) *scanError {
		if _, dup := members[key]; dup {
			return &scanError{off: keyOff, msg: fmt.Sprintf("duplicate key %q", key)}
		}
		members[key] = value
		return nil
	})
	if serr != nil {
		return nil, serr.syntaxError("", text)
	}
	return members, nil
}

// appendQuoted appends s as a JSON string. Unlike encoding/json it does not
// escape <, > and &, so keys stay readable; control characters and the
// JavaScript line separators are escaped.
func appendQuoted(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != '\u2028' && r != '\u2029' {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hex[r&0xf])
			i += size
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
