package tui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
)

// diffLine is one line of the difference between two values: in both
// (kind ' '), only in mine ('-') or only in theirs ('+').
type diffLine struct {
	kind byte
	text string // escaped for display
}

// maxDiffLines bounds the lines compared line by line: the comparison
// costs their product. Past it the rest of each value is shown whole, as
// differing.
const maxDiffLines = 1000

// valueDiff compares two values pretty-printed, line by line, so that the
// field that differs in a large object is marked rather than cut off. nil
// is a deleted key.
func valueDiff(mine, theirs json.RawMessage) []diffLine {
	a, b := diffSide(mine), diffSide(theirs)
	na, nb := min(len(a), maxDiffLines), min(len(b), maxDiffLines)
	// lcs[i][j] is the length of the longest common subsequence of a[i:na]
	// and b[j:nb].
	lcs := make([][]int32, na+1)
	for i := range lcs {
		lcs[i] = make([]int32, nb+1)
	}
	for i := na - 1; i >= 0; i-- {
		for j := nb - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < na && j < nb {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{' ', a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{'-', a[i]})
			i++
		default:
			out = append(out, diffLine{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, diffLine{'-', a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, diffLine{'+', b[j]})
	}
	return out
}

// diffSide is one side of a diff: the value's lines, escaped.
func diffSide(raw json.RawMessage) []string {
	if raw == nil {
		return []string{"(deleted)"}
	}
	lines := strings.Split(jsonview.Pretty(raw), "\n")
	for i, l := range lines {
		lines[i] = display.Escape(l)
	}
	return lines
}

// firstChange is the index of the first line that differs, or 0.
func firstChange(d []diffLine) int {
	for i, l := range d {
		if l.kind != ' ' {
			return i
		}
	}
	return 0
}

// diffPane is a diff shown in a few rows: from one line before its first
// difference at first, then where the user scrolls it, so that every
// difference of a long value can be read before choosing.
type diffPane struct {
	lines []diffLine
	top   int // the first line shown, before clamping to the rows drawn
}

func newDiffPane(d []diffLine) diffPane {
	return diffPane{lines: d, top: max(firstChange(d)-1, 0)}
}

// start is the first line shown in rows rows: top, but never so far down
// that the last rows are left empty.
func (p *diffPane) start(rows int) int {
	return max(min(p.top, len(p.lines)-rows), 0)
}

// scroll moves the diff by pages of rows rows, down when pages > 0.
func (p *diffPane) scroll(pages, rows int) {
	p.top = p.start(rows) + pages*max(rows-1, 1)
	p.top = p.start(rows)
}

// overflows reports whether the diff has more lines than rows: whether
// scrolling it shows more.
func (p *diffPane) overflows(rows int) bool { return len(p.lines) > rows }

// appendDiff appends to rows a title rule naming what is compared (and,
// when the diff does not fit, which of its lines are shown), then the lines
// of p from where it is scrolled, marked and coloured - and +, until rows
// holds limit rows; each row fits width w.
func appendDiff(rows []string, st *Styles, title string, p *diffPane, w, limit int) []string {
	n := max(limit-len(rows)-1, 0)
	from := p.start(n)
	if p.overflows(n) {
		title += fmt.Sprintf("  %d-%d/%d", from+1, min(from+n, len(p.lines)), len(p.lines))
	}
	rule := "─ " + title + " "
	rule += strings.Repeat("─", max(w-ansi.StringWidth(rule), 0))
	rows = append(rows, display.Fit(st.Dim.Render(ansi.Truncate(rule, w, "")), w))
	for _, l := range p.lines[from:] {
		if len(rows) >= limit {
			break
		}
		line := string(l.kind) + " " + l.text
		switch l.kind {
		case '-':
			line = st.StatusDirty.Render(line)
		case '+':
			line = st.StatusSaved.Render(line)
		}
		rows = append(rows, display.Fit(line, w))
	}
	return rows
}
