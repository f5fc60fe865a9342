// Package tui is the terminal UI for browsing and hand-editing a kvstore
// file: a filterable key list, the selected value pretty-printed with syntax
// colours, an editor that only stores valid JSON, and a status bar driven by
// the store's flush events.
//
// The root Model is a router. It owns two panes (the key list and the value
// pane, one of which has the focus) and a stack of overlays (the help, a
// question, a prompt, the editor, the conflict screen); only the top overlay
// gets keys, and closing it shows what was under it. Every change of the
// data is an operation run by one Cmd and answered by one handler (see
// operation.go), and the save state is read from the Source when drawn.
package tui

import (
	"os/exec"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
	"github.com/kvstore-dev/kvstore/tui/keylist"
)

// Smallest terminal the layout supports.
const (
	MinWidth  = 40
	MinHeight = 10
)

// Options configures New.
type Options struct {
	// Keys are the key bindings; DefaultKeyMap gives the program's.
	Keys KeyMap
	// Refresh is how often to ask the Source whether the data changed
	// elsewhere: a read-only view then reads it again, and so does a
	// writable one with nothing pending; with changes pending the status
	// bar says so. Zero means never.
	Refresh time.Duration
	// Notice is a message for the status bar at start, such as why the
	// store was opened read-only; it expires like any other.
	Notice string
	// Separator groups the keys in the key tree (t): users/1/name sits
	// under users/ and users/1/. Empty means "/".
	Separator string
	// Validate, when set, checks every value the user stores (an edit, a
	// new key, a value moved by a rename) before it is written: an edit
	// it refuses keeps the editor open at the offending line. Keys whose
	// stored value it refuses with a *schema.ValidationError are marked
	// in the key list. kvstore/schema's Set.Validate is one.
	Validate func(key string, raw []byte) error
	// Tick makes the UI's timers: the refresh, the automatic retry while
	// the cluster is out of reach, and a status message's expiry each ask
	// it for a Cmd that sends fn's message after d. Nil means tea.Tick; a
	// program that runs the UI on a clock of its own (a replay, a test
	// that fires the timers itself) gives its own.
	Tick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
}

// Model is the root Bubble Tea model.
type Model struct {
	src Source
	// words are the phrases for changes made elsewhere, which depend on
	// where the data lives.
	words *wording
	keys  KeyMap
	// styles is shared by the model's copies, so drawing a frame does not
	// copy it; a new background colour replaces it rather than changing it.
	styles *Styles

	list   keylist.Model
	value  jsonview.Model
	status statusBar
	help   help.Model
	focus  focus
	// copied says the key before was a y that copied a value or a node,
	// so that an s now copies it again as a bare string (ys).
	copied   bool
	overlays []overlay // the top one gets the keys
	// stackChanges counts overlays opened and closed, so that a key that
	// opens or closes one can end the message of the action before.
	stackChanges int

	writes   writeQueue   // operations waiting for or being run
	history  undoHistory  // this session's changes, newest last
	find     findState    // find in values
	jq       jqState      // jq queries on a value or over every value
	marks    *schemaMarks // which stored values break their schema
	loads    *valueLoads  // values read when shown; nil if all are in memory
	validate func(key string, raw []byte) error
	save     saveReport    // what the store's events said
	retry    retryState    // saving again while the cluster is out of reach
	external *externalEdit // a value out in $EDITOR
	refresh  time.Duration
	// exitNotice is what the program says as it exits (ExitNotice).
	exitNotice string
	// firstLayout lays out the first value when it is large; Init runs it.
	firstLayout tea.Cmd

	width, height int
	// listShift is how many cells < and > moved the border between the
	// panes from where listWidth puts it.
	listShift int

	// tick and waitEvents make the Cmds that wait: a timer and the next
	// flush event. Tests replace them to run every other Cmd inline.
	tick       func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	waitEvents func() tea.Cmd
	// clip copies text to the terminal's clipboard and exec runs the
	// external editor; tests replace them.
	clip func(string) tea.Cmd
	exec func(*exec.Cmd, tea.ExecCallback) tea.Cmd
}

// focus is the pane that gets the movement keys when no overlay is open.
type focus int

const (
	focusList focus = iota
	focusValue
)

// New returns the UI for src. It reads the keys here, and again after each
// change of keys it makes and after reading the data again.
func New(src Source, opts Options) Model {
	nav := opts.Keys.nav()
	m := Model{
		src:     src,
		words:   wordingFor(src),
		keys:    opts.Keys,
		list:    keylist.New(kvstore.ListKeys(src), opts.Keys.listKeys()),
		value:   jsonview.New(nav),
		status:  statusBar{name: src.Name()},
		help:    help.New(),
		tick:    tea.Tick,
		clip:    tea.SetClipboard,
		exec:    tea.ExecProcess,
		refresh: opts.Refresh,
		find:    findState{latest: new(atomic.Int64)},
	}
	// The help names the conflict screen's O as the data's words do:
	// shared data has no file to overwrite.
	m.keys.Overwrite.SetHelp(m.keys.Overwrite.Help().Key, m.words.overwriteKey)
	if opts.Tick != nil {
		m.tick = opts.Tick
	}
	m.waitEvents = func() tea.Cmd { return waitForEvent(src.Events()) }
	m.validate = opts.Validate
	m.loads = newValueLoads(src)
	m.marks = &schemaMarks{validate: opts.Validate, bad: map[string]bool{}}
	if _, ok := src.(byteSource); ok || opts.Validate != nil {
		m.list.SetMarked(markFunc(src, m.marks))
	}
	m.list.SetSeparator(opts.Separator)
	m.setStyles(newStyles(true))
	// A large first value is laid out by a Cmd that Init starts, as when
	// moving onto it, so the first screen does not wait for it.
	m.firstLayout = m.showSelected()
	if opts.Notice != "" {
		m.status.SetMessage(display.Escape(opts.Notice), false)
	}
	return m
}

// Init asks for the terminal's background colour, starts waiting for flush
// events and starts the refresh timer.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.waitEvents(), m.scheduleRefresh(), m.firstLayout}
	if m.status.msg != "" {
		id := m.status.msgID
		cmds = append(cmds, m.tick(statusMessageTimeout, func(time.Time) tea.Msg { return clearMessageMsg{id: id} }))
	}
	return tea.Batch(cmds...)
}

func (m *Model) setStyles(st Styles) {
	m.styles = &st
	m.help.Styles.ShortKey = st.HelpKey
	m.help.Styles.ShortDesc = st.HelpDesc
	m.help.Styles.ShortSeparator = st.HelpSep
	m.help.Styles.Ellipsis = st.HelpSep
}

// Update routes one message: messages about the whole UI are handled here,
// keys and pastes go to the top overlay (or, with none open, to the
// application's bindings and the focused pane), and any other message goes
// to the top overlay, which is how an overlay hears the answer to a
// question it asked.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var next tea.Model
	var cmd tea.Cmd
	if _, ok := msg.(tea.KeyPressMsg); ok {
		next, cmd = m.pressKey(msg)
	} else {
		next, cmd = m.route(msg)
	}
	// Whatever moved the list, the values it now shows are read.
	if nm, ok := next.(Model); ok && nm.loads != nil {
		if load := nm.loadShown(); load != nil {
			return nm, tea.Batch(cmd, load)
		}
	}
	return next, cmd
}

// pressKey routes a key press. A key that opens or closes an overlay starts
// a new action: a message from before it (a prompt's refusal, "nothing to
// undo") would otherwise linger over the next screen until its timer ends.
func (m Model) pressKey(msg tea.Msg) (tea.Model, tea.Cmd) {
	stack, id := m.stackChanges, m.status.msgID
	next, cmd := m.route(msg)
	nm := next.(Model)
	if nm.status.msgID == id && nm.stackChanges != stack {
		nm.status.ClearMessage(id)
	}
	return nm, cmd
}

func (m Model) route(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.setStyles(newStyles(msg.IsDark()))
		return m, nil
	case jsonview.LaidOutMsg:
		var cmd tea.Cmd
		m.value, cmd = m.value.Update(msg)
		return m, cmd
	case flushEventMsg:
		m.save.observe(msg.ev)
		m.afterWrite()
		return m, m.waitEvents()
	case saveRequestMsg:
		return m.startSave()
	case writeReadOnlyMsg:
		return m.writeReadOnly()
	case reviewPendingMsg:
		return m.openPending()
	case eventsClosedMsg:
		m.save.closed = true
		return m, nil
	case clearMessageMsg:
		m.status.ClearMessage(msg.id)
		return m, nil
	case flashMsg:
		return m, m.flash(msg.text, msg.isErr)
	case pushMsg:
		m.open(msg.o)
		return m, nil
	case opMsg:
		return m, m.enqueue(msg.op)
	case opDoneMsg:
		return m.onOpDone(msg)
	case refreshTickMsg:
		m.retryLoads()
		return m, m.enqueue(operation{kind: opRefresh})
	case valuesLoadedMsg:
		return m.onValuesLoaded(msg)
	case leaseMsg:
		return m.onLease(msg)
	case sizesMsg:
		return m.onSizes(msg)
	case retryTickMsg:
		return m.onRetryTick(msg)
	case writePendingMsg:
		return m.startWritePending(msg)
	case pendingWrittenMsg:
		return m.onPendingWritten(msg)
	case conflictMsg:
		return m.onConflict(msg)
	case reloadMsg:
		return m.reload()
	case quitMsg:
		return m.startQuit()
	case findQueryMsg:
		return m.onFindQuery(msg)
	case foundMsg:
		return m.onFound(msg)
	case quitDropMsg:
		return m.quitDropping()
	case saveCopyMsg:
		return m.startSaveCopy()
	case writeCopyMsg:
		return m.writeCopy(msg)
	case copyWrittenMsg:
		return m.onCopyWritten(msg)
	case exportMsg:
		return m.export(msg)
	case exportedMsg:
		return m.onExported(msg)
	case findKeptMsg:
		return m.onFindKept(msg)
	case jqQueryMsg:
		return m.onJQQuery(msg)
	case jqValueMsg:
		return m.onJQValue(msg)
	case jqWhereMsg:
		return m.onJQWhere(msg)
	case newKeyMsg:
		return m.openEditor(msg.key, []byte("{}"), true)
	case ShutdownMsg:
		return m.shutdown()
	case shutdownWrittenMsg:
		m.exitNotice = msg.notice
		return m, tea.Quit
	case externalFileMsg, externalExitedMsg, externalReadMsg, externalDiscardMsg, externalRetryMsg, externalRemovedMsg:
		return m.onExternal(msg)
	}
	if top := m.top(); top != nil {
		next, cmd := top.Update(msg)
		m.replaceTop(next)
		return m, cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.browseKey(msg)
	case tea.PasteMsg:
		return m, m.updateList(msg)
	case tea.MouseWheelMsg, tea.MouseClickMsg:
		return m.browseMouse(msg.(tea.MouseMsg))
	}
	return m, nil
}

// flash shows a status message and returns the timer Cmd that ends it.
func (m *Model) flash(text string, isErr bool) tea.Cmd {
	id := m.status.SetMessage(text, isErr)
	return m.tick(statusMessageTimeout, func(time.Time) tea.Msg { return clearMessageMsg{id: id} })
}

// showSelected shows the selected key's value, read again from the
// Source; the Cmd, if any, lays out a large value in the background.
func (m *Model) showSelected() tea.Cmd {
	m.jq.key = ""
	m.value.SetFind(m.paneQuery())
	k, ok := m.list.Selected()
	if !ok && m.list.OnGroup() {
		m.value.SetNote("")
		return nil
	}
	if !ok {
		if m.list.Filtered() {
			m.value.SetNote("no key matches the filter")
		} else {
			m.value.SetNote("the store is empty")
		}
		return nil
	}
	if !m.loaded(k) {
		// Update's loadShown reads it; its message shows it.
		m.value.SetNote("loading the value of " + display.KeyLabel(k) + "…")
		return nil
	}
	text, exists := valueText(m.src, k)
	cmd := m.value.SetValue(k, text, exists)
	if notJSON(m.src, k) {
		m.value.SetTag(notJSONTag)
	}
	if exists {
		cmd = tea.Batch(cmd, m.leaseCmd(k))
	}
	return cmd
}

// followSelection shows the selected value if the selection moved.
func (m *Model) followSelection() tea.Cmd {
	m.value.SetFind(m.paneQuery())
	if k, ok := m.list.Selected(); ok && m.value.Shows(k) {
		return nil
	}
	return m.showSelected()
}

// refreshKeys reads the key list again after a change of keys.
func (m *Model) refreshKeys() {
	m.list.SetKeys(kvstore.ListKeys(m.src))
	if !sameKeys(m.find.last.keys, m.list.Keys()) {
		// A find's result over other keys no longer serves (see
		// onFindQuery, foundIndex): let those keys go.
		m.find.last = foundMsg{}
	}
	if m.loads != nil && m.list.BySize() {
		// The sizes of new and changed values are read again; the old
		// ones show meanwhile.
		m.loads.remeasure = true
	}
}

// selectKey selects key, clearing a filter that hides it.
func (m *Model) selectKey(key string) {
	if m.list.SelectKey(key) {
		return
	}
	if m.list.Filtered() {
		m.list.ClearFilter()
		m.list.SelectKey(key)
	}
}

// layout gives each pane and overlay its size after a resize.
func (m *Model) layout() {
	w, h := m.width, m.height
	bodyH := max(h-2, 1)
	listW := listWidth(w, m.listShift)
	m.list.SetSize(listW, bodyH)
	m.value.SetSize(max(w-listW-1, 1), bodyH)
	m.status.width = w
	m.help.SetWidth(w)
	for _, o := range m.overlays {
		o.SetSize(w, h)
	}
}

// fileTitle is the window title.
func (m *Model) fileTitle() string {
	return "kvstore: " + display.Escape(m.src.Name())
}

// listWidth is the key list's width in a terminal w cells wide: a third of
// it, moved by shift (< and >), and never so narrow or wide that either
// pane loses its use.
func listWidth(w, shift int) int {
	return max(min(w/3+shift, w-MinWidth/2), 16)
}

// resizeList moves the border between the panes by n cells, within what
// listWidth allows.
func (m *Model) resizeList(n int) {
	before := listWidth(m.width, m.listShift)
	m.listShift += n
	// A shift the terminal cannot take is not kept, so the other key
	// moves the border at once.
	if got := listWidth(m.width, m.listShift); got == before {
		m.listShift -= n
	}
	m.layout()
}
