package tui

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// externalEdit is a value being edited in $VISUAL or $EDITOR. The text lives
// in a temporary .json file from the moment the editor opens until it is
// applied or the user gives it up, so nothing typed is ever lost.
type externalEdit struct {
	key      string
	path     string // the temporary file
	original string // the text written to it
	undo     change // what undoes the edit once applied
}

// Messages of the external editor's round trip.
type (
	// externalFileMsg says the value was written to a temporary file.
	externalFileMsg struct {
		edit externalEdit
		err  error
	}
	// externalExitedMsg says the editor exited.
	externalExitedMsg struct{ err error }
	// externalAppliedMsg is the result of reading the file back and storing
	// it; text is what the file held.
	externalAppliedMsg struct {
		text      string
		unchanged bool
		readErr   error // the file could not be read back
		err       error // the store's answer
	}
	// externalRemovedMsg says the temporary file was removed.
	externalRemovedMsg struct{ err error }
)

// editorCommand returns the user's editor: $VISUAL, else $EDITOR, else vi.
// The variable may hold arguments ("code --wait").
func editorCommand(path string) *exec.Cmd {
	ed := strings.TrimSpace(os.Getenv("VISUAL"))
	if ed == "" {
		ed = strings.TrimSpace(os.Getenv("EDITOR"))
	}
	if ed == "" {
		ed = "vi"
	}
	args := strings.Fields(ed)
	return exec.Command(args[0], append(args[1:], path)...)
}

// writeTempCmd writes the value's text to a temporary .json file.
func writeTempCmd(e externalEdit) tea.Cmd {
	return func() tea.Msg {
		f, err := os.CreateTemp("", "kvstore-*.json")
		if err != nil {
			return externalFileMsg{err: err}
		}
		e.path = f.Name()
		_, err = f.WriteString(e.original)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(e.path)
		}
		return externalFileMsg{edit: e, err: err}
	}
}

// readApplyCmd reads the edited file and stores its text. The file is
// removed only once the text is stored (or was not changed).
func readApplyCmd(s Store, e externalEdit) tea.Cmd {
	return func() tea.Msg {
		data, err := os.ReadFile(e.path)
		if err != nil {
			return externalAppliedMsg{readErr: err}
		}
		text := string(data)
		if text == e.original {
			os.Remove(e.path)
			return externalAppliedMsg{text: text, unchanged: true}
		}
		err = s.SetRaw(e.key, data)
		if err == nil || !notStored(err) {
			os.Remove(e.path)
		}
		return externalAppliedMsg{text: text, err: err}
	}
}

// removeTempCmd removes the temporary file of an edit the user gave up.
func removeTempCmd(path string) tea.Cmd {
	return func() tea.Msg {
		return externalRemovedMsg{err: os.Remove(path)}
	}
}

// startExternal writes the selected value to a temporary file; the editor
// runs when that is done.
func (m Model) startExternal() (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, m.flash("read-only: values cannot be changed", true)
	}
	if m.external != nil {
		return m, nil
	}
	k, ok := m.list.Selected()
	if !ok {
		return m, nil
	}
	raw, ok := m.store.GetRaw(k)
	if !ok {
		return m, m.flash(keyLabel(k)+" no longer exists", true)
	}
	c := change{kind: changeSet, key: k}
	e := externalEdit{key: k, original: prettyJSON(raw) + "\n", undo: inverseOf(m.store, c)}
	m.external = &e
	return m, writeTempCmd(e)
}

// runExternal runs the editor on the edit's file; the program gives it the
// terminal and takes it back when the editor exits.
func (m Model) runExternal() tea.Cmd {
	return m.exec(editorCommand(m.external.path), func(err error) tea.Msg {
		return externalExitedMsg{err: err}
	})
}

func (m Model) onExternalFile(msg externalFileMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.external = nil
		return m, m.flash("cannot start the editor: "+cleanError(msg.err), true)
	}
	m.external = &msg.edit
	return m, m.runExternal()
}

func (m Model) onExternalExited(msg externalExitedMsg) (tea.Model, tea.Cmd) {
	if m.external == nil {
		return m, nil
	}
	if msg.err != nil {
		// The editor failed (not found, or exited with an error): the text
		// may still be there, so ask rather than read it or throw it away.
		m.ask(askReopenExternal, fmt.Sprintf("The editor failed (%s). Try again?", cleanError(msg.err)))
		return m, nil
	}
	m.status.state.saving = m.alwaysSave
	return m, readApplyCmd(m.store, *m.external)
}

func (m Model) onExternalApplied(msg externalAppliedMsg) (tea.Model, tea.Cmd) {
	st := &m.status.state
	st.saving = false
	st.pending = m.store.Pending()
	e := m.external
	if e == nil {
		return m, nil
	}
	var syn *kvstore.SyntaxError
	switch {
	case msg.readErr != nil:
		m.ask(askReopenExternal, fmt.Sprintf("Cannot read the edited file (%s). Reopen the editor?", cleanError(msg.readErr)))
		return m, nil
	case msg.unchanged:
		m.external = nil
		return m, m.flash("no changes to "+keyLabel(e.key), false)
	case errors.As(msg.err, &syn):
		// The question (first, so a narrow terminal still shows it) says
		// where; the status bar says what is wrong.
		m.ask(askReopenExternal, fmt.Sprintf("Reopen the editor? Invalid JSON at line %d, column %d.", syn.Line, syn.Column))
		return m, m.flash(fmt.Sprintf("%s: line %d, column %d: %s", keyLabel(e.key), syn.Line, syn.Column, displayEscape(syn.Msg)), true)
	case msg.err != nil && notStored(msg.err):
		m.ask(askReopenExternal, fmt.Sprintf("%s not stored: %s. Reopen the editor?", keyLabel(e.key), cleanError(msg.err)))
		return m, nil
	case msg.err != nil:
		st.err = msg.err
	}
	m.external = nil
	m.record(change{kind: changeSet, key: e.key, raw: []byte(msg.text)}, e.undo)
	m.syncValueForce()
	return m, m.flash("applied "+keyLabel(e.key), false)
}

// answerExternal handles the answer to "reopen the editor?": yes runs it
// again on the same file, no gives the edit up and removes the file.
func (m Model) answerExternal(yes bool) (tea.Model, tea.Cmd) {
	m.mode = modeBrowse
	if m.external == nil {
		return m, nil
	}
	if yes {
		return m, m.runExternal()
	}
	path, k := m.external.path, m.external.key
	m.external = nil
	return m, tea.Batch(removeTempCmd(path), m.flash("edit of "+keyLabel(k)+" discarded", false))
}
