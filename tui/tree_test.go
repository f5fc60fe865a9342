package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// treeValue has nested objects, an array, and keys jq cannot take after a
// dot. Its lines, as the pane lays them out:
//
//	0 {            5 "tags": [       11 "odd key": {   15 "a\"b": 3
//	1 "address": { 6-9 "a" … "d"     12 "x": 1         16 }
//	2 "city"       10 ],             13 },
//	3 "zip"                          14 "über": 2,
//	4 },
const treeValue = `{"address":{"city":"Paris","zip":"75001"},"tags":["a","b","c","d"],` +
	`"odd key":{"x":1},"über":2,"a\"b":3}`

// treeHarness shows treeValue under the key "a" with the value pane
// focused, and records what is copied.
func treeHarness(t *testing.T) (*harness, *[]string) {
	t.Helper()
	h := newHarness(t, FileSource(openStore(t, map[string]string{"a": treeValue, "b": "1"}, nil)), 80, 24)
	var copied []string
	h.m.clip = func(text string) tea.Cmd {
		copied = append(copied, text)
		return nil
	}
	h.send(keyTab)
	return h, &copied
}

var keySpace = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}

// wantPath checks the path of the node under the value pane's cursor, and
// that the title shows it.
func (h *harness) wantPath(want string) {
	h.t.Helper()
	if got := h.m.value.Path(); got != want {
		h.t.Fatalf("cursor on %q, want %q", got, want)
	}
	h.wantScreen("▸ a  " + want)
}

func TestFoldUnfoldAndParent(t *testing.T) {
	h, _ := treeHarness(t)
	h.wantPath(".")
	h.send(keyText("j"), keyText("j"), keyText("j"))
	h.wantPath(".address.zip")
	// On a scalar, h goes to the parent; on an open container it folds it.
	h.send(keyText("h"))
	h.wantPath(".address")
	h.send(keyText("h"))
	h.wantScreen(`"address": {…} 2 keys,`)
	if strings.Contains(h.screen(), "Paris") {
		t.Fatal("the folded object still shows its members")
	}
	// On a folded container, h goes to the parent.
	h.send(tea.KeyPressMsg{Code: tea.KeyLeft})
	h.wantPath(".")
	h.send(keyText("j"), tea.KeyPressMsg{Code: tea.KeyRight})
	h.wantScreen(`"city": "Paris",`)
	h.wantPath(".address")
	// The line after the object is the next one down.
	h.send(keySpace)
	h.wantScreen(`"address": {…} 2 keys,`)
	h.send(keyText("j"))
	h.wantPath(".tags")
	h.send(keySpace)
	h.wantScreen(`"tags": […] 4 items,`)
	h.send(keySpace, keyText("k"), keySpace)
	h.wantScreen(`"city": "Paris",`)
	h.wantScreen(`"tags": [`)
}

func TestFoldAllAndUnfoldAll(t *testing.T) {
	h, _ := treeHarness(t)
	h.send(keyText("j"), keyText("j"), keyText("H"))
	// The cursor was inside a fold; it goes to the node still shown.
	h.wantScreen("{…} 5 keys")
	h.wantPath(".")
	h.send(keyText("l"))
	h.wantScreen(`"address": {…} 2 keys,`)
	h.wantScreen(`"odd key": {…} 1 key,`)
	h.send(keyText("L"))
	h.wantScreen(`"city": "Paris",`)
	h.wantScreen(`"x": 1`)
}

func TestPaths(t *testing.T) {
	h, _ := treeHarness(t)
	for _, step := range []struct {
		down int
		want string
	}{
		{1, ".address"}, {1, ".address.city"}, {3, ".tags"}, {4, ".tags[3]"},
		{2, `.["odd key"]`}, {1, `.["odd key"].x`},
		{1, `.["odd key"]`}, // its closing line
		{1, `.["über"]`}, {1, `.["a\"b"]`}, {1, "."},
	} {
		for range step.down {
			h.send(keyDown)
		}
		h.wantPath(step.want)
	}
}

func TestCopyNodeAndPath(t *testing.T) {
	h, copied := treeHarness(t)
	for range 5 {
		h.send(keyDown)
	}
	h.send(keyText("y"))
	want := "[\n  \"a\",\n  \"b\",\n  \"c\",\n  \"d\"\n]"
	if len(*copied) != 1 || (*copied)[0] != want {
		t.Fatalf("y copied %q, want %q", *copied, want)
	}
	h.wantStatus(fmt.Sprintf("copied .tags (%d bytes)", len(want)))
	for range 10 {
		h.send(keyDown)
	}
	h.send(keyText("p"))
	if len(*copied) != 2 || (*copied)[1] != `.["a\"b"]` {
		t.Fatalf("p copied %q", *copied)
	}
	h.wantStatus(`copied the path .["a\"b"]`)
	// In the key list, y copies the whole value, as before.
	h.send(keyTab, keyText("y"))
	if len(*copied) != 3 || !strings.Contains((*copied)[2], `"zip": "75001"`) {
		t.Fatalf("y in the list copied %q", (*copied)[2:])
	}
	h.wantStatus("copied the value of a")
}

func TestFoldsKeptAcrossKeys(t *testing.T) {
	h, _ := treeHarness(t)
	h.send(keyText("j"), keyText("h"), keyText("j"))
	h.wantPath(".tags")
	// Away to b and back.
	h.send(keyTab, keyText("j"), keyText("k"))
	if h.selected() != "a" {
		t.Fatalf("selected %q", h.selected())
	}
	h.send(keyTab)
	h.wantScreen(`"address": {…} 2 keys,`)
	h.wantPath(".tags")
	// h and l in the key list do not fold.
	h.send(keyTab, keyText("l"), keyText("H"))
	h.send(keyTab)
	h.wantScreen(`"tags": [`)
}

// TestCopyStringUnquoted checks ys: y copies the JSON at once, and an s
// right after copies the same string bare, escapes undone, in the value
// pane and in the key list; an s not after a y copies nothing.
func TestCopyStringUnquoted(t *testing.T) {
	s := openStore(t, map[string]string{
		"a": `{"cmd":"echo \"hi\"\n\u00e9","n":1}`,
		"b": `"line1\tline2"`,
	}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	var copied []string
	h.m.clip = func(text string) tea.Cmd {
		copied = append(copied, text)
		return nil
	}
	h.send(keyTab, keyText("j"), keyText("y"), keyText("s"))
	want := []string{`"echo \"hi\"\n\u00e9"`, "echo \"hi\"\né"}
	if fmt.Sprint(copied) != fmt.Sprint(want) {
		t.Fatalf("y then s in the value pane copied %q, want %q", copied, want)
	}
	h.wantStatus("copied the string .cmd unquoted (12 bytes)")
	// A number is not a string: s says so and copies nothing more.
	copied = nil
	h.send(keyText("j"), keyText("y"), keyText("s"))
	if len(copied) != 1 || copied[0] != "1" {
		t.Fatalf("y then s on a number copied %q", copied)
	}
	h.wantStatus(".n is not a string; y copied it as JSON")
	// In the key list, on a string value.
	copied = nil
	h.send(keyTab, keyText("j"), keyText("y"), keyText("s"))
	want = []string{`"line1\tline2"`, "line1\tline2"}
	if fmt.Sprint(copied) != fmt.Sprint(want) {
		t.Fatalf("y then s in the key list copied %q, want %q", copied, want)
	}
	// s after another key is not ys.
	copied = nil
	h.send(keyText("y"), keyText("k"), keyText("s"))
	if len(copied) != 1 {
		t.Fatalf("s after y, k copied again: %q", copied)
	}
}
