package tui

import (
	tea "charm.land/bubbletea/v2"
)

// wheelRows is how far one notch of the wheel scrolls, as in most terminal
// programs.
const wheelRows = 3

// browseMouse handles the mouse when no overlay is open: the wheel scrolls
// the pane under the pointer (over the key list it moves the selection, so
// the value shown follows), a left click on a key selects it, and a click
// on a pane focuses it; in the value pane it also puts the cursor on the
// row clicked, and a click on the bracket of an object or array folds or
// unfolds it.
// The keys work as before; the mouse only adds.
func (m Model) browseMouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	mouse := msg.Mouse()
	if m.tooSmall() || mouse.Y < 0 || mouse.Y >= max(m.height-2, 1) {
		return m, nil
	}
	listW := m.list.Width()
	overList, overValue := mouse.X < listW, mouse.X > listW
	switch msg.(type) {
	case tea.MouseWheelMsg:
		n := 0
		switch mouse.Button {
		case tea.MouseWheelUp:
			n = -wheelRows
		case tea.MouseWheelDown:
			n = wheelRows
		}
		switch {
		case n == 0:
		case overList:
			m.list.MoveBy(n)
			return m, m.followSelection()
		case overValue:
			m.value.ScrollBy(n)
		}
	case tea.MouseClickMsg:
		if mouse.Button != tea.MouseLeft {
			return m, nil
		}
		switch {
		case overList:
			m.focus = focusList
			if row, ok := m.list.RowAt(mouse.Y); ok {
				m.list.Select(row)
				// A click on a group opens or closes it.
				m.list.ToggleGroup()
				return m, m.followSelection()
			}
		case overValue:
			m.focus = focusValue
			m.value.Click(mouse.X-listW-1, mouse.Y)
		}
	}
	return m, nil
}
