package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// conflicted opens a store, changes a, b and c in it, and meanwhile "edits
// the file by hand": b and c changed differently, d added, a untouched.
func conflicted(t *testing.T) (*harness, *kvstore.KVStore) {
	t.Helper()
	s := openStore(t, map[string]string{"a": "1", "b": "2", "c": "3"}, nil)
	h := newHarness(t, FileSource(s), 130, 24)
	for k, v := range map[string]string{"a": "10", "b": "20", "c": "30"} {
		if err := s.SetRaw(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.Path(), []byte(`{"a": 1, "b": 200, "c": 300, "d": 4}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS)
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")
	h.send(keyCtrlS)
	h.wantScreen("The file changed 3 keys, you changed 3 keys; 2 keys changed on both sides.")
	return h, s
}

func fileValues(t *testing.T, path string) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConflictPerKeyChoice(t *testing.T) {
	h, s := conflicted(t)
	h.wantScreen("▸   ?    b")
	h.wantScreen("mine: 20")
	h.wantScreen("theirs: 200")
	// enter refuses until every collision has a choice.
	h.send(keyEnter)
	h.wantScreen("2 collisions still need a choice (m: mine, t: theirs)")
	if !topIs[*resolver](h) {
		t.Fatal("enter merged with undecided collisions")
	}
	h.send(keyText("m")) // b: mine, moves to c
	h.wantScreen("mine   b")
	h.send(keyText("t")) // c: theirs
	h.wantScreen("theirs c")
	h.send(keyEnter)
	h.wantStatus("merged with the file")
	got := fileValues(t, s.Path())
	want := map[string]string{"a": "10", "b": "20", "c": "300", "d": "4"}
	for k, v := range want {
		if string(got[k]) != v {
			t.Fatalf("after the merge the file has %s = %s, want %s (file %v)", k, got[k], v, got)
		}
	}
	h.wantScreen("4 keys")
	if s.Pending() != 0 {
		t.Fatalf("%d changes pending after the merge", s.Pending())
	}
}

func TestConflictOverwriteAsksFirst(t *testing.T) {
	h, s := conflicted(t)
	h.send(keyText("O"))
	h.wantScreen("Replace the file with yours, dropping its changes to 3 keys?")
	h.send(keyText("n"))
	if !topIs[*resolver](h) {
		t.Fatal("no did not return to the conflict screen")
	}
	if string(fileValues(t, s.Path())["d"]) != "4" {
		t.Fatal("no changed the file")
	}
	h.send(keyText("O"), keyText("y"))
	h.wantStatus("the file now holds your version")
	got := fileValues(t, s.Path())
	if _, ok := got["d"]; ok || string(got["b"]) != "20" || string(got["c"]) != "30" {
		t.Fatalf("overwrite left %v", got)
	}
}

func TestConflictFileChangesAgainWhileChoosing(t *testing.T) {
	h, s := conflicted(t)
	h.send(keyText("m"), keyText("m"))
	// Someone changes a too, which now collides with our change to a.
	if err := os.WriteFile(s.Path(), []byte(`{"a": 111, "b": 200, "c": 300, "d": 4}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyEnter)
	h.wantScreen("The file changed again; new collisions need a choice.")
	if !topIs[*resolver](h) {
		t.Fatal("the merge went ahead with a collision nobody chose")
	}
	if string(fileValues(t, s.Path())["a"]) != "111" {
		t.Fatal("the file was written before the new collision was decided")
	}
	h.send(keyText("t"), keyText("m"), keyText("m"), keyEnter)
	got := fileValues(t, s.Path())
	if string(got["a"]) != "111" || string(got["b"]) != "20" || string(got["c"]) != "30" {
		t.Fatalf("merge result %v", got)
	}
}

func TestConflictEscDecidesLater(t *testing.T) {
	h, s := conflicted(t)
	h.send(keyEsc)
	if !h.browsing() {
		t.Fatal("esc did not leave the conflict screen")
	}
	if s.Pending() == 0 || string(fileValues(t, s.Path())["b"]) != "200" {
		t.Fatal("esc touched the changes or the file")
	}
	h.wantStatus("save failed: the file changed on disk")
}

func TestConflictReloadTakesTheFileAfterAsking(t *testing.T) {
	h, s := conflicted(t)
	h.send(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	h.wantScreen("Reload the file and drop 3 unsaved changes?")
	h.send(keyText("y"))
	for k, v := range map[string]string{"a": "1", "b": "200", "c": "300", "d": "4"} {
		if got := raw(t, s, k); got != v {
			t.Fatalf("after reloading, %s = %s, want the file's %s", k, got, v)
		}
	}
	h.wantStatus("no unsaved changes")
	h.wantScreen("4 keys")
}

func TestConflictInAlwaysSaveMode(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, &kvstore.Options{AlwaysSave: true})
	h := newHarness(t, FileSource(s), 130, 24)
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10, on disk at once
	if err := os.WriteFile(s.Path(), []byte(`{"a": 100, "b": 2, "hand": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS)
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")
	h.send(keyCtrlS)
	h.wantScreen("1 key changed on both sides")
	h.send(keyText("t"), keyEnter)
	h.wantStatus("merged with the file")
	got := fileValues(t, s.Path())
	if string(got["a"]) != "100" || string(got["hand"]) != "1" {
		t.Fatalf("file after keeping theirs: %v", got)
	}
	if raw(t, s, "a") != "100" {
		t.Fatalf("the store kept a = %s after choosing theirs", raw(t, s, "a"))
	}
}

func TestConflictScreenScrollsManyCollisions(t *testing.T) {
	ours, theirs := map[string]string{}, map[string]any{}
	for i := range 30 {
		ours[fmt.Sprintf("k%02d", i)] = "0"
	}
	s := openStore(t, ours, nil)
	h := newHarness(t, FileSource(s), 80, 12)
	for i := range 30 {
		k := fmt.Sprintf("k%02d", i)
		if err := s.SetRaw(k, []byte("1")); err != nil {
			t.Fatal(err)
		}
		theirs[k] = 2
	}
	data, err := json.Marshal(theirs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path(), data, 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS, keyCtrlS)
	h.wantScreen("30 keys changed on both sides")
	for i := range 30 {
		h.wantScreen(fmt.Sprintf("▸   ?    k%02d", i))
		wantExactLayout(t, h, 80, 12)
		h.send(keyText("t"))
	}
	h.send(keyEnter)
	h.wantStatus("merged with the file")
	if raw(t, s, "k29") != "2" {
		t.Fatalf("k29 = %s, want theirs", raw(t, s, "k29"))
	}
}

func TestPromptsShowHostileKeysEscaped(t *testing.T) {
	k := "a\x1b]0;x\x07\u202e"
	s := openStore(t, map[string]string{k: "1"}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.send(keyText("r"))
	h.wantScreen(`Rename "a\u001b]0;x\u0007\u202e" to: a\u001b]0;x\u0007\u202e▏`)
	if u := firstUnsafeInView(h.m.View().Content); u != "" {
		t.Fatalf("the rename prompt sends %s raw", u)
	}
	h.send(keyEsc, keyText("d"))
	h.wantScreen(`Delete "a\u001b]0;x\u0007\u202e"?`)
	if u := firstUnsafeInView(h.m.View().Content); u != "" {
		t.Fatalf("the delete question sends %s raw", u)
	}
	// The name typed keeps the characters exactly.
	h.send(keyText("n"), keyText("r"), keyText("2"), keyEnter)
	if raw(t, s, k+"2") != "1" {
		t.Fatalf("renamed keys: %q", s.Keys())
	}
}

func TestQuitDuringConflictKeepsBothSides(t *testing.T) {
	h, s := conflicted(t)
	h.send(keyEsc, keyText("q"))
	h.wantScreen("The file changed on disk. Quit and keep your version in a new file beside it?")
	h.send(keyText("y"))
	if !h.quit {
		t.Fatal("y did not quit")
	}
	// The program closes the store after the UI ends.
	err := s.Close()
	if !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("Close: %v, want a conflict naming the file with our version", err)
	}
	if got := fileValues(t, s.Path()); string(got["b"]) != "200" {
		t.Fatalf("the hand-edited file was overwritten: %v", got)
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), "*"))
	var ours map[string]json.RawMessage
	for _, p := range matches {
		if p != s.Path() && strings.Contains(err.Error(), filepath.Base(p)) {
			ours = fileValues(t, p)
		}
	}
	if string(ours["b"]) != "20" || string(ours["c"]) != "30" {
		t.Fatalf("our version beside the file: %v (error %v, files %q)", ours, err, matches)
	}
	// The program's last words: one sentence, no library calls.
	msg := CloseMessage(err)
	rescue := kvstore.RescueFile(err)
	want := "kvstore: data.json changed on disk, so your version was written to " + rescue +
		"; to bring it back, open that file with kvstore and copy what you need, or replace data.json with it."
	if rescue == "" || !strings.HasPrefix(filepath.Base(rescue), "data.json.unsaved-") || msg != want {
		t.Fatalf("exit message %q, want %q", msg, want)
	}
}

// A long value's diff on the conflict screen scrolls with J and K, so a
// difference far below the first can be read before choosing; the title
// says which lines are shown, and the help line offers J/K only when the
// diff does not fit.
func TestConflictDiffScrolls(t *testing.T) {
	items := func(first, last string) string {
		parts := []string{first}
		for i := range 60 {
			parts = append(parts, fmt.Sprintf(`"line %02d"`, i))
		}
		return "[" + strings.Join(append(parts, last), ",") + "]"
	}
	s := openStore(t, map[string]string{"long": items(`"top"`, `"bottom"`), "short": "1"}, nil)
	h := newHarness(t, FileSource(s), 100, 30)
	if err := s.SetRaw("long", []byte(items(`"top mine"`, `"bottom mine"`))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path(), []byte(`{"long": `+items(`"top theirs"`, `"bottom theirs"`)+`, "short": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS, keyCtrlS)
	h.wantScreen(`-   "top mine",`)
	h.wantScreen(`+   "top theirs",`)
	h.wantScreen("J/K scroll diff")
	if strings.Contains(h.screen(), "bottom") {
		t.Fatalf("the end of the diff shows before scrolling:\n%s", h.screen())
	}
	for range 10 {
		h.send(keyText("J"))
	}
	h.wantScreen(`-   "bottom mine"`)
	h.wantScreen(`+   "bottom theirs"`)
	h.wantScreen("-66/66 ")
	if strings.Contains(h.screen(), `-   "top mine"`) {
		t.Fatalf("scrolled to the end, the start still shows:\n%s", h.screen())
	}
	for range 10 {
		h.send(keyText("K"))
	}
	h.wantScreen(`-   "top mine"`)
	h.wantScreen("long: - mine, + theirs  1-")
	// The choice keys still act on the collision.
	h.send(keyText("m"))
	if mine, ok := h.m.top().(*resolver).keepMine["long"]; !ok || !mine {
		t.Fatal("m after scrolling did not keep mine")
	}
}
