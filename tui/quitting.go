package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// quitting is the wait for the save made before quitting. It holds every
// key, so nothing changes the data while it is being saved; the outcome of
// the save closes it (see Model.onSaved).
type quitting struct{}

// Update ignores every message.
func (q quitting) Update(tea.Msg) (overlay, tea.Cmd) { return q, nil }

// SetSize does nothing: the line takes its width from the frame.
func (quitting) SetSize(int, int) {}

// Draw says what is being waited for on the bottom line.
func (quitting) Draw(f *frame) {
	f.line = display.Fit(f.st.StatusSaving.Render("saving before quitting…"), f.width)
	f.cursor = nil
}
