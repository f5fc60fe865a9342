package tui

import (
	"encoding/json"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/editor"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// editOverlay is the editor over the panes. Applying sends the text as an
// operation and waits for its outcome (editResultMsg): it closes once the
// value is stored, and shows why otherwise, keeping the text exactly as
// typed.
type editOverlay struct {
	ed       *editor.Model
	app      KeyMap // apply, cancel, quit, and the answers to its questions
	isNew    bool   // applying creates the key, even unchanged
	applying bool

	// shown is the value the editor opened on (nil for a new key), to tell
	// when a refresh brings another writer's change of it.
	shown json.RawMessage
	words *wording
	// notJSON: the value is stored as bytes that are not JSON, and the
	// text is their JSON string; changedUnder: another writer changed the
	// value since the editor opened. Each adds a notice.
	notJSON, changedUnder bool
	// ended tells the Source that the edit ended without a write.
	ended func()
}

// Messages the editor gets from the root and from its questions.
type (
	// editResultMsg is the outcome of an apply: nil when the value was
	// stored.
	editResultMsg struct{ err error }
	// discardEditMsg is yes to "discard your changes?".
	discardEditMsg struct{}
)

// openEditor starts editing key, whose compact JSON is raw; isNew says the
// key does not exist yet. It fails, saying why, for a value too long to
// edit here.
func openEditor(app KeyMap, key string, raw []byte, isNew bool) (*editOverlay, error) {
	ed, err := editor.New(key, raw, isNew)
	if err != nil {
		return nil, err
	}
	return &editOverlay{ed: ed, app: app, isNew: isNew}, nil
}

// Update handles a key, a paste, the outcome of an apply and the answer to
// its question. While an apply runs, keys wait.
func (e *editOverlay) Update(msg tea.Msg) (overlay, tea.Cmd) {
	switch msg := msg.(type) {
	case editResultMsg:
		if msg.err == nil {
			return nil, nil
		}
		e.applying = false
		e.ed.SetError(msg.err)
	case discardEditMsg:
		e.end()
		return nil, nil
	case tea.PasteMsg:
		if !e.applying {
			return e, e.ed.Update(msg)
		}
	case tea.KeyPressMsg:
		if e.applying {
			return e, nil
		}
		return e.pressKey(msg)
	}
	return e, nil
}

// pressKey handles a key: apply, cancel and quit first, then editing. Quit is
// matched only for keys that type nothing, so q types a q.
func (e *editOverlay) pressKey(msg tea.KeyPressMsg) (overlay, tea.Cmd) {
	k := &e.app
	switch {
	case key.Matches(msg, k.Apply):
		if !e.ed.Changed() && !e.isNew {
			return nil, flash("no changes to "+display.KeyLabel(e.ed.Key()), false)
		}
		e.applying = true
		e.ed.ClearError() // the outcome of this apply replaces it
		return e, send(opMsg{op: operation{kind: opSet, key: e.ed.Key(), raw: []byte(e.ed.Text()), from: byEditor}})
	case key.Matches(msg, k.Format):
		// Text that is not JSON stays as typed; the editor shows where
		// it is wrong, as after a failed apply.
		_ = e.ed.Format()
		return e, nil
	case key.Matches(msg, k.Cancel):
		if e.ed.Changed() {
			return e, push(newQuestion(e.app, "Discard your changes to "+display.Escape(e.ed.Key())+"?", discardEditMsg{}, nil))
		}
		e.end()
		return nil, nil
	case msg.Text == "" && key.Matches(msg, k.Quit):
		if e.ed.Changed() {
			return e, push(newQuestion(e.app, "Discard your changes and quit?", quitMsg{}, nil))
		}
		e.end()
		return nil, send(quitMsg{})
	}
	return e, e.ed.Update(msg)
}

// SetSize gives the editor the screen but the status bar and the bottom
// line.
func (e *editOverlay) SetSize(w, h int) { e.ed.SetSize(w, max(h-2, 1)) }

// Draw replaces the body with the editor and the bottom line with its keys,
// and puts the terminal cursor in the text.
func (e *editOverlay) Draw(f *frame) {
	k := &f.keys
	f.body = display.FitBlock(e.ed.View(&f.st.Editor), f.width, f.bodyHeight())
	f.line = f.helpLineWith("", editor.HelpKeys(), &k.Apply, &k.Cancel, &k.Format)
	f.cursor = e.ed.Cursor()
}

// startEditing opens ed on key's value raw, as the Source shows it now:
// the Source hears that the edit starts, and the editor says if the value
// is not JSON where it is stored.
func (m *Model) startEditing(ed *editOverlay, k string, raw []byte) {
	src := m.src
	noteEditStart(src, k)
	ed.ended = func() { noteEditEnd(src, k) }
	ed.words = m.words
	if !ed.isNew {
		ed.shown = raw
		ed.notJSON = notJSON(src, k)
	}
	ed.showNotices()
	m.open(ed)
}

// end tells the Source that the edit ended without a write, so that its
// start is not taken for the start of a later write of the key.
func (e *editOverlay) end() {
	if e.ended != nil {
		e.ended()
		e.ended = nil
	}
}

// noticeChange shows, once, that the value changed underneath the editor
// when the Source, read again, holds another value under its key than the
// one the editor opened on. The text is left as it is.
func (e *editOverlay) noticeChange(src Source) {
	if e.changedUnder {
		return
	}
	if l, ok := src.(valueLoader); ok && !l.Loaded(e.ed.Key()) {
		// Changed since it was read: the key is on screen, so its value
		// is being read, and the next refresh compares it.
		return
	}
	cur, exists := src.GetRaw(e.ed.Key())
	if exists == (e.shown != nil) && (!exists || jsonEqual(cur, e.shown)) {
		return
	}
	e.changedUnder = true
	e.showNotices()
}

// showNotices puts the editor's notices under its text.
func (e *editOverlay) showNotices() {
	var lines []string
	if e.notJSON {
		lines = append(lines, "not JSON where stored: applying stores it as JSON")
	}
	if e.changedUnder {
		lines = append(lines, "⚠ "+fmt.Sprintf(e.words.editChanged, e.app.Apply.Help().Key))
	}
	e.ed.SetNotice(lines...)
}

// noticeChanges tells each open editor whose value the data, just read
// again, changed underneath it.
func (m *Model) noticeChanges() {
	for _, o := range m.overlays {
		if ed, ok := o.(*editOverlay); ok {
			ed.noticeChange(m.src)
		}
	}
}
