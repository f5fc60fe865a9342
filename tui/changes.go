package tui

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// changeKind is what a change does to the store.
type changeKind uint8

const (
	changeSet    changeKind = iota + 1 // store raw under key
	changeDelete                       // remove key
	changeRename                       // move key's value to to
)

// change is one edit of the store: what the user asked for, or what undoes
// it. The zero change is "nothing".
type change struct {
	kind changeKind
	key  string
	to   string // changeRename: the new name
	raw  []byte // changeSet: the compact JSON
}

func (c change) valid() bool { return c.kind != 0 }

// apply makes the change through the store, like any other edit, so it is
// saved the same way.
func (c change) apply(s Store) error {
	switch c.kind {
	case changeSet:
		return s.SetRaw(c.key, c.raw)
	case changeDelete:
		return s.Delete(c.key)
	case changeRename:
		return s.Rename(c.key, c.to)
	}
	return nil
}

// describe says what the change did, for the status bar.
func (c change) describe() string {
	switch c.kind {
	case changeSet:
		return "set " + keyLabel(c.key)
	case changeDelete:
		return "deleted " + keyLabel(c.key)
	case changeRename:
		return "renamed " + keyLabel(c.key) + " to " + keyLabel(c.to)
	}
	return ""
}

// inverseOf returns the change that undoes c, from the store as it is
// before c is made. The UI is the store's only writer, so nothing can
// change the store between this call and c's Cmd.
func inverseOf(s Store, c change) change {
	switch c.kind {
	case changeSet, changeDelete:
		if prev, ok := s.GetRaw(c.key); ok {
			return change{kind: changeSet, key: c.key, raw: prev}
		}
		return change{kind: changeDelete, key: c.key}
	case changeRename:
		return change{kind: changeRename, key: c.to, to: c.key}
	}
	return change{}
}

// changedMsg is the result of a change made in a Cmd. undo is what undoes
// it; undoing says the change was itself an undo, so it is not recorded.
type changedMsg struct {
	c       change
	undo    change
	undoing bool
	err     error
}

// changeCmd makes c in the store.
func changeCmd(s Store, c, undo change, undoing bool) tea.Cmd {
	return func() tea.Msg {
		return changedMsg{c: c, undo: undo, undoing: undoing, err: c.apply(s)}
	}
}

// notStored reports whether a change's error means the store refused it,
// as opposed to storing it and then failing to save it.
func notStored(err error) bool {
	var syn *kvstore.SyntaxError
	return errors.As(err, &syn) ||
		errors.Is(err, kvstore.ErrReadOnly) || errors.Is(err, kvstore.ErrClosed) ||
		errors.Is(err, kvstore.ErrNotFound) || errors.Is(err, kvstore.ErrExists)
}

// makeChange starts c, recording how to undo it.
func (m Model) makeChange(c change) (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, m.flash("read-only: the store cannot be changed", true)
	}
	m.status.state.saving = m.alwaysSave
	return m, changeCmd(m.store, c, inverseOf(m.store, c), false)
}

// undoLast undoes the most recent change of this session, through the store.
func (m Model) undoLast() (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, m.flash("read-only: nothing to undo", true)
	}
	if len(m.undo) == 0 {
		return m, m.flash("nothing to undo", false)
	}
	last := m.undo[len(m.undo)-1]
	m.undo = m.undo[:len(m.undo)-1]
	m.status.state.saving = m.alwaysSave
	return m, changeCmd(m.store, last.undo, last.redo, true)
}

// undoEntry is one step of the undo history: the change that undoes an
// edit, and the edit itself, which is put back if the undo fails.
type undoEntry struct {
	undo change
	redo change
}

// record adds an applied change to the undo history.
func (m *Model) record(done, undo change) {
	if undo.valid() {
		m.undo = append(m.undo, undoEntry{undo: undo, redo: done})
	}
}

func (m Model) onChanged(msg changedMsg) (tea.Model, tea.Cmd) {
	st := &m.status.state
	st.saving = false
	st.pending = m.store.Pending()
	if msg.err != nil && notStored(msg.err) {
		if msg.undoing {
			// Keep the entry, so the user can try again.
			m.undo = append(m.undo, undoEntry{undo: msg.c, redo: msg.undo})
		}
		return m, m.flash(cleanError(msg.err), true)
	}
	if msg.err != nil {
		// Stored, but the always-save write failed; the change is pending.
		st.err = msg.err
	}
	text := msg.c.describe()
	if msg.undoing {
		text = "undid: " + msg.undo.describe()
	} else {
		m.record(msg.c, msg.undo)
	}
	m.refreshKeys()
	switch msg.c.kind {
	case changeSet:
		m.selectKey(msg.c.key)
	case changeRename:
		m.selectKey(msg.c.to)
	}
	m.syncValueForce()
	return m, m.flash(text, false)
}

// cleanError is an error for the status bar: one line, escaped, without
// the library's prefix.
func cleanError(err error) string {
	return displayEscape(strings.ReplaceAll(err.Error(), "kvstore: ", ""))
}

// refreshKeys reads the key list again after a change of keys.
func (m *Model) refreshKeys() {
	m.list.SetKeys(m.store.Keys())
}

// selectKey selects key, clearing a filter that hides it.
func (m *Model) selectKey(key string) {
	if m.list.SelectKey(key) {
		return
	}
	if m.list.Filtered() {
		m.list.ClearFilter()
		m.list.SelectKey(key)
	}
}
