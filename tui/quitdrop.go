package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// Quitting without saving (Q): q and ctrl+c save before they quit, which
// puts an accidental change on disk. Q drops the pending changes first, by
// reading the data again, so that closing the store has nothing to save;
// it asks when there are changes to lose.

// quitDropMsg asks the root to drop the pending changes and quit.
type quitDropMsg struct{}

// startQuitWithoutSaving quits, asking first when changes would be lost.
func (m Model) startQuitWithoutSaving() (tea.Model, tea.Cmd) {
	if m.src.ReadOnly() || m.src.Pending() == 0 {
		return m, tea.Quit
	}
	n := m.unsaved()
	if n == 0 {
		// Changes undone or made back: nothing to lose, but the store
		// would still write them.
		return m.quitDropping()
	}
	m.closeAll()
	q := newQuestion(m.keys, fmt.Sprintf("Quit without saving? %s will be lost.",
		display.Plural(n, "unsaved change")), quitDropMsg{}, nil)
	q.review = reviewPendingMsg{}
	m.open(q)
	return m, nil
}

// quitDropping drops the pending changes and then quits (see
// onReloaded); the quitting overlay holds the keys meanwhile, so no change
// made after the question is saved by the close.
func (m Model) quitDropping() (tea.Model, tea.Cmd) {
	m.closeAll()
	m.open(quitting{dropping: true})
	return m, m.enqueue(operation{kind: opReload, quit: true})
}

// onDroppedToQuit quits once the changes are dropped; if they could not
// be (the file cannot be read), quitting would save them, so it stays and
// says why.
func (m *Model) onDroppedToQuit(msg opDoneMsg) tea.Cmd {
	if msg.err == nil {
		return tea.Quit
	}
	m.closeAll()
	return tea.Batch(m.afterReload(), m.flash("not quitting: the changes could not be dropped: "+display.Escape(causeFirst(msg.err)), true))
}
