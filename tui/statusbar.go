package tui

import (
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// saveState is what the status bar knows about saving, kept up to date from
// the store's flush events and the results of the UI's own writes.
type saveState struct {
	saving   bool      // a save the UI started has not finished
	pending  int       // changes not yet on disk
	lastSave time.Time // when the last good save finished
	err      error     // the last save's error, until a save succeeds
	readOnly bool
	closed   bool   // the store's event channel closed
	path     string // the data file, to shorten error messages
}

// text returns the save state in a few words and the style to draw it in.
func (s saveState) text(st *Styles) string {
	switch {
	case s.readOnly:
		return st.StatusNote.Render("read-only")
	case s.saving:
		return st.StatusSaving.Render("saving…")
	case s.err != nil:
		return st.StatusError.Render("save failed: " + displayEscape(s.reason()))
	case s.pending == 1:
		return st.StatusDirty.Render("1 unsaved change")
	case s.pending > 1:
		return st.StatusDirty.Render(groupDigits(s.pending) + " unsaved changes")
	case s.closed:
		return st.StatusNote.Render("closed")
	case !s.lastSave.IsZero():
		return st.StatusSaved.Render("saved " + s.lastSave.Format("15:04:05"))
	default:
		return st.StatusSaved.Render("no unsaved changes")
	}
}

// reason shortens a save error for the status bar: the file is named
// there already, and a conflict gets a plain explanation.
func (s saveState) reason() string {
	if errors.Is(s.err, kvstore.ErrConflict) {
		return "the file changed on disk (ctrl+s to resolve)"
	}
	msg := s.err.Error()
	if s.path != "" {
		msg = strings.ReplaceAll(msg, s.path, filepath.Base(s.path))
	}
	return strings.ReplaceAll(msg, "kvstore: ", "")
}

// statusMessageTimeout is how long a transient status message stays.
const statusMessageTimeout = 5 * time.Second

// statusBar is the bottom line: the file name, the save state and a
// transient message (what just happened, or why something was refused).
type statusBar struct {
	file   string
	state  saveState
	msg    string
	msgErr bool
	msgID  int
	width  int
}

// clearMessageMsg ends a status message; id stops an old timer from ending
// a newer message.
type clearMessageMsg struct{ id int }

// SetMessage shows msg and returns its id, for the timer that clears it.
func (s *statusBar) SetMessage(msg string, isErr bool) int {
	s.msgID++
	s.msg, s.msgErr = msg, isErr
	return s.msgID
}

// ClearMessage ends the message if id is still the current one.
func (s *statusBar) ClearMessage(id int) {
	if id == s.msgID {
		s.msg = ""
	}
}

// View draws the status line.
func (s *statusBar) View(st *Styles) string {
	sep := st.Dim.Render(" │ ")
	var b strings.Builder
	b.WriteString(st.StatusFile.Render(displayEscape(filepath.Base(s.file))))
	b.WriteString(sep)
	b.WriteString(s.state.text(st))
	if s.msg != "" {
		b.WriteString(sep)
		if s.msgErr {
			b.WriteString(st.StatusError.Render(s.msg))
		} else {
			b.WriteString(st.StatusNote.Render(s.msg))
		}
	}
	return fit(b.String(), s.width)
}
