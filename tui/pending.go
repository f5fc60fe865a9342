package tui

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

// changeKind is what a pending change did to a key since the last save.
type changeKind byte

const (
	changeAdded   changeKind = '+'
	changeChanged changeKind = '~'
	changeDeleted changeKind = '-'
	changeRenamed changeKind = '>'
)

// pendingChange is one unsaved change: a key added, changed or deleted,
// or renamed to another (to), with its value when last saved (before) and
// now (after).
type pendingChange struct {
	kind          changeKind
	key, to       string
	before, after json.RawMessage
	// violation says how the value now breaks its schema (Options.Validate),
	// or is "".
	violation string
}

// label is the change as the list shows it.
func (c pendingChange) label() string {
	switch c.kind {
	case changeAdded:
		return "added    " + display.KeyLabel(c.key)
	case changeChanged:
		return "changed  " + display.KeyLabel(c.key)
	case changeDeleted:
		return "deleted  " + display.KeyLabel(c.key)
	}
	return "renamed  " + display.KeyLabel(c.key) + " to " + display.KeyLabel(c.to)
}

// mark is what follows the label: that the value breaks its schema.
func (c pendingChange) mark() string {
	if c.violation != "" {
		return "  ✗ schema"
	}
	return ""
}

// revert is the operation that puts the key back as it was saved.
func (c pendingChange) revert() operation {
	switch c.kind {
	case changeAdded:
		return operation{kind: opDelete, key: c.key}
	case changeRenamed:
		return operation{kind: opRename, key: c.to, to: c.key}
	}
	return operation{kind: opSet, key: c.key, raw: c.before}
}

// diff compares the saved value with the value now, pretty-printed.
func (c pendingChange) diff() []diffLine {
	switch c.kind {
	case changeAdded:
		return sideOnly('+', c.after)
	case changeDeleted:
		return sideOnly('-', c.before)
	}
	return valueDiff(c.before, c.after)
}

// sideOnly is a value's lines, all marked kind.
func sideOnly(kind byte, raw json.RawMessage) []diffLine {
	var out []diffLine
	for _, l := range diffSide(raw) {
		out = append(out, diffLine{kind, l})
	}
	return out
}

// pendingChanges compares what each key changed since the last save held
// then with what it holds now, in key order. A key changed and changed
// back is not listed; a key deleted and another added with its value are
// listed as one rename.
func (m *Model) pendingChanges() []pendingChange {
	keys := make([]string, 0, len(m.history.saved))
	for k := range m.history.saved {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []pendingChange
	for _, k := range keys {
		was := m.history.saved[k]
		now, exists := m.src.GetRaw(k)
		switch {
		case !was.exists && exists:
			out = append(out, pendingChange{kind: changeAdded, key: k, after: now})
		case was.exists && !exists:
			out = append(out, pendingChange{kind: changeDeleted, key: k, before: was.raw})
		case was.exists && !bytes.Equal(was.raw, now):
			out = append(out, pendingChange{kind: changeChanged, key: k, before: was.raw, after: now})
		}
	}
	out = pairRenames(out)
	if m.validate != nil {
		for i := range out {
			c := &out[i]
			if c.kind == changeDeleted {
				continue
			}
			name := c.key
			if c.kind == changeRenamed {
				name = c.to
			}
			if err := m.validate(name, c.after); violates(err) {
				c.violation = describeViolation(err)
			}
		}
	}
	return out
}

// pairRenames merges each deleted key with an added key of the same value
// into a rename.
func pairRenames(changes []pendingChange) []pendingChange {
	out := changes[:0:0]
	used := make([]bool, len(changes))
	for i, d := range changes {
		if used[i] || d.kind != changeDeleted {
			continue
		}
		for j, a := range changes {
			if !used[j] && a.kind == changeAdded && bytes.Equal(a.after, d.before) {
				used[i], used[j] = true, true
				out = append(out, pendingChange{kind: changeRenamed, key: d.key, to: a.key, before: d.before, after: a.after})
				break
			}
		}
	}
	for i, c := range changes {
		if !used[i] {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// afterWrite keeps the pending-changes bookkeeping in step with the store
// after an operation or a save: once nothing is pending, what was saved is
// what the data holds; and an open pending-changes view shows the changes
// as they are now.
func (m *Model) afterWrite() {
	if m.src.Pending() == 0 {
		m.history.markSaved()
	}
	m.history.net = len(m.pendingChanges())
	if pv, ok := m.top().(*pendingView); ok {
		pv.setChanges(m.pendingChanges())
	}
}

// unsaved is the number of changes not yet saved, counted as the
// pending-changes view lists them. The Source counts operations, so an
// edit and its undo are two there and none here; changes this session did
// not make (none are known) are counted as the Source counts them.
func (m *Model) unsaved() int {
	n := m.src.Pending()
	if n > 0 && m.history.saved != nil {
		return m.history.net
	}
	return n
}

// reviewPendingMsg asks the root to open the pending-changes view, as c
// does; the question about quitting unsaved sends it.
type reviewPendingMsg struct{}

// saveRequestMsg asks the root to save, as ctrl+s does when no overlay is
// open.
type saveRequestMsg struct{}

// openPending opens the pending-changes view.
func (m Model) openPending() (tea.Model, tea.Cmd) {
	if cmd := m.refuseReadOnly("nothing is changed"); cmd != nil {
		return m, cmd
	}
	pv := &pendingView{keys: m.keys, nav: m.keys.nav()}
	pv.setChanges(m.pendingChanges())
	m.open(pv)
	return m, nil
}

// pendingView lists every unsaved change of this session, with a line diff
// of the selected one's value; u reverts the selected change and ctrl+s
// saves them all.
type pendingView struct {
	keys    KeyMap
	nav     nav.KeyMap
	changes []pendingChange
	sel     int
	diff    diffPane // of the selected change

	width, height int
}

func (pv *pendingView) setChanges(changes []pendingChange) {
	pv.changes = changes
	pv.sel = max(min(pv.sel, len(changes)-1), 0)
	pv.diff = diffPane{}
	if len(changes) > 0 {
		pv.diff = newDiffPane(changes[pv.sel].diff())
	}
}

// Update moves the selection, reverts the selected change, saves, or
// closes the view.
func (pv *pendingView) Update(msg tea.Msg) (overlay, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return pv, nil
	}
	switch {
	case key.Matches(k, pv.keys.Cancel), key.Matches(k, pv.keys.Pending):
		return nil, nil
	case key.Matches(k, pv.keys.Save):
		return pv, send(saveRequestMsg{})
	case key.Matches(k, pv.keys.Revert):
		if len(pv.changes) == 0 {
			return pv, nil
		}
		return pv, send(opMsg{op: pv.changes[pv.sel].revert()})
	case key.Matches(k, pv.keys.DiffDown):
		pv.diff.scroll(1, pv.diffRows())
		return pv, nil
	case key.Matches(k, pv.keys.DiffUp):
		pv.diff.scroll(-1, pv.diffRows())
		return pv, nil
	}
	if to, ok := pv.nav.Move(k, pv.sel, max(pv.listRows()-1, 1), len(pv.changes)); ok && to != pv.sel {
		pv.sel = to
		pv.diff = newDiffPane(pv.changes[to].diff())
	}
	return pv, nil
}

func (pv *pendingView) SetSize(w, h int) { pv.width, pv.height = w, h }

// listRows is the number of rows for the list of changes: up to a third of
// the body, the rest for the diff.
func (pv *pendingView) listRows() int {
	return max(min(len(pv.changes), (pv.height-2)/3), 1)
}

// diffRows is the number of rows for the diff's lines, under the title,
// the list and the diff's own title.
func (pv *pendingView) diffRows() int {
	return max(pv.height-2-1-pv.listRows()-1, 1)
}

// Draw fills the body: a title with the count, the changes, then the
// selected change's diff, - as saved and + as now.
func (pv *pendingView) Draw(f *frame) {
	st, w := f.st, f.width
	n := f.bodyHeight()
	rows := []string{display.Fit(st.TitleFocused.Render("Unsaved changes · "+display.Plural(len(pv.changes), "change")), w)}
	if len(pv.changes) == 0 {
		rows = append(rows, display.Fit(st.Dim.Render("no unsaved changes"), w))
	}
	list := pv.listRows()
	start := max(min(pv.sel-list/2, len(pv.changes)-list), 0)
	for i := start; i < len(pv.changes) && i < start+list; i++ {
		label := ansi.Truncate(pv.changes[i].label()+pv.changes[i].mark(), w-2, "…")
		if i == pv.sel {
			rows = append(rows, display.Fit(st.List.Marker.Render("▸ ")+st.List.Selected.Render(label), w))
		} else {
			rows = append(rows, display.Fit("  "+label, w))
		}
	}
	if len(pv.changes) > 0 {
		c := pv.changes[pv.sel]
		if c.violation != "" {
			rows = append(rows, display.Fit(st.EditorError.Render("✗ "+display.Escape(c.violation)), w))
		}
		rows = appendDiff(rows, st, display.KeyLabel(c.key)+": - saved, + now", &pv.diff, w, n)
	}
	for len(rows) < n {
		rows = append(rows, strings.Repeat(" ", w))
	}
	f.body = strings.Join(rows[:n], "\n")
	// esc leaves the view with nothing to cancel: say what it does.
	saved := f.keys
	defer func() { f.keys = saved }()
	k := &f.keys
	k.Cancel.SetHelp(k.Cancel.Help().Key, "close")
	on := []*key.Binding{&k.Cancel}
	if len(pv.changes) > 0 {
		on = append(on, &k.Up, &k.Down, &k.Revert, &k.Save)
		if pv.diff.overflows(pv.diffRows()) {
			on = append(on, &k.DiffDown)
		}
	}
	f.line = f.helpLine("", on...)
	f.cursor = nil
}
