package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// Writing the data to another file (w) is the way out when the data file
// cannot be saved: its directory is read-only, the disk is full. The store
// writes its whole state, pending changes included, to a new file the user
// names, complete or not at all, and stays as it was; then the UI offers
// to quit without saving, since the changes are safe elsewhere.

// copySaver is a Source that can write its state to another file, as a
// kvstore file can (kvstore.KVStore.SaveCopy).
type copySaver interface {
	SaveCopy(path string) error
}

// Messages of writing the data to another file.
type (
	// saveCopyMsg asks for a path to write the data to.
	saveCopyMsg struct{}
	// writeCopyMsg asks to write the data to path.
	writeCopyMsg struct{ path string }
	// copyWrittenMsg says how it went.
	copyWrittenMsg struct {
		path string
		err  error
	}
)

// canSaveCopy reports whether the data can be written to another file.
func (m *Model) canSaveCopy() bool {
	_, ok := m.src.(copySaver)
	return ok && !m.src.ReadOnly()
}

// startSaveCopy asks where to write the data, offering a new name in the
// current directory.
func (m Model) startSaveCopy() (tea.Model, tea.Cmd) {
	if !m.canSaveCopy() {
		return m, m.flash("this data cannot be written to another file", true)
	}
	m.closeAll()
	m.open(pathPrompt(m.keys, "Write the data to:", defaultCopyPath(m.src.Name(), time.Now()),
		func(path string) tea.Msg { return writeCopyMsg{path: path} }))
	return m, nil
}

// defaultCopyPath names a copy of the data file name in the current
// directory after the time, as data-20261129-231502.json.
func defaultCopyPath(name string, now time.Time) string {
	ext := filepath.Ext(name)
	return "./" + strings.TrimSuffix(name, ext) + now.Format("-20060102-150405") + ext
}

// writeCopy writes the data to the path typed, in a Cmd.
func (m Model) writeCopy(msg writeCopyMsg) (tea.Model, tea.Cmd) {
	cs := m.src.(copySaver)
	return m, func() tea.Msg { return copyWrittenMsg{path: msg.path, err: cs.SaveCopy(msg.path)} }
}

// onCopyWritten asks whether to quit without saving now that the data is
// in another file, or, if writing failed, says why and asks for the path
// again, as typed.
func (m Model) onCopyWritten(msg copyWrittenMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.open(pathPrompt(m.keys, "Write the data to:", msg.path,
			func(path string) tea.Msg { return writeCopyMsg{path: path} }))
		return m, m.flash(display.Escape(causeFirst(msg.err)), true)
	}
	text := fmt.Sprintf("Copy written. Quit without saving %s?", display.Escape(m.src.Name()))
	m.open(newQuestion(m.keys, text, quitDropMsg{}, nil))
	return m, m.flash("wrote the data to "+display.Escape(msg.path), false)
}
