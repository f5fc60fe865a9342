//go:build unix

package tui

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestE2EQuitWithoutSaving deletes a key by accident in the built program,
// writes a copy of the data with w, and quits with Q: the data file is as
// it was and the copy holds the change.
func TestE2EQuitWithoutSaving(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	const before = "{\"a\": 1, \"b\": 2}"
	writeFile(t, data, before)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("2 keys")

	s.Keys("d")
	s.WaitFor("Delete a?")
	s.Keys("y")
	s.WaitFor("1 unsaved change")
	cp := filepath.Join(dir, "copy.json")
	s.Keys("w")
	s.WaitFor("Write the data to: ./data-")
	s.Keys("C-u", cp, "Enter")
	s.WaitFor("Copy written. Quit without saving data.json?")
	s.Keys("n")
	s.WaitFor("? help")
	s.Keys("Q")
	s.WaitFor("Quit without saving? 1 unsaved change will be lost.")
	s.Keys("y")
	if code := s.WaitExit(); code != "0" {
		t.Fatalf("exit status %s", code)
	}
	if got := readFile(t, data); got != before {
		t.Fatalf("the data file holds %q", got)
	}
	if got := readFile(t, cp); got != "{\n  \"b\": 2\n}\n" {
		t.Fatalf("the copy holds %q", got)
	}
	if _, err := os.Stat(data + ".journal"); err == nil {
		t.Fatal("a journal was left beside the data file")
	}
}
