package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Every Options.Refresh the UI asks the Source whether the data changed
// elsewhere (for a file: a few stats, the journal included, and no reading)
// with an opRefresh operation, which reads the data again when it changed
// and holds every change made here (nothing pending, and nothing kept only
// in an always-save journal); see operation.run and Model.onRefreshed.

// refreshTickMsg says it is time to look at the data.
type refreshTickMsg struct{}

// scheduleRefresh starts the timer for the next look.
func (m Model) scheduleRefresh() tea.Cmd {
	if m.refresh <= 0 {
		return nil
	}
	return m.tick(m.refresh, func(time.Time) tea.Msg { return refreshTickMsg{} })
}
