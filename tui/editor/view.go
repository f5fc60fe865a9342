package editor

import (
	"fmt"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// View draws the title, the visible lines with line numbers, and the error.
func (e *Model) View(st *Styles) string {
	var b strings.Builder
	state := ""
	if e.Changed() {
		state = " (modified)"
	}
	row, col := e.buf.Cursor()
	verb := "Editing"
	if e.isNew {
		verb = "New key"
	}
	title := fmt.Sprintf("%s %s%s  %d:%d", verb, display.KeyLabel(e.key), state, row+1, col+1)
	b.WriteString(display.Fit(st.Title.Render(title), e.width))
	gw := e.gutterWidth()
	for i := range e.textHeight() {
		b.WriteByte('\n')
		n := e.yoff + i
		if n >= e.buf.LineCount() {
			b.WriteString(display.Fit(st.Dim.Render(strings.Repeat(" ", gw-2)+"~"), e.width))
			continue
		}
		num := fmt.Sprintf("%*d │ ", gw-3, n+1)
		b.WriteString(st.Dim.Render(num) + e.visiblePart(n, n == row, st))
	}
	if e.errMsg != "" {
		for _, row := range e.errorRows() {
			b.WriteByte('\n')
			b.WriteString(display.Fit(st.Error.Render(row), e.width))
		}
		if e.errLine != "" {
			line, caret := e.errLine, e.errCol
			// Keep the caret on screen when the line is wider than the pane.
			if shift := caret - (e.width - 4); shift > 0 {
				line = ansi.TruncateLeft(line, shift+1, "…")
				caret -= shift
			}
			b.WriteByte('\n')
			b.WriteString(display.Fit("  "+line, e.width))
			b.WriteByte('\n')
			b.WriteString(display.Fit("  "+strings.Repeat(" ", caret)+st.Error.Render("^"), e.width))
		}
	}
	return b.String()
}

// visiblePart returns the columns of line n on screen, exactly the text
// width wide. Other lines than the cursor's are marked with … where they
// continue past either edge; the cursor's line is left whole so the marker
// never hides the character under the cursor.
func (e *Model) visiblePart(n int, cursorLine bool, st *Styles) string {
	tw := e.textWidth()
	full := e.styledLine(n, st)
	part := display.Fit(ansi.Cut(full, e.xoff, e.xoff+tw), tw)
	if cursorLine || tw < 3 {
		return part
	}
	more := st.Dim.Render("…")
	if e.xoff > 0 && ansi.StringWidth(full) > e.xoff {
		part = more + ansi.Cut(part, 1, tw)
	}
	if ansi.StringWidth(full) > e.xoff+tw {
		part = ansi.Cut(part, 0, tw-1) + more
	}
	return part
}

// styledLine returns line n with unsafe characters and bytes that are not
// UTF-8 escaped (\uXXXX, \xNN, as the value pane shows them) and dimmed.
func (e *Model) styledLine(n int, st *Styles) string {
	return shown(e.buf.lines[n], func(s string) string { return st.Dim.Render(s) })
}

// shown returns rs as the editor draws it: safe characters as themselves,
// and the rest escaped and passed through style (nil: left plain).
func shown(rs []rune, style func(string) string) string {
	s := string(appendRunes(nil, rs))
	if !display.HasUnsafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		if c := s[i : i+size]; display.HasUnsafe(c) {
			if style != nil {
				b.WriteString(style(display.Escape(c)))
			} else {
				b.WriteString(display.Escape(c))
			}
		} else {
			b.WriteString(c)
		}
		i += size
	}
	return b.String()
}

// Cursor returns the terminal cursor, relative to the editor's top left.
func (e *Model) Cursor() *tea.Cursor {
	row, _ := e.buf.Cursor()
	x := e.gutterWidth() + e.cursorX() - e.xoff
	return tea.NewCursor(x, row-e.yoff+1)
}
