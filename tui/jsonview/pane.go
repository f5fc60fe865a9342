// Package jsonview is the value pane: a JSON value pretty-printed with
// syntax colours, wrapped to the pane's width and scrolled, with a cursor
// line whose node can be folded, named by its jq path and copied. It never
// rewrites numbers or string escapes: what is shown is what is stored,
// except that characters unsafe for the terminal are escaped.
package jsonview

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/internal/nav"
	"github.com/kvstore-dev/kvstore/tui/internal/textmatch"
)

// Styles are the pane's styles: its title, notes, and a colour per kind of
// JSON token.
type Styles struct {
	Title, TitleFocused, Dim            lipgloss.Style
	Key, String, Number, Literal, Punct lipgloss.Style
	// Match marks the text a find in values matched.
	Match lipgloss.Style
	// Cursor is the marker of the cursor line while the pane has the focus.
	Cursor lipgloss.Style
}

// largeValue is the size from which a value is laid out in a Cmd rather
// than in Update: laying out 10 MB takes a few hundred milliseconds, which
// would freeze the keyboard while moving past such a key. Smaller values
// are laid out at once, so the pane never flickers for them.
const largeValue = 256 << 10

// LaidOutMsg is a large value laid out by a Cmd. seq says which selection
// it is for; a result for an older selection is dropped.
type LaidOutMsg struct {
	seq    int
	width  int
	lines  []jsonLine
	folded []bool
	cursor int
	rows   []visualRow
}

// Model is the pane: the selected value pretty-printed with syntax colours,
// scrollable when it is longer than the pane. The value is laid out once per
// selection and per width; a frame styles only the rows on screen, so a
// large value costs no more to scroll than a small one.
type Model struct {
	key    string
	exists bool
	raw    string // the value's text, which lines refer to
	lines  []jsonLine
	rows   []visualRow
	offset int
	width  int
	height int // rows for the value, not counting the title
	paneH  int // rows of the whole pane
	title  []string
	note   string
	tag    string // said of the value after the key in the title

	seq    int // counts selections, to match layouts to them
	laying int // size of the value a Cmd is laying out; 0: none
	keys   nav.KeyMap

	find    textmatch.Query // the matches to mark
	current *position       // the match n or N moved to last; nil: none yet

	folded    []bool // by line: the containers folded; nil: none
	cursor    int    // the line under the cursor, one that is shown
	sub       int    // the cursor's row among the rows cursor wraps to
	trees     map[string]treeState
	treeOrder []string // the keys of trees, oldest first
}

// New returns an empty pane that scrolls with keys.
func New(keys nav.KeyMap) Model {
	return Model{keys: keys}
}

// SetValue shows raw, the compact JSON text stored under key. The layout
// refers to raw's text rather than copying it, which matters at 20 MB. A
// large value is laid out by the returned Cmd, whose message goes back to
// Update; a small one at once, and the Cmd is nil.
//
// The folds and cursor of the value shown before are kept, and those kept
// for key come back, so moving away and back finds the value as it was.
func (p *Model) SetValue(key string, raw string, exists bool) tea.Cmd {
	if p.laying == 0 {
		p.remember()
	}
	p.key, p.exists, p.note, p.raw = key, exists, "", raw
	p.tag = ""
	p.offset, p.current = 0, nil
	p.seq++
	p.laying = 0
	if len(raw) < largeValue {
		p.lines = layout(raw)
		p.folded, p.cursor = p.trees[key].fit(p.lines)
		p.relayout()
		p.moveCursor(p.cursor)
		return nil
	}
	p.lines, p.rows, p.folded, p.cursor = nil, nil, nil, 0
	p.retitle()
	p.laying = len(raw)
	seq, width, kept := p.seq, p.width, p.trees[key]
	// The Cmd gets its own folds: a stale Cmd may still read them while
	// the pane folds the ones it was given.
	kept.folded = slices.Clone(kept.folded)
	return func() tea.Msg {
		lines := layout(raw)
		folded, cursor := kept.fit(lines)
		return LaidOutMsg{seq: seq, width: width, lines: lines, folded: folded, cursor: cursor, rows: wrapAt(lines, folded, width)}
	}
}

// wrapAt wraps lines to width, or leaves them for later (nil) while the
// pane has no width yet: wrapping a 20 MB line to one cell would make 20
// million rows.
func wrapAt(lines []jsonLine, folded []bool, width int) []visualRow {
	if width < 1 {
		return nil
	}
	return wrap(lines, folded, width)
}

// Shows reports whether the pane shows key's value.
func (p *Model) Shows(key string) bool { return p.exists && p.key == key }

// SetNote shows a message instead of a value (no keys, no match).
func (p *Model) SetNote(note string) {
	if p.laying == 0 {
		p.remember()
	}
	p.key, p.exists, p.note, p.raw = "", false, note, ""
	p.tag = ""
	p.lines, p.rows, p.offset, p.current = nil, nil, 0, nil
	p.folded, p.cursor = nil, 0
	p.retitle()
	p.seq++
	p.laying = 0
}

// SetTag says something of the value shown, after the key in the title,
// such as that it is not JSON where it is stored; SetValue clears it.
func (p *Model) SetTag(tag string) {
	p.tag = tag
	p.retitle()
}

// Update moves the cursor for a movement key, and shows a large value's
// layout when it arrives.
func (p Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case LaidOutMsg:
		return p, p.setLaidOut(msg)
	case tea.KeyPressMsg:
		if p.ready() {
			p.moveKey(msg)
		}
	}
	return p, nil
}

// setLaidOut shows a large value's layout if it is still the selected one.
// Laid out for another width (the pane was resized meanwhile, or had no
// size yet), it is wrapped again, in a Cmd as well.
func (p *Model) setLaidOut(msg LaidOutMsg) tea.Cmd {
	if msg.seq != p.seq || p.laying == 0 {
		return nil
	}
	if msg.width != p.width {
		msg.width = p.width
		return func() tea.Msg {
			msg.rows = wrapAt(msg.lines, msg.folded, msg.width)
			return msg
		}
	}
	p.laying = 0
	p.lines, p.folded, p.rows = msg.lines, msg.folded, msg.rows
	p.retitle()
	p.moveCursor(msg.cursor)
	return nil
}

// ScrollBy scrolls the value by n rows, up when n is negative.
// The cursor stays on screen, so the keys go on from what the user sees.
func (p *Model) ScrollBy(n int) {
	p.offset += n
	p.clamp()
	if !p.ready() {
		return
	}
	switch row := p.cursorRow(); {
	case row < p.offset:
		p.moveToRow(p.offset)
	case row >= p.offset+p.height:
		p.moveToRow(min(p.offset+p.height, len(p.rows)) - 1)
	}
}

// SetSize sets the pane's size, in cells, including its title.
func (p *Model) SetSize(w, h int) {
	if w = max(w, 1); w != p.width {
		p.width = w
		p.relayout()
	}
	p.paneH = h
	p.retitle()
}

func (p *Model) relayout() {
	p.rows = wrapAt(p.lines, p.folded, p.width)
	p.retitle()
}

// retitle lays out the title: the key, escaped and wrapped in full, so a
// key the list cuts with … can be read here; then the visible range when
// the value does not fit. A key longer than half the pane is cut with ….
// The value gets the rows the title leaves.
func (p *Model) retitle() {
	label := display.KeyLabel(p.key)
	if p.tag != "" {
		label += " · " + display.Escape(p.tag)
	}
	if p.note != "" {
		label = "Value"
	}
	w := max(p.width-2, 1) // the focus marker
	lines := strings.Split(ansi.Hardwrap(label, w, false), "\n")
	if most := max(p.paneH/2, 1); len(lines) > most {
		lines = lines[:most]
		lines[most-1] = ansi.Truncate(lines[most-1], w-1, "") + "…"
	}
	p.height = max(p.paneH-len(lines), 1)
	if n := len(p.rows); n > p.height {
		// Room for the range on the last line, at its widest.
		if ansi.StringWidth(lines[len(lines)-1])+len(fmt.Sprintf("  %d-%d/%d", n, n, n)) > w {
			lines = append(lines, "")
			p.height = max(p.paneH-len(lines), 1)
		}
	}
	p.title = lines
	p.clamp()
}

// Page returns the number of rows a page scrolls.
func (p *Model) Page() int { return max(p.height-1, 1) }

func (p *Model) clamp() {
	p.offset = max(min(p.offset, len(p.rows)-p.height), 0)
}

// Width returns the pane's width in cells.
func (p *Model) Width() int { return p.width }

// Offset returns the first row on screen.
func (p *Model) Offset() int { return p.offset }

// View draws the title (the key, and the visible range when the value does
// not fit) and the visible rows. Focused, the pane shows its cursor line
// and, after the title, the path of the node under the cursor.
func (p *Model) View(st *Styles, focused bool) string {
	var b strings.Builder
	title := slices.Clone(p.title)
	if len(title) == 0 {
		title = []string{""}
	}
	if len(p.rows) > p.height {
		last := min(p.offset+p.height, len(p.rows))
		title[len(title)-1] += fmt.Sprintf("  %d-%d/%d", p.offset+1, last, len(p.rows))
	}
	cursorRow := -1
	if focused && p.ready() {
		title[len(title)-1] += "  " + display.Escape(p.Path())
		cursorRow = p.cursorRow()
	}
	if about := p.about(); about != "" {
		title[len(title)-1] += "  " + about
	}
	for i, t := range title {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case focused && i == 0:
			b.WriteString(display.Fit(st.TitleFocused.Render("▸ "+t), p.width))
		case focused:
			b.WriteString(display.Fit(st.TitleFocused.Render("  "+t), p.width))
		default:
			b.WriteString(display.Fit(st.Title.Render(t), p.width))
		}
	}
	for i := range p.height {
		b.WriteByte('\n')
		row := p.offset + i
		switch {
		case p.note != "" && i == 0:
			b.WriteString(display.Fit(st.Dim.Render(p.note), p.width))
		case p.laying > 0 && i == 0:
			b.WriteString(display.Fit(st.Dim.Render(fmt.Sprintf("laying out %s…", display.Plural(p.laying, "byte"))), p.width))
		case row < len(p.rows):
			r := p.rows[row]
			l := p.shown(r.line)
			text := renderRow(&l, r, st, p.rowMatches(&l, r))
			if row == cursorRow {
				text = markCursor(text, r.indent, st)
			}
			b.WriteString(display.Fit(text, p.width))
		default:
			b.WriteString(strings.Repeat(" ", p.width))
		}
	}
	return b.String()
}

// markCursor marks a drawn row as the cursor's: a ▸ in its indentation, or
// a ◂ after a line at the top level, which has none.
func markCursor(text string, indent int, st *Styles) string {
	if indent >= 2 {
		return text[:indent-2] + st.Cursor.Render("▸") + " " + text[indent:]
	}
	return text + " " + st.Cursor.Render("◂")
}

// about says what the value is, after the rest of the title: its kind, its
// members or items, and its size as stored ("object · 12 keys · 1.4 KB"),
// so a value's shape shows before it is read. "" while none is shown.
func (p *Model) about() string {
	if p.note != "" || len(p.lines) == 0 || p.laying > 0 {
		return ""
	}
	top := &p.lines[0]
	kind := ""
	switch first := top.tokens[0]; {
	case top.opens() && first.text == "{":
		kind = "object · " + display.Plural(int(top.size), "key")
	case top.opens():
		kind = "array · " + display.Plural(int(top.size), "item")
	case first.text == "{}":
		kind = "object · 0 keys"
	case first.text == "[]":
		kind = "array · 0 items"
	case first.kind == tokString:
		kind = "string"
	case first.kind == tokNumber:
		kind = "number"
	case first.text == "null":
		kind = "null"
	default:
		kind = "boolean"
	}
	return kind + " · " + display.ByteSize(len(p.raw))
}
