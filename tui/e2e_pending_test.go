//go:build unix

package tui

import (
	"path/filepath"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestE2EPendingChanges reviews the unsaved changes in the built program:
// c lists them with the selected one's diff, u reverts one, ctrl+s saves
// the rest, and the file holds exactly that.
func TestE2EPendingChanges(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"alpha": {"n": 1}, "beta": 2}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("2 keys")

	s.Keys("e")
	s.WaitFor("ctrl+s apply")
	s.Keys("Down", "End", "BSpace", "5", "C-s")
	s.WaitFor("applied alpha")
	s.Keys("j", "d")
	s.WaitFor("Delete beta?")
	s.Keys("y")
	s.WaitFor("deleted beta")

	s.Keys("c")
	s.WaitFor("Unsaved changes · 2 changes")
	s.WaitFor("▸ changed  alpha")
	s.WaitFor(`-   "n": 1`)
	s.WaitFor(`+   "n": 5`)
	s.Keys("Down")
	s.WaitFor("▸ deleted  beta")
	s.Keys("u")
	s.WaitFor("Unsaved changes · 1 change")
	s.Keys("C-s")
	s.WaitFor("Unsaved changes · 0 changes")
	s.Keys("Escape")
	s.WaitFor("2 keys")
	s.Quit()
	want := "{\n  \"alpha\": {\n    \"n\": 5\n  },\n  \"beta\": 2\n}\n"
	if got := readFile(t, data); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}
