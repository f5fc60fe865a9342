package jsonview

import (
	"sort"
	"strings"

	"github.com/kvstore-dev/kvstore/tui/internal/textmatch"
)

// A find in values marks its matches in the pane and moves between them.
// Matches are looked for in the text as shown, line by line, and only in
// the rows drawn, so marking them costs nothing for the rows off screen.

// position is a place in the laid-out value: a line and a byte offset in
// its text.
type position struct{ line, at int }

// SetFind marks the matches of query (smart case, see textmatch); "" marks
// none. A new query forgets the match moved to.
func (p *Model) SetFind(query string) {
	if query == p.find.Text() {
		return
	}
	p.find = textmatch.New(query)
	p.current = nil
}

// Finding reports whether the pane marks matches, so n and N move between
// them.
func (p *Model) Finding() bool { return !p.find.Empty() }

// NextMatch scrolls to the next match after the one moved to last, or after
// the top of the pane, going round at the end; PrevMatch goes the other
// way. They report whether the value has a match.
func (p *Model) NextMatch() bool { return p.moveToMatch(true) }

// PrevMatch scrolls to the match before the one moved to last.
func (p *Model) PrevMatch() bool { return p.moveToMatch(false) }

func (p *Model) moveToMatch(forward bool) bool {
	if p.find.Empty() || len(p.rows) == 0 {
		return false
	}
	from := p.current
	if from == nil {
		top := p.rows[p.offset]
		// Before the top row, so that a match on it is the next one.
		from = &position{line: top.line, at: top.from - 1}
	}
	var pos position
	var ok bool
	if forward {
		pos, ok = p.matchAfter(*from)
	} else {
		pos, ok = p.matchBefore(*from)
	}
	if !ok {
		return false
	}
	p.current = &pos
	p.scrollTo(pos)
	return true
}

// matchAfter returns the first match that starts after from, going round.
func (p *Model) matchAfter(from position) (position, bool) {
	n := len(p.lines)
	for i := 0; i <= n; i++ {
		li := (from.line + i) % n
		start := 0
		if i == 0 {
			start = max(from.at+1, 0)
		}
		if at, _ := p.find.Index(lineText(&p.lines[li], 0, p.lines[li].width), start); at >= 0 {
			return position{li, at}, true
		}
	}
	return position{}, false
}

// matchBefore returns the last match that starts before from, going round.
func (p *Model) matchBefore(from position) (position, bool) {
	n := len(p.lines)
	for i := 0; i <= n; i++ {
		li := ((from.line-i)%n + n) % n
		text := lineText(&p.lines[li], 0, p.lines[li].width)
		last := -1
		for at, end := p.find.Index(text, 0); at >= 0; at, end = p.find.Index(text, end) {
			if i == 0 && at >= from.at {
				break
			}
			last = at
		}
		if last >= 0 {
			return position{li, last}, true
		}
	}
	return position{}, false
}

// scrollTo puts the row holding pos on screen, a third of the way down
// when it was off screen, so the lines before it give context.
func (p *Model) scrollTo(pos position) {
	// A match inside a fold opens it, and the cursor goes to its line,
	// so y and p act on what n found.
	p.reveal(pos.line)
	row := sort.Search(len(p.rows), func(i int) bool {
		r := p.rows[i]
		return r.line > pos.line || (r.line == pos.line && r.to > pos.at)
	})
	p.cursor, p.sub = pos.line, row-p.rowOf(pos.line)
	if row >= p.offset && row < p.offset+p.height {
		return
	}
	p.offset = row - p.height/3
	p.clamp()
}

// lineText returns the text of l between the byte offsets from and to.
func lineText(l *jsonLine, from, to int) string {
	var b strings.Builder
	for _, t := range l.tokens {
		end := t.start + len(t.text)
		if end <= from || t.start >= to {
			continue
		}
		b.WriteString(t.text[max(from, t.start)-t.start : min(to, end)-t.start])
	}
	return b.String()
}

// rowMatches returns the parts of row r of l that are in a match, as byte
// ranges of the line, in order. A match may cross the row's edges, so the
// text around the row is searched too, as far as a match can reach.
func (p *Model) rowMatches(l *jsonLine, r visualRow) [][2]int {
	if p.find.Empty() {
		return nil
	}
	reach := len(p.find.Text()) - 1
	from, to := max(r.from-reach, 0), min(r.to+reach, l.width)
	text := lineText(l, from, to)
	var out [][2]int
	for at, end := p.find.Index(text, 0); at >= 0; at, end = p.find.Index(text, end) {
		lo, hi := max(from+at, r.from), min(from+end, r.to)
		if lo < hi {
			out = append(out, [2]int{lo, hi})
		}
	}
	return out
}
