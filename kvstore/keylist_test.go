package kvstore_test

import (
	"slices"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// A KeyList of a slice reads as the slice: by index, by search and in one
// pass, which stops when asked; a nil one is empty.
func TestKeysOf(t *testing.T) {
	keys := []string{"a", "b/1", "b/2", "c"}
	l := kvstore.KeysOf(keys)
	if l.Len() != 4 || l.At(2) != "b/2" {
		t.Fatalf("Len %d, At(2) %q; want 4, b/2", l.Len(), l.At(2))
	}
	for _, c := range []struct {
		key   string
		at    int
		found bool
	}{{"", 0, false}, {"a", 0, true}, {"b", 1, false}, {"b/2", 2, true}, {"c", 3, true}, {"d", 4, false}} {
		if i := l.Search(c.key); i != c.at {
			t.Errorf("Search(%q) = %d, want %d", c.key, i, c.at)
		}
		if i, ok := l.Index(c.key); ok != c.found || ok && i != c.at {
			t.Errorf("Index(%q) = %d, %v, want %d, %v", c.key, i, ok, c.at, c.found)
		}
	}
	var seen []string
	for i, k := range l.All() {
		if k != keys[i] {
			t.Fatalf("All yields %d: %q, want %q", i, k, keys[i])
		}
		seen = append(seen, k)
		if len(seen) == 2 {
			break
		}
	}
	if !slices.Equal(seen, keys[:2]) || !slices.Equal(l.Slice(), keys) {
		t.Fatalf("All up to a stop gave %q, Slice %q", seen, l.Slice())
	}

	var none *kvstore.KeyList
	if none.Len() != 0 || none.Search("a") != 0 || none.Slice() != nil {
		t.Fatal("a nil KeyList is not empty")
	}
	for range none.All() {
		t.Fatal("a nil KeyList yields a key")
	}
}
