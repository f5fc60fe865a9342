package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
)

// maxEditLines is the longest value, in lines, edited in place. Longer values
// are refused with a message rather than made slow to type in.
const maxEditLines = 10000

// editor edits one value as pretty-printed JSON, as an overlay over the
// panes. Applying sends the text as an operation and waits for its outcome
// (editResultMsg): it closes once the value is stored, and shows why
// otherwise, keeping the text exactly as typed.
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
	app      KeyMap // apply, cancel, quit, and the answers to its questions

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

// refusal explains why a value cannot be edited in place.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// Messages the editor gets from the root and from its questions.
type (
	// editResultMsg is the outcome of an apply: nil when the value was
	// stored.
	editResultMsg struct{ err error }
	// discardEditMsg is yes to "discard your changes?".
	discardEditMsg struct{}
)

// openEditor starts editing key, whose compact JSON is raw; isNew says the
// key does not exist yet. It returns a *refusal if the value is too long to
// edit here.
func openEditor(app KeyMap, key string, raw []byte, isNew bool) (*editor, error) {
	text := jsonview.Pretty(raw)
	if n := strings.Count(text, "\n") + 1; n > maxEditLines {
		return nil, &refusal{fmt.Sprintf("%s has %s lines; the editor takes at most %s",
			display.Escape(key), display.GroupDigits(n), display.GroupDigits(maxEditLines))}
	}
	return &editor{
		buf: newTextBuffer(text), key: key, original: text, isNew: isNew,
		keys: defaultEditorKeys(), app: app, errCol: -1,
	}, nil
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
		e.errMsg = display.Escape(err.Error())
		return
	}
	e.errMsg = display.Escape(fmt.Sprintf("line %d, column %d: %s", syn.Line, syn.Column, syn.Msg))
	lines := strings.Split(text, "\n")
	if syn.Line >= 1 && syn.Line <= len(lines) {
		line := lines[syn.Line-1]
		col := min(max(syn.Column-1, 0), len(line))
		e.errLine = display.Escape(line)
		e.errCol = ansi.StringWidth(display.Escape(line[:col]))
		e.buf.SetCursor(syn.Line-1, utf8.RuneCountInString(line[:col]))
		e.scrollToCursor()
	}
}

// SetSize sets the editor's size from the screen's: all of it but the
// status bar and the bottom line.
func (e *editor) SetSize(w, h int) {
	e.width, e.height = w, max(h-2, 1)
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
	return ansi.StringWidth(display.Escape(string(e.buf.lines[row][:col])))
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

// Update handles a key, a paste, the outcome of an apply and the answer to
// its question. While an apply runs, keys wait.
func (e *editor) Update(msg tea.Msg) (overlay, tea.Cmd) {
	switch msg := msg.(type) {
	case editResultMsg:
		if msg.err == nil {
			return nil, nil
		}
		e.SetError(msg.err, e.Text())
	case discardEditMsg:
		return nil, nil
	case tea.PasteMsg:
		if !e.applying {
			e.buf.Insert(normalizeNewlines(msg.Content))
			e.scrollToCursor()
		}
	case tea.KeyPressMsg:
		if e.applying {
			return e, nil
		}
		return e.pressKey(msg)
	}
	return e, nil
}

// key handles a key: apply, cancel and quit first, then editing. Quit is
// matched only for keys that type nothing, so q types a q.
func (e *editor) pressKey(msg tea.KeyPressMsg) (overlay, tea.Cmd) {
	k := &e.app
	switch {
	case key.Matches(msg, k.Apply):
		if !e.Changed() && !e.isNew {
			return nil, flash("no changes to "+display.KeyLabel(e.key), false)
		}
		e.applying = true
		return e, send(opMsg{op: operation{kind: opSet, key: e.key, raw: []byte(e.Text()), from: byEditor}})
	case key.Matches(msg, k.Cancel):
		if e.Changed() {
			return e, push(newQuestion(e.app, "Discard your changes to "+display.Escape(e.key)+"?", discardEditMsg{}, nil))
		}
		return nil, nil
	case msg.Text == "" && key.Matches(msg, k.Quit):
		if e.Changed() {
			return e, push(newQuestion(e.app, "Discard your changes and quit?", quitMsg{}, nil))
		}
		return nil, send(quitMsg{})
	}
	e.handleKey(msg)
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
