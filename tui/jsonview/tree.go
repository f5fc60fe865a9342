package jsonview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// The value as a tree: the focused pane has a cursor on a line, the node
// that line shows can fold to one line, and its path and text can be
// copied. Layout already records each line's place in the tree (see
// jsonLine), so none of this parses the value again; a fold replaces only
// the rows of the folded node, so it costs the size of that node, not of
// the value.

// summary returns the one line a folded container shows: its opening line,
// an ellipsis, its closing line and its size, as in `"tags": […] 40 items,`.
func summary(lines []jsonLine, li int) jsonLine {
	open, close := &lines[li], &lines[lines[li].end]
	s := jsonLine{depth: open.depth, node: open.node, parent: open.parent}
	for _, t := range open.tokens {
		s.add(t.kind, t.text)
	}
	s.add(tokPunct, "…")
	s.add(tokPunct, close.tokens[0].text)
	noun := "key"
	if close.tokens[0].text == "]" {
		noun = "item"
	}
	s.add(tokSummary, " "+display.Plural(int(open.size), noun))
	for _, t := range close.tokens[1:] {
		s.add(t.kind, t.text)
	}
	return s
}

// shown returns line li as drawn: the summary when it is folded.
func (p *Model) shown(li int) jsonLine {
	if p.isFolded(li) {
		return summary(p.lines, li)
	}
	return p.lines[li]
}

func (p *Model) isFolded(li int) bool { return li < len(p.folded) && p.folded[li] }

// rowOf returns the first row of line li, or of the first line shown after
// it when li is inside a fold.
func (p *Model) rowOf(li int) int {
	return sort.Search(len(p.rows), func(i int) bool { return p.rows[i].line >= li })
}

// ready reports whether the tree can be used: a value is laid out and
// wrapped, not waiting for a Cmd.
func (p *Model) ready() bool { return p.laying == 0 && len(p.rows) > 0 }

// HasTree reports whether the pane shows a value, whose nodes the fold and
// copy keys act on.
func (p *Model) HasTree() bool { return p.note == "" && len(p.lines) > 0 }

// Fold folds the container under the cursor; on a folded container or a
// scalar it moves the cursor to the parent instead, so repeated presses
// climb the tree.
func (p *Model) Fold() {
	if !p.ready() {
		return
	}
	li := int(p.lines[p.cursor].node)
	if p.lines[li].opens() && !p.isFolded(li) {
		p.setFolded(li, true)
		p.moveCursor(li)
		return
	}
	if parent := p.lines[li].parent; parent >= 0 {
		p.moveCursor(int(parent))
	}
}

// Unfold unfolds the container under the cursor.
func (p *Model) Unfold() {
	if !p.ready() {
		return
	}
	if li := int(p.lines[p.cursor].node); p.isFolded(li) {
		p.setFolded(li, false)
		p.moveCursor(li)
	}
}

// ToggleFold folds the container under the cursor, or unfolds it.
func (p *Model) ToggleFold() {
	if !p.ready() {
		return
	}
	li := int(p.lines[p.cursor].node)
	if p.lines[li].opens() {
		p.setFolded(li, !p.isFolded(li))
		p.moveCursor(li)
	}
}

// Click puts the cursor on the row drawn at y of the pane (0 is the
// title's first row) and, when the click is on the bracket of a line that
// opens an object or an array (x cells from the pane's left edge), or on
// the {…} of a folded one, folds or unfolds it, as space would; a click
// elsewhere on the line only moves the cursor. It reports whether y was on
// a line of the value.
func (p *Model) Click(x, y int) bool {
	row := p.offset + y - len(p.title)
	if !p.ready() || y < len(p.title) || y-len(p.title) >= p.height || row >= len(p.rows) {
		return false
	}
	li := p.rows[row].line
	p.moveToRow(row)
	if p.lines[li].opens() && p.onBracket(row, x) {
		p.setFolded(li, !p.isFolded(li))
		p.moveCursor(li)
	}
	return true
}

// onBracket reports whether column x of row is on a bracket of the line
// it shows, or the ellipsis of a fold, give or take a cell.
func (p *Model) onBracket(row, x int) bool {
	r := p.rows[row]
	l := p.shown(r.line)
	col := r.indent
	for _, t := range l.tokens {
		end := t.start + len(t.text)
		if end <= r.from || t.start >= r.to {
			continue
		}
		piece := t.text[max(r.from, t.start)-t.start : min(r.to, end)-t.start]
		w := ansi.StringWidth(piece)
		if t.kind == tokPunct && strings.ContainsAny(piece, "{}[]…") && x >= col-1 && x <= col+w {
			return true
		}
		col += w
	}
	return false
}

// setFolded folds or unfolds the container opened by line li, replacing
// only its rows.
func (p *Model) setFolded(li int, fold bool) {
	if p.folded == nil {
		p.folded = make([]bool, len(p.lines))
	}
	from := p.rowOf(li)
	to := p.rowOf(int(p.lines[li].end) + 1)
	p.folded[li] = fold
	rows := wrapRange(nil, p.lines, p.folded, li, int(p.lines[li].end)+1, p.width)
	p.rows = slices.Replace(p.rows, from, to, rows...)
	p.retitle()
}

// FoldAll folds every container, or with fold false unfolds them all. It
// lays out the whole value again, so a large value is wrapped by the
// returned Cmd, as when it was selected.
func (p *Model) FoldAll(fold bool) tea.Cmd {
	if !p.ready() {
		return nil
	}
	if fold {
		p.folded = make([]bool, len(p.lines))
		for li := range p.lines {
			p.folded[li] = p.lines[li].opens()
		}
	} else {
		p.folded = nil
	}
	p.cursor = int(p.lines[p.cursor].node)
	for p.cursor > 0 && p.hidden(p.cursor) {
		p.cursor = int(p.lines[p.cursor].parent)
	}
	if len(p.raw) < largeValue {
		p.relayout()
		p.moveCursor(p.cursor)
		return nil
	}
	p.seq++
	p.laying = len(p.raw)
	msg := LaidOutMsg{seq: p.seq, width: p.width, lines: p.lines, folded: p.folded, cursor: p.cursor}
	return func() tea.Msg {
		msg.rows = wrapAt(msg.lines, msg.folded, msg.width)
		return msg
	}
}

// hidden reports whether line li is inside a folded container.
func (p *Model) hidden(li int) bool {
	for a := p.lines[li].parent; a >= 0; a = p.lines[a].parent {
		if p.isFolded(int(a)) {
			return true
		}
	}
	return false
}

// reveal unfolds the containers around line li and the one it closes, so a match inside a fold
// can be shown.
func (p *Model) reveal(li int) {
	if n := int(p.lines[li].node); n != li && p.isFolded(n) {
		p.setFolded(n, false) // li closes a folded container
	}
	for a := p.lines[li].parent; a >= 0; a = p.lines[a].parent {
		if p.isFolded(int(a)) {
			p.setFolded(int(a), false)
		}
	}
}

// moveKey moves the cursor for a movement key a row at a time: the rows a
// long string wraps to are rows like any other, so a page, the end and the
// next row all reach into it. The cursor's node is the line the row is of.
func (p *Model) moveKey(msg tea.KeyPressMsg) bool {
	at := p.cursorRow()
	to, ok := p.keys.Move(msg, at, p.Page(), len(p.rows))
	if !ok || len(p.rows) == 0 {
		return ok
	}
	to = max(min(to, len(p.rows)-1), 0)
	if d := to - at; d > 1 || d < -1 {
		// A page scrolls the page, as in a pager, rather than only
		// taking the cursor to the pane's edge.
		p.offset += d
		p.clamp()
	}
	p.moveToRow(to)
	return true
}

// cursorRow returns the row the cursor is on: a row of its line, which
// keeps the first when the line wraps to fewer rows than before.
func (p *Model) cursorRow() int {
	row := p.rowOf(p.cursor)
	if sub := row + p.sub; p.sub > 0 && sub < len(p.rows) && p.rows[sub].line == p.cursor {
		return sub
	}
	return row
}

// moveToRow puts the cursor on row and scrolls it on screen.
func (p *Model) moveToRow(row int) {
	p.cursor = p.rows[row].line
	p.sub = row - p.rowOf(p.cursor)
	p.showRow(row)
}

// moveCursor puts the cursor on the first row of line li and scrolls it on
// screen.
func (p *Model) moveCursor(li int) {
	p.cursor, p.sub = li, 0
	p.showRow(p.rowOf(li))
}

// showRow scrolls row on screen.
func (p *Model) showRow(row int) {
	switch {
	case row < p.offset:
		p.offset = row
	case row >= p.offset+p.height:
		p.offset = row - p.height + 1
	}
	p.clamp()
}

// Path returns the jq path of the node under the cursor (`.address.city`,
// `.tags[3]`, `.["odd key"]`), "" when no value is shown.
func (p *Model) Path() string {
	if !p.HasTree() {
		return ""
	}
	var segs []string
	for li := p.lines[p.cursor].node; ; {
		l := &p.lines[li]
		if l.parent < 0 {
			break
		}
		if l.key != "" {
			segs = append(segs, keySegment(l.key))
		} else {
			segs = append(segs, fmt.Sprintf("[%d]", l.index))
		}
		li = l.parent
	}
	if len(segs) == 0 {
		return "."
	}
	slices.Reverse(segs)
	path := strings.Join(segs, "")
	if !strings.HasPrefix(path, ".") {
		path = "." + path // jq indexes the top array as .[3]
	}
	return path
}

// keySegment returns the jq path step for an object key given as its raw
// JSON text: .name for a key jq reads as an identifier, .["…"] otherwise.
func keySegment(raw string) string {
	var k string
	if err := json.Unmarshal([]byte(raw), &k); err != nil {
		return "." + raw
	}
	if isIdent(k) {
		return "." + k
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // jq reads < and & as they are
	if err := enc.Encode(k); err != nil {
		return "." + raw
	}
	return ".[" + strings.TrimSuffix(b.String(), "\n") + "]"
}

// isIdent reports whether jq takes k after a dot: ASCII letters, digits and
// underscores, not starting with a digit.
func isIdent(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range []byte(k) {
		letter := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Node returns the compact JSON text of the node under the cursor, as
// stored, and whether there is one.
func (p *Model) Node() (string, bool) {
	if !p.HasTree() {
		return "", false
	}
	l := &p.lines[p.lines[p.cursor].node]
	return p.raw[l.from:l.to], l.to > l.from
}

// treeState is what the pane remembers of a value it showed: which
// containers were folded and where the cursor was. lines checks that it
// still fits the value when the key is shown again; an edit that changes
// the layout drops it.
type treeState struct {
	lines  int
	folded []bool
	cursor int
}

// rememberedTrees bounds how many keys' folds are kept. A fold set costs a
// byte per line of the value, so a few large values cannot hold much.
const rememberedTrees = 64

// remember keeps the folds and cursor of the shown value for when its key
// is shown again, forgetting the oldest key past rememberedTrees.
func (p *Model) remember() {
	if p.key == "" || !p.exists || len(p.lines) == 0 {
		return
	}
	if p.trees == nil {
		p.trees = make(map[string]treeState)
	}
	if _, ok := p.trees[p.key]; !ok {
		p.treeOrder = append(p.treeOrder, p.key)
	}
	p.trees[p.key] = treeState{lines: len(p.lines), folded: p.folded, cursor: p.cursor}
	for len(p.treeOrder) > rememberedTrees {
		delete(p.trees, p.treeOrder[0])
		p.treeOrder = p.treeOrder[1:]
	}
}

// fit returns the folds and cursor kept in st when they fit lines, none
// otherwise.
func (st treeState) fit(lines []jsonLine) ([]bool, int) {
	if st.lines != len(lines) {
		return nil, 0
	}
	for li, f := range st.folded {
		if f && !lines[li].opens() {
			return nil, 0
		}
	}
	return st.folded, st.cursor
}
