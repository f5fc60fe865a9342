package keylist

import (
	"regexp"
	"strings"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// FilterMode is how a filter's text matches keys.
type FilterMode uint8

const (
	// Substring matches keys that contain the text, in any case.
	Substring FilterMode = iota
	// Glob matches whole keys against a pattern where * is any run of
	// characters (/ included) and ? any one, in any case; it is chosen
	// when the text has a * or a ?.
	Glob
	// Regex matches keys that the regular expression after "re:" matches
	// anywhere (Go's syntax; (?i) ignores case).
	Regex
)

// regexPrefix starts a filter that is a regular expression.
const regexPrefix = "re:"

// String names the mode, as the filter line shows it.
func (m FilterMode) String() string {
	switch m {
	case Glob:
		return "glob"
	case Regex:
		return "regex"
	}
	return "text"
}

// modeOf returns how query matches and what it matches with: the text,
// the pattern or the expression.
func modeOf(query string) (FilterMode, string) {
	switch {
	case strings.HasPrefix(query, regexPrefix):
		return Regex, query[len(regexPrefix):]
	case strings.ContainsAny(query, "*?"):
		return Glob, query
	}
	return Substring, query
}

// globRegexp turns a glob into an anchored, case-insensitive expression.
func globRegexp(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, part := range strings.SplitAfter(glob, "") {
		switch part {
		case "*":
			b.WriteString(".*")
		case "?":
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(part))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// matcher finds the keys that match a filter query, in key order: keys
// that contain the text (in any case), keys a glob matches whole, or keys
// a regular expression matches (see FilterMode).
//
// It runs synchronously on each keystroke. A pass over 100,000 keys costs a
// few milliseconds (see BenchmarkFilterKeystroke), well inside a frame, so
// there are never stale results to discard. When a text query extends the
// previous one, only the previous matches can still match, so the search
// narrows to them.
type matcher struct {
	// folded holds the keys that lower case changes, in lower case, by
	// index, and has marks their indexes, one bit a key: built on first
	// use, so that keys in lower case already (most) cost a bit.
	folded map[int]string
	has    []uint64

	mode    FilterMode
	query   string // text of the last result: lower case for Substring
	matches []int  // last result: indexes into the keys
	err     error  // the last regular expression's error
}

// match returns the indexes of the keys matching query, in key order. The
// returned slice is reused by the next call. An expression that does not
// compile matches nothing, and err says why.
func (m *matcher) match(keys *kvstore.KeyList, query string) []int {
	mode, text := modeOf(query)
	m.err = nil
	// test tells whether key i, k, matches.
	var test func(i int, k string) bool
	narrow := false
	switch mode {
	case Substring:
		if m.has == nil {
			m.fold(keys)
		}
		text = strings.ToLower(text)
		narrow = m.mode == Substring && m.matches != nil && m.query != "" && strings.Contains(text, m.query)
		test = func(i int, k string) bool {
			if m.has[i/64]&(1<<(i%64)) != 0 {
				k = m.folded[i]
			}
			return strings.Contains(k, text)
		}
	case Glob:
		re := globRegexp(text)
		test = func(_ int, k string) bool { return re.MatchString(k) }
	case Regex:
		re, err := regexp.Compile(text)
		if err != nil {
			m.err = err
			test = func(int, string) bool { return false }
		} else {
			test = func(_ int, k string) bool { return re.MatchString(k) }
		}
	}
	out := m.matches[:0]
	if narrow {
		// The keys that hold a longer text held the shorter one.
		for _, i := range m.matches {
			if test(i, keys.At(i)) {
				out = append(out, i)
			}
		}
	} else {
		buf := make([]string, readBuf)
		for from := 0; from < keys.Len(); {
			read := keys.Read(from, buf)
			for j, k := range read {
				if test(from+j, k) {
					out = append(out, from+j)
				}
			}
			from += len(read)
		}
	}
	m.mode, m.query = mode, text
	// Never nil, even when nothing matches: nil means "no filter".
	if out == nil {
		out = []int{}
	}
	m.matches = out
	return out
}

// fold records the keys that lower case changes, in lower case.
func (m *matcher) fold(keys *kvstore.KeyList) {
	n := keys.Len()
	m.has, m.folded = make([]uint64, (n+63)/64), map[int]string{}
	buf := make([]string, readBuf)
	for from := 0; from < n; {
		read := keys.Read(from, buf)
		for j, k := range read {
			// ToLower returns a key it does not change, not a copy.
			if f := strings.ToLower(k); f != k {
				i := from + j
				m.has[i/64] |= 1 << (i % 64)
				m.folded[i] = f
			}
		}
		from += len(read)
	}
}

// readBuf is how many keys a pass over every key reads at a time from a
// KeyList that is not a slice.
const readBuf = 256

// reset forgets the last result, so the next match searches every key.
func (m *matcher) reset() {
	m.query = ""
	m.matches = m.matches[:0]
}
