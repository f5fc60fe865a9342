package keylist

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// The list in tree mode: the Model methods that switch to the tree, move
// in it, open and close its groups and draw its rows (the tree itself is in
// tree.go).

// Group describes a group of keys in the tree, for the value pane to show
// when the group is selected.
type Group struct {
	// Prefix is the group's whole prefix, separator included.
	Prefix string
	// Keys is how many keys it holds, at every depth.
	Keys int
	// Shown is how many of them the filter or find shows; Keys when none.
	Shown int
	// First holds its first keys in order, whole, as many as asked for.
	First []string
}

// SetSeparator sets the separator that groups keys in the tree; empty
// means DefaultSeparator.
func (l *Model) SetSeparator(sep string) {
	if sep == "" {
		sep = DefaultSeparator
	}
	if sep == l.sep {
		return
	}
	l.sep, l.tree, l.open = sep, nil, nil
	if l.treeOn {
		l.treeOn = false
		l.SetTree(true)
	}
}

// Separator returns the separator that groups keys in the tree.
func (l *Model) Separator() string {
	if l.sep == "" {
		return DefaultSeparator
	}
	return l.sep
}

// InTree reports whether the keys are shown as a tree.
func (l *Model) InTree() bool { return l.treeOn }

// SetTree shows the keys as a tree grouped by the separator, or as the flat
// list. The selected key stays selected; where the tree hides it in a
// closed group, that group is selected instead (a group selected in the
// tree gives way to its first key in the list). Which groups are open is
// kept for the next time.
func (l *Model) SetTree(on bool) {
	if on == l.treeOn {
		return
	}
	if !on {
		key := l.selectedKeyOrFirst()
		l.treeOn = false
		l.tv, l.ftv = treeView{}, treeView{}
		l.sel = 0
		if key >= 0 {
			if l.matches == nil {
				l.sel = key
			} else if i := slices.Index(l.matches, key); i >= 0 {
				l.sel = i
			}
			l.offset = l.sel - l.height/2
		}
		l.clamp()
		return
	}
	cur, ok := l.Selected()
	l.treeOn = true
	l.ensureTree()
	l.tv = treeView{}
	l.tv.rows = l.tv.visible(l.tree, 0, int32(len(l.tree.nodes)), l.openState(), nil)
	if l.matches != nil {
		l.ftv = l.tree.filtered(l.matches)
	}
	l.sel, l.offset = 0, 0
	if ok {
		l.selectNode(l.tree.keyNode[l.keys.Search(cur)])
		l.offset = l.sel - l.height/2
	}
	l.clamp()
}

// selectedKeyOrFirst returns the index of the selected key, or of the
// selected group's first key, or -1.
func (l *Model) selectedKeyOrFirst() int {
	if l.sel < 0 || l.sel >= l.Len() {
		return -1
	}
	if !l.treeOn {
		switch {
		case l.order != nil:
			return l.order[l.sel]
		case l.matches != nil:
			return l.matches[l.sel]
		}
		return l.sel
	}
	v := l.view()
	node := v.rows[l.sel]
	if x := l.tree.nodes[node]; x >= 0 {
		return int(x)
	}
	// The first key under the group that the view holds.
	if v.src != nil {
		if i := searchNodes(v.src, node); i < len(v.src) {
			for _, n := range v.src[i:] {
				if x := l.tree.nodes[n]; x >= 0 {
					return int(x)
				}
			}
		}
		return -1
	}
	return int(l.tree.groups[^l.tree.nodes[node]].lo)
}

// ensureTree builds the tree of the keys if it is not built, and the open
// state of its groups from the prefixes the user opened.
func (l *Model) ensureTree() {
	if l.tree != nil {
		return
	}
	l.tree = buildTree(l.keys, l.Separator())
	l.isOpen = make([]bool, len(l.tree.groups))
	for p := range l.open {
		if g, ok := l.tree.byPrefix[p]; ok {
			l.isOpen[g] = true
		}
	}
}

// openState returns the groups open in the user's own view, by index.
func (l *Model) openState() []bool { return l.isOpen }

// view returns the tree view on screen: the filter's, or the user's.
func (l *Model) view() *treeView {
	if l.matches != nil {
		return &l.ftv
	}
	return &l.tv
}

// selectNode selects the row showing node or the nearest shown group
// holding it, and reports whether there was one.
func (l *Model) selectNode(node int32) bool {
	row, ok := l.tree.rowOf(l.view(), node)
	if ok {
		l.sel = row
		l.clamp()
	}
	return ok
}

// selectedNode returns the tree position of the selected row.
func (l *Model) selectedNode() (int32, bool) {
	v := l.view()
	if l.sel < 0 || l.sel >= len(v.rows) {
		return 0, false
	}
	return v.rows[l.sel], true
}

// selectedGroup returns the index of the selected group, or false when the
// selection is a key or there is none.
func (l *Model) selectedGroup() (int32, bool) {
	if !l.treeOn {
		return 0, false
	}
	node, ok := l.selectedNode()
	if !ok || l.tree.nodes[node] >= 0 {
		return 0, false
	}
	return ^l.tree.nodes[node], true
}

// OnGroup reports whether the selected row is a group of the tree.
func (l *Model) OnGroup() bool {
	_, ok := l.selectedGroup()
	return ok
}

// SelectedGroup describes the selected group, with up to first of its
// first keys (those the filter shows, under a filter), or returns false
// when no group is selected.
func (l *Model) SelectedGroup(first int) (Group, bool) {
	g, ok := l.selectedGroup()
	if !ok {
		return Group{}, false
	}
	t, v := l.tree, l.view()
	gr := &t.groups[g]
	out := Group{Prefix: gr.prefix, Keys: int(gr.hi - gr.lo), Shown: t.keysUnder(v, g)}
	if v.src == nil {
		for i := gr.lo; i < gr.hi && len(out.First) < first; i++ {
			out.First = append(out.First, l.keys.At(int(i)))
		}
		return out, true
	}
	for p := searchNodes(v.src, gr.at); p < len(v.src) && v.src[p] < gr.end && len(out.First) < first; p++ {
		if x := t.nodes[v.src[p]]; x >= 0 {
			out.First = append(out.First, l.keys.At(int(x)))
		}
	}
	return out, true
}

// setGroupOpen opens or closes the selected group and reports whether a
// group was selected.
func (l *Model) setGroupOpen(open bool) bool {
	g, ok := l.selectedGroup()
	if !ok {
		return false
	}
	v := l.view()
	if v.src == nil {
		if open {
			if l.open == nil {
				l.open = map[string]bool{}
			}
			// A copy: the set outlives the keys, and a prefix is part of
			// a key, which may share its memory with many others (an
			// etcd prefix's blocks of keys).
			l.open[strings.Clone(l.tree.groups[g].prefix)] = true
		} else {
			delete(l.open, l.tree.groups[g].prefix)
		}
	}
	v.setOpen(l.tree, l.sel, l.isOpen, open)
	l.clamp()
	return true
}

// groupOpen reports whether group g is open in the view on screen.
func (l *Model) groupOpen(g int32) bool {
	return !l.view().isClosed(g, l.isOpen)
}

// OpenGroup opens the selected group, and reports whether one is selected.
func (l *Model) OpenGroup() bool { return l.setGroupOpen(true) }

// ToggleGroup opens the selected group if it is closed and closes it if it
// is open, and reports whether one is selected.
func (l *Model) ToggleGroup() bool {
	g, ok := l.selectedGroup()
	if !ok {
		return false
	}
	return l.setGroupOpen(!l.groupOpen(g))
}

// CloseGroup closes the selected group if it is open; on a key or a closed
// group it selects the group holding it. It reports whether anything
// changed.
func (l *Model) CloseGroup() bool {
	if !l.treeOn {
		return false
	}
	if g, ok := l.selectedGroup(); ok && l.groupOpen(g) {
		return l.setGroupOpen(false)
	}
	node, ok := l.selectedNode()
	if !ok {
		return false
	}
	parent, ok := l.tree.parentNode(node)
	if !ok {
		return false
	}
	return l.selectNode(parent)
}

// reveal opens every group holding key, in the user's own view.
func (l *Model) reveal(k int) {
	changed := false
	for p := l.tree.keyParent[k]; p >= 0; p = l.tree.groups[p].parent {
		if !l.isOpen[p] {
			l.isOpen[p] = true
			if l.open == nil {
				l.open = map[string]bool{}
			}
			l.open[strings.Clone(l.tree.groups[p].prefix)] = true
			changed = true
		}
	}
	if changed {
		l.tv.rows = l.tv.visible(l.tree, 0, int32(len(l.tree.nodes)), l.isOpen, l.tv.rows[:0])
	}
}

// treeRow is what the list draws for one row of the tree.
type treeRow struct {
	label string
	depth int
	group bool
	open  bool
	keys  int
}

// treeRowAt returns what row of the tree view shows.
func (l *Model) treeRowAt(row int) treeRow {
	v := l.view()
	node := v.rows[row]
	r := treeRow{label: l.tree.label(l.keys, node), depth: l.tree.depth(node)}
	if x := l.tree.nodes[node]; x < 0 {
		r.group, r.open, r.keys = true, !v.isClosed(^x, l.isOpen), l.tree.keysUnder(v, ^x)
	}
	return r
}

// treeLabel returns what row of the tree shows, unstyled, and the count of
// keys a group row ends with. Each level indents by two cells, up to half
// the pane; a group is marked ▸ when closed and ▾ when open, and a key is
// indented as far as the groups' names.
func (l *Model) treeLabel(row int) (name, count string) {
	r := l.treeRowAt(row)
	indent := min(2*r.depth, max(l.width-2, 0)/2)
	room := l.width - 2 - indent - 2
	mark := "  "
	label := display.KeyLabel(r.label)
	if r.group {
		mark = "▸ "
		if r.open {
			mark = "▾ "
		}
		label = display.Escape(r.label)
		count = " " + display.GroupDigits(r.keys)
		if ansi.StringWidth(label)+len(count) > room {
			count = ""
		}
	}
	return strings.Repeat(" ", indent) + mark + ansi.Truncate(label, max(room, 1), "…"), count
}

// title is the pane's title without a filter: the tree says it is one.
func (l *Model) title() string {
	if l.treeOn {
		return "Key tree"
	}
	if l.bySize {
		return "Keys by size"
	}
	return "Keys"
}
