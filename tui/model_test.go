package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// numbered returns n keys "key-000".. with small object values.
func numbered(n int) map[string]string {
	v := make(map[string]string, n)
	for i := range n {
		v[fmt.Sprintf("key-%03d", i)] = fmt.Sprintf(`{"n":%d}`, i)
	}
	return v
}

func TestMovementKeys(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, numbered(100), nil)), 80, 24)
	steps := []struct {
		key  tea.KeyPressMsg
		want string
	}{
		{keyText("j"), "key-001"},
		{keyDown, "key-002"},
		{keyText("k"), "key-001"},
		{keyUp, "key-000"},
		{keyUp, "key-000"}, // stops at the top
		{keyText("G"), "key-099"},
		{keyDown, "key-099"}, // stops at the bottom
		{keyText("g"), "key-000"},
		{keyEnd, "key-099"},
		{keyHome, "key-000"},
		{keyPgDown, fmt.Sprintf("key-%03d", h.m.list.Page())},
		{keyPgUp, "key-000"},
	}
	for _, s := range steps {
		h.send(s.key)
		if got := h.selected(); got != s.want {
			t.Fatalf("after %s: selected %q, want %q", s.key, got, s.want)
		}
		// The value pane follows the selection.
		h.wantScreen("▸ " + s.want)
		n := strings.TrimLeft(strings.TrimPrefix(s.want, "key-"), "0")
		if n == "" {
			n = "0"
		}
		h.wantScreen(`"n": ` + n)
	}
}

func TestScrollingKeepsSelectionVisible(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, numbered(100), nil)), 40, 10)
	for i := 1; i <= 99; i++ {
		h.send(keyText("j"))
		h.wantScreen(fmt.Sprintf("▸ key-%03d", i))
	}
	for i := 98; i >= 0; i-- {
		h.send(keyText("k"))
		h.wantScreen(fmt.Sprintf("▸ key-%03d", i))
	}
	h.wantScreen("100 keys")
}

func TestFilterTypesKeepsAndClears(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, map[string]string{
		"alpha": "1", "beta": "2", "gamma": "3", "user/ada": "4", "user/bob": "5", "under/sea": "6",
	}, nil)), 80, 24)
	h.send(keyText("j"), keyText("j")) // gamma
	h.send(keyText("/"))
	if !h.m.list.Typing() {
		t.Fatal("/ did not start the filter")
	}
	// Typing q, j, k, e types them instead of quitting, moving or editing.
	h.typeText("user")
	if h.quit || h.editing() {
		t.Fatal("a printable key acted as a binding while filtering")
	}
	h.wantScreen("/user")
	h.wantScreen("2 of 6 keys")
	if got := h.selected(); got != "user/ada" {
		t.Fatalf("selected %q, want the first match user/ada", got)
	}
	h.send(keyDown)
	if got := h.selected(); got != "user/bob" {
		t.Fatalf("down while filtering selected %q, want user/bob", got)
	}
	h.send(keyBackspace, keyBackspace, keyBackspace, keyText("*"), keyText("a")) // "u*a", a glob
	h.wantScreen("/u*a▏  glob")
	want := []string{"under/sea", "user/ada"} // in key order
	if got := h.m.list.Len(); got != len(want) {
		t.Fatalf("%d matches for us, want %d", got, len(want))
	}
	for i, k := range want {
		if got := h.m.list.At(i); got != k {
			t.Fatalf("match %d is %q, want %q", i, got, k)
		}
	}
	h.send(keyBackspace, keyBackspace)
	h.typeText("ser")
	h.send(keyEnter)
	h.wantScreen("/user  text")
	if !h.browsing() || !h.m.list.Filtered() {
		t.Fatal("enter did not keep the filter")
	}
	h.send(keyText("j")) // moves again once the filter is kept
	if got := h.selected(); got != "user/bob" {
		t.Fatalf("selected %q, want user/bob", got)
	}
	h.send(keyEsc)
	if h.m.list.Filtered() {
		t.Fatal("esc did not clear the kept filter")
	}
	if got := h.selected(); got != "user/bob" {
		t.Fatalf("clearing the filter selected %q, want user/bob kept", got)
	}
	h.wantScreen("6 keys")

	// esc while typing clears at once.
	h.send(keyText("/"), keyText("z"), keyText("z"))
	h.wantScreen("no key matches the filter")
	h.send(keyEsc)
	if h.m.list.Filtered() || !h.browsing() {
		t.Fatal("esc while typing did not clear the filter")
	}

	// ctrl+u empties the query, pasted text is typed.
	h.send(keyText("/"), tea.PasteMsg{Content: "ga\nmma"})
	if got := h.m.list.Query(); got != "ga mma" {
		t.Fatalf("pasted query %q", got)
	}
	h.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	if h.m.list.Filtered() {
		t.Fatal("ctrl+u did not empty the filter")
	}
}

func TestTabSwitchesFocusAndScrollsValue(t *testing.T) {
	long := "[" + strings.Repeat(`"item",`, 40) + `"end"]`
	h := newHarness(t, FileSource(openStore(t, map[string]string{"a": long, "b": "1"}, nil)), 80, 24)
	h.send(keyTab)
	if h.m.focus != focusValue {
		t.Fatal("tab did not focus the value")
	}
	h.wantScreen("▸ a  1-21/43")
	h.send(keyText("j"), keyDown)
	if h.m.value.Path() != ".[1]" || h.selected() != "a" {
		t.Fatalf("j/down in the value pane: cursor on %q, selected %q", h.m.value.Path(), h.selected())
	}
	h.send(keyText("G"))
	h.wantScreen("23-43/43")
	// A page down moves the cursor a page, from the top line "[".
	h.send(keyText("g"), keyPgDown)
	if want := fmt.Sprintf(".[%d]", h.m.value.Page()-1); h.m.value.Path() != want {
		t.Fatalf("pgdown moved the cursor to %q, want %q", h.m.value.Path(), want)
	}
	h.send(keyPgUp, keyText("k"))
	if h.m.value.Offset() != 0 || h.m.value.Path() != "." {
		t.Fatalf("pgup/k scrolled to %d, cursor on %q", h.m.value.Offset(), h.m.value.Path())
	}
	h.send(keyTab, keyText("j"))
	if h.m.focus == focusValue || h.selected() != "b" {
		t.Fatal("tab did not give the keys back to the list")
	}
}

func TestHelpToggles(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, numbered(3), nil)), 80, 24)
	h.send(keyText("?"))
	if !topIs[*fullHelp](h) {
		t.Fatal("? did not show the full help")
	}
	for _, want := range []string{"page down", "keep filter", "copy unquoted", "switch pane", "quit"} {
		h.wantScreen(want)
	}
	// j scrolls the help, to the editor's keys below the fold, and does
	// not reach the key list.
	h.send(keyText("j"))
	h.wantScreen("apply")
	h.send(keyText("?"))
	if topIs[*fullHelp](h) || h.selected() != "key-000" {
		t.Fatal("? did not hide the help, or a key leaked through it")
	}
}

func TestBackgroundColourRebuildsStyles(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, numbered(2), nil)), 80, 24)
	dark := h.m.styles.Value.Key.GetForeground()
	h.send(tea.BackgroundColorMsg{Color: whiteColor{}})
	if h.m.styles.Value.Key.GetForeground() == dark {
		t.Fatal("a light background kept the dark styles")
	}
}

type whiteColor struct{}

func (whiteColor) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

func TestResizeAndTooSmall(t *testing.T) {
	values := numbered(50)
	values["long"] = `"` + strings.Repeat("wide 日本語 text ", 30) + `"`
	h := newHarness(t, FileSource(openStore(t, values, nil)), 80, 24)
	screens := map[string]func(){
		"browse": func() {},
		"value":  func() { h.send(keyText("G"), keyTab) },
		"filter": func() { h.send(keyText("/"), keyText("1")) },
		"editor": func() { h.send(keyText("G"), keyText("e"), keyEnd) },
		"error":  func() { h.send(keyText("G"), keyText("e"), keyText("x"), keyCtrlS) },
		"help":   func() { h.send(keyText("?")) },
	}
	for name, drive := range screens {
		h = newHarness(t, h.store, 80, 24)
		drive()
		for _, size := range [][2]int{{40, 10}, {120, 40}, {57, 13}, {41, 11}, {80, 24}} {
			h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(h.screen(), "\n")
			if len(lines) != size[1] {
				t.Fatalf("%s at %dx%d: %d lines", name, size[0], size[1], len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w != size[0] {
					t.Fatalf("%s at %dx%d: line %d is %d wide: %q", name, size[0], size[1], i, w, l)
				}
			}
		}
	}
	h.send(tea.WindowSizeMsg{Width: 39, Height: 9})
	h.wantScreen("Terminal too small")
}

func TestUnsafeCharactersAreEscapedEverywhere(t *testing.T) {
	values := map[string]string{
		"esc\x1b[31mkey":         `"x"`,
		"c1\u009bkey":            `"\u009b[2J"`,
		"bidi\u202ekey":          "\"a\u202eb\u2066c\"",
		"zw\u200bkey":            "\"a\u200bb\ufeffc\u00ad\"",
		"hyperlink":              `"\u001b]8;;http://x\u0007"`,
		"raw-c1-in-value":        "\"\u0085\u009d\"",
		"ok":                     `"plain"`,
		"line\u2028sep":          `1`,
		"del\x7fkey":             `2`,
		"tag\U000E0041key":       `3`,
		"combining e\u0301 fine": `4`,
	}
	s := openStore(t, values, nil)
	h := newHarness(t, FileSource(s), 100, 30)
	for i := 0; i < len(values); i++ {
		for _, scr := range []string{h.m.View().Content, h.screen()} {
			if c := firstUnsafeInView(scr); c != "" {
				t.Fatalf("key %q: the view holds raw %s", h.selected(), c)
			}
		}
		if k := h.selected(); k != "raw-c1-in-value" && k != "c1\u009bkey" {
			// Edit, then leave without changing anything.
			h.send(keyText("e"))
			if h.editing() {
				if c := firstUnsafeInView(h.m.View().Content); c != "" {
					t.Fatalf("editor for %q holds raw %s", h.selected(), c)
				}
				h.send(keyEsc)
			}
		}
		h.send(keyText("j"))
	}
	h.send(keyText("g"))
	h.wantScreen(`bidi\u202ekey`)
	h.wantScreen(`c1\u009bkey`)
	h.wantScreen(`esc\u001b[31mkey`)
	h.wantScreen(`tag\U000e0041key`)
	h.wantScreen("combining e\u0301 fine")
}

// firstUnsafeInView returns the first character of a rendered view that
// must not reach the terminal, ignoring the view's own SGR sequences and
// line breaks.
func firstUnsafeInView(s string) string {
	for _, line := range strings.Split(stripSGR(s), "\n") {
		if c := firstUnsafe(line); c != "" {
			return c
		}
	}
	return ""
}

// stripSGR removes the colour sequences lipgloss writes (ESC [ ... m) and
// nothing else, so any other escape is left to be found.
func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == ':') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestEmptyStore(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, nil, nil)), 80, 24)
	h.wantScreen("the store is empty")
	h.wantScreen("0 keys")
	h.send(keyText("j"), keyText("e"), keyText("G"))
	if h.editing() {
		t.Fatal("opened an editor with no key")
	}
}

// The key list takes a third of the terminal however wide, and < and >
// move the border, within limits that leave both panes usable.
func TestListWidthFollowsTheTerminalAndResizes(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, numbered(3), nil)), 180, 24)
	if got := h.m.list.Width(); got != 60 {
		t.Fatalf("at 180 columns the list is %d wide", got)
	}
	h.send(keyText(">"))
	if got := h.m.list.Width(); got != 64 || h.m.value.Width() != 180-64-1 {
		t.Fatalf("> made the list %d wide, the value %d", got, h.m.value.Width())
	}
	h.send(keyText("<"), keyText("<"))
	if got := h.m.list.Width(); got != 56 {
		t.Fatalf("< twice made the list %d wide", got)
	}
	for range 40 {
		h.send(keyText(">"))
	}
	if got := h.m.list.Width(); got != 180-MinWidth/2 {
		t.Fatalf("> past the limit made the list %d wide", got)
	}
	h.send(keyText("<"))
	if got := h.m.list.Width(); got != 180-MinWidth/2-4 {
		t.Fatalf("< after the limit made the list %d wide", got)
	}
	for range 40 {
		h.send(keyText("<"))
	}
	if got := h.m.list.Width(); got != 16 {
		t.Fatalf("< past the limit made the list %d wide", got)
	}
}
