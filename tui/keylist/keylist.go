// Package keylist is the key list: the store's keys, sorted, narrowed by a
// filter typed into it, with a selection that scrolling keeps on screen.
// The keys show as a flat list or as a tree of groups split at a separator
// (see tree.go).
package keylist

import (
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

// Model is the list: the keys, optionally narrowed by a filter, with a
// selection that scrolling keeps on screen.
//
// It is purpose-built rather than the bubbles list: at 100,000 keys that list
// spends about half a second per frame in its dot paginator and about 80 ms
// per filter keystroke without discarding stale results, and its default
// keymap binds quit to "v". Here the state is the backend's sorted
// kvstore.KeyList, read by index (so the list holds nothing of its own per
// key), an optional slice of matching indexes and a window start, and a
// frame draws only the rows on screen, so moving costs the same at 100 keys
// and at 100,000.
type Model struct {
	keys    *kvstore.KeyList // every key, sorted
	matches []int            // indexes into keys of the filtered view; nil: no filter
	query   string
	found   string // the find query whose result is the view; "" when none
	// foundTitle is the title of a search shown by ShowFoundAs; "" says
	// "find: " and the query.
	foundTitle string
	match      matcher
	typing     bool // keys type into the filter
	fkeys      KeyMap

	sel    int // selected row of the view
	offset int // first row on screen
	width  int
	height int // rows for keys, not counting the title and count lines

	marked func(key string) string // the tag drawn after a key; nil: none
	// bySize shows the flat list largest value first (SetBySize); sizes
	// holds each key's value size, by index into keys, and order the
	// view's indexes into keys in that order (nil when sorted by key).
	bySize bool
	sizeOf func(key string) int
	sizes  []int
	order  []int
	// The tree (see tree.go): built when first shown and again when the
	// keys change. open holds the prefixes of the groups the user opened,
	// which outlive both; isOpen is the same by group index.
	treeOn bool
	sep    string
	tree   *tree
	open   map[string]bool
	isOpen []bool
	tv     treeView // the user's own view of the tree
	ftv    treeView // the filter's or the find's view of it
}

// KeyMap is the list's keys: moving, and typing a filter.
type KeyMap struct {
	nav.KeyMap
	Accept key.Binding // leave the filter input, keeping the filter
	Clear  key.Binding // leave the filter input and drop the filter
}

// Styles are the list's styles.
type Styles struct {
	Title, TitleFocused, FilterPrompt lipgloss.Style
	Marker, Selected, Key, Dim        lipgloss.Style
}

// New returns the list of keys.
func New(keys *kvstore.KeyList, km KeyMap) Model {
	return Model{keys: keys, fkeys: km}
}

// SetKeys replaces the keys, keeping the filter and the selected key; if
// that key is gone, the row it was on stays selected (the next key).
//
// A find result keeps the keys it found that still exist: it was found in
// the values as they were, and a key just changed stays in view.
func (l *Model) SetKeys(keys *kvstore.KeyList) {
	cur, ok := l.Selected()
	var curGroup string
	if g, isGroup := l.selectedGroup(); isGroup {
		curGroup = l.tree.groups[g].prefix
	}
	query, sel, offset := l.query, l.sel, l.offset
	found, kept := l.found, l.foundKeys()
	old := *l
	*l = Model{keys: keys, width: l.width, height: l.height, typing: l.typing, fkeys: l.fkeys,
		marked: l.marked, treeOn: old.treeOn, sep: old.sep, open: old.open, bySize: old.bySize, sizeOf: old.sizeOf}
	// A change can make any value larger or smaller: measure them again.
	l.measure()
	if l.treeOn {
		if sameKeys(old.keys, keys) {
			// The same keys make the same tree: only the views are new.
			l.tree, l.isOpen = old.tree, old.isOpen
		}
		l.ensureTree()
		l.tv.rows = l.tv.visible(l.tree, 0, int32(len(l.tree.nodes)), l.isOpen, nil)
	}
	if query != "" {
		l.SetFilter(query)
	}
	if found != "" {
		l.found, l.foundTitle, l.matches = found, old.foundTitle, []int{}
		// Both are sorted, so the rows come out ascending.
		for _, k := range kept {
			if i, ok := keys.Index(k); ok {
				l.matches = append(l.matches, i)
			}
		}
		if l.treeOn {
			l.ftv = l.tree.filtered(l.matches)
		}
	}
	l.reorder()
	l.sel, l.offset = sel, offset
	if curGroup != "" {
		if g, exists := l.tree.byPrefix[curGroup]; exists && l.selectNode(l.tree.groups[g].at) {
			return
		}
	}
	if !ok || !l.SelectKey(cur) {
		l.clamp()
	}
}

// foundKeys returns the keys of a find result, in key order, or nil.
func (l *Model) foundKeys() []string {
	if l.found == "" {
		return nil
	}
	kept := make([]string, len(l.matches))
	for j, i := range l.matches {
		kept[j] = l.keys.At(i)
	}
	return kept
}

// sameKeys reports whether a and b hold the same keys, in order.
func sameKeys(a, b *kvstore.KeyList) bool {
	if a == b {
		return true
	}
	if a.Len() != b.Len() {
		return false
	}
	for i, k := range a.All() {
		if b.At(i) != k {
			return false
		}
	}
	return true
}

// SetMarked makes the list draw, dim after each key, the tag marked
// returns for it ("" for none): that the value is stored as bytes that
// are not JSON, or breaks its schema. It is asked only for the rows on
// screen, when drawn.
func (l *Model) SetMarked(marked func(key string) string) { l.marked = marked }

// Keys returns every key, sorted. A KeyList never changes (SetKeys
// replaces it), so a search may read it in a Cmd, and the list's keys are
// the same as before while Keys returns the same pointer.
func (l *Model) Keys() *kvstore.KeyList { return l.keys }

// ShowFound narrows the view to rows, indexes into Keys in ascending order,
// found by a search for query, and selects the first. An empty query shows
// every key.
func (l *Model) ShowFound(query string, rows []int) {
	if query == "" {
		if l.found != "" {
			l.ClearFilter()
		}
		return
	}
	l.query = ""
	l.match.reset()
	l.found, l.foundTitle, l.matches = query, "", rows
	if l.matches == nil {
		l.matches = []int{}
	}
	l.reorder()
	l.sel, l.offset = 0, 0
	l.filterTree()
	l.clamp()
}

// filterTree shows the tree of the filter's or the find's keys, if the
// keys are a tree, and selects the first of them.
func (l *Model) filterTree() {
	if !l.treeOn {
		return
	}
	l.ftv = l.tree.filtered(l.matches)
	if len(l.matches) > 0 {
		l.selectNode(l.tree.keyNode[l.matches[0]])
	}
}

// ShowFoundAs is ShowFound for a search whose query is not text to mark
// in the keys, such as a jq expression: the list's title says title, and
// Found returns query.
func (l *Model) ShowFoundAs(title, query string, rows []int) {
	l.ShowFound(query, rows)
	if query != "" {
		l.foundTitle = title
	}
}

// Found returns the find query whose result is the view, or "".
func (l *Model) Found() string { return l.found }

// Len returns the number of rows in the current view.
func (l *Model) Len() int {
	if l.treeOn {
		return len(l.view().rows)
	}
	if l.matches != nil {
		return len(l.matches)
	}
	return l.keys.Len()
}

// At returns the key on row of the current view; in the tree, a group's
// row gives the group's whole prefix.
func (l *Model) At(row int) string {
	if l.treeOn {
		if x := l.tree.nodes[l.view().rows[row]]; x < 0 {
			return l.tree.groups[^x].prefix
		}
		return l.keys.At(int(l.tree.nodes[l.view().rows[row]]))
	}
	switch {
	case l.order != nil:
		return l.keys.At(l.order[row])
	case l.matches != nil:
		return l.keys.At(l.matches[row])
	}
	return l.keys.At(row)
}

// Selected returns the selected key, or false if the view is empty or a
// group of the tree is selected.
func (l *Model) Selected() (string, bool) {
	if l.sel < 0 || l.sel >= l.Len() || l.OnGroup() {
		return "", false
	}
	return l.At(l.sel), true
}

// Filtered reports whether a filter narrows the view.
func (l *Model) Filtered() bool { return l.matches != nil }

// SetSize sets the pane's size, in cells, including its title and count.
func (l *Model) SetSize(w, h int) {
	l.width, l.height = w, max(h-2, 1)
	l.clamp()
}

// Page returns the number of rows a page moves.
func (l *Model) Page() int { return max(l.height-1, 1) }

// clamp keeps the selection in range and on screen.
func (l *Model) clamp() {
	n := l.Len()
	l.sel = max(min(l.sel, n-1), 0)
	if l.sel < l.offset {
		l.offset = l.sel
	}
	if l.sel >= l.offset+l.height {
		l.offset = l.sel - l.height + 1
	}
	l.offset = max(min(l.offset, n-l.height), 0)
}

// SetFilter narrows the view to the keys matching query and selects the best
// match. An empty query shows every key.
func (l *Model) SetFilter(query string) {
	if query == l.query && (query == "") == (l.matches == nil) {
		return
	}
	l.query, l.found, l.foundTitle = query, "", ""
	if query == "" {
		l.ClearFilter()
		return
	}
	l.matches = l.match.match(l.keys, query)
	l.reorder()
	l.sel, l.offset = 0, 0
	l.filterTree()
	l.clamp()
}

// ClearFilter shows every key again, keeping the selected key selected.
func (l *Model) ClearFilter() {
	if l.treeOn {
		node, ok := l.selectedNode()
		l.matches, l.query, l.found, l.foundTitle = nil, "", "", ""
		l.match.reset()
		l.ftv = treeView{}
		if ok && l.selectNode(node) {
			l.offset = l.sel - l.height/2
		}
		l.clamp()
		return
	}
	cur, ok := l.Selected()
	l.matches, l.query, l.found, l.foundTitle = nil, "", "", ""
	l.match.reset()
	l.reorder()
	if ok && l.SelectKey(cur) {
		// Centre the kept selection instead of leaving it on the edge.
		l.offset = l.sel - l.height/2
	}
	l.clamp()
}

// Query returns the filter text.
func (l *Model) Query() string { return l.query }

// SelectKey selects key if it is in the view, and reports whether it is.
// Without a filter the keys are sorted, so it searches; a filtered view is
// in match order and is scanned. In the tree without a filter, the groups
// holding key are opened.
func (l *Model) SelectKey(key string) bool {
	if l.treeOn {
		k, ok := l.keys.Index(key)
		if !ok {
			return false
		}
		if l.matches == nil {
			l.reveal(k)
		}
		row, ok := l.tree.rowOf(l.view(), l.tree.keyNode[k])
		if !ok || l.view().rows[row] != l.tree.keyNode[k] {
			return false
		}
		l.sel = row
		l.clamp()
		return true
	}
	if l.matches == nil && l.order == nil {
		if row, ok := l.keys.Index(key); ok {
			l.sel = row
			l.clamp()
			return true
		}
		return false
	}
	for row := range l.Len() {
		if l.At(row) == key {
			l.sel = row
			l.clamp()
			return true
		}
	}
	return false
}

// StartFilter starts typing a filter: printable keys type into it until
// enter keeps it or esc drops it.
func (l *Model) StartFilter() { l.typing = true }

// Width returns the list's width in cells.
func (l *Model) Width() int { return l.width }

// Typing reports whether keys type into the filter.
func (l *Model) Typing() bool { return l.typing }

// Update handles a key or a paste. While the filter is typed, printable keys
// and pastes type into it, so q and j are text; the movement keys move the
// selection either way.
func (l Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if l.typing {
			l.SetFilter(l.query + display.OneLine(msg.Content))
		}
	case tea.KeyPressMsg:
		if l.typing && l.typeKey(msg) {
			return l, nil
		}
		l.move(msg)
	}
	return l, nil
}

// typeKey types msg into the filter and reports whether it was a typing key.
func (l *Model) typeKey(msg tea.KeyPressMsg) bool {
	q := l.query
	switch {
	case key.Matches(msg, l.fkeys.Accept):
		l.typing = false
	case key.Matches(msg, l.fkeys.Clear):
		l.typing = false
		l.ClearFilter()
	case msg.Text != "":
		l.SetFilter(q + display.OneLine(msg.Text))
	case msg.Code == tea.KeyBackspace:
		if q != "" {
			_, size := utf8.DecodeLastRuneInString(q)
			l.SetFilter(q[:len(q)-size])
		}
	case msg.String() == "ctrl+u":
		l.SetFilter("")
	default:
		return false
	}
	return true
}

// RowAt returns the row of the view drawn on line y of the pane (0 is the
// title), or false when no key is drawn there.
func (l *Model) RowAt(y int) (int, bool) {
	row := l.offset + y - 1
	if y < 1 || y > l.height || row >= l.Len() {
		return 0, false
	}
	return row, true
}

// RowIsKey reports whether row of the view is a key, not a group of the
// tree.
func (l *Model) RowIsKey(row int) bool {
	return !l.treeOn || !l.treeRowAt(row).group
}

// SelectedRow returns the selected row of the view.
func (l *Model) SelectedRow() int { return l.sel }

// Select selects row of the view, which must be in range.
func (l *Model) Select(row int) {
	l.sel = row
	l.clamp()
}

// MoveBy moves the selection by n rows, up when n is negative, stopping at
// the ends.
func (l *Model) MoveBy(n int) {
	l.sel = max(min(l.sel+n, l.Len()-1), 0)
	l.clamp()
}

// move moves the selection for a movement key.
func (l *Model) move(msg tea.KeyPressMsg) {
	if to, ok := l.fkeys.Move(msg, l.sel, l.Page(), l.Len()); ok {
		l.sel = to
		l.clamp()
	}
}

// Shown returns the keys on the rows the pane shows now, in order; the
// tree's group rows are left out.
func (l *Model) Shown() []string {
	var keys []string
	for row := l.offset; row < min(l.offset+l.height, l.Len()); row++ {
		if l.treeOn && l.treeRowAt(row).group {
			continue
		}
		keys = append(keys, l.At(row))
	}
	return keys
}
