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
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestEndToEnd drives the built program in a real terminal: open a store,
// move, filter, make a mistake in an edit, fix it, apply, see the periodic
// save reach "saved", quit, and check the file.
func TestEndToEnd(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"alpha": 1, "beta": {"list": [1, 2]}, "gamma": "g"}`)
	s := tmuxtest.StartProgram(t, "--interval", "300ms", data)

	s.WaitFor("3 keys")
	s.WaitFor("no unsaved changes")
	s.Keys("j")
	s.WaitFor(`"list": [`)
	s.Keys("/", "gam")
	s.WaitFor("1 of 3 keys")
	s.Keys("Enter", "e")
	s.WaitFor("Editing gamma")
	// "g" -> "gh  (the closing quote deleted: invalid)
	s.Keys("End", "BSpace", "h", "C-s")
	scr := s.WaitFor("line 1, column 1: unterminated string")
	if !strings.Contains(scr, `"gh`) {
		t.Fatalf("the typed text is not shown after the error:\n%s", scr)
	}
	s.Keys("End", `"`, "C-s") // the cursor went to the error
	s.WaitFor("applied gamma")
	s.WaitSaved()
	tmuxtest.WaitFile(t, data, `"gamma": "gh"`)
	// esc alone: followed at once by another key, the terminal would send
	// alt+key.
	s.Keys("Escape")
	s.WaitFor("Keys") // the list's title again, instead of the filter
	s.Keys("k")
	s.WaitFor("▸ beta")
	s.Keys("q")
	if code := s.WaitExit(); code != "0" {
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
	s := tmuxtest.StartProgramEnv(t, []string{"VISUAL=", "EDITOR=true"}, "--interval", "0", data)
	s.WaitFor("40 keys")

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
		s.Keys(st.keys...)
		if st.want == "" {
			s.WaitSaved()
		} else {
			s.WaitFor(st.want)
		}
	}
	s.Keys("C-c")
	if code := s.WaitExit(); code != "0" {
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
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("1 key")
	s.Keys("e", "End", "0", "C-s")
	s.WaitFor("1 unsaved change")
	s.Run("kill-session", "-t", "0")
	tmuxtest.WaitFile(t, data, `"n": 10`)
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
			s := tmuxtest.StartProgram(t, "--interval", "0", data)
			s.WaitFor("1 key")
			s.Keys("e", "End", "0", "C-s")
			s.WaitFor("1 unsaved change")
			theirs := `{"n": 2, "theirs": true}`
			writeFile(t, filepath.Join(dir, "other.json"), theirs)
			if err := os.Rename(filepath.Join(dir, "other.json"), data); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(s.Pid, sig); err != nil {
				t.Fatal(err)
			}
			if code := s.WaitExit(); code != "1" {
				t.Fatalf("exit status %s after %v with a save that failed; the pane shows:\n%s", code, sig, s.Screen())
			}
			s.WaitFor("data.json changed on disk, so your version was written to")
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
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("1 key")
	s.Keys("e", "End", "5", "C-s")
	s.WaitFor("1 unsaved change")
	if err := syscall.Kill(s.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := s.WaitExit(); code != "0" {
		t.Fatalf("exit status %s after SIGTERM", code)
	}
	tmuxtest.WaitFile(t, data, `"n": 15`)
	if scr := s.Screen(); strings.Contains(scr, "Keys") || strings.Contains(scr, "data.json") {
		t.Fatalf("the UI is still on the screen after SIGTERM:\n%s", scr)
	}
}
