//go:build unix

package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// sgrMouse is what a terminal in SGR mouse mode sends for button b at the
// zero-based cell x, y: M for a press or a wheel notch, m for a release.
func sgrMouse(b, x, y int, final byte) string {
	return fmt.Sprintf("\x1b[<%d;%d;%d%c", b, x+1, y+1, final)
}

// TestE2EMouse clicks and scrolls in the built program, with the SGR
// sequences a terminal sends: a click selects a key, the wheel over the
// value scrolls it, a click on the value pane focuses it, and a click on
// the bracket that opens an array folds and unfolds it.
func TestE2EMouse(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	var items []string
	for i := range 60 {
		items = append(items, fmt.Sprintf(`"item %02d"`, i))
	}
	writeFile(t, data, `{"alpha": 1, "beta": [`+strings.Join(items, ",")+`], "gamma": 3}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("3 keys")
	// The 100-column pane puts the key list at x 0-32; line 0 is the title.
	s.Keys("-l", sgrMouse(0, 4, 2, 'M')+sgrMouse(0, 4, 2, 'm'))
	s.WaitFor("▸ beta")
	s.WaitFor(`"item 00"`)
	for range 4 {
		s.Keys("-l", sgrMouse(65, 50, 10, 'M'))
	}
	s.WaitFor("13-")
	if strings.Contains(s.Screen(), `"item 00"`) {
		t.Fatalf("the wheel did not scroll the value:\n%s", s.Screen())
	}
	s.Keys("-l", sgrMouse(0, 50, 10, 'M')+sgrMouse(0, 50, 10, 'm'))
	s.WaitFor("▹ beta") // the list lost the focus to the value pane
	s.Keys("-l", sgrMouse(0, 4, 3, 'M')+sgrMouse(0, 4, 3, 'm'))
	s.WaitFor("▸ gamma")
	// A click on the bracket that opens the array (the value pane's first
	// column, 34 at 100 columns) folds it, another unfolds it.
	s.Keys("-l", sgrMouse(0, 4, 2, 'M')+sgrMouse(0, 4, 2, 'm'))
	s.WaitFor("▸ beta")
	s.Keys("-l", sgrMouse(0, 34, 1, 'M')+sgrMouse(0, 34, 1, 'm'))
	s.WaitFor("[…] 60 items")
	s.Keys("-l", sgrMouse(0, 34, 1, 'M')+sgrMouse(0, 34, 1, 'm'))
	s.WaitFor(`"item 00"`)
	s.Quit()
}
