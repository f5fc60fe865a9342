package kvstore

import "github.com/tidwall/btree"

// entries is the store's content, kept in two structures that share the
// same value slices: a B-tree, whose O(1) copy-on-write Copy gives saves
// and iterators their snapshot and keeps keys in order, and a hash map for
// lookups. A B-tree lookup compares the key with some 17 others, each
// compare a cache miss on another string's bytes; the map needs one or two,
// which makes GetRaw about ten times faster at 100k keys for some 60 bytes
// per key. Every change goes through set and del, which keep the two in
// step.
type entries struct {
	tree  *btree.Map[string, []byte] // key -> compact JSON value
	index map[string][]byte          // the same entries
}

// newEntries returns the entries of tree, with index its lookup map, or nil
// to build it.
func newEntries(tree *btree.Map[string, []byte], index map[string][]byte) entries {
	if index == nil {
		index = indexOf(tree)
	}
	return entries{tree: tree, index: index}
}

func (e entries) get(key string) ([]byte, bool) {
	v, ok := e.index[key]
	return v, ok
}

func (e entries) set(key string, value []byte) {
	e.tree.Set(key, value)
	e.index[key] = value
}

func (e entries) del(key string) {
	e.tree.Delete(key)
	delete(e.index, key)
}

func (e entries) len() int { return e.tree.Len() }

// indexOf builds the lookup map for the entries of m.
func indexOf(m *btree.Map[string, []byte]) map[string][]byte {
	index := make(map[string][]byte, m.Len())
	m.Scan(func(k string, v []byte) bool {
		index[k] = v
		return true
	})
	return index
}
