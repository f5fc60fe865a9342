package etcdstore

import (
	"math"
	"sort"

	"github.com/tidwall/btree"
)

// keyView is the view of a prefix: every key without the prefix, with its
// entry. On a KeysOnly Store most keys are only listed, with a revision
// and no value, and never change: those live in a keyBase, one sorted,
// immutable array of the keys' bytes packed in blocks, which copies of the
// view share. What changes (the watch's puts and deletions, values loaded
// or written) goes in a small B-tree over it, which is folded into a new
// base once it grows large. Elsewhere the B-tree holds every key and the
// base is empty.
//
// A keyView is not safe for concurrent use: its owner's lock guards it.
// Copy marks the B-tree shared, so it needs that lock exclusively; Get,
// Len and Ascend do not change anything.
type keyView struct {
	base *keyBase
	over *btree.Map[string, change]
	n    int // the keys in the view
	// packed says that changes may be folded into a new base: the
	// view of a KeysOnly Store.
	packed bool
	// foldAt is the size of over beyond which it is folded.
	foldAt int
}

// change is a key of the view that is not as its base lists it.
type change struct {
	e    entry
	gone bool // deleted: the base lists the key, the view has it no more
}

// The changes are folded once they outnumber both foldMin and a
// foldShare-th of the base: a fold copies the base, so that costs at most
// foldShare keys copied per change, and the tree of changes stays small
// beside the base.
const (
	foldMin   = 4096
	foldShare = 16
)

func newKeyView(packed bool) *keyView {
	return &keyView{base: &keyBase{}, over: new(btree.Map[string, change]), packed: packed, foldAt: foldMin}
}

// Copy returns a view that later changes of v do not touch, nor its
// changes v.
func (v *keyView) Copy() *keyView {
	c := *v
	c.over = v.over.Copy()
	return &c
}

// Len returns the number of keys.
func (v *keyView) Len() int { return v.n }

// Get returns key's entry.
func (v *keyView) Get(key string) (entry, bool) {
	if c, ok := v.over.Get(key); ok {
		return c.e, !c.gone
	}
	if i, ok := v.base.find(key); ok {
		return v.base.entry(i), true
	}
	return entry{}, false
}

// Set makes e key's entry.
func (v *keyView) Set(key string, e entry) {
	if _, had := v.Get(key); !had {
		v.n++
	}
	if i, ok := v.base.find(key); ok && baseable(e) && e.rev == v.base.rev(i) {
		// As the base lists it again.
		v.over.Delete(key)
		return
	}
	v.over.Set(key, change{e: e})
	v.maybeFold()
}

// Delete removes key.
func (v *keyView) Delete(key string) {
	if _, had := v.Get(key); !had {
		return
	}
	v.n--
	if _, ok := v.base.find(key); ok {
		v.over.Set(key, change{gone: true})
		v.maybeFold()
	} else {
		v.over.Delete(key)
	}
}

// Scan calls fn for every key in ascending order until it returns false.
func (v *keyView) Scan(fn func(key string, e entry) bool) { v.Ascend("", fn) }

// Ascend calls fn for every key from pivot on, in ascending order, until
// it returns false.
func (v *keyView) Ascend(pivot string, fn func(key string, e entry) bool) {
	b := v.base
	i, n := b.search(pivot), b.len()
	more := true
	v.over.Ascend(pivot, func(k string, c change) bool {
		for ; i < n; i++ {
			bk := b.key(i)
			if bk > k {
				break
			}
			if bk == k {
				i++
				break
			}
			if !fn(bk, b.entry(i)) {
				more = false
				return false
			}
		}
		if !c.gone && !fn(k, c.e) {
			more = false
			return false
		}
		return true
	})
	for ; more && i < n; i++ {
		if !fn(b.key(i), b.entry(i)) {
			return
		}
	}
}

// baseable reports whether e says no more than a base can: a key listed
// with its revision, no value and no lease.
func baseable(e entry) bool { return e.lazy && e.lease == 0 }

// maybeFold folds the changes into a new base once they are many: those
// a base can hold, that is, while the others stay changes.
func (v *keyView) maybeFold() {
	if !v.packed || v.over.Len() <= v.foldAt {
		return
	}
	var nb keyBuilder
	rest := new(btree.Map[string, change])
	v.Scan(func(k string, e entry) bool {
		if baseable(e) {
			addKey(&nb, k, e.rev)
		} else {
			rest.Set(k, change{e: e})
		}
		return true
	})
	base := nb.done()
	// A key the builder refused (see keyBuilder.add) stays a change.
	for _, k := range nb.refused {
		rest.Set(k.key, change{e: lazyEntry(k.rev, k.lease)})
	}
	v.base, v.over = base, rest
	v.foldAt = max(foldMin, base.len()/foldShare) + rest.Len()
}

// viewOf returns a packed view of the keys kb was given, those it
// refused included.
func viewOf(kb *keyBuilder) *keyView {
	base := kb.done()
	v := &keyView{base: base, over: new(btree.Map[string, change]), n: base.len(), packed: true}
	v.foldAt = max(foldMin, base.len()/foldShare)
	for _, k := range kb.refused {
		v.Set(k.key, lazyEntry(k.rev, k.lease))
	}
	return v
}

// keyBase is a sorted, immutable list of keys with their revisions, in
// blocks of blockKeys keys: each block holds its keys' bytes one after
// another, where each key ends (2 bytes where the block's keys take less
// than 64 KiB, else 4), and the revisions as 4-byte offsets from the
// block's least one (8 bytes where they span more than 32 bits). The
// bytes of many blocks share one string of about arenaBytes, so that no
// allocation is rounded up per block. A key costs its bytes, 6 to 12
// bytes more, and no allocation of its own: a key read from the base is a
// substring of that string.
type keyBase struct {
	blocks []keyBlock
	n      int
}

const (
	blockKeys  = 1024
	arenaBytes = 1 << 20
)

type keyBlock struct {
	data   string
	ends16 []uint16 // where each key ends in data; nil when ends32 holds it
	ends32 []uint32
	rev0   int64    // the least revision in the block
	revs   []uint32 // the revisions, less rev0; nil when wide holds them
	wide   []int64
}

func (b *keyBase) len() int { return b.n }

func (b *keyBase) key(i int) string {
	bl := &b.blocks[i/blockKeys]
	j := i % blockKeys
	if bl.ends16 != nil {
		start := uint16(0)
		if j > 0 {
			start = bl.ends16[j-1]
		}
		return bl.data[start:bl.ends16[j]]
	}
	start := uint32(0)
	if j > 0 {
		start = bl.ends32[j-1]
	}
	return bl.data[start:bl.ends32[j]]
}

func (b *keyBase) rev(i int) int64 {
	bl := &b.blocks[i/blockKeys]
	j := i % blockKeys
	if bl.wide != nil {
		return bl.wide[j]
	}
	return bl.rev0 + int64(bl.revs[j])
}

func (b *keyBase) entry(i int) entry { return lazyEntry(b.rev(i), 0) }

// search returns the index of the first key not less than key.
func (b *keyBase) search(key string) int {
	return sort.Search(b.n, func(i int) bool { return b.key(i) >= key })
}

// find returns the index of key, if the base holds it.
func (b *keyBase) find(key string) (int, bool) {
	i := b.search(key)
	return i, i < b.n && b.key(i) == key
}

// keyBuilder makes a keyBase of keys added in ascending order.
type keyBuilder struct {
	base keyBase
	// The block being built.
	data []byte
	ends []uint32
	revs []int64
	last []byte
	// arena holds the bytes of the blocks from sealed on, which get
	// their data when it is full.
	arena  []byte
	sealed int
	// refused holds the keys the base could not take.
	refused []refusedKey
}

// refusedKey is a key a keyBuilder could not take, with its revision
// and lease.
type refusedKey struct {
	key   string
	rev   int64
	lease int64
}

// addKey appends key with revision rev to kb. A key out of order, or one
// that would take a block past 4 GiB, is refused rather than added: the
// caller keeps it elsewhere (see refused). The key is copied, as bytes
// from a response or as a string, without an allocation of its own.
func addKey[K string | []byte](kb *keyBuilder, key K, rev int64) {
	if kb.base.n+len(kb.ends) > 0 && string(key) <= string(kb.last) ||
		uint64(len(kb.data))+uint64(len(key)) > math.MaxUint32 {
		kb.refused = append(kb.refused, refusedKey{string(key), rev, 0})
		return
	}
	kb.data = append(kb.data, key...)
	kb.ends = append(kb.ends, uint32(len(kb.data)))
	kb.revs = append(kb.revs, rev)
	kb.last = append(kb.last[:0], key...)
	if len(kb.ends) == blockKeys {
		kb.flush()
	}
}

// flush ends the block being built.
func (kb *keyBuilder) flush() {
	if len(kb.ends) == 0 {
		return
	}
	var bl keyBlock
	if len(kb.data) <= math.MaxUint16 {
		bl.ends16 = make([]uint16, len(kb.ends))
		for i, e := range kb.ends {
			bl.ends16[i] = uint16(e)
		}
	} else {
		bl.ends32 = append([]uint32(nil), kb.ends...)
	}
	lo, hi := kb.revs[0], kb.revs[0]
	for _, r := range kb.revs {
		lo, hi = min(lo, r), max(hi, r)
	}
	if uint64(hi-lo) <= math.MaxUint32 {
		bl.rev0, bl.revs = lo, make([]uint32, len(kb.revs))
		for i, r := range kb.revs {
			bl.revs[i] = uint32(r - lo)
		}
	} else {
		bl.wide = append([]int64(nil), kb.revs...)
	}
	if len(kb.arena) > 0 && len(kb.arena)+len(kb.data) > arenaBytes {
		kb.seal()
	}
	kb.arena = append(kb.arena, kb.data...)
	kb.base.blocks = append(kb.base.blocks, bl)
	kb.base.n += len(kb.ends)
	kb.data, kb.ends, kb.revs = kb.data[:0], kb.ends[:0], kb.revs[:0]
}

// seal gives the blocks whose bytes the arena holds their data, in one
// string, and starts another arena.
func (kb *keyBuilder) seal() {
	all, at := string(kb.arena), 0
	for i := kb.sealed; i < len(kb.base.blocks); i++ {
		bl := &kb.base.blocks[i]
		var n int
		if bl.ends16 != nil {
			n = int(bl.ends16[len(bl.ends16)-1])
		} else {
			n = int(bl.ends32[len(bl.ends32)-1])
		}
		bl.data = all[at : at+n]
		at += n
	}
	kb.sealed = len(kb.base.blocks)
	kb.arena = kb.arena[:0]
}

// done returns the base built.
func (kb *keyBuilder) done() *keyBase {
	kb.flush()
	kb.seal()
	b := kb.base
	b.blocks = append([]keyBlock(nil), b.blocks...)
	return &b
}
