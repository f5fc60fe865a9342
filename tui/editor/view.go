package editor

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore/termsafe"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// View draws the title, the visible lines with line numbers, the notices
// and the error.
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
	for _, n := range e.notices {
		b.WriteByte('\n')
		b.WriteString(display.Fit(st.Notice.Render(ansi.Truncate(n, e.width, "…")), e.width))
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
// never hides the character under the cursor. Only the runes on screen are
// drawn, so a keystroke on a line of a megabyte costs a scan of its runes,
// not drawing and measuring all of it.
func (e *Model) visiblePart(n int, cursorLine bool, st *Styles) string {
	tw := e.textWidth()
	line := e.buf.lines[n]
	dim := func(s string) string { return st.Dim.Render(s) }
	var b strings.Builder
	x, i := 0, 0
	for ; i < len(line) && x+runeCells(line[i]) <= e.xoff; i++ {
		x += runeCells(line[i])
	}
	cutLeft := e.xoff > 0 && i < len(line)
	if i < len(line) && x < e.xoff {
		// A wide character straddles the left edge: its right part is blank.
		x += runeCells(line[i])
		b.WriteString(strings.Repeat(" ", x-e.xoff))
		i++
	}
	for ; i < len(line) && x+runeCells(line[i]) <= e.xoff+tw; i++ {
		x += runeCells(line[i])
		drawRune(&b, line[i], dim)
	}
	part := display.Fit(b.String(), tw)
	if cursorLine || tw < 3 {
		return part
	}
	more := st.Dim.Render("…")
	if cutLeft {
		part = more + ansi.Cut(part, 1, tw)
	}
	if i < len(line) {
		part = ansi.Cut(part, 0, tw-1) + more
	}
	return part
}

// runeCells is the width in cells of r as the editor draws it: escaped when
// it is unsafe or a byte that is not UTF-8 (see drawRune).
func runeCells(r rune) int {
	switch {
	case r >= 0x20 && r < 0x7f:
		return 1
	case r < 0:
		return len(`\xNN`)
	case termsafe.Unsafe(r):
		return len(display.Escape(string(r)))
	}
	return ansi.StringWidth(string(r))
}

// drawRune writes r as the editor draws it: a safe character as itself; an
// unsafe one as \uXXXX and a byte that is not UTF-8 as \xNN, as the value
// pane shows them, passed through style (nil: left plain).
func drawRune(b *strings.Builder, r rune, style func(string) string) {
	var esc string
	switch {
	case r < 0:
		esc = fmt.Sprintf(`\x%02x`, byte(-r))
	case termsafe.Unsafe(r):
		esc = display.Escape(string(r))
	default:
		b.WriteRune(r)
		return
	}
	if style != nil {
		esc = style(esc)
	}
	b.WriteString(esc)
}

// Cursor returns the terminal cursor, relative to the editor's top left.
func (e *Model) Cursor() *tea.Cursor {
	row, _ := e.buf.Cursor()
	x := e.gutterWidth() + e.cursorX() - e.xoff
	return tea.NewCursor(x, row-e.yoff+1)
}
