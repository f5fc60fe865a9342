package keylist

import (
	"strings"
	"unicode/utf8"
)

// matcher finds the keys that match a filter query: first every key that
// contains the query (case-insensitively), then every other key that holds
// the query's characters in order (a fuzzy match), each group in key order.
//
// It runs synchronously on each keystroke. A pass over 100,000 keys costs a
// few milliseconds (see BenchmarkFilterKeystroke), well inside a frame, so
// there are never stale results to discard. When the new query extends the
// previous one, only the previous matches can still match, so the search
// narrows to them.
type matcher struct {
	folded []string // keys in lower case, built on first use

	query   string // query of the last result, lower case
	matches []int  // last result: indexes into folded
	subs    []int  // scratch: substring matches
	fuzzy   []int  // scratch: fuzzy matches
}

// match returns the indexes of the keys matching query, in display order.
// The returned slice is reused by the next call.
func (m *matcher) match(keys []string, query string) []int {
	if m.folded == nil {
		m.folded = make([]string, len(keys))
		for i, k := range keys {
			m.folded[i] = strings.ToLower(k)
		}
	}
	q := strings.ToLower(query)
	m.subs, m.fuzzy = m.subs[:0], m.fuzzy[:0]
	if m.matches != nil && m.query != "" && strings.HasPrefix(q, m.query) {
		// Matches of a longer query are a subset of the previous matches.
		// Both groups of the previous result are in key order, so the
		// narrowed groups are too once the fuzzy group is merged.
		for _, i := range m.matches {
			m.classify(i, q)
		}
		m.fuzzy = sortedInts(m.fuzzy)
	} else {
		for i := range m.folded {
			m.classify(i, q)
		}
	}
	m.query = q
	// Never nil, even when nothing matches: nil means "no filter".
	m.matches = append(append(m.matches[:0], m.subs...), m.fuzzy...)
	if m.matches == nil {
		m.matches = []int{}
	}
	return m.matches
}

func (m *matcher) classify(i int, q string) {
	k := m.folded[i]
	switch {
	case strings.Contains(k, q):
		m.subs = append(m.subs, i)
	case fuzzyContains(k, q):
		m.fuzzy = append(m.fuzzy, i)
	}
}

// reset forgets the last result, so the next match searches every key.
func (m *matcher) reset() {
	m.query = ""
	m.matches = m.matches[:0]
}

// fuzzyContains reports whether the characters of q appear in s in order.
func fuzzyContains(s, q string) bool {
	for len(q) > 0 {
		r, size := utf8.DecodeRuneInString(q)
		var i int
		if r < utf8.RuneSelf {
			i = strings.IndexByte(s, byte(r))
		} else {
			i = strings.IndexRune(s, r)
		}
		if i < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		s = s[i+n:]
		q = q[size:]
	}
	return true
}

// sortedInts sorts a slice of key indexes that is made of at most two
// ascending runs, as the narrowed fuzzy group is, by merging the runs.
func sortedInts(a []int) []int {
	split := 0
	for split = 1; split < len(a); split++ {
		if a[split] < a[split-1] {
			break
		}
	}
	if split >= len(a) {
		return a
	}
	merged := make([]int, 0, len(a))
	x, y := a[:split], a[split:]
	for len(x) > 0 && len(y) > 0 {
		if x[0] < y[0] {
			merged, x = append(merged, x[0]), x[1:]
		} else {
			merged, y = append(merged, y[0]), y[1:]
		}
	}
	return append(append(merged, x...), y...)
}
