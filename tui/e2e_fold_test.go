//go:build unix

package tui

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EFoldAndPath folds a node in the built program and reads the path
// of the node under the cursor in the value pane's title.
func TestE2EFoldAndPath(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"user": {"address": {"city": "Paris", "zip": "75001"}, "tags": ["a", "b", "c"]}}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("1 key")

	s.keys("Tab")
	s.waitFor("h/← fold")
	s.keys("j", "l") // l on an open object leaves it open
	s.waitFor("▸ user  .address")
	s.keys("h")
	s.waitFor(`"address": {…} 2 keys,`)
	if strings.Contains(s.screen(), "Paris") {
		t.Fatalf("the folded object still shows its members:\n%s", s.screen())
	}
	s.keys("j", "j", "j")
	s.waitFor("▸ user  .tags[1]")
	s.keys("Left", "Space")
	s.waitFor(`"tags": […] 3 items`)
	s.keys("L")
	s.waitFor(`"city": "Paris",`)
	s.quit()
}
