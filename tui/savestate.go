package tui

import (
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// The save state shown in the status bar is read from the Source when the
// bar is drawn (pending changes, the last save's error) and from its flush
// events (when the last save finished), so it never disagrees with the
// store: nothing else sets it. A save the UI runs itself is reported by its
// event like any other.

// Messages of the wait for flush events.
type (
	// flushEventMsg carries one event from the Source's Events channel.
	flushEventMsg struct{ ev kvstore.FlushEvent }
	// eventsClosedMsg says the Events channel closed: the store was closed.
	eventsClosedMsg struct{}
)

// waitForEvent waits for the next flush event. Update re-arms it after each
// event, so exactly one wait is outstanding and nothing polls; when Close
// closes the channel the loop ends with eventsClosedMsg.
func waitForEvent(events <-chan kvstore.FlushEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-events
		if !ok {
			return eventsClosedMsg{}
		}
		return flushEventMsg{ev: ev}
	}
}

// saveReport is what the UI learned about saving that the Source's
// accessors do not tell.
type saveReport struct {
	savedAt time.Time // when a save last left nothing pending
	closed  bool      // the Events channel closed
	// outside: the data changed elsewhere while changes were pending (or
	// kept apart, see foldingSource), so the next save would fail; ctrl+s
	// opens the conflict screen.
	outside bool
	// deleted: a refresh found the file deleted and kept the data.
	deleted bool
}

// observe takes in a flush event.
func (r *saveReport) observe(ev kvstore.FlushEvent) {
	if ev.Err == nil && ev.Pending == 0 && ev.Time.After(r.savedAt) {
		r.savedAt = ev.Time
	}
}

// saveState is the save state as the status bar shows it.
type saveState struct {
	readOnly bool
	saving   bool // an operation that may write to disk is running
	pending  int  // changes not yet on disk
	// unsaved is the net count of pending, as c lists them: a change
	// undone is no change, though the store still has it to save.
	unsaved int
	// notInData: changes the data lacks, pending or kept apart (see
	// foldingSource); a change made elsewhere meanwhile is a conflict.
	notInData int
	err       error // the last save's error, until a save succeeds
	report    saveReport
	name      string // the data's name, to shorten error messages
	words     *wording
	// brief: a save's error is said by its cause alone.
	brief bool
	// stale: the watch that keeps shared data live is lost, so other
	// clients' changes may be missing from the view.
	stale bool
}

// saveState derives the save state from the Source and its events.
func (m *Model) saveState() saveState {
	return saveState{
		readOnly:  m.src.ReadOnly(),
		saving:    m.writes.saving(),
		pending:   m.src.Pending(),
		unsaved:   m.unsaved(),
		notInData: notInData(m.src),
		err:       m.src.LastSaveError(),
		report:    m.save,
		name:      m.src.Name(),
		words:     m.words,
		stale:     m.status.watchLost != "",
	}
}

// conflicted reports whether saving would hit a conflict, which ctrl+s
// then settles on the conflict screen.
func (s saveState) conflicted() bool {
	return errors.Is(s.err, kvstore.ErrConflict) || ((s.report.outside || s.report.deleted) && s.notInData > 0)
}

// text returns the save state in a few words and the style to draw it in.
func (s saveState) text(st *Styles) string {
	switch {
	case s.readOnly && errors.Is(s.err, kvstore.ErrConflict):
		// A crashed writer's journal was written against another version
		// of the file, so the view shows the file alone.
		return st.StatusError.Render("read-only · showing the file without its journal")
	case s.readOnly:
		return st.StatusNote.Render("read-only")
	case unreachable(s.err) && s.pending > 0:
		// Before saving…: each retry is a save, and the state is the same
		// while one runs.
		return st.StatusError.Render(unreachableText + " · retrying · " + display.GroupDigits(s.pending) + " pending")
	case s.saving:
		return st.StatusSaving.Render("saving…")
	case s.err != nil:
		return st.StatusError.Render("save failed: " + display.Escape(s.reason()))
	case s.report.outside && s.notInData > 0:
		return st.StatusError.Render(s.words.changed)
	case s.report.deleted && s.notInData > 0:
		return st.StatusError.Render("the file was deleted (ctrl+s to resolve)")
	case s.report.deleted:
		return st.StatusError.Render("the file was deleted on disk")
	case s.unsaved == 1:
		return st.StatusDirty.Render("1 unsaved change")
	case s.unsaved > 1:
		return st.StatusDirty.Render(display.GroupDigits(s.unsaved) + " unsaved changes")
	case s.report.closed:
		return st.StatusNote.Render("closed")
	case s.stale:
		// Nothing to save, but nothing to trust either: the view is the
		// data as last read.
		return st.StatusError.Render("data may be stale")
	case !s.report.savedAt.IsZero():
		return st.StatusSaved.Render("saved " + s.report.savedAt.Format("15:04:05"))
	default:
		return st.StatusSaved.Render("no unsaved changes")
	}
}

// reason shortens a save error for the status bar: the data is named
// there already, and a conflict gets a plain explanation.
func (s saveState) reason() string {
	if fileDeleted(s.err) {
		return "the file was deleted (ctrl+s to resolve)"
	}
	if errors.Is(s.err, kvstore.ErrConflict) {
		return s.words.changed
	}
	if why := readOnlyReason(s.err, s.name); why != "" {
		return why
	}
	if s.brief {
		return strings.ReplaceAll(rootCause(s.err).Error(), "kvstore: ", "")
	}
	return shortenPaths(causeFirst(s.err), s.name)
}

// rootCause returns the innermost error err wraps, or err.
func rootCause(err error) error {
	for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(err) {
		err = next
	}
	return err
}

// causeFirst writes an error with its cause first, "permission denied
// (save data.json: create temp file in /srv/app: …)", without the library's
// prefix: a line cut at the screen's edge keeps what went wrong, not the
// steps that led there.
func causeFirst(err error) string {
	msg := strings.ReplaceAll(err.Error(), "kvstore: ", "")
	cause := rootCause(err)
	c := cause.Error()
	if cause == err || c == "" || !strings.HasSuffix(msg, c) {
		return msg
	}
	steps := strings.TrimRight(strings.TrimSuffix(msg, c), ": ")
	if steps == "" {
		return c
	}
	return c + " (" + steps + ")"
}

// shortenPaths writes every path in msg that ends in name (a file's name)
// as name alone: the status bar has no room for directories.
func shortenPaths(msg, name string) string {
	if name == "" {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.Index(msg, name)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		start := i
		if i > 0 && (msg[i-1] == '/' || msg[i-1] == '\\') {
			start = strings.LastIndexByte(msg[:i], ' ') + 1
		}
		b.WriteString(msg[:start])
		b.WriteString(name)
		msg = msg[i+len(name):]
	}
}

// cleanError is an error for the status bar: one line, escaped, without
// the library's prefix.
func cleanError(err error) string {
	return display.Escape(strings.ReplaceAll(err.Error(), "kvstore: ", ""))
}
