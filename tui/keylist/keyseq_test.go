package keylist

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// sliceSeq is a kvstore.KeySeq over a slice: a list read through the
// interface, by index and a few keys at a time, as a backend's packed keys
// are read.
type sliceSeq []string

func (s sliceSeq) Len() int                        { return len(s) }
func (s sliceSeq) At(i int) string                 { return s[i] }
func (s sliceSeq) Search(key string) int           { return sort.SearchStrings(s, key) }
func (s sliceSeq) Read(from int, buf []string) int { return copy(buf, s[from:]) }

// The list shows the same rows over a KeyList read through a KeySeq as
// over a slice, across the blocks a pass reads at a time: filtered by
// text (keys with capitals among them), by glob, sorted by size, as a
// tree, a tree filtered, and after new keys.
func TestKeyListReadsAKeySeqAsASlice(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 3*readBuf).Draw(t, "keys")
		set := map[string]bool{}
		for i := range n {
			k := fmt.Sprintf("%s/%d/%s", rapid.SampledFrom([]string{"a", "B", "users", "Users"}).Draw(t, fmt.Sprint("group", i)),
				rapid.IntRange(0, 40).Draw(t, fmt.Sprint("id", i)), rapid.SampledFrom([]string{"x", "Name", "role"}).Draw(t, fmt.Sprint("field", i)))
			set[k] = true
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range set {
				if !yield(k) {
					return
				}
			}
		})
		plain := New(kvstore.KeysOf(keys), testListKeys())
		seq := New(kvstore.KeyListOf(sliceSeq(keys)), testListKeys())
		same := func(what string) {
			t.Helper()
			if plain.Len() != seq.Len() {
				t.Fatalf("%s: %d rows over the KeySeq, %d over the slice", what, seq.Len(), plain.Len())
			}
			for row := range plain.Len() {
				if plain.At(row) != seq.At(row) {
					t.Fatalf("%s: row %d is %q over the KeySeq, %q over the slice", what, row, seq.At(row), plain.At(row))
				}
			}
			if a, b := plain.View(&Styles{}, true), seq.View(&Styles{}, true); a != b {
				t.Fatalf("%s: drawn over the KeySeq\n%s\nover the slice\n%s", what, b, a)
			}
		}
		both := func(f func(l *Model)) { f(&plain); f(&seq) }
		both(func(l *Model) { l.SetSize(60, 30) })
		same("all")
		q := rapid.SampledFrom([]string{"name", "USERS/1", "a/", "*/3*/role", "re:^[aB]/[0-9]$"}).Draw(t, "query")
		both(func(l *Model) { l.SetFilter(q) })
		same("filter " + q)
		both(func(l *Model) { l.ClearFilter(); l.SetBySize(true, func(k string) int { return len(k) % 7 }) })
		same("by size")
		both(func(l *Model) { l.SetBySize(false, nil); l.SetTree(true) })
		same("tree")
		both(func(l *Model) { l.SetFilter(q) })
		same("tree, filter " + q)
		more := slices.Concat(keys, []string{"zz/" + strings.Repeat("q", 3)})
		plain.SetKeys(kvstore.KeysOf(more))
		seq.SetKeys(kvstore.KeyListOf(sliceSeq(more)))
		same("new keys")
		if len(keys) > 0 {
			k := keys[rapid.IntRange(0, len(keys)-1).Draw(t, "selected")]
			both(func(l *Model) { l.ClearFilter(); l.SelectKey(k) })
			same("selected " + k)
			if got, ok := seq.Selected(); !ok || got != k {
				t.Fatalf("selected %q over the KeySeq, want %q", got, k)
			}
		}
	})
}
