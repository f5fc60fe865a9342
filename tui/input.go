package tui

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key by mode. A text input (the editor, the filter)
// gets printable keys first, so typing q types a q.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := &m.keys
	switch m.mode {
	case modeQuitting:
		return m, nil
	case modeConfirm:
		switch {
		case key.Matches(msg, k.Yes):
			return m.answer(true)
		case key.Matches(msg, k.No):
			return m.answer(false)
		}
		return m, nil
	case modeEdit:
		return m.editKey(msg)
	case modePrompt:
		return m.promptKey(msg)
	case modeResolve:
		return m.resolveKey(msg)
	case modeFilter:
		return m.filterKey(msg)
	}
	return m.browseKey(msg)
}

func (m Model) editKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Apply):
		return m.apply()
	case key.Matches(msg, k.Cancel):
		if m.editor.applying {
			return m, nil
		}
		if m.editor.Changed() {
			m.ask(askDiscardEdit, "Discard your changes to "+displayEscape(m.editor.key)+"?")
			return m, nil
		}
		m.closeEditor()
		return m, nil
	case msg.Text == "" && key.Matches(msg, k.Quit):
		if m.editor.Changed() {
			m.ask(askQuitDiscardEdit, "Discard your changes and quit?")
			return m, nil
		}
		m.closeEditor()
		return m.startQuit()
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.Update(msg)
	return m, cmd
}

func (m Model) filterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := &m.keys
	q := m.list.Query()
	switch {
	case key.Matches(msg, k.AcceptFilter):
		m.mode = modeBrowse
	case key.Matches(msg, k.ClearFilter):
		m.mode = modeBrowse
		m.list.ClearFilter()
		m.syncValue()
	case msg.Text != "":
		m.setQuery(q + singleLine(msg.Text))
	case msg.Code == tea.KeyBackspace:
		if q != "" {
			_, size := utf8.DecodeLastRuneInString(q)
			m.setQuery(q[:len(q)-size])
		}
	case msg.String() == "ctrl+u":
		m.setQuery("")
	case key.Matches(msg, k.Quit):
		return m.startQuit()
	default:
		m.moveList(msg)
	}
	return m, nil
}

func (m *Model) setQuery(q string) {
	m.list.SetFilter(q)
	m.syncValue()
}

func (m Model) browseKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := &m.keys
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Help), msg.Code == tea.KeyEscape:
			m.showHelp = false
			m.layout()
		case key.Matches(msg, k.Quit):
			return m.startQuit()
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.startQuit()
	case key.Matches(msg, k.Help):
		m.showHelp = true
		m.layout()
	case key.Matches(msg, k.Save):
		return m.save()
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.focusValue = false
	case m.list.Filtered() && key.Matches(msg, k.ClearFilter):
		m.list.ClearFilter()
		m.syncValue()
	case key.Matches(msg, k.Edit):
		return m.startEdit()
	case key.Matches(msg, k.EditExternal):
		return m.startExternal()
	case key.Matches(msg, k.New):
		return m.startPrompt(promptNew)
	case key.Matches(msg, k.Rename):
		return m.startPrompt(promptRename)
	case key.Matches(msg, k.Delete):
		return m.askDeleteSelected()
	case key.Matches(msg, k.Undo):
		return m.undoLast()
	case key.Matches(msg, k.CopyValue):
		return m.copySelected(true)
	case key.Matches(msg, k.CopyKey):
		return m.copySelected(false)
	case key.Matches(msg, k.Reload):
		return m.reload()
	case key.Matches(msg, k.SwitchPane):
		m.focusValue = !m.focusValue
	case m.focusValue:
		m.scrollValue(msg)
	default:
		m.moveList(msg)
	}
	return m, nil
}

func (m *Model) moveList(msg tea.KeyPressMsg) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.list.MoveBy(-1)
	case key.Matches(msg, k.Down):
		m.list.MoveBy(1)
	case key.Matches(msg, k.Top):
		m.list.Top()
	case key.Matches(msg, k.Bottom):
		m.list.Bottom()
	case key.Matches(msg, k.PageUp):
		m.list.MoveBy(-m.list.Page())
	case key.Matches(msg, k.PageDown):
		m.list.MoveBy(m.list.Page())
	default:
		return
	}
	m.syncValue()
}

func (m *Model) scrollValue(msg tea.KeyPressMsg) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.value.ScrollBy(-1)
	case key.Matches(msg, k.Down):
		m.value.ScrollBy(1)
	case key.Matches(msg, k.Top):
		m.value.Top()
	case key.Matches(msg, k.Bottom):
		m.value.Bottom()
	case key.Matches(msg, k.PageUp):
		m.value.ScrollBy(-m.value.Page())
	case key.Matches(msg, k.PageDown):
		m.value.ScrollBy(m.value.Page())
	}
}

// handlePaste types pasted text into the editor or the filter.
func (m Model) handlePaste(msg tea.PasteMsg) (tea.Model, tea.Cmd) {
	switch m.mode {
	case modeEdit:
		var cmd tea.Cmd
		m.editor, cmd = m.editor.Update(msg)
		return m, cmd
	case modeFilter:
		m.setQuery(m.list.Query() + singleLine(msg.Content))
	case modePrompt:
		m.prompt.Update(msg)
	}
	return m, nil
}

// singleLine turns typed or pasted text into filter text: line breaks and
// tabs become spaces.
func singleLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}
