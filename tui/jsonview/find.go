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
func (p *Model) NextMatch() bool { return p.moveToMatch(true, true) }

// PrevMatch scrolls to the match before the one moved to last.
func (p *Model) PrevMatch() bool { return p.moveToMatch(false, true) }

// NextMatchOrPrev is NextMatch when forward is set, else PrevMatch.
func (p *Model) NextMatchOrPrev(forward bool) bool { return p.moveToMatch(forward, true) }

// StepMatch scrolls to the match after the one moved to last (before it,
// with forward false), without going round: it reports false at the
// value's last match, where a search across keys goes on to the next key.
func (p *Model) StepMatch(forward bool) bool { return p.moveToMatch(forward, false) }

// EdgeMatch scrolls to the value's first match, or with forward false its
// last, and reports whether it has one.
func (p *Model) EdgeMatch(forward bool) bool {
	if p.find.Empty() || !p.ready() {
		return false
	}
	var pos position
	var ok bool
	if forward {
		pos, ok = p.matchAfter(position{line: 0, at: -1}, false)
	} else {
		pos, ok = p.matchBefore(position{line: len(p.lines) - 1, at: p.lines[len(p.lines)-1].width + 1}, false)
	}
	if ok {
		p.current = &pos
		p.scrollTo(pos)
	}
	return ok
}

// MatchCount returns the number of the match moved to last, from 1 (0 when
// none was), and how many matches the value holds.
func (p *Model) MatchCount() (at, total int) {
	if p.find.Empty() || !p.ready() {
		return 0, 0
	}
	for li := range p.lines {
		text := lineText(&p.lines[li], 0, p.lines[li].width)
		for s, e := p.find.Index(text, 0); s >= 0; s, e = p.find.Index(text, e) {
			total++
			if p.current != nil && p.current.line == li && p.current.at == s {
				at = total
			}
		}
	}
	return at, total
}

func (p *Model) moveToMatch(forward, round bool) bool {
	if p.find.Empty() || !p.ready() {
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
		pos, ok = p.matchAfter(*from, round)
	} else {
		pos, ok = p.matchBefore(*from, round)
	}
	if !ok {
		return false
	}
	p.current = &pos
	p.scrollTo(pos)
	return true
}

// matchAfter returns the first match that starts after from, going round
// at the end when round is set.
func (p *Model) matchAfter(from position, round bool) (position, bool) {
	n := len(p.lines)
	for i := 0; i <= n; i++ {
		li := from.line + i
		if li >= n && !round {
			break
		}
		li %= n
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

// matchBefore returns the last match that starts before from, going round
// at the start when round is set.
func (p *Model) matchBefore(from position, round bool) (position, bool) {
	n := len(p.lines)
	for i := 0; i <= n; i++ {
		li := from.line - i
		if li < 0 && !round {
			break
		}
		li = (li%n + n) % n
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
