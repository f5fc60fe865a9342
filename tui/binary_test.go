package tui

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// The program is tested as a built binary: its command line here, and in a
// terminal by the tmux tests.

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// removeBinary deletes the built program when the tests end.
func removeBinary() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// buildBinary builds the program once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "kvstore-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "kvstore")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/kvstore-dev/kvstore").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// runBinary runs the program without a terminal and returns its exit
// status, stdout and stderr.
func runBinary(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runBinaryStdin(t, "", args...)
}

// runBinaryStdin is runBinary with stdin. The program runs in a temporary
// directory, so relative paths it is given or makes up stay out of the
// source tree.
func runBinaryStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(buildBinary(t), args...)
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBinaryHelpAndVersion(t *testing.T) {
	code, out, errOut := runBinary(t, "--help")
	if code != 0 || errOut != "" {
		t.Fatalf("--help: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"kvstore [command] [FILE] [--flags]", "kvstore --demo", "--always-save", "--interval", "(5s)", "--read-only", "--version", "--help"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runBinary(t, "--version")
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
		code, out, errOut := runBinary(t, c.args...)
		if code == 0 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "kvstore: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("kvstore %q: exit %d, stdout %q, stderr %q; want one kvstore: line containing %q",
				c.args, code, out, errOut, c.want)
		}
	}
}
