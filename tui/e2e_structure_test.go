//go:build unix

package tui

import (
	"os"
	"path/filepath"
	"testing"
)

// TestE2EJQQuery runs a jq query on a value and over every value in the
// built program: the value pane shows the result as it is typed, and the
// key list narrows to the keys whose value matches.
func TestE2EJQQuery(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"user/1": {"name": "Ann", "age": 30, "balance": 10.50},
		"user/2": {"name": "Bo", "age": 41}, "user/3": {"name": "Cy", "age": 52}}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("3 keys")

	s.keys("Tab", ".")
	s.waitFor("jq: .")
	s.keys("balance")
	s.waitFor("jq .balance")
	s.waitFor("10.50")
	s.keys("Escape")
	s.waitFor(`"name": "Ann"`)

	s.keys("Tab", ":")
	s.waitFor("keys where jq:")
	s.keys(".age > 40")
	s.waitFor("jq: .age > 40")
	s.waitFor("2 of 3 keys")
	s.keys("Enter")
	s.waitFor(`"name": "Bo"`)
	s.quit()
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
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("user/2 ✗ schema")

	s.keys("e")
	s.waitFor("Editing user/1")
	s.keys("Down", "Down", "End", "BSpace", "BSpace", `"x"`)
	s.keys("C-s")
	s.waitFor("breaks its schema at /age: got string, want integer")
	s.keys("Escape")
	s.waitFor("Discard your changes")
	s.keys("y")
	s.waitFor("2 keys")
	s.quit()
	if got, err := os.ReadFile(data); err != nil || string(got) != original {
		t.Fatalf("the file changed: %q, %v", got, err)
	}
}
