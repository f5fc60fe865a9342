package tui

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/editor"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// editValue opens the editor on the selected key, replaces its text with
// text and applies it.
func (h *harness) editValue(text string) {
	h.t.Helper()
	h.send(keyText("e"), tea.KeyPressMsg{Code: tea.KeyEnd, Mod: tea.ModCtrl})
	for range utf8.RuneCountInString(h.editor().ed.Text()) {
		h.send(keyBackspace)
	}
	h.typeText(text)
	h.send(keyCtrlS)
	if h.editing() {
		h.t.Fatalf("the editor did not apply %q:\n%s", text, h.screen())
	}
}

// An undo recorded before a merge must not put its value back over the
// value the merge took from the file.
func TestUndoAfterMergeKeepsTheirValue(t *testing.T) {
	s := openStore(t, map[string]string{"a": `"1"`}, nil)
	h := newHarness(t, FileSource(s), 120, 20)
	h.editValue(`"2"`)
	if err := os.WriteFile(s.Path(), []byte(`{"a": "9"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS) // fails: the file changed
	h.send(keyCtrlS) // the conflict screen
	h.send(keyText("t"), keyEnter)
	h.wantStatus("merged with the file; dropped 1 undo step for keys it changed")
	if got := string(fileValues(t, s.Path())["a"]); got != `"9"` {
		t.Fatalf("after keeping theirs the file has a = %s", got)
	}
	h.send(keyText("u"), keyCtrlS)
	h.wantStatus("nothing to undo")
	if got := string(fileValues(t, s.Path())["a"]); got != `"9"` {
		t.Fatalf("undo after the merge wrote a = %s over the file's \"9\"", got)
	}
}

// hugeString is a JSON string value of about n bytes on one line.
func hugeString(n int) string { return `"` + strings.Repeat("abcdefgh", n/8) + `"` }

// The first screen does not wait for a large first value: it is laid out
// by a Cmd, as when moving onto it, and wrapped at the pane's width (not
// at the width of a pane not yet sized, which made a row of every byte).
func TestFirstScreenDoesNotWaitForALargeFirstValue(t *testing.T) {
	s := openStore(t, map[string]string{"a": hugeString(2 << 20), "b": "1"}, nil)
	h := newHarness(t, FileSource(s), 80, 12)
	h.wantScreen("laying out 2,097,154 bytes…")
	h.send(h.run(h.m.Init())...)
	// The pane is 80-26-1 = 53 cells wide: 2,097,154 bytes make 39,569 rows.
	h.wantScreen("a  1-9/39569")
}

// A value past the editor's byte limit is refused before any work on it,
// even on one line, and the message offers $EDITOR.
func TestEditorRefusesAHugeLineOfferingExternalEditor(t *testing.T) {
	s := openStore(t, map[string]string{"a": hugeString(editor.MaxBytes)}, nil)
	h := newHarness(t, FileSource(s), 200, 12)
	h.send(h.run(h.m.Init())...)
	h.send(keyText("e"))
	if h.editing() {
		t.Fatal("the editor opened a value past its byte limit")
	}
	h.wantStatus(fmt.Sprintf("a has %s bytes; the editor takes at most %s bytes; v edits it in $EDITOR",
		display.GroupDigits(editor.MaxBytes+2), display.GroupDigits(editor.MaxBytes)))
	// Just under the limit it opens, and typing changes only what is typed.
	small := hugeString(editor.MaxBytes - 8)
	if err := s.SetRaw("a", []byte(small)); err != nil {
		t.Fatal(err)
	}
	h.send(keyText("e"), keyText("x"))
	if !h.editing() || h.editor().ed.Text() != "x"+small {
		t.Fatal("the editor did not take a value under its limit")
	}
}

// A value larger than terminals take over OSC 52 is not sent, and the
// status says why instead of reporting it copied.
func TestCopyRefusesAValueTerminalsDrop(t *testing.T) {
	fits := hugeString(maxClipboard - 10)
	s := openStore(t, map[string]string{"a": hugeString(20 << 20), "b": fits}, nil)
	h := newHarness(t, FileSource(s), 200, 12)
	var copied []string
	h.m.clip = func(text string) tea.Cmd {
		copied = append(copied, text)
		return nil
	}
	h.send(keyText("y"))
	if len(copied) != 0 {
		t.Fatalf("sent %d bytes to the clipboard", len(copied[0]))
	}
	h.wantStatus("not copied: the value of a is 20,971,522 bytes; terminals take at most 75,000 bytes (v opens it in $EDITOR)")
	h.send(keyText("j"), keyText("y"))
	if len(copied) != 1 || copied[0] != fits {
		t.Fatalf("copied %d texts, want b's value", len(copied))
	}
	h.wantStatus("copied the value of b (" + display.Plural(len(fits), "byte") + ")")
}

// A file that became invalid JSON while changes were pending: ctrl+s opens
// a screen that shows the parse error and offers to write our version.
func TestInvalidFileOffersOverwrite(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.editValue("2")
	if err := os.WriteFile(s.Path(), []byte("{\"a\": 1,\n  oops}"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS)
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")
	h.send(keyCtrlS)
	h.wantScreen("data.json on disk is no longer valid JSON:")
	h.wantScreen("  data.json:2:3: invalid character 'o'")
	h.wantScreen("O replaces the file with your version.")
	h.send(keyEsc)
	if !h.browsing() {
		t.Fatal("esc did not leave the screen")
	}
	h.send(keyCtrlS, keyText("O"))
	h.wantScreen("Replace data.json with your version?")
	h.send(keyText("y"))
	h.wantStatus("the file now holds your version")
	if got := string(fileValues(t, s.Path())["a"]); got != "2" {
		t.Fatalf("the file has a = %s, want 2", got)
	}
}

// A file deleted while changes were pending is not written again unasked:
// the status says it was deleted, and ctrl+s asks.
func TestDeletedFileAsksBeforeWritingItAgain(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.editValue("10")
	if err := os.Remove(s.Path()); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS)
	h.wantStatus("save failed: the file was deleted (ctrl+s to resolve)")
	if _, err := os.Stat(s.Path()); !os.IsNotExist(err) {
		t.Fatalf("the save wrote the deleted file again (%v)", err)
	}
	h.send(keyCtrlS)
	h.wantScreen("data.json was deleted on disk.")
	h.wantScreen("Your version (2 keys, 1 unsaved change) is still here.")
	h.send(keyText("O"))
	h.wantScreen("Write data.json again with your version?")
	h.send(keyText("y"))
	got := fileValues(t, s.Path())
	if string(got["a"]) != "10" || string(got["b"]) != "2" {
		t.Fatalf("the file written again holds %v", got)
	}
}

// A file another tool saved again with other escapes changed no value: the
// conflict screen counts only the keys whose values changed.
func TestConflictCountsValueChangesNotByteChanges(t *testing.T) {
	s := openStore(t, map[string]string{"a": `"A"`, "b": `"é"`, "c": `1.5`, "d": `{"x":1,"y":2}`, "e": `"old"`}, nil)
	h := newHarness(t, FileSource(s), 120, 20)
	if err := s.SetRaw("a", []byte(`"mine"`)); err != nil {
		t.Fatal(err)
	}
	// b, c and d are written differently; e really changed; a collides.
	rewritten := `{"a": "theirs", "b": "\u00e9", "c": 15e-1, "d": {"y": 2, "x": 1.0}, "e": "new"}`
	if err := os.WriteFile(s.Path(), []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS, keyCtrlS)
	h.wantScreen("The file changed 2 keys, you changed 1 key; 1 key changed on both sides.")
	h.send(keyText("m"), keyEnter)
	h.wantStatus("merged with the file")
	got := fileValues(t, s.Path())
	if string(got["a"]) != `"mine"` || string(got["e"]) != `"new"` {
		t.Fatalf("merged file %v", got)
	}
}

func TestJSONEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{`"A"`, `"\u0041"`, true},
		{`1`, `1.0`, true},
		{`1e2`, `100`, true},
		{`12345678901234567890`, `12345678901234567891`, false},
		{`{"a":1,"b":[true,null]}`, `{"b":[true,null],"a":1}`, true},
		{`[1,2]`, `[2,1]`, false},
		{`"1"`, `1`, false},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
	} {
		if got := jsonEqual([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("jsonEqual(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// The conflict screen shows the selected collision's two values
// pretty-printed and compared, so a differing field deep in an object is
// seen, not cut off.
func TestConflictShowsWhatDiffers(t *testing.T) {
	user := func(email string) string {
		return `{"name":"Ada Lovelace","address":{"street":"12 St James's Square","city":"London"},"email":"` + email + `","phone":"+44 20 7946 0000"}`
	}
	for _, w := range []int{80, 120} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			s := openStore(t, map[string]string{"user": user("ada@old.example")}, nil)
			h := newHarness(t, FileSource(s), w, 24)
			if err := s.SetRaw("user", []byte(user("ada@mine.example"))); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(s.Path(), []byte(`{"user": `+user("ada@theirs.example")+`}`), 0o644); err != nil {
				t.Fatal(err)
			}
			h.send(keyCtrlS, keyCtrlS)
			h.wantScreen(`-   "email": "ada@mine.example",`)
			h.wantScreen(`+   "email": "ada@theirs.example",`)
			h.wantScreen(`    "phone": "+44 20 7946 0000"`)
		})
	}
}

// The help is titled, says how to close it, closes on esc, ? and q (q does
// not quit), scrolls on a small terminal, keeps each group under its title,
// and lists ctrl+s once per meaning.
func TestHelpClosesScrollsAndKeepsGroupsWhole(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, numbered(3), nil)), 40, 10)
	for _, closer := range []tea.KeyPressMsg{keyEsc, keyText("?"), keyText("q")} {
		h.send(keyText("?"))
		h.wantScreen("Help · esc ? q close")
		h.send(closer)
		if h.quit || !h.browsing() {
			t.Fatalf("%s did not close the help (quit %v)", closer, h.quit)
		}
	}
	h.send(keyText("?"))
	h.wantScreen("1-8/74")
	seen := map[string]int{}
	for range 12 {
		for _, line := range strings.Split(h.screen(), "\n") {
			seen[strings.TrimSpace(line)]++
		}
		h.send(keyPgDown)
	}
	h.wantScreen("67-74/74")
	for _, want := range []string{"App", "q       quit", "On the conflict screen", "O       overwrite file"} {
		if seen[want] == 0 {
			t.Errorf("scrolling never showed %q", want)
		}
	}
	h.send(keyEsc)
	// At 80 columns the groups sit side by side, each under its own
	// title; 25 rows show the whole help.
	h = newHarness(t, FileSource(openStore(t, numbered(3), nil)), 80, 25)
	h.send(keyText("?"))
	scr := h.screen()
	if n := strings.Count(scr, "ctrl+s"); n != 2 {
		t.Errorf("ctrl+s is listed %d times, want twice (apply, save now):\n%s", n, scr)
	}
	rows := strings.Split(scr, "\n")
	for _, group := range [][]string{{"Move", "tab     switch pane"}, {"Change", "Y       copy key"}, {"App", "q       quit"}} {
		top, bottom := -1, -1
		for i, r := range rows {
			if strings.Contains(r, group[0]+" ") && top < 0 {
				top = i
			}
			if strings.Contains(r, group[1]) {
				bottom = i
			}
		}
		if top < 0 || bottom <= top {
			t.Errorf("group %s is not whole under its title:\n%s", group[0], scr)
		}
	}
}

// A message about one action does not linger over the next: opening or
// closing a prompt, a question or the editor clears it.
func TestStatusMessagesEndWithTheNextAction(t *testing.T) {
	s := openStore(t, map[string]string{"app/name": "1", "app/other": "2"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.send(keyText("j"), keyText("r"))
	h.send(keyCtrlU())
	h.typeText("app/name")
	h.send(keyEnter)
	h.wantStatus("app/name already exists; choose another name")
	h.send(keyEsc)
	if strings.Contains(h.statusLine(), "already exists") {
		t.Fatalf("the prompt's refusal stayed after it closed: %q", h.statusLine())
	}
	h.send(keyText("u"))
	h.wantStatus("nothing to undo")
	h.send(keyText("n"))
	if strings.Contains(h.statusLine(), "nothing to undo") {
		t.Fatalf("the message stayed over the next prompt: %q", h.statusLine())
	}
	h.send(keyEsc, keyText("u"), keyText("e"))
	if strings.Contains(h.statusLine(), "nothing to undo") {
		t.Fatalf("the message stayed over the editor: %q", h.statusLine())
	}
	// The save state is not a message: it stays.
	h.send(keyEnd, keyText("0"), keyCtrlS, keyText("e"))
	h.wantStatus("1 unsaved change")
}

func keyCtrlU() tea.KeyPressMsg { return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl} }

// In an empty store the keys that act on a selected key are not offered,
// and pressing one says why nothing happened.
func TestEmptyStoreOffersOnlyWhatApplies(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, map[string]string{}, nil)), 200, 12)
	line := strings.Split(h.screen(), "\n")[11]
	for _, gone := range []string{"edit", "rename", "delete", "copy"} {
		if strings.Contains(line, gone) {
			t.Errorf("the help line offers %q in an empty store: %q", gone, line)
		}
	}
	if !strings.Contains(line, "n new") {
		t.Errorf("the help line does not offer n: %q", line)
	}
	for _, k := range []string{"e", "r", "d", "v", "y"} {
		h.send(keyText(k))
		if !h.browsing() {
			t.Fatalf("%s opened something in an empty store", k)
		}
		h.wantStatus("the store is empty; n creates a key")
		h.send(clearMessageMsg{id: h.m.status.msgID})
	}
}

// Renaming a very long key: the prompt shows the end of the name with the
// cursor and the hints; the cursor moves and edits like a text input; an
// emptied name is refused.
func TestPromptEditsLikeATextInput(t *testing.T) {
	long := strings.Repeat("a", 300)
	s := openStore(t, map[string]string{long: "1"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("r"))
	line := func() string { return strings.Split(h.screen(), "\n")[23] }
	if l := line(); !strings.HasPrefix(l, "Rename aaaa") || !strings.Contains(l, "a▏  enter ok • esc cancel") {
		t.Fatalf("prompt line %q: want the label cut, the cursor at the end and the hints", l)
	}
	h.send(keyHome)
	h.typeText("b/")
	if l := line(); !strings.Contains(l, "b/▏aaa") || !strings.Contains(l, "enter ok") {
		t.Fatalf("after home and typing: %q", l)
	}
	h.send(keyEnd, keyBackspace, tea.KeyPressMsg{Code: tea.KeyLeft}, keyText("z"))
	h.send(keyEnter)
	want := "b/" + strings.Repeat("a", 298) + "z" + "a"
	if !s.Has(want) {
		t.Fatalf("the key was not renamed to the edited name; keys %q", s.Keys())
	}
	// An emptied prompt is refused, and stays open.
	h.send(keyText("r"), keyCtrlU())
	h.send(keyEnter)
	h.wantStatus("a key needs a name")
	if !topIs[*prompt](h) || s.Has("") {
		t.Fatal("an empty name was taken")
	}
}

// A key the list cuts with … is shown in full, escaped and wrapped, above
// its value.
func TestLongKeyShownInFullAboveItsValue(t *testing.T) {
	long := "users/" + strings.Repeat("0123456789", 12) + "\x1b[31m/END"
	s := openStore(t, map[string]string{long: `{"v":1}`}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	wantExactLayout(t, h, 80, 24)
	var title strings.Builder
	for _, row := range strings.Split(h.screen(), "\n")[:4] {
		_, right, _ := strings.Cut(row, "│")
		title.WriteString(strings.TrimRight(right, " "))
	}
	if want := display.Escape(long); !strings.Contains(title.String(), want) {
		t.Fatalf("the value pane's title %q does not hold the whole key %q:\n%s", title.String(), want, h.screen())
	}
	h.wantScreen(`"v": 1`)
}

// At 120 columns the bottom line holds what a newcomer needs, the keys
// the issue found missing included.
func TestHelpLineAt120HoldsWhatANewcomerNeeds(t *testing.T) {
	h := newHarness(t, FileSource(openDemo(t)), 120, 24)
	h.send(keyText("j"), keyText("d"), keyText("y")) // something to undo
	rows := strings.Split(h.screen(), "\n")
	line := rows[len(rows)-1]
	for _, want := range []string{"? help", "q quit", "e edit", "/ filter", "n new", "u undo", "ctrl+s save", "tab pane", "v $EDITOR", "y copy", "Y copy key"} {
		if !strings.Contains(line, want) {
			t.Errorf("the bottom line at 120 columns lacks %q: %q", want, line)
		}
	}
}

// A refresh that finds the file deleted keeps the view's data instead of
// reading an empty store, says so, and the next change asks before it
// writes the file again.
func TestRefreshKeepsDataOfADeletedFile(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	h := refreshing(t, FileSource(s))
	if err := os.Remove(s.Path()); err != nil {
		t.Fatal(err)
	}
	h.fireRefresh()
	h.wantStatus("the file was deleted on disk")
	h.wantStatus("its data is kept; saving asks first")
	h.wantScreen("2 keys")
	h.editValue("10")
	h.wantStatus("the file was deleted (ctrl+s to resolve)")
	h.send(keyCtrlS)
	h.wantScreen("data.json was deleted on disk.")
	if _, err := os.Stat(s.Path()); !os.IsNotExist(err) {
		t.Fatalf("the file was written again unasked (%v)", err)
	}
	h.send(keyText("O"), keyText("y"))
	if got := fileValues(t, s.Path()); string(got["a"]) != "10" || string(got["b"]) != "2" {
		t.Fatalf("the file written again holds %v", got)
	}
}

// Quitting after the file was deleted says so, and the last words say
// where our version went.
func TestQuitAfterTheFileWasDeleted(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.editValue("2")
	if err := os.Remove(s.Path()); err != nil {
		t.Fatal(err)
	}
	h.send(keyText("q"))
	h.wantScreen("The file was deleted. Quit and keep your version in a new file beside it?")
	h.send(keyText("y"))
	if !h.quit {
		t.Fatal("y did not quit")
	}
	err := s.Close()
	rescue := kvstore.RescueFile(err)
	want := "kvstore: data.json was deleted, so your version was written to " + rescue + ";"
	if msg := CloseMessage(err); rescue == "" || !strings.HasPrefix(msg, want) {
		t.Fatalf("exit message %q, want it to start %q", msg, want)
	}
}

// TestGoldenDeletedFile pins the screen for a file deleted under pending
// changes.
func TestGoldenDeletedFile(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
			h := newHarness(t, FileSource(s), size[0], size[1])
			if err := s.SetRaw("a", []byte("10")); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(s.Path()); err != nil {
				t.Fatal(err)
			}
			h.send(keyCtrlS, keyCtrlS)
			golden(t, fmt.Sprintf("file-deleted-%dx%d", size[0], size[1]), h.screen())
		})
	}
}
