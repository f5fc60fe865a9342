package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// A file of pending changes keeps what quitting shared data would drop
// (see quitPending). It is one JSON object:
//
//	{
//	  "source": "etcd://127.0.0.1:2379/app/",
//	  "set": {"key": value, ...},
//	  "delete": ["key", ...],
//	  "revisions": {"key": 42, ...}
//	}
//
// set holds each key added or changed with its new value, delete each key
// removed (a rename is both), so a deletion is never mistaken for a null
// value; revisions holds the revision in etcd each change was based on (0:
// the key did not exist). `kvstore import --changes SRC < FILE` applies
// it with the same revision checks the UI would have made.
type pendingFile struct {
	Source    string                     `json:"source"`
	Set       map[string]json.RawMessage `json:"set"`
	Delete    []string                   `json:"delete"`
	Revisions map[string]int64           `json:"revisions"`
}

// pendingLister is a Source that lists the changes it has not saved, as
// they are to be written: etcdSource.
type pendingLister interface {
	// PendingWrites returns each key changed with its value, each key
	// deleted, sorted, and the revision each change requires.
	PendingWrites() (set map[string]json.RawMessage, deleted []string, revisions map[string]int64)
}

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
// named, in a Cmd. What is written is read now, so it is what the user saw.
func (m Model) startWritePending(msg writePendingMsg) (tea.Model, tea.Cmd) {
	pl, ok := m.src.(pendingLister)
	if !ok {
		return m, m.flash("this data cannot list its changes", true)
	}
	f := pendingFile{Source: m.src.Name()}
	f.Set, f.Delete, f.Revisions = pl.PendingWrites()
	return m, func() tea.Msg {
		err := writeNewFile(msg.path, f)
		return pendingWrittenMsg{path: msg.path, n: len(f.Set) + len(f.Delete), err: err}
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
	pl, ok := m.src.(pendingLister)
	if !ok || m.src.Pending() == 0 {
		return m, tea.Quit
	}
	f := pendingFile{Source: m.src.Name()}
	f.Set, f.Delete, f.Revisions = pl.PendingWrites()
	n := display.Plural(len(f.Set)+len(f.Delete), "change")
	name := defaultPendingPath(time.Now())
	return m, func() tea.Msg {
		err := writeNewFile(name, f)
		path := name
		if err != nil {
			path = filepath.Join(os.TempDir(), filepath.Base(name))
			if err2 := writeNewFile(path, f); err2 != nil {
				return shutdownWrittenMsg{notice: fmt.Sprintf(
					"kvstore: %s that etcd does not have could not be kept: %s", n, cleanError(err))}
			}
		}
		return shutdownWrittenMsg{notice: fmt.Sprintf(
			"kvstore: %s that etcd does not have went to %s", n, path)}
	}
}

// ExitNotice returns what the program should say as it exits, "" when
// there is nothing to say: where the changes pending when a signal ended
// the UI went, since nobody was asked (see ShutdownMsg).
func (m Model) ExitNotice() string { return m.exitNotice }

// writeNewFile writes f to path as indented JSON, atomically and only if
// path does not exist: the text goes to a temporary file beside it, which
// is synced and then linked to path, an operation that fails rather than
// replace a file.
func writeNewFile(path string, f pendingFile) error {
	if f.Set == nil {
		f.Set = map[string]json.RawMessage{}
	}
	if f.Delete == nil {
		f.Delete = []string{}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".kvstore-pending-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; choose another name", filepath.Base(path))
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a new name in dir durable. Windows has no directory sync,
// and there the link is as durable as the file system makes it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
