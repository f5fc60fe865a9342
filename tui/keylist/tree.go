package keylist

import (
	"slices"
	"strings"

	"github.com/kvstore-dev/kvstore/kvstore"
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
func buildTree(keys *kvstore.KeyList, sep string) *tree {
	n := keys.Len()
	t := &tree{
		sep:       sep,
		nodes:     make([]int32, 0, n+n/8),
		keyNode:   make([]int32, n),
		keyParent: make([]int32, n),
		byPrefix:  map[string]int32{},
	}
	var open []int32 // the groups of the previous key, outermost first
	closeGroup := func(g int32, hi int) {
		t.groups[g].hi, t.groups[g].end = int32(hi), int32(len(t.nodes))
	}
	buf := make([]string, readBuf)
	for at := 0; at < n; {
		read := keys.Read(at, buf)
		for x, k := range read {
			i := at + x
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
		at += len(read)
	}
	for len(open) > 0 {
		closeGroup(open[len(open)-1], n)
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
func (t *tree) label(keys *kvstore.KeyList, node int32) string {
	v := t.nodes[node]
	if v < 0 {
		g := &t.groups[^v]
		if g.parent < 0 {
			return g.prefix
		}
		return g.prefix[len(t.groups[g.parent].prefix):]
	}
	if p := t.keyParent[v]; p >= 0 {
		return keys.At(int(v))[len(t.groups[p].prefix):]
	}
	return keys.At(int(v))
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

// filtered returns the view of keys, ascending indexes of matching keys:
// their groups, all open, and their counts.
func (t *tree) filtered(keys []int) treeView {
	v := treeView{src: make([]int32, 0, len(keys)*2), count: make([]int32, len(t.groups)), shut: map[int32]bool{}}
	var path, chain []int32 // the groups of the previous key; the new ones
	for _, k := range keys {
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
