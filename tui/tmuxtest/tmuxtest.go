// Package tmuxtest runs the built kvstore program in tests: without a
// terminal (Run), and in a real terminal, a pane of a private tmux server
// (StartProgram), where a test types keys and waits for what the screen
// shows. The program is built once per test binary; call Cleanup from
// TestMain to remove it when the tests end.
//
// The terminal tests need tmux installed; without it they fail and say
// so. Every wait gives up after a generous deadline and fails the test
// with what the screen or file held last.
package tmuxtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Width and Height are the size of the terminal StartProgram gives the
// program.
const (
	Width  = 100
	Height = 30
)

// waitLimit is how long a wait polls before the test fails.
const waitLimit = 10 * time.Second

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// Cleanup deletes the built program, if one was built. Call it once, when
// every test has ended (goleak.Cleanup in TestMain, or after m.Run).
func Cleanup() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// Binary builds the program (the module's main package) once per test
// binary and returns its path; a failed build fails tb.
func Binary(tb testing.TB) string {
	tb.Helper()
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
		tb.Fatal(buildErr)
	}
	return binPath
}

// Run runs the program with args, without a terminal, and returns its
// exit status, stdout and stderr.
func Run(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	return RunStdin(tb, "", args...)
}

// RunStdin is Run with stdin. The program runs in a temporary directory,
// so relative paths it is given or makes up stay out of the source tree.
func RunStdin(tb testing.TB, stdin string, args ...string) (int, string, string) {
	tb.Helper()
	cmd := exec.Command(Binary(tb), args...)
	cmd.Dir = tb.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		tb.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// Session is a command running in the pane of a private tmux server.
type Session struct {
	tb   testing.TB
	sock string
}

// Start starts command (run by sh) in a detached Width×Height session of
// a tmux server of its own, killed when the test ends.
func Start(tb testing.TB, command string) *Session {
	tb.Helper()
	return StartSize(tb, Width, Height, command)
}

// StartSize is Start in a w×h terminal.
func StartSize(tb testing.TB, w, h int, command string) *Session {
	tb.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		tb.Fatal("tmux is not installed; the end-to-end tests need it (apt-get install tmux)")
	}
	s := &Session{tb: tb, sock: filepath.Join(tb.TempDir(), "tmux.sock")}
	s.Run("new-session", "-d", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "sh", "-c", command)
	tb.Cleanup(func() {
		exec.Command("tmux", "-S", s.sock, "kill-server").Run()
	})
	return s
}

// Run runs a tmux command on the session's server (without a
// configuration file) and returns its output; a failure fails the test.
func (s *Session) Run(args ...string) string {
	s.tb.Helper()
	args = append([]string{"-S", s.sock, "-f", "/dev/null"}, args...)
	out, err := exec.Command("tmux", args...).CombinedOutput()
	if err != nil {
		s.tb.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Keys types into the pane; each argument is a tmux key name ("Enter",
// "C-s", "Escape") or literal text.
func (s *Session) Keys(keys ...string) {
	s.tb.Helper()
	s.Run(append([]string{"send-keys", "-t", "0"}, keys...)...)
}

// Screen is the text the pane shows now.
func (s *Session) Screen() string {
	s.tb.Helper()
	return s.Run("capture-pane", "-p", "-t", "0")
}

// WaitFor polls the pane until it shows want, and returns that screen.
func (s *Session) WaitFor(want string) string {
	s.tb.Helper()
	return s.WaitUntil(fmt.Sprintf("showed %q", want), func(scr string) bool { return strings.Contains(scr, want) })
}

// savedAt is the status bar's report of a save, with its time: the time
// tells it from "no unsaved changes" and "1 unsaved change".
var savedAt = regexp.MustCompile(`saved \d\d:\d\d:\d\d`)

// WaitSaved polls the pane until the status bar reports a save, with its
// time.
func (s *Session) WaitSaved() string {
	s.tb.Helper()
	return s.WaitMatch(savedAt)
}

// WaitMatch polls the pane until it matches re.
func (s *Session) WaitMatch(re *regexp.Regexp) string {
	s.tb.Helper()
	return s.WaitUntil("matched "+re.String(), re.MatchString)
}

// WaitUntil polls the pane until ok accepts what it shows, failing after
// a deadline with what, the condition, and the last screen.
func (s *Session) WaitUntil(what string, ok func(screen string) bool) string {
	s.tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		scr := s.Screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("the pane never %s; it shows:\n%s", what, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Program is the built program running in a tmux pane.
type Program struct {
	*Session
	// Pid is the program's process id, for sending it signals.
	Pid    int
	status string // file that receives the exit status
}

// StartProgram runs the built program with args in a tmux pane. The shell
// around it records its pid and exit status and then stays, so the pane
// still shows what the program left on the screen. The program gets the
// terminal as its standard input explicitly: a shell without job control
// would otherwise give a background command /dev/null.
func StartProgram(tb testing.TB, args ...string) *Program {
	tb.Helper()
	return StartProgramEnv(tb, nil, args...)
}

// StartProgramEnv is StartProgram with environment variables (NAME=value)
// set for the program. The program runs in a temporary directory of its
// own, so that nothing it writes beside itself lands in the source tree.
func StartProgramEnv(tb testing.TB, env []string, args ...string) *Program {
	tb.Helper()
	return StartProgramIn(tb, tb.TempDir(), env, args...)
}

// StartProgramIn is StartProgramEnv with the program's working directory
// set to cwd.
func StartProgramIn(tb testing.TB, cwd string, env []string, args ...string) *Program {
	tb.Helper()
	dir := tb.TempDir()
	pidFile, status := filepath.Join(dir, "pid"), filepath.Join(dir, "status")
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + a + "'"
	}
	prefix := ""
	for _, e := range env {
		prefix += "'" + e + "' "
	}
	if prefix != "" {
		prefix = "env " + prefix
	}
	prefix = "cd '" + cwd + "' && " + prefix
	s := Start(tb, fmt.Sprintf("exec 3<&0; %s%s %s <&3 & echo $! >%s; wait $!; echo $? >%s; exec sleep 600",
		prefix, Binary(tb), strings.Join(quoted, " "), pidFile, status))
	pid, err := strconv.Atoi(strings.TrimSpace(WaitFile(tb, pidFile, "\n")))
	if err != nil {
		tb.Fatal(err)
	}
	return &Program{Session: s, Pid: pid, status: status}
}

// WaitExit waits for the program to end and returns its exit status.
func (p *Program) WaitExit() string {
	p.tb.Helper()
	return strings.TrimSpace(WaitFile(p.tb, p.status, "\n"))
}

// Quit presses q and fails the test unless the program exits with status
// 0.
func (p *Program) Quit() {
	p.tb.Helper()
	p.Keys("q")
	if code := p.WaitExit(); code != "0" {
		p.tb.Fatalf("exit status %s", code)
	}
}

// WaitFile polls until the file at path holds want, and returns its
// content.
func WaitFile(tb testing.TB, path, want string) string {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), want) {
			return string(data)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s never held %q; it holds:\n%s", path, want, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
