package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// Quitting shared data with changes it does not have would drop them (see
// quitPending): a Source that is a rescuer writes them to a new file, in
// the format `kvstore import --changes` applies later.

// Messages of writing the pending changes to a file.
type (
	// writePendingMsg asks to write the pending changes to path.
	writePendingMsg struct{ path string }
	// pendingWrittenMsg says how it went: n changes were written.
	pendingWrittenMsg struct {
		path string
		n    int
		err  error
	}
)

// startWritePending writes the pending changes to the file the user
// named, in a Cmd.
func (m Model) startWritePending(msg writePendingMsg) (tea.Model, tea.Cmd) {
	r, ok := m.src.(rescuer)
	if !ok {
		return m, m.flash("this data cannot list its changes", true)
	}
	return m, func() tea.Msg {
		n, err := r.WritePending(msg.path)
		return pendingWrittenMsg{path: msg.path, n: n, err: err}
	}
}

// onPendingWritten asks whether to quit now that the changes are in a
// file, or, if writing failed, says why and asks for the path again, as
// typed.
func (m Model) onPendingWritten(msg pendingWrittenMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.open(pathPrompt(m.keys, "Write the changes to:", msg.path,
			func(path string) tea.Msg { return writePendingMsg{path: path} }))
		return m, m.flash(cleanError(msg.err), true)
	}
	text := fmt.Sprintf("Wrote %s to %s. Quit?", display.Plural(msg.n, "change"), display.Escape(msg.path))
	m.open(newQuestion(m.keys, text, tea.QuitMsg{}, nil))
	return m, nil
}

// shutdownWrittenMsg says where the changes pending at a shutdown went.
type shutdownWrittenMsg struct{ notice string }

// shutdown quits without a question. Closing a file saves its pending
// changes, but closing shared data drops the changes it does not have, so
// those are first written to a new file in the current directory (or, if
// that cannot be written, in the temporary directory), as w would at the
// question about quitting; ExitNotice says where.
func (m Model) shutdown() (tea.Model, tea.Cmd) {
	r, ok := m.src.(rescuer)
	if !ok || m.src.Pending() == 0 {
		return m, tea.Quit
	}
	name := defaultPendingPath(time.Now())
	return m, func() tea.Msg {
		path := name
		n, err := r.WritePending(path)
		if err != nil {
			path = filepath.Join(os.TempDir(), filepath.Base(name))
			var err2 error
			if n, err2 = r.WritePending(path); err2 != nil {
				return shutdownWrittenMsg{notice: fmt.Sprintf(
					"kvstore: %s could not be kept: %s",
					display.Plural(m.src.Pending(), "unsaved change"), cleanError(err))}
			}
		}
		return shutdownWrittenMsg{notice: fmt.Sprintf(
			"kvstore: %s went to %s", display.Plural(n, "unsaved change"), path)}
	}
}

// ExitNotice returns what the program should say as it exits, "" when
// there is nothing to say: where the changes pending when a signal ended
// the UI went, since nobody was asked (see ShutdownMsg).
func (m Model) ExitNotice() string { return m.exitNotice }

// ExitUnsaved reports whether the UI ended, at a signal, with changes the
// data does not have: written to a file (ExitNotice says where) or lost.
// The program then exits with a failure, for whatever sent the signal.
func (m Model) ExitUnsaved() bool { return m.exitNotice != "" }
