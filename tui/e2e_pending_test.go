//go:build unix

package tui

import (
	"path/filepath"
	"testing"
)

// TestE2EPendingChanges reviews the unsaved changes in the built program:
// c lists them with the selected one's diff, u reverts one, ctrl+s saves
// the rest, and the file holds exactly that.
func TestE2EPendingChanges(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"alpha": {"n": 1}, "beta": 2}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("2 keys")

	s.keys("e")
	s.waitFor("ctrl+s apply")
	s.keys("Down", "End", "BSpace", "5", "C-s")
	s.waitFor("applied alpha")
	s.keys("j", "d")
	s.waitFor("Delete beta?")
	s.keys("y")
	s.waitFor("deleted beta")

	s.keys("c")
	s.waitFor("Unsaved changes · 2 changes")
	s.waitFor("▸ changed  alpha")
	s.waitFor(`-   "n": 1`)
	s.waitFor(`+   "n": 5`)
	s.keys("Down")
	s.waitFor("▸ deleted  beta")
	s.keys("u")
	s.waitFor("Unsaved changes · 1 change")
	s.keys("C-s")
	s.waitFor("Unsaved changes · 0 changes")
	s.keys("Escape")
	s.waitFor("2 keys")
	s.quit()
	want := "{\n  \"alpha\": {\n    \"n\": 5\n  },\n  \"beta\": 2\n}\n"
	if got := readFile(t, data); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}
