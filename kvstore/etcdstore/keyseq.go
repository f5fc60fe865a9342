package etcdstore

import (
	"slices"
	"sort"
	"strings"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// keySeq is the keys of a view as they were when it was made, with
// changes over them, read by index (kvstore.KeySeq): the keys of an
// immutable base, less those deleted since, with those added since, and
// no string header of its own for a key of the base. Nothing in it
// changes, so it needs no lock: the base is shared and never changed, and
// the changes are copied out of the view when it is made.
type keySeq struct {
	base *keyBase
	// ins holds the keys the base does not, ascending, and insAt the
	// index of each among all the keys.
	ins   []string
	insAt []int
	// del holds the indexes in the base of its keys that are gone,
	// ascending.
	del []int
	n   int
}

// keyPresence is a key's change over a view: whether it is there now.
type keyPresence struct {
	key     string
	present bool
}

// keyList returns the keys of v, with over them the changes of extra
// (ascending by key, each key at most once), which take precedence over
// v's. It costs a binary search of the base per change of v and of extra,
// and holds nothing per key of the base; a view without a base gives its
// keys as a slice.
func (v *keyView) keyList(extra []keyPresence) *kvstore.KeyList {
	s := &keySeq{base: v.base}
	b, lo := v.base, 0
	if b.len() == 0 {
		// Every key is a change, and the list their slice: room for them
		// all, as the list is kept, and one grown by appending would be up
		// to a quarter larger.
		s.ins = make([]string, 0, v.over.Len()+len(extra))
	}
	add := func(k string, present bool) {
		if b.len() == 0 {
			if present {
				s.ins = append(s.ins, k)
			}
			return
		}
		// Changes come in ascending order: a key's place in the base is
		// past the one before it.
		i := lo + sort.Search(b.len()-lo, func(i int) bool { return b.key(lo+i) >= k })
		lo = i
		inBase := i < b.len() && b.key(i) == k
		switch {
		case inBase && !present:
			s.del = append(s.del, i)
		case !inBase && present:
			// The keys before it: those of the base before it less
			// those deleted (all of which come before it), and those
			// added before it.
			s.insAt = append(s.insAt, len(s.ins)+i-len(s.del))
			s.ins = append(s.ins, k)
		}
	}
	x := 0
	v.over.Scan(func(k string, c change) bool {
		for ; x < len(extra) && extra[x].key < k; x++ {
			add(extra[x].key, extra[x].present)
		}
		if x < len(extra) && extra[x].key == k {
			add(k, extra[x].present)
			x++
			return true
		}
		add(k, !c.gone)
		return true
	})
	for ; x < len(extra); x++ {
		add(extra[x].key, extra[x].present)
	}
	s.n = b.len() - len(s.del) + len(s.ins)
	if b.len() == 0 {
		return kvstore.KeysOf(s.ins)
	}
	return kvstore.KeyListOf(s)
}

// Len returns the number of keys.
func (s *keySeq) Len() int { return s.n }

// At returns key i: an added key, or the base's key with as many kept
// before it.
func (s *keySeq) At(i int) string {
	if len(s.ins) == 0 && len(s.del) == 0 {
		return s.base.key(i)
	}
	j := sort.SearchInts(s.insAt, i)
	if j < len(s.insAt) && s.insAt[j] == i {
		return s.ins[j]
	}
	// Key i is the r-th of the base's keys kept; deletion d has
	// del[d]-d kept keys before it, so those with at most r come before
	// key i.
	r := i - j
	gone := sort.Search(len(s.del), func(d int) bool { return s.del[d]-d > r })
	return s.base.key(r + gone)
}

// Read copies the keys from index from on into buf: found as At finds
// key from, then the base's keys in one pass, with the added keys where
// they fall and without the deleted ones.
func (s *keySeq) Read(from int, buf []string) int {
	n := min(len(buf), s.n-from)
	if n <= 0 {
		return 0
	}
	// As in At: j added keys come before key from, and the base's keys
	// before it are k, of which d deleted.
	j := sort.SearchInts(s.insAt, from)
	r := from - j
	d := sort.Search(len(s.del), func(d int) bool { return s.del[d]-d > r })
	k := r + d
	for i := range n {
		if j < len(s.ins) && s.insAt[j] == from+i {
			buf[i] = s.ins[j]
			j++
			continue
		}
		for d < len(s.del) && s.del[d] == k {
			d++
			k++
		}
		buf[i] = s.base.key(k)
		k++
	}
	return n
}

// Search returns the index of the first key not less than key.
func (s *keySeq) Search(key string) int {
	i := s.base.search(key)
	return i - sort.SearchInts(s.del, i) + sort.SearchStrings(s.ins, key)
}

// presences returns the keys of changes with whether each is there,
// ascending by key.
func presences[V any](changes map[string]V, present func(V) bool) []keyPresence {
	out := make([]keyPresence, 0, len(changes))
	for k, c := range changes {
		out = append(out, keyPresence{k, present(c)})
	}
	slices.SortFunc(out, func(a, b keyPresence) int { return strings.Compare(a.key, b.key) })
	return out
}

// KeyList returns every key in the view, without the prefix, in ascending
// byte order, as Keys does, without a string of its own per key: a
// KeysOnly Store's keys are read from where the view keeps them. Later
// changes of the view do not change it.
func (s *Store) KeyList() *kvstore.KeyList {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.view.keyList(nil)
}

// KeyList returns every key, with the pending changes, in ascending byte
// order, as Keys does (kvstore.KeyLister). On a KeysOnly Store it holds
// no string of its own per key listed: it reads them from where the view
// keeps them, and holds only the changes since they were listed. Later
// changes do not change it. On a Lazy Store it is Keys.
func (b *Backend) KeyList() *kvstore.KeyList {
	if b.store.cfg.Lazy {
		return kvstore.KeysOf(b.Keys())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.shown.keyList(presences(b.pending, func(p staged) bool { return p.v != nil }))
}
