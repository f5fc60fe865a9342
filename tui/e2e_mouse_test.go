//go:build unix

package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
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
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("3 keys")
	// The 100-column pane puts the key list at x 0-32; line 0 is the title.
	s.keys("-l", sgrMouse(0, 4, 2, 'M')+sgrMouse(0, 4, 2, 'm'))
	s.waitFor("▸ beta")
	s.waitFor(`"item 00"`)
	for range 4 {
		s.keys("-l", sgrMouse(65, 50, 10, 'M'))
	}
	s.waitFor("13-")
	if strings.Contains(s.screen(), `"item 00"`) {
		t.Fatalf("the wheel did not scroll the value:\n%s", s.screen())
	}
	s.keys("-l", sgrMouse(0, 50, 10, 'M')+sgrMouse(0, 50, 10, 'm'))
	s.waitFor("▹ beta") // the list lost the focus to the value pane
	s.keys("-l", sgrMouse(0, 4, 3, 'M')+sgrMouse(0, 4, 3, 'm'))
	s.waitFor("▸ gamma")
	// A click on the bracket that opens the array (the value pane's first
	// column, 34 at 100 columns) folds it, another unfolds it.
	s.keys("-l", sgrMouse(0, 4, 2, 'M')+sgrMouse(0, 4, 2, 'm'))
	s.waitFor("▸ beta")
	s.keys("-l", sgrMouse(0, 34, 1, 'M')+sgrMouse(0, 34, 1, 'm'))
	s.waitFor("[…] 60 items")
	s.keys("-l", sgrMouse(0, 34, 1, 'M')+sgrMouse(0, 34, 1, 'm'))
	s.waitFor(`"item 00"`)
	s.quit()
}
