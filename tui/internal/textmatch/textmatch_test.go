package textmatch

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestSmartCase(t *testing.T) {
	for _, tc := range []struct {
		query, text string
		want        int
	}{
		{"ann", "name: ANN", 6},
		{"ann", "name: Ann", 6},
		{"Ann", "name: ANN", -1},
		{"Ann", "ann, Ann", 5},
		{"éa", "xÉA", 1},
		{"Éa", "xéa", -1},
		{"a", "", -1},
		{"", "abc", -1},
	} {
		got, _ := New(tc.query).Index(tc.text, 0)
		if got != tc.want {
			t.Errorf("Index(%q in %q) = %d, want %d", tc.query, tc.text, got, tc.want)
		}
	}
}

func TestIndexFromFindsEachMatch(t *testing.T) {
	q := New("ab")
	s := "ab xAB ab"
	var got []int
	for from := 0; ; {
		i, end := q.Index(s, from)
		if i < 0 {
			break
		}
		got = append(got, i)
		from = end
	}
	if len(got) != 3 || got[0] != 0 || got[1] != 4 || got[2] != 7 {
		t.Fatalf("matches at %v, want [0 4 7]", got)
	}
}

func TestExtends(t *testing.T) {
	for _, tc := range []struct {
		q, prev string
		want    bool
	}{
		{"abc", "ab", true},
		{"xab", "ab", true},
		{"Ab", "a", true},  // exact is narrower than folded
		{"ab", "A", false}, // folded is wider than exact
		{"ab", "", false},
		{"ab", "c", false},
	} {
		if got := New(tc.q).Extends(New(tc.prev)); got != tc.want {
			t.Errorf("%q extends %q = %v, want %v", tc.q, tc.prev, got, tc.want)
		}
	}
}

// Index agrees with a plain search of the lower-cased text, for ASCII,
// where lower-casing keeps every byte offset.
func TestIndexAgreesWithLowerCasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "aAbB-"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 5000 {
		s, q := word(rng.IntN(40)), strings.ToLower(word(1+rng.IntN(3)))
		from := rng.IntN(len(s) + 1)
		want := strings.Index(strings.ToLower(s[from:]), q)
		if want >= 0 {
			want += from
		}
		if got, _ := New(q).Index(s, from); got != want {
			t.Fatalf("Index(%q in %q from %d) = %d, want %d", q, s, from, got, want)
		}
	}
}
