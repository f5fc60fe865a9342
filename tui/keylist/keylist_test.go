package keylist

import (
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"pgregory.net/rapid"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

func TestMatcherModes(t *testing.T) {
	keys := []string{"Alpha", "a-lap", "alpine", "beta", "gamma/alpha", "user:1:profile", "user:1:name", "user:22:profile", "x0999", "x9099"}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"alp", []string{"Alpha", "alpine", "gamma/alpha"}}, // no fuzzy a-lap
		{"0999", []string{"x0999"}},
		{"user:*:profile", []string{"user:1:profile", "user:22:profile"}},
		{"USER:?:*", []string{"user:1:profile", "user:1:name"}},
		{"a*", []string{"Alpha", "a-lap", "alpine"}},
		{"re:^a.p", []string{"alpine"}},
		{"re:(?i)^a.p", []string{"Alpha", "alpine"}},
		{"re:(", []string{}},
	} {
		var m matcher
		if got := names(keys, m.match(kvstore.KeysOf(keys), c.query)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	var m matcher
	m.match(kvstore.KeysOf(keys), "re:(")
	if m.err == nil {
		t.Error("a bad expression gave no error")
	}
	rapid.Check(t, func(t *rapid.T) {
		alpha := rapid.SampledFrom([]rune("abcAB/é"))
		keys := rapid.SliceOfDistinct(rapid.StringOfN(alpha, 0, 8, -1), func(s string) string { return s }).Draw(t, "keys")
		slices.Sort(keys)
		query := rapid.StringOfN(alpha, 1, 5, -1).Draw(t, "query")
		var inc matcher
		for i := 1; i <= len([]rune(query)); i++ {
			inc.match(kvstore.KeysOf(keys), string([]rune(query)[:i]))
		}
		var full matcher
		a := slices.Clone(inc.matches)
		b := full.match(kvstore.KeysOf(keys), query)
		if !slices.Equal(a, b) {
			t.Fatalf("typing %q one rune at a time gave %v, a fresh search %v", query, names(keys, a), names(keys, b))
		}
		for i, k := range keys {
			if slices.Contains(b, i) != strings.Contains(strings.ToLower(k), strings.ToLower(query)) {
				t.Fatalf("%q matched %q: %v", k, query, slices.Contains(b, i))
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
	l := New(kvstore.KeysOf([]string{"apple", "apricot", "banana"}), KeyMap{})
	l.SetSize(20, 10)
	l.SetFilter("ap")
	l.SelectKey("apricot")
	l.SetKeys(kvstore.KeysOf([]string{"almond", "apple", "apricot", "avocado", "grape"}))
	if got := names(l.keys.Slice(), l.matches); !slices.Equal(got, []string{"apple", "apricot", "grape"}) {
		t.Fatalf("matches after new keys: %v", got)
	}
	if k, _ := l.Selected(); k != "apricot" {
		t.Fatalf("selected %q, want apricot kept", k)
	}
	l.SetKeys(kvstore.KeysOf([]string{"zebra"}))
	if _, ok := l.Selected(); ok || l.Len() != 0 {
		t.Fatal("a filter matching none of the new keys still selects something")
	}
}

func TestFirstFilterMatchingNothingShowsNothing(t *testing.T) {
	l := New(kvstore.KeysOf([]string{"apple", "banana"}), KeyMap{})
	l.SetSize(20, 10)
	l.SetFilter("zz")
	if !l.Filtered() || l.Len() != 0 {
		t.Fatalf("a first query matching nothing shows %d keys (filtered %v)", l.Len(), l.Filtered())
	}
}

// testKeys are the list's default keys.
func testKeys() KeyMap {
	b := func(keys ...string) key.Binding { return key.NewBinding(key.WithKeys(keys...)) }
	return KeyMap{
		KeyMap: nav.KeyMap{Up: b("up", "k"), Down: b("down", "j"), Top: b("g", "home"), Bottom: b("G", "end"),
			PageUp: b("pgup"), PageDown: b("pgdown")},
		Accept: b("enter"),
		Clear:  b("esc"),
	}
}

// While the filter is typed, printable keys type (j is text, not down),
// the arrows still move, enter keeps the filter and esc drops it.
func TestUpdateTypesTheFilter(t *testing.T) {
	l := New(kvstore.KeysOf([]string{"jam", "jar", "kiwi", "lime"}), testKeys())
	l.SetSize(20, 10)
	press := func(msgs ...tea.KeyPressMsg) {
		for _, m := range msgs {
			l, _ = l.Update(m)
		}
	}
	text := func(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: rune(s[0]), Text: s} }
	press(text("j"))
	if l.Typing() || l.sel != 1 {
		t.Fatalf("j before / did not move down: typing %v, row %d", l.Typing(), l.sel)
	}
	l.StartFilter()
	press(text("j"), text("a"))
	if got := names(l.keys.Slice(), l.matches); !slices.Equal(got, []string{"jam", "jar"}) {
		t.Fatalf("typed ja, matches %v", got)
	}
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	if k, _ := l.Selected(); k != "jar" {
		t.Fatalf("down while typing selected %q", k)
	}
	press(tea.KeyPressMsg{Code: tea.KeyEnter})
	if l.Typing() || !l.Filtered() {
		t.Fatal("enter did not keep the filter")
	}
	l.StartFilter()
	press(tea.KeyPressMsg{Code: tea.KeyEscape})
	if l.Typing() || l.Filtered() {
		t.Fatal("esc did not drop the filter")
	}
	if k, _ := l.Selected(); k != "jar" {
		t.Fatalf("dropping the filter selected %q, want jar kept", k)
	}
	l.StartFilter()
	l, _ = l.Update(tea.PasteMsg{Content: "ki\nwi"})
	if l.Query() != "ki wi" {
		t.Fatalf("pasted query %q", l.Query())
	}
}

func TestShowFoundNarrowsAndSurvivesNewKeys(t *testing.T) {
	l := New(kvstore.KeysOf([]string{"a", "b", "c", "d"}), KeyMap{})
	l.SetSize(30, 10)
	l.ShowFound("red", []int{1, 3})
	if got := names(l.keys.Slice(), l.matches); !slices.Equal(got, []string{"b", "d"}) || l.Found() != "red" {
		t.Fatalf("found view %v (%q)", got, l.Found())
	}
	if !strings.Contains(l.View(&Styles{}, true), "find: red") || !strings.Contains(l.View(&Styles{}, true), "2 of 4 keys") {
		t.Fatalf("view:\n%s", l.View(&Styles{}, true))
	}
	// b is deleted and e added: d stays found, nothing is added.
	l.SetKeys(kvstore.KeysOf([]string{"a", "c", "d", "e"}))
	if got := names(l.keys.Slice(), l.matches); !slices.Equal(got, []string{"d"}) {
		t.Fatalf("after new keys the find shows %v", got)
	}
	// A filter replaces the find; clearing gives every key back.
	l.SetFilter("a")
	if l.Found() != "" {
		t.Fatal("a filter kept the find")
	}
	l.ShowFound("x", nil)
	l.ShowFound("", nil)
	if l.Filtered() {
		t.Fatal("an empty find left the view narrowed")
	}
}

// Marked keys end with ¬JSON, kept in sight when a long key is cut, and
// the mark survives new keys.
func TestMarkedKeys(t *testing.T) {
	l := New(kvstore.KeysOf([]string{"plain", strings.Repeat("long", 10), "x"}), KeyMap{})
	l.SetSize(20, 6)
	l.SetMarked(func(k string) string {
		if k == "x" {
			return ""
		}
		return "¬JSON"
	})
	rows := strings.Split(l.View(&Styles{}, true), "\n")
	if !strings.Contains(rows[1], "plain ¬JSON") {
		t.Errorf("row %q does not mark plain", rows[1])
	}
	if !strings.HasSuffix(strings.TrimRight(rows[2], " "), "… ¬JSON") {
		t.Errorf("row %q does not keep the mark of a long key in sight", rows[2])
	}
	if strings.Contains(rows[3], "¬JSON") {
		t.Errorf("row %q marks an unmarked key", rows[3])
	}
	l.SetKeys(kvstore.KeysOf([]string{"plain", "y"}))
	if !strings.Contains(l.View(&Styles{}, true), "plain ¬JSON") {
		t.Error("SetKeys dropped the marks")
	}
}
