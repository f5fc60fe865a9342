package tui

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"pgregory.net/rapid"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// jsonValue generates arbitrary JSON text, compact.
func jsonValue() *rapid.Generator[string] {
	var gen func(depth int) *rapid.Generator[string]
	gen = func(depth int) *rapid.Generator[string] {
		leaves := []*rapid.Generator[string]{
			rapid.SampledFrom([]string{"null", "true", "false", "0", "-1.5e3", "18446744073709551617"}),
			rapid.Map(rapid.String(), func(s string) string { b, _ := json.Marshal(s); return string(b) }),
		}
		if depth == 0 {
			return rapid.OneOf(leaves...)
		}
		arr := rapid.Map(rapid.SliceOfN(gen(depth-1), 0, 4), func(v []string) string {
			return "[" + strings.Join(v, ",") + "]"
		})
		obj := rapid.Map(rapid.MapOfN(rapid.String(), gen(depth-1), 0, 4), func(m map[string]string) string {
			var parts []string
			for k, v := range m {
				kb, _ := json.Marshal(k)
				parts = append(parts, string(kb)+":"+v)
			}
			return "{" + strings.Join(parts, ",") + "}"
		})
		return rapid.OneOf(append(leaves, arr, obj)...)
	}
	return gen(3)
}

// joinLines renders lines as plain text, the way the value pane shows them
// at unlimited width.
func joinLines(lines []jsonLine) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", l.depth))
		for _, tk := range l.tokens {
			b.WriteString(tk.text)
		}
	}
	return b.String()
}

func TestPrettyLinesMatchesIndent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		raw := jsonValue().Draw(t, "json")
		var want bytes.Buffer
		if err := json.Indent(&want, []byte(raw), "", "  "); err != nil {
			t.Fatalf("generator made invalid JSON %s: %v", raw, err)
		}
		// json.Indent's output, escaped for display line by line.
		lines := strings.Split(want.String(), "\n")
		for i, l := range lines {
			lines[i] = display.Escape(l)
		}
		if got := joinLines(prettyLines([]byte(raw))); got != strings.Join(lines, "\n") {
			t.Fatalf("pretty lines differ from json.Indent\ngot:\n%s\nwant:\n%s", got, want.String())
		}
	})
}

func TestPrettyLinesKinds(t *testing.T) {
	lines := prettyLines([]byte(`{"k":"v","n":1.50,"t":true,"z":null,"a":[]}`))
	kinds := map[string]tokenKind{}
	for _, l := range lines {
		for _, tk := range l.tokens {
			kinds[tk.text] = tk.kind
		}
	}
	want := map[string]tokenKind{`"k"`: tokKey, `"v"`: tokString, "1.50": tokNumber, "true": tokLiteral, "null": tokLiteral, "[]": tokPunct, "{": tokPunct}
	for text, k := range want {
		if kinds[text] != k {
			t.Errorf("%s is kind %d, want %d", text, kinds[text], k)
		}
	}
}

func TestWrapLinesFitAndCover(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		raw := jsonValue().Draw(t, "json")
		width := rapid.IntRange(4, 60).Draw(t, "width")
		lines := prettyLines([]byte(raw))
		rows := wrapLines(lines, width)
		st := newStyles(true)
		covered := make([]string, len(lines))
		for _, r := range rows {
			text := ansi.Strip(renderRow(&lines[r.line], r, &st))
			if w := ansi.StringWidth(text); w > width && r.to-r.from > 1 {
				t.Fatalf("row %q is %d wide, more than %d", text, w, width)
			}
			covered[r.line] += strings.TrimLeft(text[:r.indent], " ") + text[r.indent:]
		}
		for i, l := range lines {
			var want strings.Builder
			for _, tk := range l.tokens {
				want.WriteString(tk.text)
			}
			if covered[i] != want.String() {
				t.Fatalf("line %d rows give %q, want %q", i, covered[i], want.String())
			}
		}
	})
}

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

func TestTextBufferKeepsTextExactly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "text")
		b := newTextBuffer(s)
		if got := b.String(); got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
		// Moving the cursor around never changes the text.
		for _, op := range rapid.SliceOfN(rapid.IntRange(0, 9), 0, 30).Draw(t, "moves") {
			switch op {
			case 0:
				b.Left()
			case 1:
				b.Right()
			case 2:
				b.LineBy(-1)
			case 3:
				b.LineBy(1)
			case 4:
				b.Home()
			case 5:
				b.End()
			case 6:
				b.WordLeft()
			case 7:
				b.WordRight()
			case 8:
				b.Begin()
			case 9:
				b.Finish()
			}
		}
		if got := b.String(); got != s {
			t.Fatalf("moving changed %q to %q", s, got)
		}
	})
}

func TestTextBufferEditsLikeAString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := []rune(rapid.StringOf(rapid.SampledFrom([]rune("ab\n é\t"))).Draw(t, "text"))
		b := newTextBuffer(string(text))
		pos := 0 // the cursor as an index into text
		sync := func() {
			row, col := b.Cursor()
			lines := strings.Split(string(text), "\n")
			p := 0
			for i := 0; i < row; i++ {
				p += len([]rune(lines[i])) + 1
			}
			pos = p + col
		}
		for _, op := range rapid.SliceOfN(rapid.IntRange(0, 5), 0, 40).Draw(t, "ops") {
			switch op {
			case 0:
				s := rapid.StringOfN(rapid.SampledFrom([]rune("xy\nñ")), 1, 3, -1).Draw(t, "insert")
				b.Insert(s)
				text = slices.Insert(text, pos, []rune(s)...)
			case 1:
				b.Backspace()
				if pos > 0 {
					text = slices.Delete(text, pos-1, pos)
				}
			case 2:
				b.Delete()
				if pos < len(text) {
					text = slices.Delete(text, pos, pos+1)
				}
			case 3:
				b.Left()
			case 4:
				b.Right()
			case 5:
				b.LineBy(rapid.IntRange(-2, 2).Draw(t, "lines"))
			}
			sync()
			if got := b.String(); got != string(text) {
				t.Fatalf("buffer %q, want %q", got, string(text))
			}
		}
	})
}

func TestTextBufferWordAndKill(t *testing.T) {
	b := newTextBuffer(`  "name": "Ada Lovelace",`)
	b.End()
	b.WordLeft()
	b.DeleteWordBack()
	if got := b.String(); got != `  "name": "Lovelace",` {
		t.Fatalf("delete word: %q", got)
	}
	b.KillToEnd()
	if got := b.String(); got != `  "name": "` {
		t.Fatalf("kill to end: %q", got)
	}
	b.KillToStart()
	if got := b.String(); got != "" {
		t.Fatalf("kill to start: %q", got)
	}
}

func TestEditorMarksLinesCutByTheEdges(t *testing.T) {
	e, err := openEditor(testKeyMap(), "k", []byte(`["`+strings.Repeat("a", 40)+`","`+strings.Repeat("b", 40)+`"]`), false)
	if err != nil {
		t.Fatal(err)
	}
	e.SetSize(24, 8) // a 24x6 body, under which the status bar and help line go
	st := newStyles(true)
	rows := func() []string {
		return strings.Split(ansi.Strip(e.view(&st)), "\n")[1:4]
	}
	// At the start: the long lines continue past the right edge.
	r := rows()
	if !strings.HasSuffix(r[1], "a…") || !strings.HasSuffix(r[2], "b…") {
		t.Fatalf("no right-edge marker:\n%s", strings.Join(r, "\n"))
	}
	// At the end of the b line the view scrolls; the a line is cut on the
	// left, the cursor's own line is not marked.
	e.Update(keyDown)
	e.Update(keyDown)
	e.Update(keyEnd)
	r = rows()
	if !strings.Contains(r[1], "│ …a") {
		t.Fatalf("no left-edge marker on the a line:\n%s", strings.Join(r, "\n"))
	}
	if strings.Contains(r[2], "…") {
		t.Fatalf("the cursor's line is marked:\n%s", strings.Join(r, "\n"))
	}
	if got := e.Text(); got != "[\n  \""+strings.Repeat("a", 40)+"\",\n  \""+strings.Repeat("b", 40)+"\"\n]" {
		t.Fatalf("moving changed the text: %q", got)
	}
}

func TestKeyListSetKeysKeepsFilterAndSelection(t *testing.T) {
	l := newKeyList([]string{"apple", "apricot", "banana"}, testKeyMap().filterKeys())
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
	l := newKeyList([]string{"apple", "banana"}, testKeyMap().filterKeys())
	l.SetSize(20, 10)
	l.SetFilter("zz")
	if !l.Filtered() || l.Len() != 0 {
		t.Fatalf("a first query matching nothing shows %d keys (filtered %v)", l.Len(), l.Filtered())
	}
}
