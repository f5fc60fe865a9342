package keylist

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestMatcherOrderAndNarrowing(t *testing.T) {
	keys := []string{"Alpha", "a-lap", "alpine", "beta", "gamma/alpha", "zeta"}
	var m matcher
	got := names(keys, m.match(keys, "alp"))
	want := []string{"Alpha", "alpine", "gamma/alpha", "a-lap"}
	if !slices.Equal(got, want) {
		t.Fatalf("alp: %v, want %v (substring, case-insensitive, then fuzzy)", got, want)
	}
	rapid.Check(t, func(t *rapid.T) {
		alpha := rapid.SampledFrom([]rune("abcAB/é"))
		keys := rapid.SliceOfDistinct(rapid.StringOfN(alpha, 0, 8, -1), func(s string) string { return s }).Draw(t, "keys")
		slices.Sort(keys)
		query := rapid.StringOfN(alpha, 1, 5, -1).Draw(t, "query")
		var inc matcher
		for i := 1; i <= len([]rune(query)); i++ {
			inc.match(keys, string([]rune(query)[:i]))
		}
		var full matcher
		a := slices.Clone(inc.matches)
		b := full.match(keys, query)
		if !slices.Equal(a, b) {
			t.Fatalf("typing %q one rune at a time gave %v, a fresh search %v", query, names(keys, a), names(keys, b))
		}
		for _, i := range b {
			k := strings.ToLower(keys[i])
			if !fuzzyContains(k, strings.ToLower(query)) {
				t.Fatalf("%q matched %q", keys[i], query)
			}
		}
	})
}

func names(keys []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = keys[j]
	}
	return out
}

func TestKeyListSetKeysKeepsFilterAndSelection(t *testing.T) {
	l := New([]string{"apple", "apricot", "banana"}, KeyMap{})
	l.SetSize(20, 10)
	l.SetFilter("ap")
	l.MoveBy(1) // apricot
	l.SetKeys([]string{"almond", "apple", "apricot", "avocado", "grape"})
	if got := names(l.keys, l.matches); !slices.Equal(got, []string{"apple", "apricot", "grape"}) {
		t.Fatalf("matches after new keys: %v", got)
	}
	if k, _ := l.Selected(); k != "apricot" {
		t.Fatalf("selected %q, want apricot kept", k)
	}
	l.SetKeys([]string{"zebra"})
	if _, ok := l.Selected(); ok || l.Len() != 0 {
		t.Fatal("a filter matching none of the new keys still selects something")
	}
}

func TestFirstFilterMatchingNothingShowsNothing(t *testing.T) {
	l := New([]string{"apple", "banana"}, KeyMap{})
	l.SetSize(20, 10)
	l.SetFilter("zz")
	if !l.Filtered() || l.Len() != 0 {
		t.Fatalf("a first query matching nothing shows %d keys (filtered %v)", l.Len(), l.Filtered())
	}
}
