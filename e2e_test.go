//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary builds the program once per test run, into a temporary
// directory removed when the tests end.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "kvstore-e2e-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "kvstore")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// tmuxSession is the program running in a pane of a private tmux server.
type tmuxSession struct {
	t    *testing.T
	sock string
}

// startTmux starts command (run by sh) in a detached 100x30 session of a
// tmux server of its own, killed when the test ends.
func startTmux(t *testing.T, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed; the end-to-end tests need it (apt-get install tmux)")
	}
	s := &tmuxSession{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	s.run("new-session", "-d", "-x", "100", "-y", "30", "sh", "-c", command)
	t.Cleanup(func() {
		exec.Command("tmux", "-S", s.sock, "kill-server").Run()
	})
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	args = append([]string{"-S", s.sock, "-f", "/dev/null"}, args...)
	out, err := exec.Command("tmux", args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys types into the pane; each argument is a tmux key name or literal text.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.run(append([]string{"send-keys", "-t", "0"}, keys...)...)
}

func (s *tmuxSession) screen() string {
	s.t.Helper()
	return s.run("capture-pane", "-p", "-t", "0")
}

// waitFor polls the pane until it shows want, failing after a deadline.
func (s *tmuxSession) waitFor(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the pane never showed %q; it shows:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFile polls until path exists and holds want.
func waitFile(t *testing.T, path, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), want) {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never held %q; it holds:\n%s", path, want, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEnd drives the built program in a real terminal: open a store,
// move, filter, make a mistake in an edit, fix it, apply, see the periodic
// save reach "saved", quit, and check the file.
func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	writeFile(t, data, `{"alpha": 1, "beta": {"list": [1, 2]}, "gamma": "g"}`)
	rc := filepath.Join(dir, "rc")
	stderr := filepath.Join(dir, "stderr")
	s := startTmux(t, fmt.Sprintf("%s --interval 300ms %s 2>%s; echo $? >%s", bin, data, stderr, rc))

	s.waitFor("3 keys")
	s.waitFor("no unsaved changes")
	s.keys("j")
	s.waitFor(`"list": [`)
	s.keys("/", "gam")
	s.waitFor("1 of 3 keys")
	s.keys("Enter", "e")
	s.waitFor("Editing gamma")
	// "g" -> "gh  (the closing quote deleted: invalid)
	s.keys("End", "BSpace", "h", "C-s")
	scr := s.waitFor("line 1, column 1: unterminated string")
	if !strings.Contains(scr, `"gh`) {
		t.Fatalf("the typed text is not shown after the error:\n%s", scr)
	}
	s.keys("End", `"`, "C-s") // the cursor went to the error
	s.waitFor("applied gamma")
	s.waitFor("saved ")
	waitFile(t, data, `"gamma": "gh"`)
	// esc alone: followed at once by j, the terminal would send alt+j.
	s.keys("Escape")
	s.waitFor("Keys") // the list's title again, instead of the filter
	s.keys("k")
	s.waitFor("▸ beta")
	s.keys("q")
	code := waitFile(t, rc, "\n")
	if strings.TrimSpace(code) != "0" {
		errText, _ := os.ReadFile(stderr)
		t.Fatalf("exit status %s, stderr %q", code, errText)
	}
	got, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"alpha\": 1,\n  \"beta\": {\n    \"list\": [\n      1,\n      2\n    ]\n  },\n  \"gamma\": \"gh\"\n}\n"
	if string(got) != want {
		t.Fatalf("file content:\n%s\nwant:\n%s", got, want)
	}
}

// TestHangupSaves closes the terminal under the program (tmux sends SIGHUP)
// and checks the pending change was saved on the way out.
func TestHangupSaves(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	writeFile(t, data, `{"n": 1}`)
	// --interval 0: no periodic saver, so only the shutdown can save.
	s := startTmux(t, fmt.Sprintf("exec %s --interval 0 %s", bin, data))
	s.waitFor("1 key")
	s.keys("e", "End", "0", "C-s")
	s.waitFor("1 unsaved change")
	s.run("kill-session", "-t", "0")
	waitFile(t, data, `"n": 10`)
}

// TestTerminateSaves sends SIGTERM and checks that the pending change was
// saved, the exit status is 0 and the terminal left the alternate screen.
func TestTerminateSaves(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	pidFile := filepath.Join(dir, "pid")
	writeFile(t, data, `{"n": 1}`)
	s := startTmux(t, fmt.Sprintf("echo $$ >%s; exec %s --interval 0 %s", pidFile, bin, data))
	// Keep the pane after the program exits, to read its status and screen.
	s.run("set-option", "-t", "0", "remain-on-exit", "on")
	s.waitFor("1 key")
	s.keys("e", "End", "5", "C-s")
	s.waitFor("1 unsaved change")
	pid, err := strconv.Atoi(strings.TrimSpace(waitFile(t, pidFile, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		state := strings.Fields(s.run("display-message", "-p", "-t", "0", "#{pane_dead} #{pane_dead_status}"))
		if len(state) == 2 && state[0] == "1" {
			if state[1] != "0" {
				t.Fatalf("exit status %s after SIGTERM", state[1])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program did not exit after SIGTERM: %v", state)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitFile(t, data, `"n": 15`)
	if scr := s.screen(); strings.Contains(scr, "Keys") || strings.Contains(scr, "data.json") {
		t.Fatalf("the UI is still on the screen after SIGTERM:\n%s", scr)
	}
}
