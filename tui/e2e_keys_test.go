//go:build unix

package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// End-to-end tests of managing keys and of other writers, in the built
// program in a real terminal.

// readFile returns path's content.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestE2ECreateRenameDelete creates a key, renames it, deletes another after
// the confirmation and undoes nothing; the file holds exactly the result.
func TestE2ECreateRenameDelete(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"alpha": 1, "beta": 2}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("2 keys")

	s.Keys("n")
	s.WaitFor("New key:")
	s.Keys("beta", "Enter")
	s.WaitFor("beta already exists")
	s.Keys("C-u", "new/one", "Enter")
	s.WaitFor("New key new/one")
	s.Keys("C-a", "C-k", `{"x": 1}`, "C-s")
	s.WaitFor("applied new/one")
	s.WaitFor("3 keys")

	s.Keys("r")
	s.WaitFor("Rename new/one to: new/one")
	s.Keys("BSpace", "BSpace", "BSpace", "two", "Enter")
	s.WaitFor("renamed new/one to new/two")
	s.WaitFor("▸ new/two")

	s.Keys("g", "d")
	s.WaitFor("Delete alpha?")
	s.Keys("n")
	s.WaitFor("3 keys")
	s.Keys("d")
	s.WaitFor("Delete alpha?")
	s.Keys("y")
	s.WaitFor("deleted alpha")
	s.WaitFor("2 keys")
	s.Keys("C-s")
	s.WaitSaved()
	s.Quit()
	want := "{\n  \"beta\": 2,\n  \"new/two\": {\n    \"x\": 1\n  }\n}\n"
	if got := readFile(t, data); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}

// TestE2EExternalEditor edits a value in $EDITOR: a script that first
// writes invalid JSON, then, reopened, fixes it. The invalid text is kept
// between the two runs and the fixed value lands in the file.
func TestE2EExternalEditor(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	writeFile(t, data, `{"cfg": {"port": 80}}`)
	script := filepath.Join(dir, "editor.sh")
	seen := filepath.Join(dir, "seen")
	// First run: record the file name and what the program wrote, then
	// break the JSON. Second run: record what it finds (the user's broken
	// text must still be there) and fix it.
	writeFile(t, script, `#!/bin/sh
f="$1"
if [ ! -e `+seen+`.1 ]; then
	printf '%s\n' "$f" >`+seen+`.name
	cp "$f" `+seen+`.1
	printf '{"port": 8080,}\n' >"$f"
else
	cp "$f" `+seen+`.2
	printf '{"port": 8080}\n' >"$f"
fi
`)
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	s := tmuxtest.StartProgramEnv(t, []string{"VISUAL=", "EDITOR=" + script}, "--interval", "0", data)
	s.WaitFor("1 key")
	s.Keys("v")
	s.WaitFor("cfg: line 1, column 15: invalid character")
	s.WaitFor("Reopen the editor? Invalid JSON at line 1, column 15.")
	if got := readFile(t, seen+".1"); got != "{\n  \"port\": 80\n}\n" {
		t.Fatalf("the editor got %q, want the pretty-printed value", got)
	}
	name := strings.TrimSpace(readFile(t, seen+".name"))
	if !strings.HasSuffix(name, ".json") {
		t.Fatalf("temporary file %q does not end in .json", name)
	}
	s.Keys("y")
	s.WaitFor("applied cfg")
	if got := readFile(t, seen+".2"); got != "{\"port\": 8080,}\n" {
		t.Fatalf("reopened on %q, want the user's text kept", got)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("the temporary file is still there after applying: %v", err)
	}
	s.WaitFor(`"port": 8080`)
	s.Keys("C-s")
	s.WaitSaved()
	s.Quit()
	if got := readFile(t, data); got != "{\n  \"cfg\": {\n    \"port\": 8080\n  }\n}\n" {
		t.Fatalf("file:\n%s", got)
	}
}

// TestE2ELockedOffersReadOnly holds the write lock in this process: the
// program asks on the terminal, n exits with an error, y opens read-only,
// where editing keys are not offered and the holder's saves show up.
func TestE2ELockedOffersReadOnly(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"a": 1}`)
	holder, err := kvstore.Open(data, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	// The holder is this test process, and the lock file says so.
	holderName := fmt.Sprintf("another writer (process %d)", os.Getpid())
	no := tmuxtest.StartProgram(t, data)
	no.WaitFor("data.json is in use by " + holderName + ". Open it read-only? [y/N]")
	no.Keys("n")
	if code := no.WaitExit(); code != "1" {
		t.Fatalf("exit status %s after declining", code)
	}

	s := tmuxtest.StartProgram(t, data)
	s.WaitFor("Open it read-only? [y/N]")
	s.Keys("y") // one key, no Enter
	scr := s.WaitFor("read-only │ " + holderName + " has the file")
	for _, gone := range []string{"edit", "n new", "rename", "delete", "save"} {
		if strings.Contains(scr, gone) {
			t.Fatalf("the read-only help offers %q:\n%s", gone, scr)
		}
	}
	s.Keys("d")
	s.WaitFor("read-only: keys cannot be deleted")

	// The writer saves: ctrl+r shows it at once, and the refresh timer
	// picks up the next save without a key.
	if err := holder.SetRaw("b", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if err := holder.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Keys("C-r")
	s.WaitFor("2 keys")
	if err := holder.SetRaw("c", []byte("3")); err != nil {
		t.Fatal(err)
	}
	if err := holder.Flush(); err != nil {
		t.Fatal(err)
	}
	s.WaitFor("3 keys")
	s.Quit()
	if got := readFile(t, data); strings.Contains(got, "null") || !strings.Contains(got, `"c": 3`) {
		t.Fatalf("file after viewing read-only:\n%s", got)
	}
}

// TestE2EOutsideEditThenSave edits a value, then changes the file behind
// the program's back: the save shows the conflict, the colliding key gets a
// choice, and both sides' changes end up in the file.
func TestE2EOutsideEditThenSave(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"a": 1, "b": 2}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("2 keys")
	s.Keys("e", "End", "0", "C-s") // a: 10
	s.WaitFor("applied a")
	s.Keys("j", "e", "End", "0", "C-s") // b: 20
	s.WaitFor("2 unsaved changes")
	writeFile(t, data, `{"a": 1, "b": 200, "hand": true}`)
	s.Keys("C-s")
	s.WaitFor("save failed: the file changed on disk (ctrl+s to resolve)")
	if got := readFile(t, data); got != `{"a": 1, "b": 200, "hand": true}` {
		t.Fatalf("the failed save touched the file:\n%s", got)
	}
	s.Keys("C-s")
	s.WaitFor("1 key changed on both sides")
	s.WaitFor("theirs: 200")
	s.Keys("Enter")
	s.WaitFor("1 collision still needs a choice")
	s.Keys("m", "Enter")
	s.WaitFor("merged with the file")
	s.WaitFor("3 keys")
	s.Quit()
	want := "{\n  \"a\": 10,\n  \"b\": 20,\n  \"hand\": true\n}\n"
	if got := readFile(t, data); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}

// TestE2EHostileData opens a store whose keys and values carry escape
// sequences that would set the window title, the clipboard, a hyperlink,
// move the cursor or clear the screen if they reached the terminal raw.
func TestE2EHostileData(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	w, err := kvstore.Open(data, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	hostile := map[string]string{
		"title\x1b]0;PWNED\x07":          `"\u001b]2;PWNED2\u0007"`,
		"clip\x1b]52;c;UFdORUQ=\x07":     `"\u001b]52;c;UFdORUQ=\u0007"`,
		"link\x1b]8;;http://x\x1b\\here": `"\u001b[2J\u001b[H\u009b31m\r\bgone"`,
		"c1\u009d0;PWNED3\u009c":         `"\u202eevil\u200b"`,
		"csi\x1b[31mred\x1b[0m":          `{"\u001b[1;1H": "\u0007"}`,
		"\x1b[?1049l\x1b[?25l":           `"alt screen off"`,
		"":                               `"the empty key"`,
		"wide 漢字🙂 and a very long key name that goes on and on and on": `"w"`,
	}
	for k, v := range hostile {
		if err := w.SetRaw(k, []byte(v)); err != nil {
			t.Fatalf("%q: %v", k, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s := tmuxtest.StartProgram(t, data)
	// tmux turns the OSC 52 copies it receives into paste buffers.
	s.Run("set-option", "-g", "set-clipboard", "on")
	s.WaitFor("8 keys")
	for range len(hostile) {
		s.Keys("y", "Y", "j")
	}
	s.WaitFor("copied the key wide")
	s.Keys("g")
	scr := s.WaitFor(`title\u001b]0;PWNED\u0007`)
	for _, want := range []string{`csi\u001b[31mred`, `link\u001b]8;;http://x`, `c1\u009d0;PWNED3`, `""`} {
		if !strings.Contains(scr, want) {
			t.Fatalf("the screen does not show %q escaped:\n%s", want, scr)
		}
	}
	title := strings.TrimSpace(s.Run("display", "-p", "-t", "0", "#{pane_title}"))
	if title != "kvstore: data.json" {
		t.Fatalf("pane title %q: data changed it", title)
	}
	// What y and Y copied arrived byte for byte; the data's own OSC 52
	// (base64 of PWNED) set nothing.
	copied := map[string]bool{}
	for _, name := range strings.Fields(s.Run("list-buffers", "-F", "#{buffer_name}")) {
		copied[s.Run("show-buffer", "-b", name)] = true
	}
	if copied["PWNED"] {
		t.Fatal("a value's OSC 52 sequence set the clipboard")
	}
	for _, want := range []string{"title\x1b]0;PWNED\x07", "clip\x1b]52;c;UFdORUQ=\x07", "\"\\u001b]2;PWNED2\\u0007\""} {
		if !copied[want] {
			t.Errorf("the clipboard never held %q; it held %v", want, copied)
		}
	}
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	if len(lines) != 30 || !strings.Contains(lines[28], "data.json") {
		t.Fatalf("the layout broke (%d lines):\n%s", len(lines), scr)
	}
	s.Quit()
}

// A name that does not exist opens as a new, empty store, and says so.
func TestE2ENewFileSaysSo(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "tpyo.json")
	p := tmuxtest.StartProgram(t, data)
	p.WaitFor("new file: tpyo.json (created on the first save)")
	p.Quit()
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("quitting without a change created the file (%v)", err)
	}
}
