//go:build unix

package tui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
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
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("6 keys")

	s.Keys("t")
	s.WaitFor("Key tree")
	s.WaitFor("▸ users/ 5")
	s.Keys("j")
	s.WaitFor("5 keys in this group:")
	s.Keys("l")
	s.WaitFor("▾ users/ 5")
	s.Keys("j", "l", "j")
	s.WaitFor("▸       name") // users/1/name, under users/ and 1/
	s.WaitFor(`"Ada"`)
	s.Keys("h", "h")
	s.WaitFor("▸   ▸ 1/ 2")

	s.Keys("/", "role")
	s.WaitFor("2 of 6 keys")
	s.WaitFor("▾ 2/ 1")
	s.Keys("Enter")
	s.WaitFor(`"admin"`)
	s.Keys("Escape")
	s.WaitFor("6 keys")
	if scr := s.WaitFor("▸ 1/ 2"); strings.Contains(scr, "▾ 1/") {
		t.Fatalf("clearing the filter did not bring back the closed group:\n%s", scr)
	}
	s.Quit()

	other := filepath.Join(t.TempDir(), "sessions.json")
	writeFile(t, other, `{"session:41": "a", "session:42": "b", "plain": 0}`)
	s = tmuxtest.StartProgram(t, "--separator", ":", "--interval", "0", other)
	s.WaitFor("3 keys")
	s.Keys("t")
	s.WaitFor("▸ session: 2")
	s.Keys("j", "Right", "j")
	s.WaitFor("▸     41")
	s.WaitFor(`"a"`)
	s.Quit()
}
