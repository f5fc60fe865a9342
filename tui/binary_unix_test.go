//go:build unix

package tui

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// Without a terminal at all (no terminal on stdin, and none of its own:
// a new session), the program says it needs one and what to use instead.
func TestBinaryWithoutATerminal(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"a": 1}`)
	cmd := exec.Command(tmuxtest.Binary(t), data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("exit: %v", err)
	}
	if want := "kvstore: the UI needs a terminal; for scripts use kvstore get/set/keys\n"; errOut.String() != want || out.Len() != 0 {
		t.Fatalf("stderr %q, stdout %q; want %q", errOut.String(), out.String(), want)
	}
	if !strings.Contains(readFile(t, data), `"a": 1`) {
		t.Fatal("the file changed")
	}
}
