package kvstore

import (
	"hash/maphash"
	"unsafe"

	"github.com/tidwall/btree"
)

// The store's content is a set of entries, each a key and its compact JSON
// value held in one immutable string. Two structures point at the same
// entries: a B-tree (kvTree), whose O(1) copy-on-write Copy gives saves and
// iterators their snapshot and keeps keys in order, and a hash index
// (hashIndex) for lookups. A B-tree lookup compares the key with some 17
// others, each compare a cache miss on another string's bytes; the index
// needs one or two. An entry is never changed once made: a write makes a
// new one, so a snapshot taken before it keeps the old one, and a string
// handed out by GetText stays valid and unchanged for as long as the
// caller keeps it.
//
// Memory per key, measured at 1M keys of 189-byte values (see
// PERFORMANCE.md): the key and value bytes, packed into shared blocks when
// loaded from a file (textArena) and freed from the file's read buffer; 24
// bytes of entry; 8 bytes a slot in the B-tree's nodes, which a sorted load
// leaves about half full; 16 bytes of index at the load factor a load gives
// it. A Go map of the same entries took 40 bytes a key at that size, and a
// B-tree holding key and value headers itself 68.

// entry is one key and its value: kv[:klen] is the key, kv[klen:] the
// compact JSON value. hash is the key's hash, for the index.
type entry struct {
	kv   string
	klen uint32
	hash uint32
}

func (e *entry) key() string   { return e.kv[:e.klen] }
func (e *entry) value() string { return e.kv[e.klen:] }

// valueBytes returns the value as a byte slice that shares the entry's
// memory. The store never writes to it; neither may any caller it reaches.
func (e *entry) valueBytes() []byte { return bytesOf(e.value()) }

// bytesOf returns the bytes of s without copying them, for reading only:
// writing to them would change a string, which Go assumes never happens.
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// newEntry makes an entry of key and a copy of value, in one allocation.
func newEntry(key string, value []byte) *entry {
	kv := make([]byte, len(key)+len(value))
	copy(kv[copy(kv, key):], value)
	return &entry{kv: unsafe.String(unsafe.SliceData(kv), len(kv)), klen: uint32(len(key)), hash: hashKey(key)}
}

var hashSeed = maphash.MakeSeed()

func hashKey(key string) uint32 { return uint32(maphash.String(hashSeed, key)) }

// textArena makes the entries of a file being loaded. Their text is copied
// into large shared blocks, and the entries themselves are allocated in
// slabs, so that a million keys cost a few hundred allocations rather than
// two million, and the buffer the file was read into can be freed once the
// load is done. A block lives as long as any string carved from it.
type textArena struct {
	block   []byte
	entries []entry
}

const (
	arenaBlock = 1 << 20 // bytes of text per block
	entrySlab  = 2048    // entries per slab
)

// entry returns a new entry holding key and value.
func (a *textArena) entry(key string, value []byte) *entry {
	n := len(key) + len(value)
	if n > arenaBlock/16 {
		return newEntry(key, value)
	}
	if cap(a.block)-len(a.block) < n {
		a.block = make([]byte, 0, arenaBlock)
	}
	start := len(a.block)
	a.block = append(a.block, key...)
	a.block = append(a.block, value...)
	if len(a.entries) == cap(a.entries) {
		a.entries = make([]entry, 0, entrySlab)
	}
	a.entries = append(a.entries, entry{
		kv:   unsafe.String(&a.block[start], n),
		klen: uint32(len(key)),
		hash: hashKey(key),
	})
	return &a.entries[len(a.entries)-1]
}

// kvTree is an ordered map of keys to compact JSON values, with an O(1)
// copy-on-write Copy. Values are read-only views of its entries' text.
type kvTree struct {
	t *btree.BTreeG[*entry]
}

func entryLess(a, b *entry) bool { return a.key() < b.key() }

func newKVTree() *kvTree {
	return &kvTree{btree.NewBTreeGOptions(entryLess, btree.Options{NoLocks: true})}
}

// Copy returns a copy-on-write copy of t in O(1).
func (t *kvTree) Copy() *kvTree { return &kvTree{t.t.Copy()} }

func (t *kvTree) Len() int { return t.t.Len() }

func (t *kvTree) entry(key string) (*entry, bool) {
	return t.t.Get(&entry{kv: key, klen: uint32(len(key))})
}

// Get returns the value of key.
func (t *kvTree) Get(key string) ([]byte, bool) {
	e, ok := t.entry(key)
	if !ok {
		return nil, false
	}
	return e.valueBytes(), true
}

// Set sets key to a copy of value.
func (t *kvTree) Set(key string, value []byte) { t.t.Set(newEntry(key, value)) }

// Delete removes key.
func (t *kvTree) Delete(key string) { t.t.Delete(&entry{kv: key, klen: uint32(len(key))}) }

// Scan calls fn with each key and value in key order until it returns false.
func (t *kvTree) Scan(fn func(key string, value []byte) bool) {
	t.t.Scan(func(e *entry) bool { return fn(e.key(), e.valueBytes()) })
}

// Ascend is Scan from the first key at or after pivot.
func (t *kvTree) Ascend(pivot string, fn func(key string, value []byte) bool) {
	t.t.Ascend(&entry{kv: pivot, klen: uint32(len(pivot))}, func(e *entry) bool { return fn(e.key(), e.valueBytes()) })
}

// Keys returns the keys in order.
func (t *kvTree) Keys() []string {
	keys := make([]string, 0, t.Len())
	t.t.Scan(func(e *entry) bool {
		keys = append(keys, e.key())
		return true
	})
	return keys
}

// Iter returns an iterator over t, positioned by First.
func (t *kvTree) Iter() kvIter { return kvIter{t.t.Iter()} }

// kvIter walks a kvTree in key order.
type kvIter struct{ it btree.IterG[*entry] }

func (i *kvIter) First() bool   { return i.it.First() }
func (i *kvIter) Next() bool    { return i.it.Next() }
func (i *kvIter) Key() string   { return i.it.Item().key() }
func (i *kvIter) Value() []byte { return i.it.Item().valueBytes() }

// entries is the store's content: the tree and the index of the same
// entries. Every change goes through set and del, which keep the two in
// step.
type entries struct {
	tree  *kvTree
	index *hashIndex
}

// newEntries returns the entries of tree, with index its lookup index, or
// nil to build it.
func newEntries(tree *kvTree, index *hashIndex) entries {
	if index == nil {
		index = indexOf(tree)
	}
	return entries{tree: tree, index: index}
}

// get returns the value of key as the stored string itself.
func (e entries) get(key string) (string, bool) {
	if en := e.index.find(key); en != nil {
		return en.value(), true
	}
	return "", false
}

// set sets key to a copy of value.
func (e entries) set(key string, value []byte) {
	en := newEntry(key, value)
	e.tree.t.Set(en)
	e.index.put(en)
}

func (e entries) del(key string) {
	e.tree.Delete(key)
	e.index.remove(key)
}

func (e entries) len() int { return e.tree.Len() }

// indexOf builds the lookup index of the entries of t.
func indexOf(t *kvTree) *hashIndex {
	x := newHashIndex(t.Len())
	t.t.Scan(func(e *entry) bool {
		x.put(e)
		return true
	})
	return x
}

// hashIndex finds entries by key: an open-addressing hash table of entry
// pointers with linear probing. A key's home slot is its hash scaled to
// the table's length, so the table can have any length, and is sized for
// a load factor of one half, 16 bytes a key. It is not safe for concurrent
// use; the store's lock guards it.
type hashIndex struct {
	slots []*entry
	n     int
}

// newHashIndex returns an empty index sized for n entries.
func newHashIndex(n int) *hashIndex {
	return &hashIndex{slots: make([]*entry, max(8, 2*n))}
}

func (x *hashIndex) home(h uint32) int { return int(uint64(h) * uint64(len(x.slots)) >> 32) }

func (x *hashIndex) next(i int) int {
	if i++; i == len(x.slots) {
		return 0
	}
	return i
}

// slot returns the slot that holds key, or the empty slot where it would go.
func (x *hashIndex) slot(key string, h uint32) int {
	i := x.home(h)
	for {
		e := x.slots[i]
		if e == nil || e.hash == h && e.key() == key {
			return i
		}
		i = x.next(i)
	}
}

// find returns the entry of key, or nil.
func (x *hashIndex) find(key string) *entry {
	return x.slots[x.slot(key, hashKey(key))]
}

// put adds e, replacing the entry of the same key.
func (x *hashIndex) put(e *entry) {
	i := x.slot(e.key(), e.hash)
	if x.slots[i] != nil {
		x.slots[i] = e
		return
	}
	if 8*(x.n+1) > 5*len(x.slots) {
		x.grow()
		i = x.slot(e.key(), e.hash)
	}
	x.slots[i] = e
	x.n++
}

func (x *hashIndex) grow() {
	old := x.slots
	x.slots = make([]*entry, 2*len(old))
	for _, e := range old {
		if e != nil {
			x.slots[x.slot(e.key(), e.hash)] = e
		}
	}
}

// remove removes the entry of key, if any, shifting back the entries after
// it that probed past its slot, so that no lookup stops short of them.
func (x *hashIndex) remove(key string) {
	i := x.slot(key, hashKey(key))
	if x.slots[i] == nil {
		return
	}
	x.n--
	for j := x.next(i); ; j = x.next(j) {
		e := x.slots[j]
		if e == nil {
			break
		}
		// e may fill the hole at i unless its home lies cyclically in
		// (i, j], where a lookup finds it without passing i.
		h := x.home(e.hash)
		if i <= j && i < h && h <= j || i > j && (h > i || h <= j) {
			continue
		}
		x.slots[i] = e
		i = j
	}
	x.slots[i] = nil
}
