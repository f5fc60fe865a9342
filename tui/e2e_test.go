//go:build unix

package tui

// The end-to-end tests build the binary and drive it in a private tmux
// server (install tmux to run them): open a store, move, filter, make and
// fix a mistake in an edit, wait for saved, quit, and compare the file;
// press the keys of the README's key table; close the terminal or send SIGTERM
// with a change pending and check that it was saved; create, rename and
// delete keys (with the confirmation) and compare the file; run a shell
// script as $EDITOR that writes invalid JSON, then, reopened, finds the
// user's text and fixes it; hold the write lock in the test process (n exits
// with status 1, y opens read-only, which hides the editing keys, reloads on
// ctrl+r and follows the writer's next save by itself); edit the file behind
// the program's back with changes pending (the save fails and leaves the
// file alone, the conflict screen asks about the colliding key, and the file
// ends with both sides' changes); change the file behind a writable view
// (with nothing pending it shows the change by itself; with a change pending
// it says so at once and ctrl+s opens the conflict screen); run an always-
// save writer that keeps writing beside a --read-only view, which shows the
// writes while they are still only in the journal; and open keys and values
// carrying OSC 0/8/52, CSI, 8-bit C1, \r and \b, copy each with y and Y, and
// check that the pane title is still kvstore: data.json, that tmux's
// clipboard holds exactly the copied bytes and never what the data's own OSC
// 52 says, and that the screen keeps its 30 rows. The update-level tests and
// the golden screens cover every action, prompt and question, and the
// conflict screen.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
	return s.waitUntil(fmt.Sprintf("showed %q", want), func(scr string) bool { return strings.Contains(scr, want) })
}

// savedAt is the status bar's report of a save, with its time: the time
// tells it from "no unsaved changes" and "1 unsaved change".
var savedAt = regexp.MustCompile(`saved \d\d:\d\d:\d\d`)

// waitSaved polls the pane until the status bar reports a save.
func (s *tmuxSession) waitSaved() string {
	s.t.Helper()
	return s.waitMatch(savedAt)
}

// waitMatch polls the pane until it matches re, failing after a deadline.
func (s *tmuxSession) waitMatch(re *regexp.Regexp) string {
	s.t.Helper()
	return s.waitUntil("matched "+re.String(), re.MatchString)
}

// waitUntil polls the pane until ok accepts what it shows, failing after
// a deadline with what, the condition, and the last screen.
func (s *tmuxSession) waitUntil(what string, ok func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr := s.screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the pane never %s; it shows:\n%s", what, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// program is the built program running in a tmux pane.
type program struct {
	*tmuxSession
	pid    int
	status string // file that receives the exit status
}

// startProgram runs the built program with args in a tmux pane. The shell
// around it records its pid and exit status and then stays, so the pane
// still shows what the program left on the screen. The program gets the
// terminal as its standard input explicitly: a shell without job control
// would otherwise give a background command /dev/null.
func startProgram(t *testing.T, args ...string) *program {
	t.Helper()
	return startProgramEnv(t, nil, args...)
}

// startProgramEnv is startProgram with environment variables (NAME=value)
// set for the program. The program runs in a temporary directory of its
// own, so that nothing it writes beside itself lands in the source tree.
func startProgramEnv(t *testing.T, env []string, args ...string) *program {
	t.Helper()
	return startProgramIn(t, t.TempDir(), env, args...)
}

// startProgramIn is startProgramEnv with the program's working directory
// set to cwd.
func startProgramIn(t *testing.T, cwd string, env []string, args ...string) *program {
	t.Helper()
	dir := t.TempDir()
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
	s := startTmux(t, fmt.Sprintf("exec 3<&0; %s%s %s <&3 & echo $! >%s; wait $!; echo $? >%s; exec sleep 600",
		prefix, buildBinary(t), strings.Join(quoted, " "), pidFile, status))
	pid, err := strconv.Atoi(strings.TrimSpace(waitFile(t, pidFile, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return &program{tmuxSession: s, pid: pid, status: status}
}

// waitExit waits for the program to end and returns its exit status.
func (p *program) waitExit() string {
	p.t.Helper()
	return strings.TrimSpace(waitFile(p.t, p.status, "\n"))
}

// waitFile polls until path holds want.
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
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"alpha": 1, "beta": {"list": [1, 2]}, "gamma": "g"}`)
	s := startProgram(t, "--interval", "300ms", data)

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
	s.waitSaved()
	waitFile(t, data, `"gamma": "gh"`)
	// esc alone: followed at once by another key, the terminal would send
	// alt+key.
	s.keys("Escape")
	s.waitFor("Keys") // the list's title again, instead of the filter
	s.keys("k")
	s.waitFor("▸ beta")
	s.keys("q")
	if code := s.waitExit(); code != "0" {
		t.Fatalf("exit status %s", code)
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

// TestKeyTable presses the keys of the guide's key table (tui/GUIDE.md) in the built
// program, which uses the defaults of keymap.go: moving, filtering, the
// value pane's path and fold-all keys, editing, saving, help, the tree
// switch, $EDITOR, copying, new, rename, delete, undo, redo and reload.
// The rest have end-to-end tests of their own: ctrl+f (e2e_find_test.go),
// c (e2e_pending_test.go), the value pane's h, l and space
// (e2e_fold_test.go), the tree's keys (e2e_tree_test.go) and the mouse
// (e2e_mouse_test.go); ctrl+t is tested at the Update level only.
func TestKeyTable(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%02d": {"n": %d}`, i, i)
	}
	b.WriteString("}")
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, b.String())
	// true, as the editor, exits at once without changing the file. With
	// no periodic save, only ctrl+s saves, so the steps see every change.
	s := startProgramEnv(t, []string{"VISUAL=", "EDITOR=true"}, "--interval", "0", data)
	s.waitFor("40 keys")

	// At 100x30 the list shows 26 keys; a page moves 25.
	steps := []struct {
		keys []string
		want string
	}{
		{[]string{"j"}, "▸ k01"},
		{[]string{"Down"}, "▸ k02"},
		{[]string{"k"}, "▸ k01"},
		{[]string{"Up"}, "▸ k00"},
		{[]string{"G"}, "▸ k39"},
		{[]string{"g"}, "▸ k00"},
		{[]string{"End"}, "▸ k39"},
		{[]string{"Home"}, "▸ k00"},
		{[]string{"NPage"}, "▸ k25"},
		{[]string{"PPage"}, "▸ k00"},
		{[]string{"/", "k1"}, "10 of 40 keys"}, // k10-k19
		{[]string{"Enter"}, "/k1 "},
		{[]string{"Escape"}, "Keys"},
		{[]string{"Tab"}, "│▸ k10"}, // the value pane's title; the selection stayed
		{[]string{"j"}, `"n": 10`},
		{[]string{"p"}, "copied the path .n"},
		{[]string{"H"}, "{…} 1 key"},
		{[]string{"L"}, `"n": 10`},
		{[]string{"Tab"}, "│k10"},
		{[]string{"e"}, "Editing k10"},
		{[]string{"Escape"}, "Keys"},
		{[]string{"Enter"}, "Editing k10"},
		{[]string{"Escape"}, "Keys"},
		{[]string{"?"}, "page down"},
		{[]string{"?"}, "Keys"},
		{[]string{"t"}, "Key tree"},
		{[]string{"t"}, "Keys"},
		{[]string{"v"}, "no changes to k10"},
		{[]string{"y"}, "copied the value of k10"},
		{[]string{"Y"}, "copied the key k10"},
		{[]string{"n"}, "New key:"},
		{[]string{"Escape"}, "? help"},
		{[]string{"r"}, "Rename k10 to: k10"},
		{[]string{"Escape"}, "? help"},
		{[]string{"d"}, "Delete k10?"},
		{[]string{"y"}, "deleted k10"},
		{[]string{"u"}, "undid: deleted k10"},
		{[]string{"U"}, "redid: deleted k10"},
		{[]string{"C-y"}, "nothing to redo"},
		{[]string{"u"}, "undid: deleted k10"},
		{[]string{"d"}, "Delete k10?"},
		{[]string{"y"}, "deleted k10"},
		{[]string{"C-r"}, "Reload the file and drop 1 unsaved change?"},
		{[]string{"n"}, "1 unsaved change"},
		{[]string{"C-s"}, ""}, // the status bar's save time: waitSaved
		{[]string{"C-r"}, "reloaded data.json"},
	}
	for _, st := range steps {
		s.keys(st.keys...)
		if st.want == "" {
			s.waitSaved()
		} else {
			s.waitFor(st.want)
		}
	}
	s.keys("C-c")
	if code := s.waitExit(); code != "0" {
		t.Fatalf("exit status %s after ctrl+c", code)
	}
}

// TestHangupSaves closes the terminal under the program (tmux sends SIGHUP)
// with a change pending and no periodic saver, and checks that the change
// was saved on the way out.
func TestHangupSaves(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"n": 1}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("1 key")
	s.keys("e", "End", "0", "C-s")
	s.waitFor("1 unsaved change")
	s.run("kill-session", "-t", "0")
	waitFile(t, data, `"n": 10`)
}

// TestSignalWithFailedSaveExits1 sends SIGTERM, or SIGHUP as a closed
// terminal does, with a change pending that the final save cannot write:
// another program rewrote the file meanwhile. The program exits with
// status 1 and says where the change went, the other program's file is
// left alone, and the rescue file holds the change.
func TestSignalWithFailedSaveExits1(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel() // each test has its own tmux server
			dir := t.TempDir()
			data := filepath.Join(dir, "data.json")
			writeFile(t, data, `{"n": 1}`)
			s := startProgram(t, "--interval", "0", data)
			s.waitFor("1 key")
			s.keys("e", "End", "0", "C-s")
			s.waitFor("1 unsaved change")
			theirs := `{"n": 2, "theirs": true}`
			writeFile(t, filepath.Join(dir, "other.json"), theirs)
			if err := os.Rename(filepath.Join(dir, "other.json"), data); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(s.pid, sig); err != nil {
				t.Fatal(err)
			}
			if code := s.waitExit(); code != "1" {
				t.Fatalf("exit status %s after %v with a save that failed; the pane shows:\n%s", code, sig, s.screen())
			}
			s.waitFor("data.json changed on disk, so your version was written to")
			if got, err := os.ReadFile(data); err != nil || string(got) != theirs {
				t.Errorf("the other program's file now holds %q (%v)", got, err)
			}
			rescues, _ := filepath.Glob(data + ".unsaved-*")
			if len(rescues) != 1 {
				t.Fatalf("%d rescue files, want 1", len(rescues))
			}
			if got, err := os.ReadFile(rescues[0]); err != nil || !strings.Contains(string(got), `"n": 10`) {
				t.Errorf("the rescue file holds %q (%v), want n: 10", got, err)
			}
		})
	}
}

// TestTerminateSaves sends SIGTERM with a change pending and checks that it
// was saved, the exit status is 0 and the terminal left the alternate screen.
func TestTerminateSaves(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"n": 1}`)
	s := startProgram(t, "--interval", "0", data)
	s.waitFor("1 key")
	s.keys("e", "End", "5", "C-s")
	s.waitFor("1 unsaved change")
	if err := syscall.Kill(s.pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := s.waitExit(); code != "0" {
		t.Fatalf("exit status %s after SIGTERM", code)
	}
	waitFile(t, data, `"n": 15`)
	if scr := s.screen(); strings.Contains(scr, "Keys") || strings.Contains(scr, "data.json") {
		t.Fatalf("the UI is still on the screen after SIGTERM:\n%s", scr)
	}
}
