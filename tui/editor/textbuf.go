package editor

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textBuffer is the editor's text: lines of runes and a cursor. It stores
// exactly what it is given and what is typed, byte for byte: no tab
// expansion, no dropped characters, no line limit, so String returns the
// text unchanged until the user changes it. A byte that is not UTF-8 is kept
// as a rune of its own (see toRunes), so it survives the round trip and is
// edited as one character.
type textBuffer struct {
	lines [][]rune
	row   int
	col   int // cursor column in runes
	goal  int // column that vertical moves aim for
}

func newTextBuffer(s string) textBuffer {
	parts := strings.Split(s, "\n")
	lines := make([][]rune, len(parts))
	for i, p := range parts {
		lines[i] = toRunes(p)
	}
	return textBuffer{lines: lines}
}

// toRunes decodes s into runes, keeping each byte that is not UTF-8 as the
// negative rune -b. No decoded character is negative, so the two cannot be
// confused; converting with []rune(s) would turn those bytes into U+FFFD,
// and an edit that changed nothing would change the value.
func toRunes(s string) []rune {
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = rawByte(s[i])
		}
		out = append(out, r)
		i += size
	}
	return out
}

// rawByte is the rune that keeps b, a byte that is not UTF-8.
func rawByte(b byte) rune { return -rune(b) }

// appendRunes appends the text of rs to buf, writing kept bytes as they
// were.
func appendRunes(buf []byte, rs []rune) []byte {
	for _, r := range rs {
		if r < 0 {
			buf = append(buf, byte(-r))
			continue
		}
		buf = utf8.AppendRune(buf, r)
	}
	return buf
}

// String returns the text.
func (b *textBuffer) String() string {
	var buf []byte
	for i, l := range b.lines {
		if i > 0 {
			buf = append(buf, '\n')
		}
		buf = appendRunes(buf, l)
	}
	return string(buf)
}

// Equal reports whether the text is s, without building the text: an edit
// near the start of a long line is told apart at once.
func (b *textBuffer) Equal(s string) bool {
	var enc [utf8.UTFMax]byte
	for i, l := range b.lines {
		if i > 0 {
			if s == "" || s[0] != '\n' {
				return false
			}
			s = s[1:]
		}
		for _, r := range l {
			if r < utf8.RuneSelf {
				// ASCII, or a kept byte.
				c := byte(r)
				if r < 0 {
					c = byte(-r)
				}
				if s == "" || s[0] != c {
					return false
				}
				s = s[1:]
				continue
			}
			n := utf8.EncodeRune(enc[:], r)
			if len(s) < n || s[:n] != string(enc[:n]) {
				return false
			}
			s = s[n:]
		}
	}
	return s == ""
}

// LineCount returns the number of lines.
func (b *textBuffer) LineCount() int { return len(b.lines) }

// Cursor returns the cursor's line and column, both 0-based, in runes.
func (b *textBuffer) Cursor() (row, col int) { return b.row, b.col }

// SetCursor moves the cursor to row and col, clamped to the text.
func (b *textBuffer) SetCursor(row, col int) {
	b.row = min(max(row, 0), len(b.lines)-1)
	b.col = min(max(col, 0), len(b.lines[b.row]))
	b.goal = b.col
}

// Insert types s at the cursor; newlines in s split the line.
func (b *textBuffer) Insert(s string) {
	parts := strings.Split(s, "\n")
	line := b.lines[b.row]
	typed := toRunes(parts[0])
	if len(parts) == 1 {
		// In place: one move of the rest of the line, which matters on a
		// line of a million runes.
		b.lines[b.row] = slices.Insert(line, b.col, typed...)
		b.col += len(typed)
		b.goal = b.col
		return
	}
	tail := append([]rune(nil), line[b.col:]...)
	first := append(line[:b.col:b.col], typed...)
	added := make([][]rune, 0, len(parts)-1)
	for _, p := range parts[1:] {
		added = append(added, toRunes(p))
	}
	last := added[len(added)-1]
	newCol := len(last)
	added[len(added)-1] = append(last, tail...)
	b.lines[b.row] = first
	b.lines = append(b.lines[:b.row+1], append(added, b.lines[b.row+1:]...)...)
	b.row += len(added)
	b.col, b.goal = newCol, newCol
}

// Backspace deletes the rune before the cursor, joining lines at a line start.
func (b *textBuffer) Backspace() {
	switch {
	case b.col > 0:
		l := b.lines[b.row]
		b.lines[b.row] = append(l[:b.col-1], l[b.col:]...)
		b.col--
	case b.row > 0:
		prev := b.lines[b.row-1]
		b.col = len(prev)
		b.lines[b.row-1] = append(prev, b.lines[b.row]...)
		b.lines = append(b.lines[:b.row], b.lines[b.row+1:]...)
		b.row--
	}
	b.goal = b.col
}

// Delete deletes the rune under the cursor, joining lines at a line end.
func (b *textBuffer) Delete() {
	l := b.lines[b.row]
	switch {
	case b.col < len(l):
		b.lines[b.row] = append(l[:b.col], l[b.col+1:]...)
	case b.row < len(b.lines)-1:
		b.lines[b.row] = append(l, b.lines[b.row+1]...)
		b.lines = append(b.lines[:b.row+1], b.lines[b.row+2:]...)
	}
}

// DeleteWordBack deletes from the start of the word before the cursor to
// the cursor.
func (b *textBuffer) DeleteWordBack() {
	if b.col == 0 {
		b.Backspace()
		return
	}
	start := b.wordStart()
	l := b.lines[b.row]
	b.lines[b.row] = append(l[:start], l[b.col:]...)
	b.col, b.goal = start, start
}

// KillToEnd deletes from the cursor to the end of the line, or joins the
// next line when the cursor is already at the end.
func (b *textBuffer) KillToEnd() {
	if b.col >= len(b.lines[b.row]) {
		b.Delete()
		return
	}
	b.lines[b.row] = b.lines[b.row][:b.col]
}

// KillToStart deletes from the start of the line to the cursor.
func (b *textBuffer) KillToStart() {
	b.lines[b.row] = append([]rune(nil), b.lines[b.row][b.col:]...)
	b.col, b.goal = 0, 0
}

// Left moves one rune back, to the end of the previous line at a line start.
func (b *textBuffer) Left() {
	switch {
	case b.col > 0:
		b.col--
	case b.row > 0:
		b.row--
		b.col = len(b.lines[b.row])
	}
	b.goal = b.col
}

// Right moves one rune on, to the start of the next line at a line end.
func (b *textBuffer) Right() {
	switch {
	case b.col < len(b.lines[b.row]):
		b.col++
	case b.row < len(b.lines)-1:
		b.row++
		b.col = 0
	}
	b.goal = b.col
}

// LineBy moves n lines down (up when negative), aiming for the goal column.
func (b *textBuffer) LineBy(n int) {
	b.row = min(max(b.row+n, 0), len(b.lines)-1)
	b.col = min(b.goal, len(b.lines[b.row]))
}

// Home and End move to the start and end of the line.
func (b *textBuffer) Home() { b.col, b.goal = 0, 0 }
func (b *textBuffer) End()  { b.col = len(b.lines[b.row]); b.goal = b.col }

// Begin and Finish move to the start and end of the text.
func (b *textBuffer) Begin() { b.row, b.col, b.goal = 0, 0, 0 }
func (b *textBuffer) Finish() {
	b.row = len(b.lines) - 1
	b.End()
}

// WordLeft moves to the start of the previous word.
func (b *textBuffer) WordLeft() {
	if b.col == 0 {
		b.Left()
		return
	}
	b.col = b.wordStart()
	b.goal = b.col
}

// WordRight moves past the end of the next word.
func (b *textBuffer) WordRight() {
	l := b.lines[b.row]
	if b.col >= len(l) {
		b.Right()
		return
	}
	i := b.col
	for i < len(l) && !isWordRune(l[i]) {
		i++
	}
	for i < len(l) && isWordRune(l[i]) {
		i++
	}
	b.col, b.goal = i, i
}

func (b *textBuffer) wordStart() int {
	l := b.lines[b.row]
	i := b.col
	for i > 0 && !isWordRune(l[i-1]) {
		i--
	}
	for i > 0 && isWordRune(l[i-1]) {
		i--
	}
	return i
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
