package keylist

import (
	"slices"
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// DefaultSeparator is the separator that groups keys in the tree when none
// is set.
const DefaultSeparator = "/"

// tree is the keys grouped by a separator: every proper prefix of a key
// that ends at a separator is a group, so users/1/name sits under users/
// and then users/1/. It is built once per set of keys.
//
// In key order, each group comes just before its first key and its keys
// follow it without a break (keys sharing a prefix are adjacent when
// sorted), so the whole tree, every group open, is the sorted keys with the
// groups' rows inserted. nodes holds that sequence; a view of the tree is
// an ascending list of positions in it, which is why a view can be searched
// by position and a group's rows found as one run.
type tree struct {
	sep    string
	nodes  []int32 // key index (>= 0) or ^group (< 0), in tree order
	groups []group
	// keyNode and keyParent give each key's position in nodes and its
	// innermost group (-1: top level).
	keyNode   []int32
	keyParent []int32
	byPrefix  map[string]int32 // group index by prefix
}

// group is one prefix ending at a separator.
type group struct {
	prefix  string
	depth   int32 // 0 at the top level
	parent  int32 // -1 at the top level
	lo, hi  int32 // the keys under it: keys[lo:hi]
	at, end int32 // its row and the position past its last row in nodes
}

// buildTree groups keys, which are sorted, by sep.
func buildTree(keys []string, sep string) *tree {
	t := &tree{
		sep:       sep,
		nodes:     make([]int32, 0, len(keys)+len(keys)/8),
		keyNode:   make([]int32, len(keys)),
		keyParent: make([]int32, len(keys)),
		byPrefix:  map[string]int32{},
	}
	var open []int32 // the groups of the previous key, outermost first
	closeGroup := func(g int32, hi int) {
		t.groups[g].hi, t.groups[g].end = int32(hi), int32(len(t.nodes))
	}
	for i, k := range keys {
		for len(open) > 0 {
			p := t.groups[open[len(open)-1]].prefix
			if len(k) > len(p) && strings.HasPrefix(k, p) {
				break
			}
			closeGroup(open[len(open)-1], i)
			open = open[:len(open)-1]
		}
		from := 0
		if len(open) > 0 {
			from = len(t.groups[open[len(open)-1]].prefix)
		}
		for {
			j := strings.Index(k[from:], sep)
			if j < 0 || from+j+len(sep) >= len(k) {
				break
			}
			from += j + len(sep)
			g := int32(len(t.groups))
			parent := int32(-1)
			if len(open) > 0 {
				parent = open[len(open)-1]
			}
			t.groups = append(t.groups, group{prefix: k[:from], depth: int32(len(open)), parent: parent,
				lo: int32(i), at: int32(len(t.nodes))})
			t.byPrefix[k[:from]] = g
			t.nodes = append(t.nodes, ^g)
			open = append(open, g)
		}
		t.keyParent[i] = -1
		if len(open) > 0 {
			t.keyParent[i] = open[len(open)-1]
		}
		t.keyNode[i] = int32(len(t.nodes))
		t.nodes = append(t.nodes, int32(i))
	}
	for len(open) > 0 {
		closeGroup(open[len(open)-1], len(keys))
		open = open[:len(open)-1]
	}
	return t
}

// depth returns how deep node is: 0 at the top level.
func (t *tree) depth(node int32) int {
	if v := t.nodes[node]; v < 0 {
		return int(t.groups[^v].depth)
	} else if p := t.keyParent[v]; p >= 0 {
		return int(t.groups[p].depth) + 1
	}
	return 0
}

// parentNode returns the position of node's group, or false at the top
// level.
func (t *tree) parentNode(node int32) (int32, bool) {
	var p int32
	if v := t.nodes[node]; v < 0 {
		p = t.groups[^v].parent
	} else {
		p = t.keyParent[v]
	}
	if p < 0 {
		return 0, false
	}
	return t.groups[p].at, true
}

// label is what a row shows: a key's last segment, or a group's prefix
// without its parent's.
func (t *tree) label(keys []string, node int32) string {
	v := t.nodes[node]
	if v < 0 {
		g := &t.groups[^v]
		if g.parent < 0 {
			return g.prefix
		}
		return g.prefix[len(t.groups[g.parent].prefix):]
	}
	if p := t.keyParent[v]; p >= 0 {
		return keys[v][len(t.groups[p].prefix):]
	}
	return keys[v]
}

// treeView is the rows of the tree on screen: either every node, with the
// groups the user closed left shut, or a filter's matching keys and their
// groups, each shown open unless closed since the filter was set.
type treeView struct {
	// src is the nodes the view may show, ascending; nil means every node.
	src []int32
	// rows is the nodes shown: src without what closed groups hold.
	rows []int32
	// count gives, by group, the keys under it in src; nil means all.
	count []int32
	// shut is the groups closed in a filtered view, by group index.
	shut map[int32]bool
}

// isClosed reports whether group g is closed in this view; open is the
// user's own state, which an unfiltered view follows.
func (v *treeView) isClosed(g int32, open []bool) bool {
	if v.src != nil {
		return v.shut[g]
	}
	return !open[g]
}

// visible appends to out the nodes of the view at positions from to to in
// the tree that closed groups do not hide, and returns it.
func (v *treeView) visible(t *tree, from, to int32, open []bool, out []int32) []int32 {
	if v.src == nil {
		for n := from; n < to; {
			out = append(out, n)
			if x := t.nodes[n]; x < 0 && v.isClosed(^x, open) {
				n = t.groups[^x].end
				continue
			}
			n++
		}
		return out
	}
	p := searchNodes(v.src, from)
	for p < len(v.src) && v.src[p] < to {
		n := v.src[p]
		out = append(out, n)
		if x := t.nodes[n]; x < 0 && v.isClosed(^x, open) {
			p = searchNodes(v.src, t.groups[^x].end)
			continue
		}
		p++
	}
	return out
}

// searchNodes returns the index of the first node of rows at or after
// node, which are ascending.
func searchNodes(rows []int32, node int32) int {
	i, _ := slices.BinarySearch(rows, node)
	return i
}

// setOpen opens or closes the group on row of the view, changing only its
// rows: a close cuts the rows it holds, an open puts back the ones its
// open groups show.
func (v *treeView) setOpen(t *tree, row int, open []bool, on bool) {
	g := ^t.nodes[v.rows[row]]
	if v.isClosed(g, open) != on {
		return
	}
	if v.src == nil {
		open[g] = on
	} else if on {
		delete(v.shut, g)
	} else {
		v.shut[g] = true
	}
	gr := &t.groups[g]
	if !on {
		end := row + 1 + searchNodes(v.rows[row+1:], gr.end)
		v.rows = slices.Delete(v.rows, row+1, end)
		return
	}
	inner := v.visible(t, gr.at+1, gr.end, open, nil)
	v.rows = slices.Insert(v.rows, row+1, inner...)
}

// filtered returns the view of keys, indexes of matching keys in at most
// two ascending runs (a filter's substring matches, then its fuzzy ones):
// their groups, all open, and their counts.
func (t *tree) filtered(keys []int) treeView {
	sorted := sortedInts(slices.Clone(keys))
	v := treeView{src: make([]int32, 0, len(sorted)*2), count: make([]int32, len(t.groups)), shut: map[int32]bool{}}
	var path, chain []int32 // the groups of the previous key; the new ones
	for _, k := range sorted {
		chain = chain[:0]
		p := t.keyParent[k]
		for p >= 0 && !(int(t.groups[p].depth) < len(path) && path[t.groups[p].depth] == p) {
			chain = append(chain, p)
			p = t.groups[p].parent
		}
		keep := 0
		if p >= 0 {
			keep = int(t.groups[p].depth) + 1
		}
		path = path[:keep]
		for i := len(chain) - 1; i >= 0; i-- {
			path = append(path, chain[i])
			v.src = append(v.src, t.groups[chain[i]].at)
		}
		for _, g := range path {
			v.count[g]++
		}
		v.src = append(v.src, t.keyNode[k])
	}
	v.rows = slices.Clone(v.src)
	return v
}

// keysUnder returns how many keys group g holds in view v.
func (t *tree) keysUnder(v *treeView, g int32) int {
	if v.count != nil {
		return int(v.count[g])
	}
	return int(t.groups[g].hi - t.groups[g].lo)
}

// rowOf returns the row of view v that shows node, or of the nearest
// group holding it that is shown; false when neither is.
func (t *tree) rowOf(v *treeView, node int32) (int, bool) {
	for {
		i := searchNodes(v.rows, node)
		if i < len(v.rows) && v.rows[i] == node {
			return i, true
		}
		parent, ok := t.parentNode(node)
		if !ok {
			return 0, false
		}
		node = parent
	}
}

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
		l.selectNode(l.tree.keyNode[sort.SearchStrings(l.keys, cur)])
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
		if l.matches != nil {
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
			out.First = append(out.First, l.keys[i])
		}
		return out, true
	}
	for p := searchNodes(v.src, gr.at); p < len(v.src) && v.src[p] < gr.end && len(out.First) < first; p++ {
		if x := t.nodes[v.src[p]]; x >= 0 {
			out.First = append(out.First, l.keys[x])
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
			l.open[l.tree.groups[g].prefix] = true
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
			l.open[l.tree.groups[p].prefix] = true
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
	return "Keys"
}
