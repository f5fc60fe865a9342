package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// The program is tested as a built binary: its command line here, and in a
// terminal by the tmux tests.

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBinaryHelpAndVersion(t *testing.T) {
	code, out, errOut := tmuxtest.Run(t, "--help")
	if code != 0 || errOut != "" {
		t.Fatalf("--help: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"kvstore [command] [FILE] [--flags]", "kvstore --demo", "--always-save", "--interval", "(5s)", "--read-only", "--version", "--help"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = tmuxtest.Run(t, "--version")
	if code != 0 || !regexp.MustCompile(`^kvstore \S+\n$`).MatchString(out) {
		t.Fatalf("--version: exit %d, output %q", code, out)
	}
}

// TestBinaryErrorsBeforeTheUI checks the errors reported before the UI
// starts: one line on stderr naming the problem, nothing at all on stdout
// (so nothing was sent to the terminal), and a non-zero exit status.
func TestBinaryErrorsBeforeTheUI(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.json")
	writeFile(t, corrupt, "{\n  \"a\": 1,\n  \"b\": tru\n}\n")
	locked := filepath.Join(dir, "locked.json")
	holder, err := kvstore.Open(locked, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	cases := []struct {
		args []string
		want string
	}{
		{[]string{corrupt}, "corrupt.json:3:11: invalid character"},
		{[]string{locked}, "in use by another writer"},
		{[]string{filepath.Join(dir, "missing", "x.json")}, "does not exist"},
		{[]string{"--read-only", filepath.Join(dir, "typo.json")}, "typo.json does not exist (--read-only opens only an existing file)"},
		{[]string{dir}, "is a directory"},
		{nil, "no FILE given; kvstore --demo opens a sample store"},
		{[]string{"a.json", "b.json"}, "one FILE expected, got 2"},
		{[]string{"--demo", "a.json"}, "--demo takes no FILE"},
		{[]string{"--interval", "-1s", "a.json"}, "--interval must not be negative"},
		{[]string{"--interval", "soon", "a.json"}, `invalid argument "soon"`},
		{[]string{"--what", "a.json"}, "unknown flag: --what"},
	}
	for _, c := range cases {
		code, out, errOut := tmuxtest.Run(t, c.args...)
		if code == 0 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "kvstore: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("kvstore %q: exit %d, stdout %q, stderr %q; want one kvstore: line containing %q",
				c.args, code, out, errOut, c.want)
		}
	}
}
