package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func click(x, y int) tea.MouseClickMsg {
	return tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft}
}

func wheel(x, y int, b tea.MouseButton) tea.MouseWheelMsg {
	return tea.MouseWheelMsg{X: x, Y: y, Button: b}
}

// At 100x20 the key list is 33 cells wide (x 0-32), the separator is at
// x 33 and the value pane starts at x 34; line 0 is the titles.
func TestMouseClickSelectsAndFocuses(t *testing.T) {
	long := make([]string, 40)
	for i := range long {
		long[i] = fmt.Sprintf(`"row %d"`, i)
	}
	s := openStore(t, map[string]string{"a": "1", "b": "[" + strings.Join(long, ",") + "]", "c": "3"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	if h.m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("the view does not ask for mouse clicks and the wheel")
	}
	h.send(click(5, 2)) // the second key
	if h.selected() != "b" {
		t.Fatalf("a click on b selected %q", h.selected())
	}
	h.wantScreen(`"row 0"`)
	h.send(click(5, 10)) // below the last key: nothing to select
	if h.selected() != "b" {
		t.Fatalf("a click below the keys selected %q", h.selected())
	}
	h.send(click(50, 5)) // the fifth line of the value: "row 3"
	if h.m.focus != focusValue || h.m.value.Path() != ".[3]" {
		t.Fatalf("a click on the value pane: focus %v, cursor on %q", h.m.focus, h.m.value.Path())
	}
	// The keys still go where the focus is.
	h.send(keyDown)
	if h.selected() != "b" || h.m.value.Path() != ".[4]" {
		t.Fatalf("down after the click: selected %q, value cursor on %q", h.selected(), h.m.value.Path())
	}
	h.send(click(5, 1))
	if h.m.focus != focusList || h.selected() != "a" {
		t.Fatalf("a click on a: focus %v, selected %q", h.m.focus, h.selected())
	}
	// A right click does nothing.
	h.send(tea.MouseClickMsg{X: 5, Y: 3, Button: tea.MouseRight})
	if h.selected() != "a" {
		t.Fatal("a right click selected a key")
	}
}

// A click on the bracket of a line that opens an object or array folds
// it, and another unfolds it; a click elsewhere on a line only moves the
// cursor there, so the title's path names it.
func TestMouseClickTogglesAFold(t *testing.T) {
	s := openStore(t, map[string]string{"a": `{"name":"Ada","tags":["x","y","z"],"home":{"city":"London"}}`}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	x := h.m.list.Width() + 1 // the value pane's first column
	// {              row 1
	//   "name": ..   row 2
	//   "tags": [    row 3, the bracket in column 10
	h.send(click(x+20, 3))
	if h.m.focus != focusValue || h.m.value.Path() != ".tags" {
		t.Fatalf("click on tags: focus %v, path %q", h.m.focus, h.m.value.Path())
	}
	h.wantScreen(`"z"`) // past the bracket: not folded
	h.send(click(x+4, 3))
	h.wantScreen(`"z"`) // on the key: not folded
	h.send(click(x+10, 3))
	h.wantScreen(`"tags": […] 3 items,`)
	h.wantScreen(`"city": "London"`)
	h.send(click(x+12, 3)) // the …
	h.wantScreen(`"z"`)
	// A click on a line that opens nothing only moves the cursor.
	h.send(click(x+10, 2))
	if h.m.value.Path() != ".name" {
		t.Fatalf("click on name: path %q", h.m.value.Path())
	}
	// The top line's brace folds the whole value; below the value a click
	// does nothing.
	h.send(click(x, 1))
	h.wantScreen(`{…} 3 keys`)
	h.send(click(x, 12))
	if h.m.value.Path() != "." {
		t.Fatalf("a click below the value moved the cursor to %q", h.m.value.Path())
	}
}

func TestMouseWheelScrollsThePaneUnderThePointer(t *testing.T) {
	long := make([]string, 40)
	for i := range long {
		long[i] = fmt.Sprintf(`"row %d"`, i)
	}
	s := openStore(t, map[string]string{"a": "[" + strings.Join(long, ",") + "]", "b": "2", "c": "3", "d": "4", "e": "5"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	// Over the value pane: the value scrolls, the list and focus stay.
	h.send(wheel(50, 5, tea.MouseWheelDown), wheel(50, 5, tea.MouseWheelDown))
	if h.m.value.Offset() != 2*wheelRows || h.selected() != "a" || h.m.focus != focusList {
		t.Fatalf("wheel over the value: offset %d, selected %q, focus %v", h.m.value.Offset(), h.selected(), h.m.focus)
	}
	h.send(wheel(50, 5, tea.MouseWheelUp))
	if h.m.value.Offset() != wheelRows {
		t.Fatalf("wheel up over the value: offset %d", h.m.value.Offset())
	}
	// Over the key list: the selection moves, and the value follows.
	h.send(wheel(5, 5, tea.MouseWheelDown))
	if h.selected() != "d" {
		t.Fatalf("wheel down over the keys selected %q, want d", h.selected())
	}
	h.wantScreen("4")
	h.send(wheel(5, 5, tea.MouseWheelDown))
	if h.selected() != "e" {
		t.Fatalf("the wheel went past the last key: %q", h.selected())
	}
	h.send(wheel(5, 5, tea.MouseWheelUp), wheel(5, 5, tea.MouseWheelUp))
	if h.selected() != "a" {
		t.Fatalf("the wheel went past the first key: %q", h.selected())
	}
	// Over the status bar: nothing.
	h.send(wheel(5, 19, tea.MouseWheelDown))
	if h.selected() != "a" {
		t.Fatal("the wheel over the status bar moved the selection")
	}
}

// With an overlay open the mouse does not reach the panes under it.
func TestMouseIgnoredUnderAnOverlay(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.send(keyText("d"))
	h.send(click(5, 2), wheel(5, 2, tea.MouseWheelDown))
	if h.selected() != "a" || !topIs[*question](h) {
		t.Fatalf("the mouse reached the list under a question: selected %q", h.selected())
	}
}
