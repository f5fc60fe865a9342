package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// quitting is the wait for the save made before quitting. It holds every
// key, so nothing changes the data while it is being saved; the outcome of
// the save closes it (see Model.onSaved).
type quitting struct {
	// dropping: the pending changes are being dropped (Q), not saved.
	dropping bool
}

// Update ignores every message.
func (q quitting) Update(tea.Msg) (overlay, tea.Cmd) { return q, nil }

// SetSize does nothing: the line takes its width from the frame.
func (quitting) SetSize(int, int) {}

// Draw says what is being waited for on the bottom line.
func (q quitting) Draw(f *frame) {
	text := "saving before quitting…"
	if q.dropping {
		text = "dropping the changes before quitting…"
	}
	f.line = display.Fit(f.st.StatusSaving.Render(text), f.width)
	f.cursor = nil
}
