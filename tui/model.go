// Package tui is the terminal UI for browsing and hand-editing a kvstore
// file: a filterable key list, the selected value pretty-printed with syntax
// colours, an editor that only stores valid JSON, and a status bar driven by
// the store's flush events.
package tui

import (
	"errors"
	"os/exec"
	"path/filepath"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Smallest terminal the layout supports.
const (
	MinWidth  = 40
	MinHeight = 10
)

// Options configures New.
type Options struct {
	// Keys are the key bindings; the program's defaults are in keymap.go.
	Keys KeyMap
	// AlwaysSave tells the UI that every change is saved as it is made, so
	// applying an edit shows "saving…" until the write returns.
	AlwaysSave bool
	// Now is the clock for the time shown after a save the user asked for;
	// nil means time.Now.
	Now func() time.Time
	// Refresh, for a read-only store, is how often to check whether the
	// writer saved the file and read it again if so; zero means never.
	Refresh time.Duration
	// Notice is a message for the status bar at start, such as why the
	// store was opened read-only; it expires like any other.
	Notice string
}

// question is a yes/no question waiting for an answer, and what it is about.
type question int

const (
	askDiscardEdit     question = iota + 1 // esc in a changed editor
	askQuitDiscardEdit                     // quit from a changed editor
	askQuitUnsaved                         // the final save failed
	askDelete                              // d: delete the selected key
	askReload                              // ctrl+r with unsaved changes
	askOverwrite                           // O on the conflict screen
	askReopenExternal                      // $EDITOR's text was not stored
)

// Model is the root Bubble Tea model. It owns the child models (key list,
// value pane, editor, status bar, help) and decides, from its mode, which of
// them gets each key.
type Model struct {
	store      Store
	keys       KeyMap
	now        func() time.Time
	alwaysSave bool
	styles     Styles

	list   keyList
	value  valuePane
	editor editor
	status statusBar
	help   help.Model

	mode       mode
	editing    bool // the editor is open (also while a question is asked)
	focusValue bool // keys move the value pane instead of the list
	showHelp   bool
	asking     question
	askText    string
	askKey     string // the key a question is about

	prompt   prompt        // the key-name input, in modePrompt
	resolver resolver      // the conflict screen, in modeResolve
	external *externalEdit // a value out in $EDITOR
	undo     []undoEntry   // this session's changes, newest last
	refresh  time.Duration
	fileSeen fileStamp // the file as the read-only refresh last saw it

	width, height int

	// tick and waitEvents make the Cmds that wait: a timer and the next
	// flush event. Tests replace them to run every other Cmd inline.
	tick       func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	waitEvents func() tea.Cmd
	// clip copies text to the terminal's clipboard and exec runs the
	// external editor; tests replace them.
	clip func(string) tea.Cmd
	exec func(*exec.Cmd, tea.ExecCallback) tea.Cmd
}

// New returns the UI for store. It reads the store's keys here, and again
// after each change of keys it makes and after reading the file again: the
// UI is the store's only writer, so nothing else can change them.
func New(store Store, opts Options) Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	st := newStyles(true)
	m := Model{
		store:      store,
		keys:       opts.Keys,
		now:        now,
		alwaysSave: opts.AlwaysSave,
		list:       newKeyList(store.Keys()),
		editor:     newEditor(),
		status: statusBar{
			file:  store.Path(),
			state: saveState{readOnly: store.ReadOnly(), pending: store.Pending(), path: store.Path()},
		},
		help:    help.New(),
		tick:    tea.Tick,
		clip:    tea.SetClipboard,
		exec:    tea.ExecProcess,
		refresh: opts.Refresh,
	}
	m.waitEvents = func() tea.Cmd { return waitForEvent(store.Events()) }
	m.setStyles(st)
	m.syncValue()
	if opts.Notice != "" {
		m.status.SetMessage(displayEscape(opts.Notice), false)
	}
	// The first frame shows the first value, however large.
	if lay := m.value.TakeRequest(); lay != nil {
		m.value.SetLaidOut(lay().(valueLaidOutMsg))
	}
	return m
}

// Init asks for the terminal's background colour and starts waiting for
// flush events.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.waitEvents(), m.startRefresh()}
	if m.status.msg != "" {
		id := m.status.msgID
		cmds = append(cmds, m.tick(statusMessageTimeout, func(time.Time) tea.Msg { return clearMessageMsg{id: id} }))
	}
	return tea.Batch(cmds...)
}

func (m *Model) setStyles(st Styles) {
	m.styles = st
	m.help.Styles.ShortKey = st.HelpKey
	m.help.Styles.ShortDesc = st.HelpDesc
	m.help.Styles.ShortSeparator = st.HelpSep
	m.help.Styles.Ellipsis = st.HelpSep
}

// Update handles one message. A large value selected while handling it is
// laid out by a Cmd, so moving past it does not wait for its layout.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	nm := next.(Model)
	if lay := nm.value.TakeRequest(); lay != nil {
		return nm, tea.Batch(cmd, lay)
	}
	return nm, cmd
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case valueLaidOutMsg:
		m.value.SetLaidOut(msg)
		return m, nil
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.setStyles(newStyles(msg.IsDark()))
		return m, nil
	case flushEventMsg:
		m.onFlushEvent(msg.ev)
		return m, m.waitEvents()
	case eventsClosedMsg:
		m.status.state.closed = true
		return m, nil
	case flushDoneMsg:
		return m.onFlushDone(msg)
	case appliedMsg:
		return m.onApplied(msg)
	case mergedMsg:
		return m.onMerged(msg)
	case conflictMsg:
		return m.onConflict(msg)
	case reloadedMsg:
		return m.onReloaded(msg)
	case changedMsg:
		return m.onChanged(msg)
	case refreshTickMsg:
		return m, refreshCmd(m.store, m.fileSeen)
	case refreshedMsg:
		return m.onRefreshed(msg)
	case externalFileMsg:
		return m.onExternalFile(msg)
	case externalExitedMsg:
		return m.onExternalExited(msg)
	case externalAppliedMsg:
		return m.onExternalApplied(msg)
	case externalRemovedMsg:
		if msg.err != nil {
			return m, m.flash(cleanError(msg.err), true)
		}
		return m, nil
	case quitFlushDoneMsg:
		return m.onQuitFlushDone(msg)
	case clearMessageMsg:
		m.status.ClearMessage(msg.id)
		return m, nil
	case ShutdownMsg:
		return m, tea.Quit
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		return m.handlePaste(msg)
	}
	if m.mode == modeEdit {
		var cmd tea.Cmd
		m.editor, cmd = m.editor.Update(msg)
		return m, cmd
	}
	return m, nil
}

// onFlushEvent records a completed save, whoever started it.
func (m *Model) onFlushEvent(ev kvstore.FlushEvent) {
	st := &m.status.state
	if ev.Err != nil {
		st.err = ev.Err
	} else {
		st.err = nil
		if ev.Time.After(st.lastSave) {
			st.lastSave = ev.Time
		}
	}
	st.pending = m.store.Pending()
}

func (m Model) onFlushDone(msg flushDoneMsg) (tea.Model, tea.Cmd) {
	st := &m.status.state
	st.saving = false
	st.pending = m.store.Pending()
	if msg.err != nil {
		st.err = msg.err
		return m, nil
	}
	st.err = nil
	if msg.at.After(st.lastSave) {
		st.lastSave = msg.at
	}
	return m, nil
}

func (m Model) onMerged(msg mergedMsg) (tea.Model, tea.Cmd) {
	next, _ := m.onFlushDone(flushDoneMsg{err: msg.err, at: msg.at})
	m = next.(Model)
	// The file's changes may have added or removed keys.
	m.refreshKeys()
	m.syncValueForce()
	switch {
	case msg.err != nil:
		return m, m.flash(cleanError(msg.err), true)
	case msg.overwrote:
		return m, m.flash("the file now holds your version", false)
	}
	return m, m.flash("merged with the file", false)
}

func (m Model) onApplied(msg appliedMsg) (tea.Model, tea.Cmd) {
	st := &m.status.state
	st.saving = false
	st.pending = m.store.Pending()
	switch {
	case msg.err == nil:
	case notStored(msg.err):
		// Not stored: keep the editor open with the text as typed.
		m.editor.SetError(msg.err, msg.text)
		return m, nil
	default:
		// Stored, but the always-save write failed; the change is pending.
		st.err = msg.err
	}
	m.record(change{kind: changeSet, key: msg.key, raw: []byte(msg.text)}, msg.undo)
	m.closeEditor()
	if msg.undo.kind == changeDelete {
		// The key is new: list it (reading 100,000 keys costs a few
		// milliseconds, so only then).
		m.refreshKeys()
		m.selectKey(msg.key)
	}
	m.syncValueForce()
	return m, m.flash("applied "+keyLabel(msg.key), false)
}

func (m Model) onQuitFlushDone(msg quitFlushDoneMsg) (tea.Model, tea.Cmd) {
	m.status.state.saving = false
	if msg.err == nil {
		return m, tea.Quit
	}
	m.status.state.err = msg.err
	m.status.state.pending = m.store.Pending()
	if errors.Is(msg.err, kvstore.ErrConflict) {
		// Closing the store then writes its state to a new file beside
		// the data file, so quitting loses neither side's changes.
		m.ask(askQuitUnsaved, "The file changed on disk. Quit and keep your version in a new file beside it?")
		return m, nil
	}
	m.ask(askQuitUnsaved, "Changes are not saved. Quit anyway?")
	return m, nil
}

// flash shows a status message and returns the timer Cmd that ends it.
func (m *Model) flash(msg string, isErr bool) tea.Cmd {
	id := m.status.SetMessage(msg, isErr)
	return m.tick(statusMessageTimeout, func(time.Time) tea.Msg { return clearMessageMsg{id: id} })
}

// ask puts a yes/no question on the bottom line.
func (m *Model) ask(q question, text string) {
	m.asking, m.askText, m.mode = q, text, modeConfirm
}

func (m Model) answer(yes bool) (tea.Model, tea.Cmd) {
	q, k := m.asking, m.askKey
	m.asking, m.askText, m.askKey = 0, "", ""
	switch {
	case q == askReopenExternal:
		return m.answerExternal(yes)
	case q == askDelete:
		m.mode = modeBrowse
		if yes {
			return m.makeChange(change{kind: changeDelete, key: k})
		}
		return m, nil
	case q == askReload:
		m.mode = modeBrowse
		if yes {
			return m, reloadCmd(m.store)
		}
		return m, nil
	case q == askOverwrite:
		m.mode = modeResolve
		if yes {
			m.mode = modeBrowse
			m.status.state.saving = true
			return m, overwriteCmd(m.store, m.now)
		}
		return m, nil
	case q == askDiscardEdit && yes:
		m.closeEditor()
	case q == askQuitDiscardEdit && yes:
		m.closeEditor()
		return m.startQuit()
	case q == askQuitUnsaved && yes:
		return m, tea.Quit
	case m.editing:
		m.mode = modeEdit
	default:
		m.mode = modeBrowse
	}
	return m, nil
}

func (m Model) save() (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, m.flash("read-only: nothing to save", true)
	}
	// A hand edit is never overwritten silently: after a conflict, saving
	// opens the conflict screen, where the user decides.
	if errors.Is(m.status.state.err, kvstore.ErrConflict) {
		return m, conflictCmd(m.store)
	}
	m.status.state.saving = true
	return m, flushCmd(m.store, m.now)
}

func (m Model) startEdit() (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, m.flash("read-only: values cannot be changed", true)
	}
	k, ok := m.list.Selected()
	if !ok {
		return m, nil
	}
	raw, ok := m.store.GetRaw(k)
	if !ok {
		return m, m.flash(displayEscape(k)+" no longer exists", true)
	}
	if err := m.editor.Open(k, raw); err != nil {
		return m, m.flash(err.Error(), true)
	}
	m.editing, m.mode = true, modeEdit
	m.editor.SetSize(m.width, max(m.height-2, 1))
	return m, nil
}

// startNewValue opens the editor on a new key's first value.
func (m Model) startNewValue(k string) (tea.Model, tea.Cmd) {
	if err := m.editor.Open(k, []byte("{}")); err != nil {
		return m, m.flash(err.Error(), true)
	}
	m.editor.isNew = true
	m.editing, m.mode = true, modeEdit
	m.editor.SetSize(m.width, max(m.height-2, 1))
	return m, nil
}

func (m Model) apply() (tea.Model, tea.Cmd) {
	if m.editor.applying {
		return m, nil
	}
	k := m.editor.key
	if !m.editor.Changed() && !m.editor.isNew {
		m.closeEditor()
		return m, m.flash("no changes to "+keyLabel(k), false)
	}
	m.editor.applying = true
	m.status.state.saving = m.alwaysSave
	undo := inverseOf(m.store, change{kind: changeSet, key: k})
	return m, applyCmd(m.store, k, m.editor.Text(), undo)
}

func (m *Model) closeEditor() {
	m.editor.Close()
	m.editing, m.mode = false, modeBrowse
}

// startQuit saves pending changes in a Cmd; Update quits when it succeeds
// and asks when it fails.
func (m Model) startQuit() (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, tea.Quit
	}
	m.mode = modeQuitting
	m.status.state.saving = true
	return m, quitFlushCmd(m.store)
}

// syncValue shows the selected key's value if the selection changed.
func (m *Model) syncValue() {
	if k, ok := m.list.Selected(); ok && k == m.value.key && m.value.exists {
		return
	}
	m.syncValueForce()
}

// syncValueForce reloads the selected value from the store.
func (m *Model) syncValueForce() {
	k, ok := m.list.Selected()
	if !ok {
		if m.list.Filtered() {
			m.value.SetNote("no key matches the filter")
		} else {
			m.value.SetNote("the store is empty")
		}
		return
	}
	raw, exists := m.store.GetRaw(k)
	m.value.SetValue(k, raw, exists)
}

// layout gives each child its size after a resize or a help toggle.
func (m *Model) layout() {
	w, h := m.width, m.height
	bodyH := max(h-2, 1)
	listW := min(max(w/3, 16), 40)
	m.list.SetSize(listW, bodyH)
	m.value.SetSize(max(w-listW-1, 1), bodyH)
	m.editor.SetSize(w, bodyH)
	m.status.width = w
	m.help.SetWidth(w)
	if m.resolver.c != nil {
		m.resolver.SetSize(w, bodyH)
	}
}

// fileName is the data file's name without its directory.
func (m *Model) fileName() string { return filepath.Base(m.store.Path()) }

// fileTitle is the window title.
func (m *Model) fileTitle() string {
	return "kvstore: " + displayEscape(filepath.Base(m.store.Path()))
}
