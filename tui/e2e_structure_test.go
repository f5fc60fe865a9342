//go:build unix

package tui

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestE2EJQQuery runs a jq query on a value and over every value in the
// built program: the value pane shows the result as it is typed, and the
// key list narrows to the keys whose value matches.
func TestE2EJQQuery(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"user/1": {"name": "Ann", "age": 30, "balance": 10.50},
		"user/2": {"name": "Bo", "age": 41}, "user/3": {"name": "Cy", "age": 52}}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("3 keys")

	s.Keys("Tab", ".")
	s.WaitFor("jq: .")
	s.Keys("balance")
	s.WaitFor("jq .balance")
	s.WaitFor("10.50")
	s.Keys("Escape")
	s.WaitFor(`"name": "Ann"`)

	s.Keys("Tab", ":")
	s.WaitFor("keys where jq:")
	s.Keys(".age > 40")
	s.WaitFor("jq: .age > 40")
	s.WaitFor("2 of 3 keys")
	s.Keys("Enter")
	s.WaitFor(`"name": "Bo"`)
	s.Quit()
}

// TestE2EEditRefusedBySchema: with NAME.schemas.json beside the file, an
// edit that breaks its schema keeps the editor open and names the JSON
// pointer; the file is not changed.
func TestE2EEditRefusedBySchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	const original = `{"user/1": {"name": "Ann", "age": 30}, "user/2": {"age": "old"}}`
	writeFile(t, data, original)
	writeFile(t, filepath.Join(dir, "data.schemas.json"),
		`{"user/*": {"type": "object", "required": ["name"], "properties": {"age": {"type": "integer"}}}}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("user/2 ✗ schema")

	s.Keys("e")
	s.WaitFor("Editing user/1")
	s.Keys("Down", "Down", "End", "BSpace", "BSpace", `"x"`)
	s.Keys("C-s")
	s.WaitFor("breaks its schema at /age: got string, want integer")
	s.Keys("Escape")
	s.WaitFor("Discard your changes")
	s.Keys("y")
	s.WaitFor("2 keys")
	s.Quit()
	if got, err := os.ReadFile(data); err != nil || string(got) != original {
		t.Fatalf("the file changed: %q, %v", got, err)
	}
}
