//go:build unix

package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
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
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("3 keys")

	s.keys("C-f")
	s.waitFor("Find:")
	s.keys("needle")
	s.waitFor("1 of 3 keys")
	s.waitFor("find: needle")
	s.keys("Enter")
	s.waitFor("? help")
	s.keys("Tab")
	s.waitFor("n next")
	s.keys("n")
	s.waitFor("a Needle here")
	s.keys("n")
	s.waitFor("the last needle")
	s.keys("Escape")
	s.waitFor("▹ hay") // the title is Keys again, and every key is back
	s.waitFor("plain")
	s.quit()
}

// TestE2EFindNextAcrossKeys steps with n through the matches of every key
// a find found, with the counter in the status bar, and searches one value
// with / in the value pane.
func TestE2EFindNextAcrossKeys(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"a": ["cat", "dog", "cat"], "b": "none", "c": "a cat"}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("3 keys")

	s.keys("C-f")
	s.waitFor("Find:")
	s.keys("cat", "Enter")
	s.waitFor("2 of 3 keys")
	s.keys("n")
	s.waitFor("key 1/2 · match 1/2 in the value")
	s.keys("n")
	s.waitFor("key 1/2 · match 2/2 in the value")
	s.keys("n")
	s.waitFor("key 2/2 · match 1/1 in the value")
	s.waitFor(`"a cat"`)
	s.keys("Escape")
	s.waitFor("  b      ") // every key is back

	s.keys("g", "Tab", "/")
	s.waitFor("Search value:")
	s.keys("dog", "Enter")
	s.keys("n")
	s.waitFor("match 1/1 in the value")
	s.keys("/", "Up")
	s.waitFor("Search value: dog")
	s.keys("Escape")
	s.waitFor("? help")
	s.quit()
}
