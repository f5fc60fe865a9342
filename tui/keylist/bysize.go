package keylist

import "slices"

// The flat list can be sorted by value size, largest first. The keys stay
// sorted by name underneath (filters, finds and the tree index them); the
// size order is a view over them.

// SetBySize shows the flat list largest value first when on, else sorted
// by key, keeping the selected key selected; sizeOf gives the size of a
// key's value. The tree stays sorted by key.
func (l *Model) SetBySize(on bool, sizeOf func(key string) int) {
	cur, ok := l.Selected()
	l.bySize, l.sizeOf = on, sizeOf
	l.measure()
	l.reorder()
	if !ok || !l.SelectKey(cur) {
		l.clamp()
	}
}

// BySize reports whether the list is sorted by value size.
func (l *Model) BySize() bool { return l.bySize }

// measure records the size of every key's value while sorted by size.
func (l *Model) measure() {
	l.sizes = nil
	if !l.bySize {
		return
	}
	l.sizes = make([]int, l.keys.Len())
	buf := make([]string, readBuf)
	for at := 0; at < len(l.sizes); {
		read := l.keys.Read(at, buf)
		for x, k := range read {
			l.sizes[at+x] = l.sizeOf(k)
		}
		at += len(read)
	}
}

// reorder puts the view's keys in size order, largest first and keys of
// one size by key, after the view changed; sorted by key it does nothing.
func (l *Model) reorder() {
	l.order = nil
	if !l.bySize {
		return
	}
	if l.matches != nil {
		l.order = slices.Clone(l.matches)
	} else {
		l.order = make([]int, l.keys.Len())
		for i := range l.order {
			l.order[i] = i
		}
	}
	slices.SortStableFunc(l.order, func(a, b int) int { return l.sizes[b] - l.sizes[a] })
}
