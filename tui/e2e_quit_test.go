//go:build unix

package tui

import (
	"os"
	"path/filepath"
	"testing"
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
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("2 keys")

	s.keys("d")
	s.waitFor("Delete a?")
	s.keys("y")
	s.waitFor("1 unsaved change")
	cp := filepath.Join(dir, "copy.json")
	s.keys("w")
	s.waitFor("Write the data to: ./data-")
	s.keys("C-u", cp, "Enter")
	s.waitFor("Copy written. Quit without saving data.json?")
	s.keys("n")
	s.waitFor("? help")
	s.keys("Q")
	s.waitFor("Quit without saving? 1 unsaved change will be lost.")
	s.keys("y")
	if code := s.waitExit(); code != "0" {
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
