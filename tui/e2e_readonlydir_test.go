//go:build unix

package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestE2EReadOnlyDirectoryOffersReadOnly opens a file whose directory the
// user may not write to, so the lock cannot be made: the program offers a
// read-only view, as for a locked file, and without a terminal it names
// --read-only. Run as root, which may write anywhere, the program runs as
// nobody (setpriv), so the directory's mode counts.
func TestE2EReadOnlyDirectoryOffersReadOnly(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	bin := tmuxtest.Binary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	writeFile(t, data, `{"a": 1}`)
	var prefix []string
	if os.Geteuid() == 0 {
		prefix = []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}
		// nobody must reach the binary and the file.
		for _, d := range []string{filepath.Dir(bin), filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	command := strings.Join(append(prefix, bin, data), " ")
	s := tmuxtest.Start(t, command+" </dev/null; echo status $?; "+command+"; echo then $?; exec sleep 600")
	s.WaitFor("(--read-only opens it for viewing)")
	s.WaitFor("status 1")
	s.WaitFor("data.json cannot be opened for writing (permission denied). Open it read-only? [y/N]")
	s.Keys("y")
	s.WaitFor("read-only │ opened read-only: the file cannot be written (permission denied)")
	s.WaitFor(`▸ a`)
	s.Keys("q")
	s.WaitFor("then 0")
}
