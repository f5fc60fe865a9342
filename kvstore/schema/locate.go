package schema

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Locate returns the byte offset in the JSON text of the value that the
// JSON Pointer pointer (RFC 6901; "" is the whole value) names, so that an
// editor can take the cursor to a violation. ok is false when the text is
// not JSON or holds nothing there.
func Locate(text []byte, pointer string) (offset int, ok bool) {
	if pointer != "" && !strings.HasPrefix(pointer, "/") {
		return 0, false
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	var tokens []string
	if pointer != "" {
		tokens = strings.Split(pointer[1:], "/")
	}
	for _, raw := range tokens {
		token := strings.NewReplacer("~1", "/", "~0", "~").Replace(raw)
		open, err := dec.Token()
		if err != nil {
			return 0, false
		}
		delim, isDelim := open.(json.Delim)
		switch {
		case isDelim && delim == '{':
			if !findMember(dec, token) {
				return 0, false
			}
		case isDelim && delim == '[':
			n, err := strconv.Atoi(token)
			if err != nil || n < 0 || !skipElements(dec, n) {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	return valueStart(text, int(dec.InputOffset()))
}

// findMember reads an object's members up to the one named name, leaving
// the decoder before its value.
func findMember(dec *json.Decoder, name string) bool {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if tok == name {
			return true
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// skipElements reads n elements of an array, leaving the decoder before
// the next, which must exist.
func skipElements(dec *json.Decoder, n int) bool {
	for range n {
		if !dec.More() {
			return false
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return dec.More()
}

// valueStart returns the offset of the first byte of the value at or after
// off: past white space and the separators a decoder leaves unread.
func valueStart(text []byte, off int) (int, bool) {
	for off < len(text) {
		switch text[off] {
		case ' ', '\t', '\n', '\r', ':', ',':
			off++
		default:
			return off, true
		}
	}
	return 0, false
}
