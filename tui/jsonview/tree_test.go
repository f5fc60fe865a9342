package jsonview

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

// treeOf returns an object of n members, each an object of a name, a list
// of tags and a long note that wraps: 8 lines a member.
func treeOf(n int) string {
	members := make([]string, n)
	for i := range members {
		members[i] = fmt.Sprintf(`"user%d":{"name":"User %d","tags":["a","b"],"note":"%s"}`, i, i, strings.Repeat("word ", 20))
	}
	return "{" + strings.Join(members, ",") + "}"
}

// Folding and unfolding replace only the rows of one node; what results
// must be the rows a full layout with the same folds gives.
func TestFoldSplicesTheRowsOfALayout(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(30, 10)
	p.SetValue("k", treeOf(20), true)
	// Lines 1, 9 and 11 open user0, user1 and user1's tags; each is shown
	// when the cursor goes to it.
	for _, li := range []int{11, 9, 1, 0, 0, 9, 1, 11} {
		if p.hidden(li) {
			t.Fatalf("line %d is inside a fold", li)
		}
		p.moveCursor(li)
		p.ToggleFold()
		if want := wrap(p.lines, p.folded, p.width); !slices.Equal(p.rows, want) {
			i := 0
			for i < min(len(p.rows), len(want)) && p.rows[i] == want[i] {
				i++
			}
			t.Fatalf("after toggling line %d the rows differ from a layout at row %d: %d rows, want %d", li, i, len(p.rows), len(want))
		}
	}
}

// Layout records each line's place in the tree, and the node's raw text.
func TestLayoutRecordsTheTree(t *testing.T) {
	raw := `{"a":[1,{"b":null}],"c":{}}`
	lines := layout(raw)
	type place struct {
		node, parent, end, size, index int32
		key, text                      string
	}
	var got []place
	for _, l := range lines {
		got = append(got, place{l.node, l.parent, l.end, l.size, l.index, l.key, raw[l.from:l.to]})
	}
	want := []place{
		{0, -1, 8, 2, 0, "", raw},                // {
		{1, 0, 6, 2, 0, `"a"`, `[1,{"b":null}]`}, // "a": [
		{2, 1, 0, 0, 0, "", "1"},                 // 1,
		{3, 1, 5, 1, 1, "", `{"b":null}`},        // {
		{4, 3, 0, 0, 0, `"b"`, "null"},           // "b": null
		{3, 1, 0, 0, 0, "", ""},                  // }
		{1, 0, 0, 0, 0, "", ""},                  // ],
		{7, 0, 0, 0, 1, `"c"`, "{}"},             // "c": {}
		{0, -1, 0, 0, 0, "", ""},                 // }
	}
	if !slices.Equal(got, want) {
		t.Fatalf("layout recorded\n%v\nwant\n%v", got, want)
	}
}

// Unfolding everything in a large value wraps it in a Cmd, as selecting it
// does; the keys wait for it.
func TestUnfoldAllOfALargeValueRunsInACmd(t *testing.T) {
	p := New(nav.KeyMap{Down: key.NewBinding(key.WithKeys("down"))})
	p.SetSize(40, 10)
	p, _ = p.Update(p.SetValue("k", treeOf(3000), true)())
	if cmd := p.FoldAll(true); cmd == nil {
		t.Fatal("folding a large value all at once ran in Update")
	} else {
		p, _ = p.Update(cmd())
	}
	if len(p.rows) != 1 {
		t.Fatalf("folded all, %d rows", len(p.rows))
	}
	p.ToggleFold()
	cmd := p.FoldAll(false)
	if cmd == nil || p.ready() {
		t.Fatal("unfolding a large value all at once ran in Update")
	}
	p, _ = p.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	p, _ = p.Update(cmd())
	if want := wrap(p.lines, nil, p.width); !slices.Equal(p.rows, want) || p.cursor != 0 {
		t.Fatalf("unfolded all: %d rows, want %d; cursor %d", len(p.rows), len(want), p.cursor)
	}
}

// BenchmarkFoldToggle folds a node of a 10k-line value and unfolds it,
// drawing the pane after each: the whole value at the top, and one member
// of it.
func BenchmarkFoldToggle(b *testing.B) {
	st := &Styles{}
	for _, node := range []struct {
		name string
		line int
	}{{"10k-lines/top", 0}, {"10k-lines/member", 1 + 8*562}} {
		b.Run(node.name, func(b *testing.B) {
			p := New(nav.KeyMap{})
			p.SetSize(80, 40)
			p.SetValue("k", treeOf(1250), true)
			if len(p.lines) < 10_000 {
				b.Fatalf("%d lines", len(p.lines))
			}
			p.moveCursor(node.line)
			b.ResetTimer()
			for b.Loop() {
				p.ToggleFold()
				_ = p.View(st, true)
				p.ToggleFold()
				_ = p.View(st, true)
			}
		})
	}
}

// A match inside a fold opens it, and the cursor goes to its line.
func TestNextMatchOpensAFold(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(40, 10)
	p.SetValue("k", `{"a":{"b":"Paris"},"c":1}`, true)
	p.moveCursor(1)
	p.Fold()
	p.SetFind("paris")
	if !p.NextMatch() || p.isFolded(1) || p.cursor != 2 || p.Path() != ".a.b" {
		t.Fatalf("after n: folded %v, cursor on line %d, %q", p.isFolded(1), p.cursor, p.Path())
	}
}

// The wheel scrolls, and the cursor stays on screen.
func TestScrollKeepsTheCursorOnScreen(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(40, 10)
	p.SetValue("k", bigArray(40), true)
	p.ScrollBy(15)
	if p.cursor != 15 {
		t.Fatalf("scrolled down 15 rows: cursor on line %d", p.cursor)
	}
	p.moveCursor(24)
	p.ScrollBy(-16)
	if p.Offset() != 0 || p.cursor != p.height-1 {
		t.Fatalf("scrolled up to %d: cursor on line %d", p.Offset(), p.cursor)
	}
}

// The rows a long string wraps to are rows: every movement key reaches
// into them, and the title's range follows.
func TestMovementKeysMoveByWrappedRows(t *testing.T) {
	keys := nav.KeyMap{
		Up: key.NewBinding(key.WithKeys("up")), Down: key.NewBinding(key.WithKeys("down")),
		Top: key.NewBinding(key.WithKeys("home")), Bottom: key.NewBinding(key.WithKeys("end")),
		PageUp: key.NewBinding(key.WithKeys("pgup")), PageDown: key.NewBinding(key.WithKeys("pgdown")),
		HalfPageUp: key.NewBinding(key.WithKeys("ctrl+u")), HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d")),
	}
	press := func(p *Model, code rune) { *p, _ = p.Update(tea.KeyPressMsg{Code: code}) }
	ctrl := func(p *Model, code rune) { *p, _ = p.Update(tea.KeyPressMsg{Code: code, Mod: tea.ModCtrl}) }
	title := func(p *Model) string { return strings.SplitN(p.View(&Styles{}, true), "\n", 2)[0] }

	p := New(keys)
	p.SetSize(40, 20)
	p.SetValue("s", `"`+strings.Repeat("abcdefghij", 300)+`"`, true)
	n := len(p.rows)
	if n < 40 {
		t.Fatalf("the string wraps to %d rows", n)
	}
	press(&p, tea.KeyPgDown)
	if p.cursorRow() != p.Page() || p.Offset() == 0 {
		t.Fatalf("pgdown: cursor row %d, offset %d; title %q", p.cursorRow(), p.Offset(), title(&p))
	}
	press(&p, tea.KeyEnd)
	if want := fmt.Sprintf("/%d", n); p.cursorRow() != n-1 || !strings.Contains(title(&p), fmt.Sprintf("-%d%s", n, want)) {
		t.Fatalf("end: cursor row %d of %d; title %q", p.cursorRow(), n, title(&p))
	}
	press(&p, tea.KeyUp)
	if p.cursorRow() != n-2 {
		t.Fatalf("up from the last row: cursor row %d, want %d", p.cursorRow(), n-2)
	}
	press(&p, tea.KeyHome)
	if p.cursorRow() != 0 || p.Offset() != 0 {
		t.Fatalf("home: cursor row %d, offset %d", p.cursorRow(), p.Offset())
	}
	ctrl(&p, 'd')
	ctrl(&p, 'd')
	if half := p.Page() / 2; p.cursorRow() != 2*half || p.Offset() != 2*half {
		t.Fatalf("ctrl+d twice: cursor row %d, offset %d; want %d", p.cursorRow(), p.Offset(), 2*half)
	}
	ctrl(&p, 'u')
	if half := p.Page() / 2; p.cursorRow() != half {
		t.Fatalf("ctrl+u: cursor row %d, want %d", p.cursorRow(), half)
	}
	press(&p, tea.KeyHome)

	// Inside an object, down goes from the member's first row to its
	// second, not past the string.
	p.SetValue("o", `{"a":1,"b":"`+strings.Repeat("abcdefghij", 300)+`","c":2}`, true)
	press(&p, tea.KeyDown)
	press(&p, tea.KeyDown)
	press(&p, tea.KeyDown)
	if row := p.cursorRow(); row != 3 || p.Path() != ".b" {
		t.Fatalf("three downs in an object: row %d, %s", row, p.Path())
	}
	press(&p, tea.KeyPgDown)
	if row := p.cursorRow(); row != 3+p.Page() || p.Path() != ".b" {
		t.Fatalf("pgdown inside the string: row %d, %s", row, p.Path())
	}
}
