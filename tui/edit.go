package tui

import (
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
		return nil, nil
	case msg.Text == "" && key.Matches(msg, k.Quit):
		if e.ed.Changed() {
			return e, push(newQuestion(e.app, "Discard your changes and quit?", quitMsg{}, nil))
		}
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
