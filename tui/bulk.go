package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// Actions on every key a filter or a find shows: D deletes them, after one
// question, as one change that one u undoes; E exports them, their values
// written to a new JSON file.

// keyExporter is a Source that can write some of its keys to a new file,
// as a kvstore file can (kvstore.KVStore.SaveKeys).
type keyExporter interface {
	SaveKeys(path string, keys []string) error
}

// Messages of exporting the keys shown.
type (
	// exportMsg asks to write keys to path.
	exportMsg struct {
		path string
		keys []string
	}
	// exportedMsg says how it went.
	exportedMsg struct {
		path string
		keys []string
		err  error
	}
)

// shownKeys returns the keys the list shows under a filter or a find, in
// order, without the groups of the tree.
func (m *Model) shownKeys() []string {
	n := m.list.Len()
	keys := make([]string, 0, n)
	for row := range n {
		if m.list.RowIsKey(row) {
			keys = append(keys, m.list.At(row))
		}
	}
	return keys
}

// shownWhat names what narrowed the list, for questions.
func (m *Model) shownWhat() string {
	if m.list.Found() != "" {
		return "the find"
	}
	return "the filter"
}

// askDeleteShown asks before deleting every key the filter or find shows.
func (m Model) askDeleteShown() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("keys cannot be deleted"); cmd != nil {
		return m, cmd
	}
	if !m.list.Filtered() {
		return m, m.flash(m.keys.DeleteShown.Help().Key+" deletes the keys a filter (/) or a find shows; there is none", true)
	}
	keys := m.shownKeys()
	if len(keys) == 0 {
		return m, m.flash(m.shownWhat()+" shows no key", true)
	}
	batch := make([]operation, len(keys))
	for i, k := range keys {
		batch[i] = operation{kind: opDelete, key: k}
	}
	what := display.Plural(len(keys), "key")
	text := fmt.Sprintf("Delete the %s %s shows?", what, m.shownWhat())
	if len(keys) == 1 {
		text = "Delete " + display.KeyLabel(keys[0]) + ", the one key " + m.shownWhat() + " shows?"
	}
	m.open(newQuestion(m.keys, text, opMsg{op: operation{kind: opBatch, batch: batch, label: "deleted " + what}}, nil))
	return m, nil
}

// startExportShown asks where to write the keys the filter or find shows.
func (m Model) startExportShown() (tea.Model, tea.Cmd) {
	if _, ok := m.src.(keyExporter); !ok {
		return m, m.flash("this data cannot export keys to a file", true)
	}
	if !m.list.Filtered() {
		return m, m.flash(m.keys.ExportShown.Help().Key+" exports the keys a filter (/) or a find shows; there is none", true)
	}
	keys := m.shownKeys()
	if len(keys) == 0 {
		return m, m.flash(m.shownWhat()+" shows no key", true)
	}
	m.open(m.exportPrompt(defaultCopyPath("export.json", time.Now()), keys))
	return m, nil
}

func (m *Model) exportPrompt(path string, keys []string) *prompt {
	return pathPrompt(m.keys, "Export "+display.Plural(len(keys), "key")+" to:", path,
		func(path string) tea.Msg { return exportMsg{path: path, keys: keys} })
}

// export writes the keys to the path typed, in a Cmd.
func (m Model) export(msg exportMsg) (tea.Model, tea.Cmd) {
	ex := m.src.(keyExporter)
	return m, func() tea.Msg {
		return exportedMsg{path: msg.path, keys: msg.keys, err: ex.SaveKeys(msg.path, msg.keys)}
	}
}

// onExported says where the keys went, or why not, asking again for the
// path as typed.
func (m Model) onExported(msg exportedMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.open(m.exportPrompt(msg.path, msg.keys))
		return m, m.flash(display.Escape(causeFirst(msg.err)), true)
	}
	return m, m.flash(fmt.Sprintf("exported %s to %s", display.Plural(len(msg.keys), "key"), display.Escape(msg.path)), false)
}
