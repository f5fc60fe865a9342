package tui

import (
	"encoding/json"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Store is the part of *kvstore.KVStore the UI uses.
type Store interface {
	Keys() []string
	GetRaw(key string) (json.RawMessage, bool)
	SetRaw(key string, raw []byte) error
	Flush() error
	Merge(keepOurs func(key string) bool) error
	Events() <-chan kvstore.FlushEvent
	Pending() int
	ReadOnly() bool
	Path() string
}

// Every store call that may touch the disk runs in a Cmd, never in Update;
// the Cmd reports back with one of these messages.
type (
	// flushEventMsg carries one event from the store's Events channel.
	flushEventMsg struct{ ev kvstore.FlushEvent }
	// eventsClosedMsg says the Events channel closed: the store was closed.
	eventsClosedMsg struct{}
	// flushDoneMsg is the result of a save the user asked for.
	flushDoneMsg struct {
		err error
		at  time.Time
	}
	// appliedMsg is the result of storing an edited value.
	appliedMsg struct {
		key  string
		text string
		err  error
	}
	// mergedMsg is the result of settling a conflict; keys may have come
	// and gone with the file's changes.
	mergedMsg struct {
		err error
		at  time.Time
	}
	// quitFlushDoneMsg is the result of the save made before quitting.
	quitFlushDoneMsg struct{ err error }
)

// ShutdownMsg asks the UI to quit at once, without questions: the program
// sends it on SIGTERM or SIGHUP, when nobody may be there to answer. The
// caller closes the store afterwards, which saves pending changes.
type ShutdownMsg struct{}

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

// flushCmd saves pending changes now.
func flushCmd(s Store, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		err := s.Flush()
		return flushDoneMsg{err: err, at: now()}
	}
}

// mergeCmd settles a conflict with the file on disk: it takes the file's
// content and applies the store's changes on top, the user's winning where
// both sides changed a key, then saves.
func mergeCmd(s Store, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		err := s.Merge(func(string) bool { return true })
		return mergedMsg{err: err, at: now()}
	}
}

// applyCmd stores text under key. SetRaw validates it; in always-save mode
// it also waits for the save, which is why it is not called from Update.
func applyCmd(s Store, key, text string) tea.Cmd {
	return func() tea.Msg {
		return appliedMsg{key: key, text: text, err: s.SetRaw(key, []byte(text))}
	}
}

// quitFlushCmd saves pending changes before quitting.
func quitFlushCmd(s Store) tea.Cmd {
	return func() tea.Msg {
		return quitFlushDoneMsg{err: s.Flush()}
	}
}
