// Package textmatch finds a query in text with smart case, the rule of
// find in values: a query in lower case matches any case, and a query with
// an upper-case letter matches exactly. The search of the key list and the
// value pane's highlights use it both, so what is found is what is marked.
package textmatch

import (
	"strings"
	"unicode/utf8"
)

// Query is a compiled find query. The zero Query matches nothing.
type Query struct {
	text string
	fold bool // the text has no upper case: ignore case
}

// New returns the query for text.
func New(text string) Query {
	return Query{text: text, fold: strings.ToLower(text) == text}
}

// Text returns the text the query was made from.
func (q Query) Text() string { return q.text }

// Empty reports whether the query matches nothing.
func (q Query) Empty() bool { return q.text == "" }

// Extends reports whether every text q matches is also matched by prev,
// so a search for q may look only at what prev found.
func (q Query) Extends(prev Query) bool {
	switch {
	case prev.Empty():
		return false
	case prev.fold:
		return prev.In(q.text)
	}
	return !q.fold && strings.Contains(q.text, prev.text)
}

// Index returns the byte offsets of the first match in s at or after from,
// or -1, -1.
func (q Query) Index(s string, from int) (start, end int) {
	if q.text == "" || from > len(s) {
		return -1, -1
	}
	n := len(q.text)
	if !q.fold {
		if i := strings.Index(s[from:], q.text); i >= 0 {
			return from + i, from + i + n
		}
		return -1, -1
	}
	// Candidates start with the query's first byte in either case; the
	// common ASCII case then compares n bytes with EqualFold.
	c := q.text[0]
	u := c
	if 'a' <= c && c <= 'z' {
		u = c - 'a' + 'A'
	}
	if c >= utf8.RuneSelf {
		return q.indexRunes(s, from)
	}
	// IndexByte is vectorised: looking for each case on its own and taking
	// the nearer is several times faster than testing every byte for both.
	next := func(b byte, i int) int {
		if j := strings.IndexByte(s[i:], b); j >= 0 {
			return i + j
		}
		return len(s)
	}
	nc, nu := next(c, from), len(s)
	if u != c {
		nu = next(u, from)
	}
	for {
		i := min(nc, nu)
		if i+n > len(s) {
			return -1, -1
		}
		if strings.EqualFold(s[i:i+n], q.text) {
			return i, i + n
		}
		if i == nc {
			nc = next(c, i+1)
		} else {
			nu = next(u, i+1)
		}
	}
}

// indexRunes is Index for a query that starts with a character beyond
// ASCII, whose other cases have other bytes: it tries each character start.
func (q Query) indexRunes(s string, from int) (start, end int) {
	n := len(q.text)
	for i := from; i+n <= len(s); {
		if strings.EqualFold(s[i:i+n], q.text) {
			return i, i + n
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, -1
}

// In reports whether s contains a match.
func (q Query) In(s string) bool {
	i, _ := q.Index(s, 0)
	return i >= 0
}
