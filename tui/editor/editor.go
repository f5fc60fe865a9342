// Package editor edits one JSON value as text: a buffer that keeps every
// byte, the editing keys of common terminal editors, line numbers, and the
// error of the last apply with a caret under its column.
package editor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/schema"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
)

// MaxLines and MaxBytes are the largest value, in lines and in bytes as
// pretty-printed, edited in place: BenchmarkEditorKeystroke keeps a
// keystroke at either limit under a few milliseconds. Larger values are
// refused with a message rather than made slow to type in.
const (
	MaxLines = 10000
	MaxBytes = 4 << 20
)

// Model edits one value as pretty-printed JSON.
//
// It is built on textBuffer rather than the bubbles textarea. The textarea
// changes text on the way in (tabs become spaces; control characters and
// U+FFFD are dropped), silently cuts values past 10,000 lines, stops Enter at
// MaxHeight, costs ~200 ms per keystroke at 5,000 lines, and pulls in a
// clipboard module this project does not otherwise need. textBuffer keeps the
// text byte for byte, and the view escapes unsafe characters (shown dimmed as
// \uXXXX) so they can be seen and edited without reaching the terminal raw.
type Model struct {
	buf      textBuffer
	key      string
	original string
	// changed is whether the text differs from original, compared once per
	// edit rather than at every frame.
	changed bool
	isNew   bool // the key does not exist yet: the title says so
	keys    editorKeyMap

	errMsg  string // why the last apply failed, escaped for display
	errLine string // the offending line, escaped for display
	errCol  int    // cells before the error on errLine

	// notices are lines about the value rather than the text, such as
	// another client having changed it; shown under the text.
	notices []string

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
	h := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return editorKeyMap{
		Left:           b("left", "ctrl+b"),
		Right:          b("right", "ctrl+f"),
		Up:             b("up", "ctrl+p"),
		Down:           b("down", "ctrl+n"),
		WordLeft:       h("alt+←/→", "word", "alt+left", "ctrl+left", "alt+b"),
		WordRight:      b("alt+right", "ctrl+right", "alt+f"),
		Home:           h("ctrl+a/e", "line start/end", "home", "ctrl+a"),
		End:            b("end", "ctrl+e"),
		Begin:          h("ctrl+home/end", "top/bottom", "ctrl+home", "alt+<"),
		Finish:         b("ctrl+end", "alt+>"),
		PageUp:         b("pgup"),
		PageDown:       b("pgdown"),
		Newline:        b("enter", "ctrl+m", "ctrl+j"),
		Indent:         b("tab"),
		Backspace:      b("backspace", "ctrl+h"),
		Delete:         b("delete", "ctrl+d"),
		DeleteWordBack: h("ctrl+w", "delete word", "alt+backspace", "ctrl+w"),
		KillToEnd:      h("ctrl+k", "cut to end", "ctrl+k"),
		KillToStart:    h("ctrl+u", "cut to start", "ctrl+u"),
	}
}

// HelpKeys returns the editing keys worth listing in a help line, in the
// order to list them: the ones beyond the arrows, Enter and Backspace that
// everyone tries.
func HelpKeys() []key.Binding {
	k := defaultEditorKeys()
	return []key.Binding{k.KillToEnd, k.KillToStart, k.DeleteWordBack, k.WordLeft, k.Home, k.Begin}
}

// Styles are the editor's styles.
type Styles struct {
	Title, Dim, Error lipgloss.Style
	// Notice draws the notices (see SetNotice).
	Notice lipgloss.Style
}

// New starts editing key, whose compact JSON is raw; isNew says the key does
// not exist yet. It refuses, with an error that says why, a value too long
// to edit here.
func New(key string, raw []byte, isNew bool) (*Model, error) {
	// Pretty-printing only adds bytes, so a value too large as stored is
	// refused before the work of indenting it.
	tooLarge := func(n int) error {
		return fmt.Errorf("%s has %s; the editor takes at most %s",
			display.Escape(key), display.Plural(n, "byte"), display.Plural(MaxBytes, "byte"))
	}
	if len(raw) > MaxBytes {
		return nil, tooLarge(len(raw))
	}
	text := jsonview.Pretty(raw)
	if len(text) > MaxBytes {
		return nil, tooLarge(len(text))
	}
	if n := strings.Count(text, "\n") + 1; n > MaxLines {
		return nil, fmt.Errorf("%s has %s lines; the editor takes at most %s",
			display.Escape(key), display.GroupDigits(n), display.GroupDigits(MaxLines))
	}
	return &Model{
		buf: newTextBuffer(text), key: key, original: text, isNew: isNew,
		keys: defaultEditorKeys(), errCol: -1,
	}, nil
}

// Key returns the key whose value is edited.
func (e *Model) Key() string { return e.key }

// Position returns the cursor's line and column, both 0-based, in runes.
func (e *Model) Position() (row, col int) { return e.buf.Cursor() }

// Text returns the text being edited.
func (e *Model) Text() string { return e.buf.String() }

// Changed reports whether the user changed the text.
func (e *Model) Changed() bool { return e.changed }

// ClearError stops showing the error of the last apply: a new apply is
// under way, whose outcome replaces it.
func (e *Model) ClearError() {
	e.errMsg, e.errLine, e.errCol = "", "", -1
}

// SetError shows why applying failed. For invalid JSON it shows the line and
// column, the offending line with a caret under the column, and moves the
// cursor there; the text itself stays exactly as the user typed it.
func (e *Model) SetError(err error) {
	text := e.Text()
	e.ClearError()
	var syn *kvstore.SyntaxError
	var ve *schema.ValidationError
	switch {
	case errors.As(err, &syn):
		e.errMsg = display.Escape(fmt.Sprintf("line %d, column %d: %s", syn.Line, syn.Column, syn.Msg))
		e.pointAt(text, syn.Line, syn.Column)
	case errors.As(err, &ve) && len(ve.Violations) > 0:
		// The value is JSON but breaks its schema: say where, by its JSON
		// Pointer, and take the cursor to the offending value.
		v := ve.Violations[0]
		msg := "breaks its schema at " + v.String()
		if n := len(ve.Violations) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more: %s)", n, ve.Violations[1])
		}
		e.errMsg = display.Escape(msg)
		if off, ok := schema.Locate([]byte(text), v.Pointer); ok {
			line, col := 1+strings.Count(text[:off], "\n"), off-strings.LastIndex(text[:off], "\n")
			e.pointAt(text, line, col)
		}
	default:
		e.errMsg = display.Escape(err.Error())
	}
}

// pointAt shows the text's line (1-based) with a caret under its column
// (1-based, in bytes) and moves the cursor there.
func (e *Model) pointAt(text string, lineNo, column int) {
	lines := strings.Split(text, "\n")
	if lineNo < 1 || lineNo > len(lines) {
		return
	}
	line := lines[lineNo-1]
	col := min(max(column-1, 0), len(line))
	e.errLine = display.Escape(line)
	e.errCol = ansi.StringWidth(display.Escape(line[:col]))
	e.buf.SetCursor(lineNo-1, utf8.RuneCountInString(line[:col]))
	e.scrollToCursor()
}

// SetSize sets the editor's size, in cells, including its title and error.
func (e *Model) SetSize(w, h int) {
	e.width, e.height = w, h
	e.scrollToCursor()
}

// maxErrorRows is how many rows the error message may wrap to.
const maxErrorRows = 3

// errorRows returns the error message wrapped to the editor's width.
func (e *Model) errorRows() []string {
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

// SetNotice shows lines under the text that say something about the value
// rather than the text: that it is not JSON where it is stored, or that
// another writer changed it since the editor opened. It replaces the
// notices shown before; none clears them. The text is not touched.
func (e *Model) SetNotice(lines ...string) {
	e.notices = make([]string, len(lines))
	for i, l := range lines {
		e.notices[i] = display.Escape(l)
	}
	e.scrollToCursor()
}

// errorHeight is the number of rows the error and the notices take.
func (e *Model) errorHeight() int {
	n := len(e.errorRows()) + len(e.notices)
	if e.errLine != "" {
		n += 2
	}
	return n
}

// textHeight is the number of rows for text.
func (e *Model) textHeight() int { return max(e.height-1-e.errorHeight(), 1) }

// gutterWidth is the width of the line numbers and their separator.
func (e *Model) gutterWidth() int { return len(strconv.Itoa(e.buf.LineCount())) + 3 }

// textWidth is the number of cells for text.
func (e *Model) textWidth() int { return max(e.width-e.gutterWidth(), 1) }

// cursorX is the cursor's cell within its line as displayed.
func (e *Model) cursorX() int {
	row, col := e.buf.Cursor()
	x := 0
	for _, r := range e.buf.lines[row][:col] {
		x += runeCells(r)
	}
	return x
}

// scrollToCursor keeps the cursor on screen.
func (e *Model) scrollToCursor() {
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

// Update applies an editing key or a paste.
func (e *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		e.buf.Insert(normalizeNewlines(msg.Content))
		e.changed = !e.buf.Equal(e.original)
	case tea.KeyPressMsg:
		if e.handleKey(msg) {
			e.changed = !e.buf.Equal(e.original)
		}
	default:
		return nil
	}
	e.scrollToCursor()
	return nil
}

// handleKey moves the cursor or edits the text; it reports whether the key
// edited it.
func (e *Model) handleKey(msg tea.KeyPressMsg) (edited bool) {
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
		b.newline()
		return true
	case key.Matches(msg, k.Indent):
		b.Insert("  ")
		return true
	case key.Matches(msg, k.Backspace):
		b.Backspace()
		return true
	case key.Matches(msg, k.Delete):
		b.Delete()
		return true
	case key.Matches(msg, k.DeleteWordBack):
		b.DeleteWordBack()
		return true
	case key.Matches(msg, k.KillToEnd):
		b.KillToEnd()
		return true
	case key.Matches(msg, k.KillToStart):
		b.KillToStart()
		return true
	case msg.Text == "}" || msg.Text == "]":
		b.typeCloser(rune(msg.Text[0]))
		return true
	case msg.Text != "":
		b.Insert(normalizeNewlines(msg.Text))
		return true
	}
	return false
}

// normalizeNewlines turns the CR and CRLF line ends terminals send in pastes
// into LF.
func normalizeNewlines(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
