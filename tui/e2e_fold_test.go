//go:build unix

package tui

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestE2EFoldAndPath folds a node in the built program and reads the path
// of the node under the cursor in the value pane's title.
func TestE2EFoldAndPath(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"user": {"address": {"city": "Paris", "zip": "75001"}, "tags": ["a", "b", "c"]}}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("1 key")

	s.Keys("Tab")
	s.WaitFor("h/← fold")
	s.Keys("j", "l") // l on an open object leaves it open
	s.WaitFor("▸ user  .address")
	s.Keys("h")
	s.WaitFor(`"address": {…} 2 keys,`)
	if strings.Contains(s.Screen(), "Paris") {
		t.Fatalf("the folded object still shows its members:\n%s", s.Screen())
	}
	s.Keys("j", "j", "j")
	s.WaitFor("▸ user  .tags[1]")
	s.Keys("Left", "Space")
	s.WaitFor(`"tags": […] 3 items`)
	s.Keys("L")
	s.WaitFor(`"city": "Paris",`)
	s.Quit()
}

// TestE2EScrollALongString pages through a string that wraps to many rows
// in the focused value pane: pgdown and G move the title's range, and k
// steps back a row from the end.
func TestE2EScrollALongString(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"s": "`+strings.Repeat("abcdefghij", 400)+`"}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("1 key")

	rng := regexp.MustCompile(`(\d+)-(\d+)/(\d+)`)
	s.Keys("Tab")
	first := rng.FindStringSubmatch(s.WaitFor("▸ s  1-"))
	if first == nil {
		t.Fatalf("no range in the title:\n%s", s.Screen())
	}
	s.Keys("PageDown")
	s.WaitFor("▸ s  " + strconv.Itoa(mustAtoi(t, first[2])) + "-")
	s.Keys("G")
	total := first[3]
	s.WaitFor("-" + total + "/" + total)
	s.Keys("k")
	s.WaitFor("-" + total + "/" + total) // the pane stays at the end
	s.Keys("g")
	s.WaitFor("▸ s  1-" + first[2] + "/" + total)
	s.Quit()
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
