package jsonview

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

// bigArray is a JSON array of n short strings, one row each.
func bigArray(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = `"` + strings.Repeat("x", 10) + `"`
	}
	return "[" + strings.Join(items, ",") + "]"
}

// A large value is laid out by the Cmd SetValue returns; a layout that
// arrives after the selection moved on is dropped.
func TestLargeValueLaidOutInTheBackground(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(40, 10)
	big := bigArray(21000)
	if len(big) < largeValue {
		t.Fatalf("test value of %d bytes is not large", len(big))
	}
	stale := p.SetValue("big", big, true)
	if stale == nil {
		t.Fatal("a large value was laid out at once")
	}
	st := Styles{}
	if !strings.Contains(ansi.Strip(p.View(&st, false)), "laying out") {
		t.Fatal("the pane does not say it is laying out")
	}
	if cmd := p.SetValue("small", `{"a":1}`, true); cmd != nil {
		t.Fatal("a small value was sent to the background")
	}
	p, _ = p.Update(stale())
	if view := ansi.Strip(p.View(&st, false)); !strings.Contains(view, `"a": 1`) {
		t.Fatalf("a stale layout replaced the selected value:\n%s", view)
	}
	lay := p.SetValue("big", big, true)
	p, _ = p.Update(lay())
	if view := ansi.Strip(p.View(&st, false)); !strings.Contains(view, "1-9/21002") {
		t.Fatalf("the big value is not shown:\n%s", view)
	}
}

// The movement keys move the cursor, and the pane scrolls to keep it on
// screen, stopping at either end.
func TestMovementKeysScroll(t *testing.T) {
	down := key.NewBinding(key.WithKeys("down"))
	end := key.NewBinding(key.WithKeys("end"))
	p := New(nav.KeyMap{Down: down, Bottom: end})
	p.SetSize(40, 10)
	p.SetValue("k", bigArray(20), true)
	p, _ = p.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	if p.Offset() != 0 || p.cursor != 1 {
		t.Fatalf("down scrolled to %d, cursor on line %d", p.Offset(), p.cursor)
	}
	p, _ = p.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	if want := 22 - 9; p.Offset() != want {
		t.Fatalf("end scrolled to %d, want %d", p.Offset(), want)
	}
}

// A tag follows the key in the title until another value is shown.
func TestTag(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(60, 5)
	p.SetValue("plain", `"text"`, true)
	p.SetTag("not JSON, shown as a string")
	var st Styles
	if title := strings.Split(ansi.Strip(p.View(&st, false)), "\n")[0]; !strings.HasPrefix(title, "plain · not JSON, shown as a string") {
		t.Errorf("title %q", title)
	}
	p.SetValue("other", `1`, true)
	if title := strings.Split(ansi.Strip(p.View(&st, false)), "\n")[0]; strings.Contains(title, "not JSON") {
		t.Errorf("the tag stayed on another value: %q", title)
	}
}

// The title ends with what the value is: its kind, its size in members or
// items, and its size as stored.
func TestTitleSaysWhatTheValueIs(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(80, 10)
	for raw, want := range map[string]string{
		`{"a":1,"b":[1,2]}`:                   "object · 2 keys · 17 B",
		`[1,2,3]`:                             "array · 3 items · 7 B",
		`{}`:                                  "object · 0 keys · 2 B",
		`"` + strings.Repeat("x", 2046) + `"`: "string · 2.0 KB",
		`12.50`:                               "number · 5 B",
		`true`:                                "boolean · 4 B",
		`null`:                                "null · 4 B",
	} {
		p.SetValue("k", raw, true)
		if title := strings.SplitN(p.View(&Styles{}, false), "\n", 2)[0]; !strings.Contains(title, want) {
			t.Errorf("%.20s: title %q lacks %q", raw, title, want)
		}
	}
}
