package kvstore

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestHashIndexMatchesMap runs random puts and removes on the index beside
// a Go map, over few keys so that probe runs collide, wrap around the end
// of the table and are shifted back by removals, and checks after every
// step that every key is found with its latest entry and no removed key is.
func TestHashIndexMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, keys := range []int{3, 40, 700} {
		x := newHashIndex(0)
		want := map[string]*entry{}
		for step := range 20_000 {
			k := fmt.Sprintf("k%d", rng.IntN(keys))
			if rng.IntN(3) == 0 {
				x.remove(k)
				delete(want, k)
			} else {
				e := newEntry(k, []byte(fmt.Sprint(step)))
				x.put(e)
				want[k] = e
			}
			if x.n != len(want) {
				t.Fatalf("%d keys, step %d: index counts %d entries, want %d", keys, step, x.n, len(want))
			}
			if step%97 != 0 && step < 19_000 {
				continue
			}
			for i := range keys {
				k := fmt.Sprintf("k%d", i)
				if got := x.find(k); got != want[k] {
					t.Fatalf("%d keys, step %d: find(%q) = %v, want %v", keys, step, k, got, want[k])
				}
			}
		}
	}
}

// TestKVTreeSnapshotKeepsValues: a copy of the tree keeps the entries it
// had while the original is changed, which saves and iterators rely on.
func TestKVTreeSnapshotKeepsValues(t *testing.T) {
	m := newKVTree()
	for i := range 1000 {
		m.Set(fmt.Sprintf("k%04d", i), []byte(fmt.Sprint(i)))
	}
	snap := m.Copy()
	for i := range 1000 {
		if i%2 == 0 {
			m.Delete(fmt.Sprintf("k%04d", i))
		} else {
			m.Set(fmt.Sprintf("k%04d", i), []byte("changed"))
		}
	}
	if snap.Len() != 1000 || m.Len() != 500 {
		t.Fatalf("lengths %d and %d, want 1000 and 500", snap.Len(), m.Len())
	}
	i := 0
	snap.Scan(func(k string, v []byte) bool {
		if want := fmt.Sprintf("k%04d", i); k != want || string(v) != fmt.Sprint(i) {
			t.Fatalf("snapshot item %d = %q: %s, want %q: %d", i, k, v, want, i)
		}
		i++
		return true
	})
	if v, ok := m.Get("k0001"); !ok || string(v) != "changed" {
		t.Fatalf("changed tree: k0001 = %s, %v", v, ok)
	}
}
