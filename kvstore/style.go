package kvstore

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"strings"
)

// fileStyle is the layout of a data file: its indentation unit, line end,
// whether it ends with a line end, whether it starts with a UTF-8 byte
// order mark, and where each of its members lies. A file this store
// creates has the canonical style (two spaces, LF, a final newline, no
// mark, keys sorted). A file another tool wrote keeps its own: a save
// copies what did not change byte for byte and writes the changed members
// in the style detected when the file was read (see splice.go), so that
// changing one value of a 4-space, tab-indented, CRLF or unsorted file
// changes only that value's lines in a diff. New text is laid out as
// encoding/json's MarshalIndent does (a member or element per line,
// `"key": value`, empty containers as {} and []).
type fileStyle struct {
	indent string // one level of indentation
	eol    string // "\n" or "\r\n"
	final  bool   // a line end after the closing brace
	bom    bool   // the file starts with a UTF-8 byte order mark
	// lines is eol followed by the indentation of the deepest indented
	// level; a prefix of it starts each line.
	lines string
	// layout is where the members of the file last read or written lie;
	// nil for a file that does not exist yet.
	layout *fileLayout
}

func newStyle(indent, eol string, final, bom bool) fileStyle {
	return fileStyle{indent: indent, eol: eol, final: final, bom: bom,
		lines: eol + strings.Repeat(indent, maxIndentDepth)}
}

// canonicalStyle is the style of files this store creates.
var canonicalStyle = newStyle("  ", "\n", true, false)

// utf8BOM is the UTF-8 encoding of U+FEFF.
const utf8BOM = "\xef\xbb\xbf"

// WriteCanonical writes entries as the store writes a data file it
// created: one object, a member per line, two-space indentation, LF line
// ends and a final newline. entries must be in ascending key order with
// compact, valid JSON values, as a store's All and Prefix yield them, so
// that exporting a store gives the bytes of the file it would create.
func WriteCanonical(w io.Writer, entries iter.Seq2[string, json.RawMessage]) error {
	scan := func(yield func(string, []byte) bool) {
		for k, v := range entries {
			if !yield(k, v) {
				return
			}
		}
	}
	return encodeEntries(w, scan, 0, &canonicalStyle, nil)
}

// Indent returns raw, compact and valid JSON as a store lays out a value
// in its file: a member or element per line, indented by two spaces,
// empty containers as {} and [], and containers nested deeper than 32
// levels on one line.
func Indent(raw json.RawMessage) []byte {
	return canonicalStyle.appendIndented(nil, raw, 0)
}

// maxIndentColumns is the widest indentation unit a file may teach the
// store, a tab counting as eight columns. A wider one (a file whose first
// member sits 64 KiB to the right) is no one's style, and repeating it at
// every level of a new value would multiply the file's size; new members
// are then indented by two spaces.
const maxIndentColumns = 16

// detectStyle returns the style of a data file's bytes, read before they
// are parsed, and whether the object's members are laid out on lines of
// their own (below its opening brace), which saves keep. The indentation
// is the white space that starts the first line below the opening brace
// that is not blank. A file laid out on one line (as the original library
// wrote them, compact) or an empty one gets the canonical style and is
// rewritten whole at its first save: the store's files are meant to be
// read.
func detectStyle(data []byte) (fileStyle, bool) {
	bom := bytes.HasPrefix(data, []byte(utf8BOM))
	body := bytes.TrimPrefix(data, []byte(utf8BOM))
	nl := bytes.IndexByte(body, '\n')
	if nl < 0 || len(bytes.TrimSpace(body)) == 0 {
		st := canonicalStyle
		if bom {
			st = newStyle(st.indent, st.eol, st.final, true)
		}
		return st, false
	}
	eol := "\n"
	if nl > 0 && body[nl-1] == '\r' {
		eol = "\r\n"
	}
	indent, lined := memberIndent(body)
	if !lined || indentColumns(indent) > maxIndentColumns {
		indent = canonicalStyle.indent
	}
	trimmed := bytes.TrimRight(body, " \t")
	return newStyle(indent, eol, bytes.HasSuffix(trimmed, []byte("\n")), bom), lined
}

// memberIndent returns the white space that starts the first line below
// the object's opening brace that is not blank, and false if there is no
// such line before the closing brace.
func memberIndent(body []byte) (string, bool) {
	open := skipSpace(body, 0)
	if open >= len(body) || body[open] != '{' {
		return "", false
	}
	rest := body[open+1:]
	for {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return "", false
		}
		rest = rest[nl+1:]
		n := 0
		for n < len(rest) && (rest[n] == ' ' || rest[n] == '\t') {
			n++
		}
		switch {
		case n == len(rest) || rest[n] == '}':
			return "", false
		case rest[n] != '\r' && rest[n] != '\n':
			return string(rest[:n]), true
		}
	}
}

// indentColumns is the width of white space, a tab counting as eight.
func indentColumns(indent string) int {
	cols := 0
	for _, c := range []byte(indent) {
		if c == '\t' {
			cols += 8
		} else {
			cols++
		}
	}
	return cols
}

// newline appends a line end and depth levels of indentation.
func (st *fileStyle) newline(dst []byte, depth int) []byte {
	return append(dst, st.lines[:len(st.eol)+len(st.indent)*depth]...)
}

// maxIndentDepth is the deepest level the file indents. Containers nested
// deeper are written compact on one line: indenting costs two bytes per
// level on every line, so a 2 KB value nested 1,000 deep would otherwise
// take 2 MB of file, and the deepest the scanner accepts, 200 MB.
const maxIndentDepth = 32

// containerEnd returns the index just past the container that opens at
// v[i] in compact, valid JSON.
func containerEnd(v []byte, i int) int {
	level := 0
	for ; i < len(v); i++ {
		switch v[i] {
		case '"':
			for i++; v[i] != '"'; i++ {
				if v[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			level++
		case '}', ']':
			level--
			if level == 0 {
				return i + 1
			}
		}
	}
	return len(v)
}

// appendIndented appends compact, valid JSON v laid out in the style, as
// json.Indent(dst, v, prefix, indent) would with prefix being depth levels
// of indentation, but in a single pass with no validation, and compact
// below maxIndentDepth.
func (st *fileStyle) appendIndented(dst, v []byte, depth int) []byte {
	newline := st.newline
	for i := 0; i < len(v); {
		switch c := v[i]; c {
		case '"':
			j := i + 1
			for {
				k := bytes.IndexByte(v[j:], '"')
				j += k
				backslashes := 0
				for b := j - 1; v[b] == '\\'; b-- {
					backslashes++
				}
				j++
				if backslashes%2 == 0 {
					break
				}
			}
			dst = append(dst, v[i:j]...)
			i = j
		case '{', '[':
			if i+1 < len(v) && (v[i+1] == '}' || v[i+1] == ']') {
				dst = append(dst, c, v[i+1])
				i += 2
				continue
			}
			if depth >= maxIndentDepth {
				end := containerEnd(v, i)
				dst = append(dst, v[i:end]...)
				i = end
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
			j := i + 1
			for j < len(v) && v[j] != ',' && v[j] != '}' && v[j] != ']' {
				j++
			}
			dst = append(dst, v[i:j]...)
			i = j
		}
	}
	return dst
}
