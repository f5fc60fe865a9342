package keylist

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"pgregory.net/rapid"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

var treeKeys = []string{
	"config", "session:42", "users/1/name", "users/1/role", "users/10", "users/2/name", "users/2/x/y", "zeta/",
}

// treeList returns a tree of keys, 30 cells wide and 20 rows tall.
func treeList(keys []string, sep string) Model {
	l := New(kvstore.KeysOf(keys), testListKeys())
	l.SetSize(30, 22)
	l.SetSeparator(sep)
	l.SetTree(true)
	return l
}

func testListKeys() KeyMap {
	return KeyMap{
		KeyMap: nav.KeyMap{
			Up:   key.NewBinding(key.WithKeys("up", "k")),
			Down: key.NewBinding(key.WithKeys("down", "j")),
			Top:  key.NewBinding(key.WithKeys("g")), Bottom: key.NewBinding(key.WithKeys("G")),
			PageUp: key.NewBinding(key.WithKeys("pgup")), PageDown: key.NewBinding(key.WithKeys("pgdown")),
		},
		Accept: key.NewBinding(key.WithKeys("enter")),
		Clear:  key.NewBinding(key.WithKeys("esc")),
	}
}

// rows returns the rows of the list as drawn, without the title, the count
// and the blank rows below the last.
func rows(l *Model) []string {
	lines := strings.Split(ansi.Strip(l.View(&Styles{}, true)), "\n")
	var out []string
	for _, line := range lines[1 : len(lines)-1] {
		if line = strings.TrimRight(line, " "); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func wantRows(t *testing.T, l *Model, want ...string) {
	t.Helper()
	if got := rows(l); !slices.Equal(got, want) {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTreeGroupsOpenCloseAndParent(t *testing.T) {
	l := treeList(treeKeys, "/")
	wantRows(t, &l,
		"▸   config",
		"    session:42",
		"  ▸ users/ 5",
		"    zeta/")
	l.MoveBy(2)
	if _, ok := l.Selected(); ok || !l.OnGroup() {
		t.Fatal("a group row gives no selected key")
	}
	l.OpenGroup()
	wantRows(t, &l,
		"    config",
		"    session:42",
		"▸ ▾ users/ 5",
		"    ▸ 1/ 2",
		"      10",
		"    ▸ 2/ 2",
		"    zeta/")
	l.MoveBy(3)
	l.OpenGroup()
	wantRows(t, &l,
		"    config",
		"    session:42",
		"  ▾ users/ 5",
		"    ▸ 1/ 2",
		"      10",
		"▸   ▾ 2/ 2",
		"        name",
		"      ▸ x/ 1",
		"    zeta/")
	l.MoveBy(1)
	if k, _ := l.Selected(); k != "users/2/name" {
		t.Fatalf("selected %q, want users/2/name", k)
	}
	l.CloseGroup() // on a key: to its group
	if g, _ := l.SelectedGroup(5); g.Prefix != "users/2/" || g.Keys != 2 || !slices.Equal(g.First, []string{"users/2/name", "users/2/x/y"}) {
		t.Fatalf("h on a key selected %+v, want the group users/2/", g)
	}
	l.CloseGroup() // on an open group: closes it
	l.CloseGroup() // on a closed group: to its parent
	if g, _ := l.SelectedGroup(0); g.Prefix != "users/" {
		t.Fatalf("h on a closed group selected %q, want users/", g.Prefix)
	}
	l.ToggleGroup()
	wantRows(t, &l, "    config", "    session:42", "▸ ▸ users/ 5", "    zeta/")
	l.ToggleGroup()
	// users/2/ was closed again, so it stays closed inside users/.
	wantRows(t, &l, "    config", "    session:42", "▸ ▾ users/ 5", "    ▸ 1/ 2", "      10", "    ▸ 2/ 2", "    zeta/")
}

func TestTreeOtherSeparator(t *testing.T) {
	l := treeList([]string{"a::b", "a::c::d", "session:42", "session:43"}, ":")
	wantRows(t, &l, "▸ ▸ a: 2", "  ▸ session: 2")
	l.OpenGroup()
	wantRows(t, &l, "▸ ▾ a: 2", "    ▸ : 2", "  ▸ session: 2")
	l = treeList([]string{"a::b", "a::c::d", "session:42"}, "::")
	wantRows(t, &l, "▸ ▸ a:: 2", "    session:42")
}

func TestTreeKeepsStateAcrossToggleAndSetKeys(t *testing.T) {
	l := treeList(treeKeys, "/")
	l.MoveBy(2)
	l.OpenGroup() // users/
	l.SetTree(false)
	if k, _ := l.Selected(); k != "users/1/name" || l.Len() != len(treeKeys) {
		t.Fatalf("the flat list selected %q of %d rows, want the group's first key of %d", k, l.Len(), len(treeKeys))
	}
	l.MoveBy(-2) // config
	l.SetTree(true)
	if k, _ := l.Selected(); k != "config" {
		t.Fatalf("the tree selected %q, want config", k)
	}
	wantRows(t, &l, "▸   config", "    session:42", "  ▾ users/ 5", "    ▸ 1/ 2", "      10", "    ▸ 2/ 2", "    zeta/")

	// Another writer adds keys: they appear in their groups, and the
	// open groups stay open.
	l.SetKeys(kvstore.KeysOf([]string{"config", "session:42", "users/0", "users/1/name", "users/1/role", "users/10", "users/2/name", "users/2/x/y", "users/3/a", "zeta/"}))
	wantRows(t, &l, "▸   config", "    session:42", "  ▾ users/ 7", "      0", "    ▸ 1/ 2", "      10", "    ▸ 2/ 2", "    ▸ 3/ 1", "    zeta/")
	// A selected key found in a closed group when the tree comes back
	// selects the group.
	l.SetTree(false)
	l.SelectKey("users/2/x/y")
	l.SetTree(true)
	if g, _ := l.SelectedGroup(0); g.Prefix != "users/2/" {
		t.Fatalf("selected %q, want the closed group users/2/ holding the key", g.Prefix)
	}
	// A refresh keeps a selected group selected.
	l.SetKeys(kvstore.KeysOf(slices.Concat([]string{"a"}, treeKeys)))
	if g, _ := l.SelectedGroup(0); g.Prefix != "users/2/" {
		t.Fatalf("after a refresh selected %q, want users/2/", g.Prefix)
	}
	// SelectKey opens the groups holding the key.
	if !l.SelectKey("users/2/x/y") {
		t.Fatal("SelectKey did not find a key in a closed group")
	}
	if k, _ := l.Selected(); k != "users/2/x/y" {
		t.Fatalf("selected %q", k)
	}
}

func TestTreeFilter(t *testing.T) {
	l := treeList(treeKeys, "/")
	l.SetFilter("name")
	wantRows(t, &l, "  ▾ users/ 2", "    ▾ 1/ 1", "▸       name", "    ▾ 2/ 1", "        name")
	if !strings.Contains(ansi.Strip(l.View(&Styles{}, true)), "2 of 8 keys") {
		t.Fatal("the count does not say 2 of 8 keys")
	}
	// Closing a group in the filtered view does not touch the user's own.
	l.MoveBy(-1)
	l.CloseGroup()
	wantRows(t, &l, "  ▾ users/ 2", "▸   ▸ 1/ 1", "    ▾ 2/ 1", "        name")
	l.ClearFilter()
	wantRows(t, &l, "    config", "    session:42", "▸ ▸ users/ 5", "    zeta/")

	l.ShowFound("x", []int{0, 6})
	wantRows(t, &l, "▸   config", "  ▾ users/ 1", "    ▾ 2/ 1", "      ▾ x/ 1", "          y")
	l.SetFilter("zzz")
	if l.Len() != 0 || !strings.Contains(ansi.Strip(l.View(&Styles{}, true)), "no match") {
		t.Fatal("a filter matching nothing does not say no match")
	}
}

func TestTreeMatchesFlatKeys(t *testing.T) {
	// Opened fully, the tree lists every key once, in key order, each
	// under the groups its prefixes name; a filter's tree lists exactly
	// the matching keys.
	rapid.Check(t, func(t *rapid.T) {
		alpha := rapid.SampledFrom([]rune("ab/:"))
		keys := rapid.SliceOfDistinct(rapid.StringOfN(alpha, 0, 7, -1), func(s string) string { return s }).Draw(t, "keys")
		slices.Sort(keys)
		sep := rapid.SampledFrom([]string{"/", ":", "//"}).Draw(t, "sep")
		l := treeList(keys, sep)
		for row := 0; row < l.Len(); row++ {
			l.Select(row)
			l.OpenGroup()
		}
		var got []string
		var path []string
		for row := range l.Len() {
			r := l.treeRowAt(row)
			path = append(path[:r.depth], r.label)
			if r.group {
				if want := strings.Join(path, ""); l.At(row) != want {
					t.Fatalf("group %q at row %d, its path reads %q", l.At(row), row, want)
				}
				continue
			}
			if k := strings.Join(path, ""); k != l.At(row) {
				t.Fatalf("key %q drawn under the path %q", l.At(row), k)
			}
			got = append(got, l.At(row))
		}
		if !slices.Equal(got, keys) {
			t.Fatalf("the open tree lists %q, want %q", got, keys)
		}
		q := rapid.StringOfN(alpha, 1, 2, -1).Draw(t, "query")
		l.SetFilter(q)
		var m matcher
		want := names(keys, m.match(kvstore.KeysOf(keys), q))
		slices.Sort(want)
		got = got[:0]
		for row := range l.Len() {
			if !l.treeRowAt(row).group {
				got = append(got, l.At(row))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("filter %q: the tree lists %q, want %q", q, got, want)
		}
	})
}

func TestTreeMovesLikeTheList(t *testing.T) {
	var keys []string
	for g := range 30 {
		for k := range 3 {
			keys = append(keys, fmt.Sprintf("g%02d/k%d", g, k))
		}
	}
	l := treeList(keys, "/")
	l, _ = l.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	if g, _ := l.SelectedGroup(0); g.Prefix != "g29/" {
		t.Fatalf("G selected %q", g.Prefix)
	}
	l.OpenGroup()
	l, _ = l.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	if k, _ := l.Selected(); k != "g29/k2" {
		t.Fatalf("G selected %q", k)
	}
	if last := rows(&l); last[len(last)-1] != "▸     k2" {
		t.Fatalf("the last row on screen is %q; the selection scrolled off", last[len(last)-1])
	}
	l, _ = l.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	l, _ = l.Update(tea.KeyPressMsg{Code: 'g', Text: "g"})
	if g, _ := l.SelectedGroup(0); g.Prefix != "g00/" {
		t.Fatalf("g selected %q", g.Prefix)
	}
}

func TestTreeEscapesGroupsAndKeys(t *testing.T) {
	l := treeList([]string{"a\x1b]0;x\x07/b\u202e", "a\x1b]0;x\x07/c"}, "/")
	l.OpenGroup()
	wantRows(t, &l, `▸ ▾ a\u001b]0;x\u0007/ 2`, `      "b\u202e"`, "      c")
}

func TestTreeTogglesMatchARebuild(t *testing.T) {
	// Opening and closing groups changes only their rows; the rows must be
	// what building the view from scratch gives, in the user's view and in
	// a filter's.
	rapid.Check(t, func(t *rapid.T) {
		alpha := rapid.SampledFrom([]rune("ab/"))
		keys := rapid.SliceOfDistinct(rapid.StringOfN(alpha, 1, 7, -1), func(s string) string { return s }).Draw(t, "keys")
		slices.Sort(keys)
		l := treeList(keys, "/")
		for i := range rapid.IntRange(0, 30).Draw(t, "steps") {
			switch rapid.IntRange(0, 5).Draw(t, fmt.Sprint("op", i)) {
			case 0:
				l.SetFilter(rapid.StringOfN(alpha, 1, 2, -1).Draw(t, fmt.Sprint("query", i)))
			case 1:
				l.ClearFilter()
			case 2:
				l.CloseGroup()
			default:
				if l.Len() > 0 {
					l.Select(rapid.IntRange(0, l.Len()-1).Draw(t, fmt.Sprint("row", i)))
					l.ToggleGroup()
				}
			}
			v := l.view()
			fresh := treeView{src: v.src, shut: v.shut}
			want := fresh.visible(l.tree, 0, int32(len(l.tree.nodes)), l.isOpen, nil)
			if !slices.Equal(v.rows, want) {
				t.Fatalf("after step %d the rows are %v, a rebuild gives %v", i, v.rows, want)
			}
			if l.sel >= l.Len() && l.Len() > 0 {
				t.Fatalf("selection %d of %d rows", l.sel, l.Len())
			}
		}
	})
}
