package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// maxEditLines is the longest value, in lines, edited in place. Longer values
// are refused with a message rather than made slow to type in.
const maxEditLines = 10000

// editor edits one value as pretty-printed JSON.
//
// It is built on textBuffer rather than the bubbles textarea. The textarea
// changes text on the way in (tabs become spaces; control characters and
// U+FFFD are dropped), silently cuts values past 10,000 lines, stops Enter at
// MaxHeight, costs ~200 ms per keystroke at 5,000 lines, and pulls in a
// clipboard module this project does not otherwise need. textBuffer keeps the
// text byte for byte, and the view escapes unsafe characters (shown dimmed as
// \uXXXX) so they can be seen and edited without reaching the terminal raw.
type editor struct {
	buf      textBuffer
	key      string
	original string
	applying bool
	isNew    bool // the key does not exist yet: applying creates it, even unchanged
	keys     editorKeyMap

	errMsg  string // why the last apply failed, escaped for display
	errLine string // the offending line, escaped for display
	errCol  int    // cells before the error on errLine

	width, height int
	yoff, xoff    int // first line and first cell on screen
}

// editorKeyMap holds the editing keys, which follow common terminal editors.
type editorKeyMap struct {
	Left, Right, Up, Down    key.Binding
	WordLeft, WordRight      key.Binding
	Home, End, Begin, Finish key.Binding
	PageUp, PageDown         key.Binding
	Newline, Indent          key.Binding
	Backspace, Delete        key.Binding
	DeleteWordBack           key.Binding
	KillToEnd, KillToStart   key.Binding
}

func defaultEditorKeys() editorKeyMap {
	b := func(keys ...string) key.Binding { return key.NewBinding(key.WithKeys(keys...)) }
	return editorKeyMap{
		Left:           b("left", "ctrl+b"),
		Right:          b("right", "ctrl+f"),
		Up:             b("up", "ctrl+p"),
		Down:           b("down", "ctrl+n"),
		WordLeft:       b("alt+left", "ctrl+left", "alt+b"),
		WordRight:      b("alt+right", "ctrl+right", "alt+f"),
		Home:           b("home", "ctrl+a"),
		End:            b("end", "ctrl+e"),
		Begin:          b("ctrl+home", "alt+<"),
		Finish:         b("ctrl+end", "alt+>"),
		PageUp:         b("pgup"),
		PageDown:       b("pgdown"),
		Newline:        b("enter", "ctrl+m", "ctrl+j"),
		Indent:         b("tab"),
		Backspace:      b("backspace", "ctrl+h"),
		Delete:         b("delete", "ctrl+d"),
		DeleteWordBack: b("alt+backspace", "ctrl+w"),
		KillToEnd:      b("ctrl+k"),
		KillToStart:    b("ctrl+u"),
	}
}

func newEditor() editor {
	return editor{keys: defaultEditorKeys(), errCol: -1}
}

// refusal explains why a value cannot be edited in place.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// prettyJSON indents compact JSON with two spaces. json.Indent copies string
// escapes and number digits as they are, so only white space changes.
func prettyJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// Open starts editing key, whose compact JSON is raw. It returns a *refusal
// if the value is too long to edit here.
func (e *editor) Open(key string, raw []byte) error {
	text := prettyJSON(raw)
	if n := strings.Count(text, "\n") + 1; n > maxEditLines {
		return &refusal{fmt.Sprintf("%s has %s lines; the editor takes at most %s",
			displayEscape(key), groupDigits(n), groupDigits(maxEditLines))}
	}
	e.buf = newTextBuffer(text)
	e.key, e.original, e.applying, e.isNew = key, text, false, false
	e.yoff, e.xoff = 0, 0
	e.clearError()
	return nil
}

// Close stops editing and drops the text.
func (e *editor) Close() {
	e.buf = textBuffer{}
	e.key, e.original, e.applying, e.isNew = "", "", false, false
	e.clearError()
}

// Text returns the text being edited.
func (e *editor) Text() string { return e.buf.String() }

// Changed reports whether the user changed the text.
func (e *editor) Changed() bool { return e.buf.String() != e.original }

func (e *editor) clearError() {
	e.errMsg, e.errLine, e.errCol = "", "", -1
}

// SetError shows why applying failed. For invalid JSON it shows the line and
// column, the offending line with a caret under the column, and moves the
// cursor there; the text itself stays exactly as the user typed it.
func (e *editor) SetError(err error, text string) {
	e.applying = false
	e.clearError()
	var syn *kvstore.SyntaxError
	if !errors.As(err, &syn) {
		e.errMsg = displayEscape(err.Error())
		return
	}
	e.errMsg = displayEscape(fmt.Sprintf("line %d, column %d: %s", syn.Line, syn.Column, syn.Msg))
	lines := strings.Split(text, "\n")
	if syn.Line >= 1 && syn.Line <= len(lines) {
		line := lines[syn.Line-1]
		col := min(max(syn.Column-1, 0), len(line))
		e.errLine = displayEscape(line)
		e.errCol = ansi.StringWidth(displayEscape(line[:col]))
		e.buf.SetCursor(syn.Line-1, utf8.RuneCountInString(line[:col]))
		e.scrollToCursor()
	}
}

// SetSize sets the editor's size, in cells, including its title and error.
func (e *editor) SetSize(w, h int) {
	e.width, e.height = w, h
	e.scrollToCursor()
}

// maxErrorRows is how many rows the error message may wrap to.
const maxErrorRows = 3

// errorRows returns the error message wrapped to the editor's width.
func (e *editor) errorRows() []string {
	if e.errMsg == "" {
		return nil
	}
	rows := strings.Split(ansi.Wrap("✗ "+e.errMsg, max(e.width, 1), " "), "\n")
	if len(rows) > maxErrorRows {
		rows = rows[:maxErrorRows]
		rows[maxErrorRows-1] = ansi.Truncate(rows[maxErrorRows-1], max(e.width-1, 0), "") + "…"
	}
	return rows
}

// errorHeight is the number of rows the error takes.
func (e *editor) errorHeight() int {
	n := len(e.errorRows())
	if e.errLine != "" {
		n += 2
	}
	return n
}

// textHeight is the number of rows for text.
func (e *editor) textHeight() int { return max(e.height-1-e.errorHeight(), 1) }

// gutterWidth is the width of the line numbers and their separator.
func (e *editor) gutterWidth() int { return len(strconv.Itoa(e.buf.LineCount())) + 3 }

// textWidth is the number of cells for text.
func (e *editor) textWidth() int { return max(e.width-e.gutterWidth(), 1) }

// cursorX is the cursor's cell within its line as displayed.
func (e *editor) cursorX() int {
	row, col := e.buf.Cursor()
	return ansi.StringWidth(displayEscape(string(e.buf.lines[row][:col])))
}

// scrollToCursor keeps the cursor on screen.
func (e *editor) scrollToCursor() {
	if e.buf.lines == nil {
		return
	}
	row, _ := e.buf.Cursor()
	h := e.textHeight()
	e.yoff = min(max(e.yoff, row-h+1), row)
	x, w := e.cursorX(), e.textWidth()
	switch {
	case x < e.xoff:
		e.xoff = max(x-w/4, 0)
	case x >= e.xoff+w:
		e.xoff = x - w + w/4 + 1
	}
}

// Update applies an editing key or a paste, unless an apply is running.
func (e editor) Update(msg tea.Msg) (editor, tea.Cmd) {
	if e.applying || e.buf.lines == nil {
		return e, nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		e.buf.Insert(normalizeNewlines(msg.Content))
	case tea.KeyPressMsg:
		e.handleKey(msg)
	default:
		return e, nil
	}
	e.scrollToCursor()
	return e, nil
}

func (e *editor) handleKey(msg tea.KeyPressMsg) {
	k, b := &e.keys, &e.buf
	switch {
	case key.Matches(msg, k.Left):
		b.Left()
	case key.Matches(msg, k.Right):
		b.Right()
	case key.Matches(msg, k.Up):
		b.LineBy(-1)
	case key.Matches(msg, k.Down):
		b.LineBy(1)
	case key.Matches(msg, k.WordLeft):
		b.WordLeft()
	case key.Matches(msg, k.WordRight):
		b.WordRight()
	case key.Matches(msg, k.Home):
		b.Home()
	case key.Matches(msg, k.End):
		b.End()
	case key.Matches(msg, k.Begin):
		b.Begin()
	case key.Matches(msg, k.Finish):
		b.Finish()
	case key.Matches(msg, k.PageUp):
		b.LineBy(-max(e.textHeight()-1, 1))
	case key.Matches(msg, k.PageDown):
		b.LineBy(max(e.textHeight()-1, 1))
	case key.Matches(msg, k.Newline):
		b.Insert("\n")
	case key.Matches(msg, k.Indent):
		b.Insert("  ")
	case key.Matches(msg, k.Backspace):
		b.Backspace()
	case key.Matches(msg, k.Delete):
		b.Delete()
	case key.Matches(msg, k.DeleteWordBack):
		b.DeleteWordBack()
	case key.Matches(msg, k.KillToEnd):
		b.KillToEnd()
	case key.Matches(msg, k.KillToStart):
		b.KillToStart()
	case msg.Text != "":
		b.Insert(normalizeNewlines(msg.Text))
	}
}

// normalizeNewlines turns the CR and CRLF line ends terminals send in pastes
// into LF.
func normalizeNewlines(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// View draws the title, the visible lines with line numbers, and the error.
func (e *editor) View(st *Styles) string {
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
	title := fmt.Sprintf("%s %s%s  %d:%d", verb, keyLabel(e.key), state, row+1, col+1)
	b.WriteString(fit(st.TitleFocused.Render(title), e.width))
	gw := e.gutterWidth()
	for i := range e.textHeight() {
		b.WriteByte('\n')
		n := e.yoff + i
		if n >= e.buf.LineCount() {
			b.WriteString(fit(st.Dim.Render(strings.Repeat(" ", gw-2)+"~"), e.width))
			continue
		}
		num := fmt.Sprintf("%*d │ ", gw-3, n+1)
		b.WriteString(st.Dim.Render(num) + e.visiblePart(n, n == row, st))
	}
	if e.errMsg != "" {
		for _, row := range e.errorRows() {
			b.WriteByte('\n')
			b.WriteString(fit(st.EditorError.Render(row), e.width))
		}
		if e.errLine != "" {
			line, caret := e.errLine, e.errCol
			// Keep the caret on screen when the line is wider than the pane.
			if shift := caret - (e.width - 4); shift > 0 {
				line = ansi.TruncateLeft(line, shift+1, "…")
				caret -= shift
			}
			b.WriteByte('\n')
			b.WriteString(fit("  "+line, e.width))
			b.WriteByte('\n')
			b.WriteString(fit("  "+strings.Repeat(" ", caret)+st.EditorError.Render("^"), e.width))
		}
	}
	return b.String()
}

// visiblePart returns the columns of line n on screen, exactly the text
// width wide. Other lines than the cursor's are marked with … where they
// continue past either edge; the cursor's line is left whole so the marker
// never hides the character under the cursor.
func (e *editor) visiblePart(n int, cursorLine bool, st *Styles) string {
	tw := e.textWidth()
	full := e.styledLine(n, st)
	part := fit(ansi.Cut(full, e.xoff, e.xoff+tw), tw)
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

// styledLine returns line n with unsafe characters escaped and dimmed.
func (e *editor) styledLine(n int, st *Styles) string {
	s := string(e.buf.lines[n])
	if !hasUnsafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		if c := s[i : i+size]; hasUnsafe(c) {
			b.WriteString(st.Dim.Render(displayEscape(c)))
		} else {
			b.WriteString(c)
		}
		i += size
	}
	return b.String()
}

// Cursor returns the terminal cursor, relative to the editor's top left.
func (e *editor) Cursor() *tea.Cursor {
	row, _ := e.buf.Cursor()
	x := e.gutterWidth() + e.cursorX() - e.xoff
	return tea.NewCursor(x, row-e.yoff+1)
}
