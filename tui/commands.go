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
	Delete(key string) error
	Rename(from, to string) error
	Has(key string) bool
	Flush() error
	Reload() error
	Overwrite() error
	Conflict() (*kvstore.Conflict, error)
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
		undo change // what undoes the edit, if it was stored
	}
	// mergedMsg is the result of settling a conflict; keys may have come
	// and gone with the file's changes.
	mergedMsg struct {
		err       error
		at        time.Time
		overwrote bool // the file was replaced rather than merged
	}
	// conflictMsg carries what each side changed, for the conflict screen;
	// again says the file changed once more while the user was choosing.
	conflictMsg struct {
		c     *kvstore.Conflict
		err   error
		again bool
	}
	// reloadedMsg is the result of reading the file again.
	reloadedMsg struct{ err error }
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

// conflictCmd reads what each side changed, for the conflict screen.
func conflictCmd(s Store) tea.Cmd {
	return func() tea.Msg {
		c, err := s.Conflict()
		return conflictMsg{c: c, err: err}
	}
}

// mergeCmd settles a conflict with the file on disk: it takes the file's
// content and applies the store's changes on top; for each key both sides
// changed, keepMine holds the user's choice. If the file changed again since
// the conflict screen was drawn and a key the user was not asked about now
// collides, nothing is merged and the screen is shown again, so no value is
// dropped without a choice.
func mergeCmd(s Store, keepMine map[string]bool, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		c, err := s.Conflict()
		if err != nil {
			return mergedMsg{err: err, at: now()}
		}
		for _, k := range c.Collisions {
			if _, asked := keepMine[k]; !asked {
				return conflictMsg{c: c, again: true}
			}
		}
		err = s.Merge(func(k string) bool { return keepMine[k] })
		return mergedMsg{err: err, at: now()}
	}
}

// overwriteCmd settles a conflict by replacing the file with the store.
func overwriteCmd(s Store, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		err := s.Overwrite()
		return mergedMsg{err: err, at: now(), overwrote: true}
	}
}

// reloadCmd reads the file again, dropping pending changes.
func reloadCmd(s Store) tea.Cmd {
	return func() tea.Msg {
		return reloadedMsg{err: s.Reload()}
	}
}

// applyCmd stores text under key. SetRaw validates it; in always-save mode
// it also waits for the save, which is why it is not called from Update.
func applyCmd(s Store, key, text string, undo change) tea.Cmd {
	return func() tea.Msg {
		return appliedMsg{key: key, text: text, err: s.SetRaw(key, []byte(text)), undo: undo}
	}
}

// quitFlushCmd saves pending changes before quitting.
func quitFlushCmd(s Store) tea.Cmd {
	return func() tea.Msg {
		return quitFlushDoneMsg{err: s.Flush()}
	}
}
