package tui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
)

// browseKey handles a key when no overlay is open. A filter being typed
// gets every key first, so typing q types a q; only a quit key that types
// nothing (ctrl+c) gets past it. Then come the application's bindings, and
// the rest goes to the focused pane.
func (m Model) browseKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := &m.keys
	if m.list.Typing() && (msg.Text != "" || !key.Matches(msg, k.Quit)) {
		return m, m.updateList(msg)
	}
	copied := m.copied
	m.copied = false
	switch {
	case copied && key.Matches(msg, k.CopyString):
		return m.copyString()
	case key.Matches(msg, k.Quit):
		return m.startQuit()
	case key.Matches(msg, k.QuitNoSave):
		return m.startQuitWithoutSaving()
	case m.canSaveCopy() && key.Matches(msg, k.SaveCopy):
		return m.startSaveCopy()
	case key.Matches(msg, k.Help):
		m.open(newFullHelp(m.keys, m.src.ReadOnly()))
		return m, nil
	case key.Matches(msg, k.Save):
		return m.startSave()
	case m.focus == focusValue && m.value.HasTree() && key.Matches(msg, k.Filter):
		return m.startValueSearch()
	case key.Matches(msg, k.Filter):
		m.list.StartFilter()
		m.focus = focusList
	case key.Matches(msg, k.Find):
		return m.startFind()
	case key.Matches(msg, k.Query):
		if msg.Text == "." {
			return m.startQuery(".")
		}
		return m.startQuery("")
	case m.focus == focusValue && m.jq.key != "" && key.Matches(msg, k.ClearFilter):
		return m, m.dropQueryResult()
	case m.stepping() && key.Matches(msg, k.NextMatch):
		return m, m.stepMatch(true)
	case m.stepping() && key.Matches(msg, k.PrevMatch):
		return m, m.stepMatch(false)
	case m.find.inValue != "" && key.Matches(msg, k.ClearFilter):
		m.find.inValue = ""
		m.value.SetFind(m.paneQuery())
		return m, nil
	case m.focus == focusValue && key.Matches(msg, k.Fold):
		m.value.Fold()
	case m.focus == focusValue && key.Matches(msg, k.Unfold):
		m.value.Unfold()
	case m.focus == focusValue && key.Matches(msg, k.Toggle):
		m.value.ToggleFold()
	case m.focus == focusValue && key.Matches(msg, k.FoldAll):
		return m, m.value.FoldAll(true)
	case m.focus == focusValue && key.Matches(msg, k.UnfoldAll):
		return m, m.value.FoldAll(false)
	case m.focus == focusValue && key.Matches(msg, k.CopyNode):
		m.copied = true
		return m.copyNode()
	case m.focus == focusValue && key.Matches(msg, k.CopyPath):
		return m.copyPath()
	case key.Matches(msg, k.Tree):
		m.list.SetTree(!m.list.InTree())
		return m, m.followSelection()
	case key.Matches(msg, k.SortBySize):
		return m.toggleSortBySize()
	case m.focus == focusList && m.list.InTree() && key.Matches(msg, k.CloseGroup):
		m.list.CloseGroup()
		return m, m.followSelection()
	case m.focus == focusList && m.list.OnGroup() && key.Matches(msg, k.OpenGroup):
		m.list.OpenGroup()
		return m, m.followSelection()
	case m.focus == focusList && m.list.OnGroup() && key.Matches(msg, k.ToggleGroup):
		m.list.ToggleGroup()
		return m, m.followSelection()
	case m.list.Filtered() && key.Matches(msg, k.ClearFilter):
		m.list.ClearFilter()
		m.jq.where = ""
		return m, m.followSelection()
	case key.Matches(msg, k.Edit):
		return m.startEdit()
	case key.Matches(msg, k.EditExternal):
		return m.startExternal()
	case key.Matches(msg, k.New):
		return m.startPrompt(true)
	case key.Matches(msg, k.Rename):
		return m.startPrompt(false)
	case key.Matches(msg, k.Delete):
		return m.askDelete()
	case key.Matches(msg, k.DeleteShown):
		return m.askDeleteShown()
	case key.Matches(msg, k.ExportShown):
		return m.startExportShown()
	case key.Matches(msg, k.Undo):
		return m.undo()
	case key.Matches(msg, k.Redo):
		return m.redo()
	case key.Matches(msg, k.CopyValue):
		m.copied = true
		return m.copySelected(true)
	case key.Matches(msg, k.CopyKey):
		return m.copySelected(false)
	case key.Matches(msg, k.Reload):
		return m.reload()
	case key.Matches(msg, k.Pending):
		return m.openPending()
	case key.Matches(msg, k.Narrower):
		m.resizeList(-4)
	case key.Matches(msg, k.Wider):
		m.resizeList(4)
	case key.Matches(msg, k.SwitchPane):
		if m.focus == focusList {
			m.focus = focusValue
		} else {
			m.focus = focusList
		}
	case m.focus == focusValue:
		var cmd tea.Cmd
		m.value, cmd = m.value.Update(msg)
		return m, cmd
	default:
		return m, m.updateList(msg)
	}
	return m, nil
}

// updateList passes a key or a paste to the key list, and shows the value
// of the key it selects.
func (m *Model) updateList(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return tea.Batch(cmd, m.followSelection())
}

// noSelection says why a key that acts on the selected key did nothing.
// The help line does not offer those keys then (see browseHelpLine).
func (m *Model) noSelection() tea.Cmd {
	switch {
	case m.list.OnGroup():
		return m.flash("a group is selected, not a key; "+m.keys.OpenGroup.Help().Key+" opens it", true)
	case m.list.Filtered():
		return m.flash("no key matches the filter", true)
	case m.src.ReadOnly():
		return m.flash("the store is empty", true)
	}
	return m.flash("the store is empty; "+m.keys.New.Help().Key+" creates a key", true)
}

// refuseReadOnly returns the message that refuses what for a read-only
// Source, or nil for a writable one.
func (m *Model) refuseReadOnly(what string) tea.Cmd {
	if !m.src.ReadOnly() {
		return nil
	}
	return m.flash("read-only: "+what, true)
}

// startSave saves now. A hand edit is never overwritten silently: when the
// file changed on disk (a save failed, or the refresh saw it), saving opens
// the conflict screen instead, where the user decides.
func (m Model) startSave() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("nothing to save"); cmd != nil {
		return m, cmd
	}
	if m.saveState().conflicted() {
		return m, conflictCmd(m.src)
	}
	return m, m.enqueue(operation{kind: opSave})
}

// startQuit saves pending changes and then quits (see Model.onSaved); the
// quitting overlay holds the keys meanwhile.
func (m Model) startQuit() (tea.Model, tea.Cmd) {
	if m.src.ReadOnly() {
		return m, tea.Quit
	}
	m.closeAll()
	if m.waitingForCluster() {
		// Another attempt now would only hold the keys for a timeout.
		m.open(m.quitPendingQuestion(m.src.LastSaveError()))
		return m, nil
	}
	m.open(quitting{})
	return m, m.enqueue(operation{kind: opSave, quit: true})
}

// startEdit opens the editor on the selected value.
func (m Model) startEdit() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("values cannot be changed"); cmd != nil {
		return m, cmd
	}
	k, ok := m.list.Selected()
	if !ok {
		return m, m.noSelection()
	}
	if !m.loaded(k) {
		return m, m.stillLoading(k)
	}
	raw, ok := m.src.GetRaw(k)
	if !ok {
		return m, m.flash(display.KeyLabel(k)+" no longer exists", true)
	}
	return m.openEditor(k, raw, false)
}

// openEditor opens the editor on key's value raw.
func (m Model) openEditor(k string, raw []byte, isNew bool) (tea.Model, tea.Cmd) {
	ed, err := openEditor(m.keys, k, raw, isNew)
	if err != nil {
		return m, m.flash(err.Error()+"; "+m.keys.EditExternal.Help().Key+" edits it in $EDITOR", true)
	}
	m.startEditing(ed, k, raw)
	return m, nil
}

// startPrompt asks for a new key's name, or a new name for the selected key.
func (m Model) startPrompt(isNew bool) (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("keys cannot be changed"); cmd != nil {
		return m, cmd
	}
	if isNew {
		m.open(newKeyPrompt(m.keys, m.src.Has))
		return m, nil
	}
	k, ok := m.list.Selected()
	if !ok {
		return m, m.noSelection()
	}
	m.open(renamePrompt(m.keys, k, m.src.Has))
	return m, nil
}

// askDelete asks before deleting the selected key, naming it.
func (m Model) askDelete() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("keys cannot be deleted"); cmd != nil {
		return m, cmd
	}
	k, ok := m.list.Selected()
	if !ok {
		return m, m.noSelection()
	}
	yes := opMsg{op: operation{kind: opDelete, key: k}}
	m.open(newQuestion(m.keys, "Delete "+display.KeyLabel(k)+"?", yes, nil))
	return m, nil
}

// undo undoes the most recent change of this session, through the Source.
func (m Model) undo() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("nothing to undo"); cmd != nil {
		return m, cmd
	}
	op, ok := m.history.pop()
	if !ok {
		return m, m.flash("nothing to undo", false)
	}
	return m, m.enqueue(op)
}

// redo makes again the change the most recent undo undid, through the
// Source.
func (m Model) redo() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("nothing to redo"); cmd != nil {
		return m, cmd
	}
	op, ok := m.history.popRedo()
	if !ok {
		return m, m.flash("nothing to redo", false)
	}
	return m, m.enqueue(op)
}

// copySelected copies the selected value (pretty-printed) or key to the
// terminal's clipboard with OSC 52, which carries the text base64-encoded,
// so the copied data cannot act on the terminal, and works over SSH.
func (m Model) copySelected(value bool) (tea.Model, tea.Cmd) {
	k, ok := m.list.Selected()
	if !ok {
		return m, m.noSelection()
	}
	if !value {
		return m, tea.Batch(m.clip(k), m.flash("copied the key "+display.KeyLabel(k), false))
	}
	if !m.loaded(k) {
		return m, m.stillLoading(k)
	}
	if bs, ok := m.src.(byteSource); ok && bs.NotJSON(k) {
		// Bytes that are not JSON are copied as stored, not as the JSON
		// string the pane shows: that is the text another program put
		// there, and what a paste elsewhere wants.
		b, _ := bs.Bytes(k)
		return m, m.copyJSON(len(b), func() string { return string(b) }, "the value of "+display.KeyLabel(k)+" as stored")
	}
	raw, ok := m.src.GetRaw(k)
	if !ok {
		return m, m.flash(display.KeyLabel(k)+" no longer exists", true)
	}
	return m, m.copyJSON(len(raw), func() string { return jsonview.Pretty(raw) }, "the value of "+display.KeyLabel(k))
}

// copyJSON copies JSON text of size bytes, pretty-printed by pretty, or
// says why it cannot; what names it in the message.
func (m *Model) copyJSON(size int, pretty func() string, what string) tea.Cmd {
	// Pretty-printing only adds bytes: a value too large as stored is
	// refused before the work of indenting it.
	text := ""
	if size <= maxClipboard {
		text = pretty()
	}
	if text == "" || len(text) > maxClipboard {
		msg := fmt.Sprintf("not copied: %s is %s; terminals take at most %s",
			what, display.Plural(max(len(text), size), "byte"), display.Plural(maxClipboard, "byte"))
		if !m.src.ReadOnly() {
			msg += " (" + m.keys.EditExternal.Help().Key + " opens it in $EDITOR)"
		}
		return m.flash(msg, true)
	}
	msg := fmt.Sprintf("copied %s (%s)", what, display.Plural(len(text), "byte"))
	return tea.Batch(m.clip(text), m.flash(msg, false))
}

// copyNode copies the node under the value pane's cursor, pretty-printed.
func (m Model) copyNode() (tea.Model, tea.Cmd) {
	node, ok := m.value.Node()
	if !ok {
		return m, m.flash("no value to copy", true)
	}
	return m, m.copyJSON(len(node), func() string { return jsonview.Pretty([]byte(node)) }, display.Escape(m.value.Path()))
}

// toggleSortBySize sorts the flat key list by value size, largest first,
// or by key again. The tree's groups stay in key order, so there it says
// so and changes nothing.
func (m Model) toggleSortBySize() (tea.Model, tea.Cmd) {
	if m.list.InTree() {
		return m, m.flash("the key tree is sorted by key; "+m.keys.Tree.Help().Key+" shows the list", true)
	}
	if m.loads != nil {
		return m.toggleSortBySizeLoading()
	}
	src := m.src
	m.list.SetBySize(!m.list.BySize(), func(k string) int { return valueSize(src, k) })
	msg := "keys sorted by key"
	if m.list.BySize() {
		msg = "keys sorted by value size, largest first"
	}
	return m, tea.Batch(m.followSelection(), m.flash(msg, false))
}

// valueSize is the size of the value under key as stored.
func valueSize(src Source, k string) int {
	if bs, ok := src.(byteSource); ok && bs.NotJSON(k) {
		b, _ := bs.Bytes(k)
		return len(b)
	}
	raw, _ := src.GetRaw(k)
	return len(raw)
}

// copyString copies again what the y before copied, when it is a JSON
// string: without its quotes and with its escapes undone, the text a paste
// into a shell or a form wants. Copying at y and again at s, rather than
// waiting after a y for an s that may not come, keeps a plain y as quick
// as before.
func (m Model) copyString() (tea.Model, tea.Cmd) {
	var text, what string
	if m.focus == focusValue {
		node, ok := m.value.Node()
		if !ok {
			return m, m.flash("no value to copy", true)
		}
		text, what = node, display.Escape(m.value.Path())
	} else {
		k, ok := m.list.Selected()
		if !ok {
			return m, m.noSelection()
		}
		if !m.loaded(k) {
			return m, m.stillLoading(k)
		}
		raw, ok := m.src.GetRaw(k)
		if !ok {
			return m, m.flash(display.KeyLabel(k)+" no longer exists", true)
		}
		text, what = string(raw), "the value of "+display.KeyLabel(k)
	}
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, `"`) {
		return m, m.flash(what+" is not a string; y copied it as JSON", true)
	}
	if text == `""` {
		return m, m.flash(what+" is an empty string; y copied it as JSON", true)
	}
	// Undoing escapes only shortens the text, so the quoted size is the
	// bound copyJSON checks before the work.
	return m, m.copyJSON(len(text)-2, func() string {
		var s string
		if err := json.Unmarshal([]byte(text), &s); err != nil {
			return ""
		}
		return s
	}, "the string "+what+" unquoted")
}

// copyPath copies the jq path of the node under the value pane's cursor.
func (m Model) copyPath() (tea.Model, tea.Cmd) {
	path := m.value.Path()
	if path == "" {
		return m, m.flash("no value to copy", true)
	}
	return m, tea.Batch(m.clip(path), m.flash("copied the path "+display.Escape(path), false))
}

// maxClipboard is the largest text copied with OSC 52. Terminals cap the
// payload and drop a longer copy without a word; 75,000 bytes of text are
// 100,000 of base64, a size terminals take. A larger value is refused with
// a message rather than reported copied, and is never pretty-printed in
// Update nor written to the terminal, which froze the keys for half a
// second at 20 MB.
const maxClipboard = 75_000

// reload reads the data again. Pending changes, and acknowledged ones the
// data does not hold yet (see foldingSource), would be dropped, so it asks
// first when there are any.
func (m Model) reload() (tea.Model, tea.Cmd) {
	if m.src.ReadOnly() {
		return m, m.enqueue(operation{kind: opReload})
	}
	drop := ""
	if n := m.unsaved(); n > 0 {
		drop = display.Plural(n, "unsaved change")
	} else if n := notInData(m.src); n > 0 {
		drop = display.Plural(n, "change") + " not yet in it"
	}
	if drop != "" {
		q := newQuestion(m.keys, fmt.Sprintf("Reload %s and drop %s?", m.words.data, drop),
			opMsg{op: operation{kind: opReload}}, nil)
		m.open(q)
		return m, nil
	}
	return m, m.enqueue(operation{kind: opReload})
}
