package kvstore

import (
	"slices"
)

// Where each member of the data file lies, recorded as the file is read or
// written, for the next save to splice (see splice.go).

// memberSpan is where one member lies in the file: the offset of its key's
// opening quote and the offset just past its value.
type memberSpan struct{ key, end int64 }

// fileLayout is where the members of one version of the data file lie, and
// what they hold: the file the store last read or wrote (KVStore.disk).
type fileLayout struct {
	size  int64        // its length
	tree  *kvTree      // its content, as parsed
	spans []memberSpan // its members, in file order
	keys  []string     // their keys in file order; nil when that is key order
	// lined: the members are on lines of their own below the opening brace.
	// A file on one line is rewritten whole instead: splicing into it would
	// keep it unreadable.
	lined bool
}

// layoutBuilder records the layout of a file as the parser visits its
// members.
type layoutBuilder struct {
	size     int // bytes in the file, to estimate the number of members
	spans    []memberSpan
	keys     []string // from the first member out of key order on
	last     string
	unsorted bool
}

// add records a member, before m (the members so far) gets it.
func (b *layoutBuilder) add(m *kvTree, key string, keyOff, end int) {
	switch {
	case b.unsorted:
		b.keys = append(b.keys, key)
	case len(b.spans) > 0 && key <= b.last:
		// The keys so far were in order, so the tree holds them in file
		// order: only files out of order pay for a list of keys.
		b.unsorted = true
		b.keys = append(m.Keys(), key)
	}
	b.last = key
	if len(b.spans) == indexBatch {
		// Size the list for the whole file, as the members so far average,
		// rather than let append leave up to a quarter of it unused.
		estimate := int(int64(indexBatch)*int64(b.size)/int64(max(end, 1))) * 9 / 8
		b.spans = slices.Grow(b.spans, max(0, estimate-len(b.spans)))
	}
	b.spans = append(b.spans, memberSpan{int64(keyOff), int64(end)})
}

// finish returns the layout of the file read, given its content, length
// and whether its members are on lines of their own.
func (b *layoutBuilder) finish(tree *kvTree, size int64, lined bool) *fileLayout {
	return &fileLayout{size: size, tree: tree, spans: b.spans, keys: b.keys, lined: lined}
}
