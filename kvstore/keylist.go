package kvstore

import (
	"iter"
	"sort"
)

// KeyList is a sorted, immutable sequence of distinct keys, read by
// index: what a front end holds to show a backend's keys without a string
// header of its own per key. A backend that keeps its keys packed hands
// out a KeyList over them (KeyLister); any other backend's Keys slice is
// wrapped by KeysOf. A KeyList never changes once made: a backend whose
// keys change hands out a new one, so two KeyLists are the same keys
// when they are the same pointer. Its methods are safe for concurrent
// use. A nil *KeyList is an empty list.
type KeyList struct {
	keys []string // the keys, when they are a slice
	seq  KeySeq   // else where they are
}

// KeySeq is a sorted, immutable sequence of distinct keys in a
// backend's own form, which KeyListOf makes a KeyList of. Its methods must
// be safe for concurrent use and must not allocate per key read.
type KeySeq interface {
	// Len returns the number of keys.
	Len() int
	// At returns key i, 0 ≤ i < Len, in ascending byte order.
	At(i int) string
	// Search returns the index of the first key not less than key, Len if
	// there is none, as sort.SearchStrings does.
	Search(key string) int
	// Read copies keys from index from on into buf, in order, as many as
	// fit and there are, and returns how many: what At does for each, in
	// less time.
	Read(from int, buf []string) int
}

// KeysOf returns the KeyList of keys, which must be sorted in ascending
// byte order without duplicates and never changed afterwards: the list
// keeps the slice.
func KeysOf(keys []string) *KeyList { return &KeyList{keys: keys} }

// KeyListOf returns the KeyList of seq.
func KeyListOf(seq KeySeq) *KeyList { return &KeyList{seq: seq} }

// Len returns the number of keys.
func (l *KeyList) Len() int {
	switch {
	case l == nil:
		return 0
	case l.seq != nil:
		return l.seq.Len()
	}
	return len(l.keys)
}

// At returns key i, 0 ≤ i < Len. The string is the backend's own: reading
// it allocates nothing.
func (l *KeyList) At(i int) string {
	if l.seq != nil {
		return l.seq.At(i)
	}
	return l.keys[i]
}

// Search returns the index of the first key not less than key, Len if
// there is none, as sort.SearchStrings does.
func (l *KeyList) Search(key string) int {
	switch {
	case l == nil:
		return 0
	case l.seq != nil:
		return l.seq.Search(key)
	}
	return sort.SearchStrings(l.keys, key)
}

// Read returns keys from index from on, in order: the list's own slice
// of them when it was made from one (not to be changed), else as many as
// fit in buf, read into it. It returns at least one key while from < Len
// and buf is not empty, and none at Len; a scan of every key reads them
// so, in plain loops over the slices returned, cheaper than At for each:
//
//	for from := 0; from < l.Len(); {
//		keys := l.Read(from, buf)
//		for j, k := range keys { ... key from+j is k ... }
//		from += len(keys)
//	}
func (l *KeyList) Read(from int, buf []string) []string {
	switch {
	case l == nil:
		return nil
	case l.seq != nil:
		return buf[:l.seq.Read(from, buf)]
	}
	return l.keys[from:]
}

// All yields every key with its index, in ascending order, as Read reads
// them.
func (l *KeyList) All() iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		var buf []string
		if l != nil && l.seq != nil {
			buf = make([]string, readBuf)
		}
		for from := 0; from < l.Len(); {
			keys := l.Read(from, buf)
			for j, k := range keys {
				if !yield(from+j, k) {
					return
				}
			}
			from += len(keys)
		}
	}
}

// readBuf is how many keys All reads at a time from a KeySeq.
const readBuf = 256

// Index returns the index of key, and whether the list holds it.
func (l *KeyList) Index(key string) (int, bool) {
	i := l.Search(key)
	return i, i < l.Len() && l.At(i) == key
}

// Slice returns the keys as a slice: the list's own, not to be changed,
// when it was made from one, else a new one.
func (l *KeyList) Slice() []string {
	if l == nil {
		return nil
	}
	if l.seq == nil {
		return l.keys
	}
	keys := make([]string, l.Len())
	for i := range keys {
		keys[i] = l.seq.At(i)
	}
	return keys
}

// KeyLister is a Backend that hands out its keys as a KeyList without
// copying them into a []string, as an etcd prefix opened keys-only does.
// Without it, a front end wraps Keys (ListKeys).
type KeyLister interface {
	// KeyList returns every key, with the pending changes, in ascending
	// byte order, as Keys does; later changes do not change it.
	KeyList() *KeyList
}

// ListKeys returns the keys of b as a KeyList: b's own if it is a
// KeyLister, else its Keys.
func ListKeys(b Backend) *KeyList {
	if l, ok := b.(KeyLister); ok {
		return l.KeyList()
	}
	return KeysOf(b.Keys())
}
