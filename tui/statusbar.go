package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// statusMessageTimeout is how long a transient status message stays.
const statusMessageTimeout = 5 * time.Second

// statusBar is the bottom line: the file name, the save state and a
// transient message (what just happened, or why something was refused).
type statusBar struct {
	name   string
	state  saveState
	msg    string
	msgErr bool
	msgID  int
	width  int
	// watchLost, while the watch that keeps the view live is lost, says
	// so; it stays until the data was read again.
	watchLost string
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

// View draws the status line. When it does not fit, the name gives way
// first, down to a third of the line, so that the save state (say, that
// edits wait for an unreachable cluster) stays readable.
func (s *statusBar) View(st *Styles) string {
	sep := st.Dim.Render(" │ ")
	state := s.state.text(st)
	name := display.Escape(s.name)
	if w := ansi.StringWidth(name); w+ansi.StringWidth(sep+state) > s.width {
		room := s.width - ansi.StringWidth(sep+state)
		name = ansi.Truncate(name, max(room, min(s.width/3, w)), "…")
	}
	if s.msg != "" {
		// A save's error gives way to the message down to its cause: the
		// message is what just happened.
		used := ansi.StringWidth(name) + 2*ansi.StringWidth(sep) + ansi.StringWidth(s.msg)
		if ansi.StringWidth(state) > s.width-used {
			brief := s.state
			brief.brief = true
			state = brief.text(st)
		}
	}
	var b strings.Builder
	b.WriteString(st.StatusFile.Render(name))
	b.WriteString(sep)
	b.WriteString(state)
	if s.watchLost != "" {
		b.WriteString(sep)
		b.WriteString(st.StatusError.Render(s.watchLost))
	}
	if s.msg != "" {
		b.WriteString(sep)
		if s.msgErr {
			b.WriteString(st.StatusError.Render(s.msg))
		} else {
			b.WriteString(st.StatusNote.Render(s.msg))
		}
	}
	return display.Fit(b.String(), s.width)
}

// observeWatch takes in the state of a live Source's watch (nil for
// another Source) after a refresh: while it is lost the status bar says so,
// and once the data was read again after a loss it returns the message
// that says so; otherwise "".
func (m *Model) observeWatch(w *kvstore.WatchState) (recovered string) {
	if w == nil {
		return ""
	}
	why := ""
	if w.Reason != "" {
		why = " (" + display.Escape(w.Reason) + ")"
	}
	m.status.watchLost = ""
	if w.Lost {
		m.status.watchLost = "watch lost: reconnecting…" + why
	}
	if w.Recovered {
		return "read again after the watch was lost" + why
	}
	return ""
}
