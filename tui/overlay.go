package tui

import (
	tea "charm.land/bubbletea/v2"
)

// overlay is a screen or a question put over the panes: the help, a yes/no
// question, a prompt, the editor, the conflict screen, the wait while
// quitting. The root keeps them on a stack; only the top one gets keys and
// pastes, and messages the root does not handle itself.
//
// To add one: write a type with these three methods in a file of its own,
// open it by returning push(o) from an Update (or calling Model.open), and
// report what the user chose as a message the root handles (opMsg for a
// change of data, quitMsg, reloadMsg, flashMsg, or a message of its own
// handled in Model.Update). Returning nil from Update closes it; what was
// under it is then back as it was.
type overlay interface {
	// Update handles a message; it returns nil to close the overlay.
	Update(msg tea.Msg) (overlay, tea.Cmd)
	// SetSize gives the overlay the size of the whole screen.
	SetSize(width, height int)
	// Draw draws the overlay into f, over what the overlays under it drew:
	// the body, the bottom line, or both.
	Draw(f *frame)
}

// Messages an overlay (or any part of the UI) sends the root.
type (
	// pushMsg opens an overlay on top of the stack.
	pushMsg struct{ o overlay }
	// flashMsg shows a transient status message.
	flashMsg struct {
		text  string
		isErr bool
	}
	// quitMsg asks to quit: pending changes are saved first.
	quitMsg struct{}
	// reloadMsg asks to read the data again, asking first if that drops
	// pending changes.
	reloadMsg struct{}
)

// ShutdownMsg asks the UI to quit at once, without questions: the program
// sends it on SIGTERM or SIGHUP, when nobody may be there to answer. The
// caller closes the store afterwards, which saves a file's pending
// changes; changes an etcd prefix does not have are written to a file
// first, and ExitNotice says where.
type ShutdownMsg struct{}

// send returns a Cmd that delivers msg.
func send(msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return msg }
}

// push returns a Cmd that opens o.
func push(o overlay) tea.Cmd { return send(pushMsg{o: o}) }

// flash returns a Cmd that shows a status message.
func flash(text string, isErr bool) tea.Cmd { return send(flashMsg{text: text, isErr: isErr}) }

// top returns the overlay that gets the keys, or nil.
func (m *Model) top() overlay {
	if len(m.overlays) == 0 {
		return nil
	}
	return m.overlays[len(m.overlays)-1]
}

// replaceTop puts next in the top overlay's place, or closes the top
// overlay if next is nil.
func (m *Model) replaceTop(next overlay) {
	n := len(m.overlays)
	if next == nil {
		m.overlays[n-1] = nil
		m.overlays = m.overlays[:n-1]
		m.stackChanges++
		return
	}
	m.overlays[n-1] = next
}

// open puts o on top of the stack, sized to the screen. The stack belongs
// to the newest copy of the model, the one Bubble Tea keeps.
func (m *Model) open(o overlay) {
	o.SetSize(m.width, m.height)
	m.overlays = append(m.overlays, o)
	m.stackChanges++
}

// closeAll closes every overlay, as quitting does.
func (m *Model) closeAll() {
	for _, o := range m.overlays {
		if ed, ok := o.(*editOverlay); ok {
			ed.end()
		}
	}
	m.overlays = nil
	m.stackChanges++
}
