package editor

import (
	"slices"
	"strings"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
)

// indentUnit is one level of indentation, as the editor lays values out
// (jsonview.Pretty) and as the store writes its file.
const indentUnit = "  "

// newline splits the line at the cursor the way JSON is laid out: the new
// line keeps the indentation of the current one, one level more after an
// opening { or [, and the blanks that followed the cursor are dropped. Between
// a bracket and its closing partner ({|}) the closing one goes to a line of
// its own, so the cursor lands on an empty, indented line between them.
func (b *textBuffer) newline() {
	line := b.lines[b.row]
	before, after := line[:b.col], line[b.col:]
	indent := leadingBlanks(before)
	if len(indent) == len(before) {
		// Within the indentation: open a line above, and the line
		// keeps its indentation.
		b.Insert("\n" + string(before))
		return
	}
	opener := lastNonBlank(before)
	skip := len(leadingBlanks(after))
	closer := rune(0)
	if skip < len(after) {
		closer = after[skip]
	}
	inner := string(indent)
	if opener == '{' || opener == '[' {
		inner += indentUnit
	}
	// Drop the blanks after the cursor, then type the line break.
	b.lines[b.row] = append(line[:b.col:b.col], after[skip:]...)
	b.Insert("\n" + inner)
	if (opener == '{' && closer == '}') || (opener == '[' && closer == ']') {
		row, col := b.row, b.col
		b.Insert("\n" + string(indent))
		b.row, b.col, b.goal = row, col, col
	}
}

// typeCloser types a closing bracket. On a line that is blank up to the
// cursor, the bracket goes under the line that opened it: that line's
// indentation replaces the blanks, so after "a": [1, and 2 on lines of
// their own the ] lines up with "a". Without an open bracket before it,
// one level of indentation goes.
func (b *textBuffer) typeCloser(r rune) {
	before := b.lines[b.row][:b.col]
	if len(leadingBlanks(before)) == len(before) {
		if row, ok := b.openerRow(); ok {
			indent := slices.Clone(leadingBlanks(b.lines[row]))
			b.lines[b.row] = append(indent, b.lines[b.row][b.col:]...)
			b.col, b.goal = len(indent), len(indent)
		} else if strings.HasSuffix(string(before), indentUnit) {
			for range len(indentUnit) {
				b.Backspace()
			}
		}
	}
	b.Insert(string(r))
}

// openerRow returns the line of the innermost bracket still open before
// the cursor, reading the text from its start so that brackets inside
// strings do not count.
func (b *textBuffer) openerRow() (int, bool) {
	var open []int // the rows of the open brackets
	inString, escaped := false, false
	for row := 0; row <= b.row; row++ {
		line := b.lines[row]
		if row == b.row {
			line = line[:b.col]
		}
		for _, c := range line {
			switch {
			case escaped:
				escaped = false
			case inString && c == '\\':
				escaped = true
			case c == '"':
				inString = !inString
			case inString:
			case c == '{' || c == '[':
				open = append(open, row)
			case (c == '}' || c == ']') && len(open) > 0:
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) == 0 {
		return 0, false
	}
	return open[len(open)-1], true
}

// leadingBlanks returns the spaces and tabs that begin line.
func leadingBlanks(line []rune) []rune {
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return line[:n]
}

// lastNonBlank returns the last rune of line that is not a space or a tab,
// or 0.
func lastNonBlank(line []rune) rune {
	for i := len(line) - 1; i >= 0; i-- {
		if line[i] != ' ' && line[i] != '\t' {
			return line[i]
		}
	}
	return 0
}

// Format lays the text out again as the editor opens values: two spaces a
// level, one member or item a line. Text that is not valid JSON is left
// exactly as it is, and the error, with its line and column, is returned
// and shown as an apply's would be. The cursor stays on its line, at the
// line's first character.
func (e *Model) Format() error {
	text := e.Text()
	c, err := kvstore.Compact([]byte(text))
	if err != nil {
		e.SetError(err)
		return err
	}
	e.ClearError()
	pretty := jsonview.Pretty(c)
	if pretty == text {
		return nil
	}
	row, _ := e.buf.Cursor()
	e.buf = newTextBuffer(pretty)
	e.buf.SetCursor(row, 0) // clamped to the new text's lines
	row, _ = e.buf.Cursor()
	e.buf.SetCursor(row, len(leadingBlanks(e.buf.lines[row])))
	e.changed = !e.buf.Equal(e.original)
	e.scrollToCursor()
	return nil
}
