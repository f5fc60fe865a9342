package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// resolver is the conflict screen: what the file's other writer and this
// session each changed, and for every key both changed, the user's choice.
// Nothing is merged until every collision has a choice. It is an overlay
// over the panes; its outcome is an operation (merge or overwrite), a
// reload, or quitting.
type resolver struct {
	keys     KeyMap
	c        *kvstore.Conflict
	keepMine map[string]bool // collision -> true: mine, false: theirs; absent: undecided
	sel      int
	offset   int
	again    bool // the file changed again while the user was choosing
	words    *wording
	note     string // why enter did not merge
	width    int
	height   int
	// diffKey is the collision diff compares, computed once per selection.
	diffKey string
	diff    diffPane
}

func newResolver(c *kvstore.Conflict, again bool, keys KeyMap, words *wording) *resolver {
	return &resolver{c: c, keepMine: make(map[string]bool), again: again, keys: keys, words: words}
}

// overwriteMsg is yes to "replace the file with your version?".
type overwriteMsg struct{}

// Update handles a key, and the answer to the overwrite question.
func (r *resolver) Update(msg tea.Msg) (overlay, tea.Cmd) {
	if _, ok := msg.(overwriteMsg); ok {
		return nil, send(opMsg{op: operation{kind: opOverwrite}})
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return r, nil
	}
	k := &r.keys
	switch {
	case key.Matches(km, k.Up):
		r.MoveBy(-1)
	case key.Matches(km, k.Down):
		r.MoveBy(1)
	case key.Matches(km, k.DiffDown):
		r.scrollDiff(1)
	case key.Matches(km, k.DiffUp):
		r.scrollDiff(-1)
	case key.Matches(km, k.KeepMine):
		r.Choose(true)
	case key.Matches(km, k.KeepTheirs):
		r.Choose(false)
	case key.Matches(km, k.Merge):
		if n := r.Undecided(); n > 0 {
			verb := " still needs a choice"
			if n > 1 {
				verb = " still need a choice"
			}
			r.note = display.Plural(n, "collision") + verb + " (m: mine, t: theirs)"
			return r, nil
		}
		return nil, send(opMsg{op: operation{kind: opMerge, keepMine: r.Choices()}})
	case key.Matches(km, k.Overwrite):
		return r, push(newQuestion(r.keys, fmt.Sprintf(r.words.overwrite,
			display.Plural(len(r.c.Theirs), "key")), overwriteMsg{}, nil))
	case key.Matches(km, k.Later):
		return nil, nil
	case key.Matches(km, k.Reload):
		// Take the file as it is, dropping our changes (after asking).
		return nil, send(reloadMsg{})
	case key.Matches(km, k.Quit):
		return nil, send(quitMsg{})
	}
	return r, nil
}

// SetSize sets the screen's size from the whole screen's: all of it but
// the status bar and the bottom line.
func (r *resolver) SetSize(w, h int) {
	r.width, r.height = w, max(h-2, 1)
	r.clamp()
}

// Draw replaces the body with the screen and the bottom line with its keys.
func (r *resolver) Draw(f *frame) {
	saved := f.keys
	defer func() { f.keys = saved }()
	k := &f.keys
	k.Overwrite.SetHelp(k.Overwrite.Help().Key, r.words.overwriteKey)
	f.body = r.view(f.st)
	on := []*key.Binding{&k.Up, &k.Down, &k.KeepMine, &k.KeepTheirs, &k.Merge, &k.Overwrite, &k.Later, &k.Reload}
	if _, rows := r.split(); rows > 0 && len(r.c.Collisions) > 0 {
		r.selectedDiff()
		if r.diff.overflows(rows) {
			on = append(on, &k.DiffDown)
		}
	}
	f.line = f.helpLine("", on...)
	f.cursor = nil
}

// listHeight is the number of rows for collisions.
func (r *resolver) listHeight() int {
	list, _ := r.split()
	return list
}

// split divides the rows between the header and the status line: a third
// for the collisions, the rest for the selected collision's two values,
// compared line by line; when that leaves too few rows, all of them for the
// collisions.
func (r *resolver) split() (list, diff int) {
	avail := max(r.height-5, 1)
	n := len(r.c.Collisions)
	if n == 0 {
		return avail, 0
	}
	list = min(n, max(1, avail/3))
	diff = avail - list - 1
	if diff < 2 {
		return avail, 0
	}
	return list, diff
}

func (r *resolver) clamp() {
	n := len(r.c.Collisions)
	r.sel = max(min(r.sel, n-1), 0)
	if r.sel < r.offset {
		r.offset = r.sel
	}
	if h := r.listHeight(); r.sel >= r.offset+h {
		r.offset = r.sel - h + 1
	}
}

// MoveBy moves the selected collision.
func (r *resolver) MoveBy(d int) { r.sel += d; r.clamp() }

// Choose records a choice for the selected collision and moves to the next.
func (r *resolver) Choose(mine bool) {
	if len(r.c.Collisions) == 0 {
		return
	}
	r.keepMine[r.c.Collisions[r.sel]] = mine
	r.note = ""
	r.MoveBy(1)
}

// Undecided returns how many collisions have no choice yet.
func (r *resolver) Undecided() int {
	return len(r.c.Collisions) - len(r.keepMine)
}

// Choices returns a copy of the choices, for the merge Cmd.
func (r *resolver) Choices() map[string]bool {
	out := make(map[string]bool, len(r.keepMine))
	for k, v := range r.keepMine {
		out[k] = v
	}
	return out
}

// view draws the screen: a summary, the collisions with both values and
// the choice, and what the keys do.
func (r *resolver) view(st *Styles) string {
	w := r.width
	var rows []string
	title := r.words.conflict
	if r.again {
		title = r.words.again
	}
	rows = append(rows, display.Fit(st.StatusError.Render(title), w))
	rows = append(rows, display.Fit(fmt.Sprintf("%s changed %s, you changed %s; %s changed on both sides.", r.words.theirs,
		display.Plural(len(r.c.Theirs), "key"), display.Plural(len(r.c.Ours), "key"), display.Plural(len(r.c.Collisions), "key")), w))
	if len(r.c.Collisions) == 0 {
		rows = append(rows, display.Fit("Merging keeps their changes and all of yours.", w))
	} else {
		rows = append(rows, display.Fit(st.Dim.Render(r.words.choose), w))
	}
	rows = append(rows, "")
	// Columns: marker and choice (9), the key, "  mine: " and its value,
	// " theirs: " and the rest of the row.
	keyW := 4
	for _, k := range r.c.Collisions {
		keyW = max(keyW, ansi.StringWidth(display.KeyLabel(k)))
	}
	keyW = min(keyW, max(w/4, 4))
	colW := max((w-9-keyW-8-9)/2, 4)
	for i := r.offset; i < len(r.c.Collisions) && i < r.offset+r.listHeight(); i++ {
		k := r.c.Collisions[i]
		choice := st.Dim.Render("  ?   ")
		if mine, ok := r.keepMine[k]; ok && mine {
			choice = st.StatusSaved.Render("mine  ")
		} else if ok {
			choice = st.StatusDirty.Render("theirs")
		}
		marker := "  "
		if i == r.sel {
			marker = st.Marker.Render("▸ ")
		}
		name := display.Fit(ansi.Truncate(display.KeyLabel(k), keyW, "…"), keyW)
		row := marker + choice + " " + st.Selected.Render(name) + "  mine: " +
			display.Fit(valueSummary(r.c.Ours[k]), colW) + " theirs: " + valueSummary(r.c.Theirs[k])
		rows = append(rows, display.Fit(row, w))
	}
	if _, diffRows := r.split(); diffRows > 0 {
		for len(rows) < 4+r.listHeight() {
			rows = append(rows, "")
		}
		rows = append(rows, r.diffView(st, diffRows)...)
	}
	for len(rows) < r.height-1 {
		rows = append(rows, "")
	}
	status := st.Dim.Render("enter merges once every collision has a choice")
	switch {
	case r.note != "":
		status = st.StatusError.Render(r.note)
	case r.Undecided() == 0:
		status = st.Dim.Render("enter merges: their changes, yours where they do not collide, your choices where they do")
	}
	rows = append(rows, display.Fit(status, w))
	return display.FitBlock(strings.Join(rows, "\n"), w, r.height)
}

// diffView is the selected collision's two values compared line by line,
// from one line before the first difference: a title row and n rows, each
// marked - (mine) or + (theirs) where the values differ.
func (r *resolver) diffView(st *Styles, n int) []string {
	k := r.selectedDiff()
	return appendDiff(nil, st, display.KeyLabel(k)+": - mine, + theirs", &r.diff, r.width, n+1)
}

// selectedDiff computes the selected collision's diff, once per
// selection, and returns the collision.
func (r *resolver) selectedDiff() string {
	k := r.c.Collisions[r.sel]
	if r.diff.lines == nil || r.diffKey != k {
		r.diffKey, r.diff = k, newDiffPane(valueDiff(r.c.Ours[k], r.c.Theirs[k]))
	}
	return k
}

// scrollDiff scrolls the selected collision's diff by pages.
func (r *resolver) scrollDiff(pages int) {
	if _, rows := r.split(); rows > 0 && len(r.c.Collisions) > 0 {
		r.selectedDiff()
		r.diff.scroll(pages, rows)
	}
}

// valueSummary is a one-line, escaped view of a value on the conflict
// screen; nil means the key was deleted.
func valueSummary(raw json.RawMessage) string {
	if raw == nil {
		return "(deleted)"
	}
	s := raw
	if len(s) > 200 {
		s = s[:200]
	}
	return display.Escape(string(s))
}

// conflictMsg carries what each side changed, for the conflict screen; or
// why there is nothing to compare with: the file was deleted, or cannot be
// read.
type conflictMsg struct {
	c       *kvstore.Conflict
	deleted bool // the file was deleted
	saved   bool // a save went through: there was no conflict after all
	err     error
}

// conflictCmd reads what each side changed. A deleted file reads as an
// empty one, which would show every key as deleted by the other side; so
// when the file's side is all deletions the save is tried, which tells a
// deleted file apart and writes nothing where there is a conflict.
func conflictCmd(src Source) tea.Cmd {
	return func() tea.Msg {
		c, err := src.Conflict()
		if err != nil {
			return conflictMsg{err: err}
		}
		c = realChanges(src, c)
		if !onlyDeletions(c.Theirs) {
			return conflictMsg{c: c}
		}
		switch ferr := src.Flush(); {
		case ferr == nil:
			return conflictMsg{saved: true}
		case fileDeleted(ferr):
			return conflictMsg{deleted: true}
		}
		return conflictMsg{c: c}
	}
}

// onlyDeletions reports whether every change in changes deletes a key.
func onlyDeletions(changes map[string]json.RawMessage) bool {
	for _, v := range changes {
		if v != nil {
			return false
		}
	}
	return true
}

// onConflict opens the conflict screen, or the screen for a file deleted
// or no longer valid JSON.
func (m Model) onConflict(msg conflictMsg) (tea.Model, tea.Cmd) {
	switch {
	case msg.saved:
		m.save.outside = false
		return m, nil
	case msg.deleted || errors.Is(msg.err, kvstore.ErrCorrupt):
		u := &unreadable{keys: m.keys, name: m.src.Name(), deleted: msg.deleted,
			keyN: kvstore.ListKeys(m.src).Len(), pending: m.src.Pending()}
		if msg.err != nil {
			u.reason = display.Escape(shortenPaths(strings.ReplaceAll(msg.err.Error(), "kvstore: ", ""), m.src.Name()))
		}
		m.open(u)
		return m, nil
	case msg.err != nil:
		return m, m.flash("cannot read "+m.words.data+": "+cleanError(msg.err), true)
	}
	m.open(newResolver(msg.c, false, m.keys, m.words))
	return m, nil
}
