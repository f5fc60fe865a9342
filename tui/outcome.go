package tui

import (
	"encoding/json"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// onOpDone is the one handler of every operation's outcome: it starts the
// next waiting operation, records undo, reads the keys again when they
// changed, shows the selected value again and says what happened. The save
// state needs no update here: the status bar reads it from the Source.
func (m Model) onOpDone(msg opDoneMsg) (tea.Model, tea.Cmd) {
	next := m.runNext()
	m.marks.forget()
	var cmd tea.Cmd
	switch msg.op.kind {
	case opSet, opDelete, opRename, opBatch:
		cmd = m.onChanged(msg)
	case opSave:
		cmd = m.onSaved(msg)
	case opMerge, opOverwrite:
		cmd = m.onSettled(msg)
	case opReload:
		cmd = m.onReloaded(msg)
	case opRefresh:
		cmd = m.onRefreshed(msg)
	}
	m.afterWrite()
	return m, tea.Batch(next, cmd, m.scheduleRetry())
}

// onChanged answers a change of a key.
func (m *Model) onChanged(msg opDoneMsg) tea.Cmd {
	op := msg.op
	partial := op.kind == opBatch && len(msg.undo.batch) > 0
	if msg.err != nil && notStored(msg.err) && !partial {
		switch {
		case op.undoing():
			m.history.restore(op)
		case op.redoing:
			m.history.restoreRedo(op)
		}
		switch op.from {
		case byEditor:
			return m.tellEditor(editResultMsg{err: msg.err})
		case byExternal:
			return m.externalRefused(msg.err)
		}
		return m.flash(cleanError(msg.err), true)
	}
	// Stored. If an always-save write failed, the change is pending and
	// the status bar shows the Source's save error.
	var moved json.RawMessage
	if op.kind == opRename {
		moved, _ = m.src.GetRaw(op.to)
	}
	m.history.noteChanged(op, msg.undo, moved)
	text := op.describe()
	switch {
	case op.undoing():
		text = "undid: " + op.redo.describe()
		m.history.undid(op)
	case op.redoing:
		text = "redid: " + op.describe()
		m.history.record(op, msg.undo)
	default:
		m.history.record(op, msg.undo)
	}
	if op.from != byKeys {
		text = "applied " + display.KeyLabel(op.key)
	}
	if partial && msg.err != nil && notStored(msg.err) {
		// Stopped part of the way: what was made is recorded, and undone
		// as one.
		text = fmt.Sprintf("stopped after %s: %s", display.Plural(len(msg.undo.batch), "key"), cleanError(msg.err))
	}
	// Reading every key costs a few milliseconds at 100,000 keys, so only
	// when the set of keys changed.
	if op.kind != opSet || msg.undo.kind == opDelete {
		m.refreshKeys()
	}
	switch op.kind {
	case opSet:
		m.selectKey(op.key)
	case opRename:
		m.selectKey(op.to)
	}
	cmds := []tea.Cmd{m.showSelected(), m.flash(text, false)}
	switch op.from {
	case byEditor:
		cmds = append(cmds, m.tellEditor(editResultMsg{}))
	case byExternal:
		cmds = append(cmds, m.externalApplied())
	}
	return tea.Batch(cmds...)
}

// tellEditor passes the outcome of an apply to the editor, which closes on
// success and shows the error otherwise.
func (m *Model) tellEditor(msg editResultMsg) tea.Cmd {
	ed, ok := m.top().(*editOverlay)
	if !ok {
		return nil
	}
	next, cmd := ed.Update(msg)
	m.replaceTop(next)
	return cmd
}

// onSaved answers a save. Its result shows in the status bar, read from the
// Source; a save made before quitting quits, or asks when it failed.
func (m *Model) onSaved(msg opDoneMsg) tea.Cmd {
	if !msg.op.quit {
		if rof, ok := readOnlyRefusal(m.src, msg.err); ok {
			m.askWriteReadOnly(rof)
			return nil
		}
		if _, asked := m.top().(*quitPending); asked && msg.err == nil && m.src.Pending() == 0 {
			// A retry saved what the question about quitting was about.
			return tea.Quit
		}
		if msg.err == nil && m.save.outside && notInData(m.src) == 0 {
			// Other clients' changes seen while ours waited are not shown
			// yet: nothing pending now, they can be.
			m.save.outside = false
			return m.enqueue(operation{kind: opReload})
		}
		return nil
	}
	if msg.err == nil {
		return tea.Quit
	}
	m.closeAll()
	if isShared(m.src) {
		m.open(m.quitPendingQuestion(msg.err))
		return nil
	}
	q := newQuestion(m.keys, "Changes are not saved. Quit anyway?", tea.QuitMsg{}, nil)
	q.review = reviewPendingMsg{}
	if m.canSaveCopy() && !errors.Is(msg.err, kvstore.ErrConflict) {
		// A conflict's version goes to a file beside the data file by
		// itself; any other failure leaves it nowhere but here.
		q.write = saveCopyMsg{}
	}
	switch {
	case fileDeleted(msg.err):
		q.text = "The file was deleted. Quit and keep your version in a new file beside it?"
	case errors.Is(msg.err, kvstore.ErrConflict):
		// Closing the store then writes its state to a new file beside
		// the data file, so quitting loses neither side's changes.
		q.text = m.words.quitChanged
	}
	m.open(q)
	return nil
}

// onSettled answers a merge or an overwrite: the file's changes may have
// added or removed keys.
func (m *Model) onSettled(msg opDoneMsg) tea.Cmd {
	if msg.conflict != nil {
		m.open(newResolver(msg.conflict, true, m.keys, m.words))
		return nil
	}
	forgotten := 0
	if msg.err == nil {
		m.save.outside, m.save.deleted = false, false
		forgotten = m.history.forget(msg.theirs)
	}
	m.refreshKeys()
	cmds := []tea.Cmd{m.showSelected()}
	switch {
	case msg.err != nil:
		cmds = append(cmds, m.flash(cleanError(msg.err), true))
	case msg.op.kind == opOverwrite:
		cmds = append(cmds, m.flash(m.words.data+" now holds your version", false))
	case forgotten > 0:
		cmds = append(cmds, m.flash(fmt.Sprintf("merged with %s; dropped %s for keys it changed",
			m.words.data, display.Plural(forgotten, "undo step")), false))
	default:
		cmds = append(cmds, m.flash("merged with "+m.words.data, false))
	}
	return tea.Batch(cmds...)
}

// onReloaded answers a reload the user asked for.
func (m *Model) onReloaded(msg opDoneMsg) tea.Cmd {
	if msg.op.quit {
		return m.onDroppedToQuit(msg)
	}
	if msg.err != nil {
		return m.flash("reload failed: "+cleanError(msg.err), true)
	}
	return tea.Batch(m.afterReload(), m.flash("reloaded "+display.KeyLabel(m.src.Name()), false))
}

// onRefreshed answers the periodic look at the data and starts the timer
// for the next one.
func (m *Model) onRefreshed(msg opDoneMsg) tea.Cmd {
	next := m.scheduleRefresh()
	recovered := m.observeWatch(msg.watch)
	switch {
	case msg.err != nil:
		return tea.Batch(next, m.flash("cannot read "+m.words.data+": "+cleanError(msg.err), true))
	case !msg.changed:
		return next
	case msg.deleted:
		// Reading a deleted file would empty the view and let the next
		// change write it again unasked. The data stays; a change then
		// fails to save as a conflict, and ctrl+s asks.
		if m.save.deleted {
			return next
		}
		m.save.deleted = true
		return tea.Batch(next, m.flash("its data is kept; saving asks first", true))
	case !msg.reloaded:
		// Changes are pending, or kept in a journal the file lacks: reading
		// the file would drop them, so the status bar says the file
		// changed, and ctrl+s opens the conflict screen before any save
		// has to fail.
		m.save.outside = true
		cmds := []tea.Cmd{next}
		if msg.live {
			// The others' changes to keys we did not change show at once.
			m.refreshKeys()
			cmds = append(cmds, m.showSelected())
		}
		if recovered != "" {
			cmds = append(cmds, m.flash(recovered, false))
		}
		return tea.Batch(cmds...)
	}
	text := m.words.refreshed
	switch {
	case recovered != "":
		text = recovered
	case m.src.ReadOnly():
		text = "the writer saved; view updated"
	}
	cmd := m.afterReload()
	m.noticeChanges()
	return tea.Batch(next, cmd, m.flash(text, false))
}

// afterReload shows the data as read again.
func (m *Model) afterReload() tea.Cmd {
	m.save.outside, m.save.deleted = false, false
	// The history refers to a state the data no longer has.
	m.history.clear()
	m.refreshKeys()
	return m.showSelected()
}
