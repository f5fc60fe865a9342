//go:build unix

package tui

import (
	"path/filepath"
	"regexp"
	"strconv"
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

// TestE2EScrollALongString pages through a string that wraps to many rows
// in the focused value pane: pgdown and G move the title's range, and k
// steps back a row from the end.
func TestE2EScrollALongString(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"s": "`+strings.Repeat("abcdefghij", 400)+`"}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("1 key")

	rng := regexp.MustCompile(`(\d+)-(\d+)/(\d+)`)
	s.keys("Tab")
	first := rng.FindStringSubmatch(s.waitFor("▸ s  1-"))
	if first == nil {
		t.Fatalf("no range in the title:\n%s", s.screen())
	}
	s.keys("PageDown")
	s.waitFor("▸ s  " + strconv.Itoa(mustAtoi(t, first[2])) + "-")
	s.keys("G")
	total := first[3]
	s.waitFor("-" + total + "/" + total)
	s.keys("k")
	s.waitFor("-" + total + "/" + total) // the pane stays at the end
	s.keys("g")
	s.waitFor("▸ s  1-" + first[2] + "/" + total)
	s.quit()
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
