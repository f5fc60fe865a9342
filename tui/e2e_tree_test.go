//go:build unix

package tui

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EKeyTree shows namespaced keys as a tree in the built program:
// t groups them, l opens a group, a key's value shows, a filter keeps only
// the groups of matching keys and opens them, and --separator : groups at
// colons instead.
func TestE2EKeyTree(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"config": 1, "users/1/name": "Ada", "users/1/role": "admin",
		"users/2/name": "Grace", "users/2/role": "dev", "users/count": 2}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("6 keys")

	s.keys("t")
	s.waitFor("Key tree")
	s.waitFor("▸ users/ 5")
	s.keys("j")
	s.waitFor("5 keys in this group:")
	s.keys("l")
	s.waitFor("▾ users/ 5")
	s.keys("j", "l", "j")
	s.waitFor("▸       name") // users/1/name, under users/ and 1/
	s.waitFor(`"Ada"`)
	s.keys("h", "h")
	s.waitFor("▸   ▸ 1/ 2")

	s.keys("/", "role")
	s.waitFor("2 of 6 keys")
	s.waitFor("▾ 2/ 1")
	s.keys("Enter")
	s.waitFor(`"admin"`)
	s.keys("Escape")
	s.waitFor("6 keys")
	if scr := s.waitFor("▸ 1/ 2"); strings.Contains(scr, "▾ 1/") {
		t.Fatalf("clearing the filter did not bring back the closed group:\n%s", scr)
	}
	s.quit()

	other := filepath.Join(t.TempDir(), "sessions.json")
	writeFile(t, other, `{"session:41": "a", "session:42": "b", "plain": 0}`)
	s = startProgram(t, "--separator", ":", "--interval", "0", other)
	s.waitFor("3 keys")
	s.keys("t")
	s.waitFor("▸ session: 2")
	s.keys("j", "Right", "j")
	s.waitFor("▸     41")
	s.waitFor(`"a"`)
	s.quit()
}
