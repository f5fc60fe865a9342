//go:build unix

package tui

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// writeLargeFile writes a store of n keys of about 170 bytes each.
func writeLargeFile(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("{")
	note := strings.Repeat("x", 100)
	for i := range n {
		if i > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(w, "\n  \"key%07d\": {\"name\": \"user %d\", \"tags\": [\"a\", \"b\"], \"note\": %q}", i, i, note)
	}
	w.WriteString("\n}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestE2ELoadingScreen opens a 70 MB file in the built program: the
// loading line shows at once with the size, the UI follows by itself, and
// a q pressed while loading quits at once with nothing echoed into the
// shell.
func TestE2ELoadingScreen(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeLargeFile(t, data, 400_000)

	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("loading data.json (")
	s.WaitFor("400,000 keys")
	s.Quit()

	q := tmuxtest.StartProgram(t, "--interval", "0", data)
	q.WaitFor("loading data.json (")
	q.Keys("q")
	if code := q.WaitExit(); code != "0" {
		t.Fatalf("exit status %s after q while loading", code)
	}
	if scr := strings.TrimSpace(q.Screen()); scr != "" {
		t.Fatalf("the terminal shows what was typed:\n%s", scr)
	}
}
