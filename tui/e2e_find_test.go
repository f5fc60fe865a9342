//go:build unix

package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestE2EFindInValues finds text inside values in the built program: the
// list narrows as the text is typed, enter keeps the result, n in the value
// pane scrolls to the next match, and esc gives every key back.
func TestE2EFindInValues(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	var items []string
	for i := range 80 {
		items = append(items, fmt.Sprintf(`"line %d"`, i))
	}
	items[3], items[70] = `"a Needle here"`, `"the last needle"`
	writeFile(t, data, `{"hay": [`+strings.Join(items, ",")+`], "note": "no match", "plain": 1}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("3 keys")

	s.Keys("C-f")
	s.WaitFor("Find:")
	s.Keys("needle")
	s.WaitFor("1 of 3 keys")
	s.WaitFor("find: needle")
	s.Keys("Enter")
	s.WaitFor("? help")
	s.Keys("Tab")
	s.WaitFor("n next")
	s.Keys("n")
	s.WaitFor("a Needle here")
	s.Keys("n")
	s.WaitFor("the last needle")
	s.Keys("Escape")
	s.WaitFor("▹ hay") // the title is Keys again, and every key is back
	s.WaitFor("plain")
	s.Quit()
}

// TestE2EFindNextAcrossKeys steps with n through the matches of every key
// a find found, with the counter in the status bar, and searches one value
// with / in the value pane.
func TestE2EFindNextAcrossKeys(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"a": ["cat", "dog", "cat"], "b": "none", "c": "a cat"}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("3 keys")

	s.Keys("C-f")
	s.WaitFor("Find:")
	s.Keys("cat", "Enter")
	s.WaitFor("2 of 3 keys")
	s.Keys("n")
	s.WaitFor("key 1/2 · match 1/2 in the value")
	s.Keys("n")
	s.WaitFor("key 1/2 · match 2/2 in the value")
	s.Keys("n")
	s.WaitFor("key 2/2 · match 1/1 in the value")
	s.WaitFor(`"a cat"`)
	s.Keys("Escape")
	s.WaitFor("  b      ") // every key is back

	s.Keys("g", "Tab", "/")
	s.WaitFor("Search value:")
	s.Keys("dog", "Enter")
	s.Keys("n")
	s.WaitFor("match 1/1 in the value")
	s.Keys("/", "Up")
	s.WaitFor("Search value: dog")
	s.Keys("Escape")
	s.WaitFor("? help")
	s.Quit()
}
