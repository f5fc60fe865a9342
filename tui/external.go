package tui

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
)

// externalEdit is a value being edited in $VISUAL or $EDITOR. The text lives
// in a temporary .json file from the moment the editor opens until it is
// stored or the user gives it up, so nothing typed is ever lost. This file
// is the only one the UI itself touches; the data is reached through the
// Source.
type externalEdit struct {
	key      string
	path     string // the temporary file
	original string // the text written to it
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
	// externalReadMsg is what the file held when the editor exited.
	externalReadMsg struct {
		text      string
		unchanged bool // the file was removed: there is nothing to store
		err       error
	}
	// externalRetryMsg is yes to "reopen the editor?"; externalDiscardMsg
	// is no.
	externalRetryMsg   struct{}
	externalDiscardMsg struct{}
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

// readTempCmd reads the edited file back; an unchanged file is removed at
// once.
func readTempCmd(e externalEdit) tea.Cmd {
	return func() tea.Msg {
		data, err := os.ReadFile(e.path)
		if err != nil {
			return externalReadMsg{err: err}
		}
		if string(data) == e.original {
			os.Remove(e.path)
			return externalReadMsg{unchanged: true}
		}
		return externalReadMsg{text: string(data)}
	}
}

// removeTempCmd removes the temporary file once its text is stored or
// given up.
func removeTempCmd(path string) tea.Cmd {
	return func() tea.Msg {
		return externalRemovedMsg{err: os.Remove(path)}
	}
}

// startExternal writes the selected value to a temporary file; the editor
// runs when that is done.
func (m Model) startExternal() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("values cannot be changed"); cmd != nil {
		return m, cmd
	}
	if m.external != nil {
		return m, nil
	}
	k, ok := m.list.Selected()
	if !ok {
		return m, m.noSelection()
	}
	if !m.loaded(k) {
		return m, m.stillLoading(k)
	}
	raw, ok := m.src.GetRaw(k)
	if !ok {
		return m, m.flash(display.KeyLabel(k)+" no longer exists", true)
	}
	noteEditStart(m.src, k)
	e := externalEdit{key: k, original: jsonview.Pretty(raw) + "\n"}
	m.external = &e
	return m, writeTempCmd(e)
}

// runExternal runs the editor on the edit's file; the program gives it the
// terminal and takes it back when the editor exits.
func (m *Model) runExternal() tea.Cmd {
	return m.exec(editorCommand(m.external.path), func(err error) tea.Msg {
		return externalExitedMsg{err: err}
	})
}

// askReopen asks whether to run the editor again on the same file.
func (m *Model) askReopen(text string) tea.Cmd {
	m.open(newQuestion(m.keys, text, externalRetryMsg{}, externalDiscardMsg{}))
	return nil
}

// onExternal handles each step of the round trip.
func (m Model) onExternal(msg tea.Msg) (tea.Model, tea.Cmd) {
	if r, ok := msg.(externalRemovedMsg); ok {
		if r.err != nil {
			return m, m.flash(cleanError(r.err), true)
		}
		return m, nil
	}
	if m.external == nil {
		return m, nil
	}
	e := m.external
	switch msg := msg.(type) {
	case externalFileMsg:
		if msg.err != nil {
			m.external = nil
			return m, m.flash("cannot start the editor: "+cleanError(msg.err), true)
		}
		m.external = &msg.edit
		return m, m.runExternal()
	case externalExitedMsg:
		if msg.err != nil {
			// The editor failed (not found, or exited with an error): the
			// text may still be there, so ask rather than read it or throw
			// it away.
			return m, m.askReopen(fmt.Sprintf("The editor failed (%s). Try again?", cleanError(msg.err)))
		}
		return m, readTempCmd(*e)
	case externalReadMsg:
		switch {
		case msg.err != nil:
			return m, m.askReopen(fmt.Sprintf("Cannot read the edited file (%s). Reopen the editor?", cleanError(msg.err)))
		case msg.unchanged:
			m.external = nil
			noteEditEnd(m.src, e.key)
			return m, m.flash("no changes to "+display.KeyLabel(e.key), false)
		}
		return m, m.enqueue(operation{kind: opSet, key: e.key, raw: []byte(msg.text), from: byExternal})
	case externalRetryMsg:
		return m, m.runExternal()
	case externalDiscardMsg:
		m.external = nil
		noteEditEnd(m.src, e.key)
		return m, tea.Batch(removeTempCmd(e.path), m.flash("edit of "+display.KeyLabel(e.key)+" discarded", false))
	}
	return m, nil
}

// externalRefused answers a value from $EDITOR that the Source did not
// store: the file is kept, and the user is asked whether to fix it.
func (m *Model) externalRefused(err error) tea.Cmd {
	e := m.external
	if e == nil {
		return nil
	}
	var syn *kvstore.SyntaxError
	if errors.As(err, &syn) {
		// The question (first, so a narrow terminal still shows it) says
		// where; the status bar says what is wrong.
		return tea.Batch(
			m.askReopen(fmt.Sprintf("Reopen the editor? Invalid JSON at line %d, column %d.", syn.Line, syn.Column)),
			m.flash(fmt.Sprintf("%s: line %d, column %d: %s", display.KeyLabel(e.key), syn.Line, syn.Column, display.Escape(syn.Msg)), true))
	}
	return m.askReopen(fmt.Sprintf("%s not stored: %s. Reopen the editor?", display.KeyLabel(e.key), cleanError(err)))
}

// externalApplied ends an edit whose value was stored: its file goes.
func (m *Model) externalApplied() tea.Cmd {
	e := m.external
	if e == nil {
		return nil
	}
	m.external = nil
	return removeTempCmd(e.path)
}
