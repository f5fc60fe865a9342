package tui

import (
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

var keyCtrlY = tea.KeyPressMsg{Code: 'y', Mod: tea.ModCtrl}

func TestRedoMakesUndoneChangesAgain(t *testing.T) {
	s := openStore(t, map[string]string{"alpha": "1", "beta": "2"}, nil)
	h := newHarness(t, FileSource(s), 160, 24)
	if strings.Contains(h.screen(), "U redo") {
		t.Fatal("redo is offered with nothing to redo")
	}
	h.send(keyText("U"))
	h.wantStatus("nothing to redo")

	// Edit alpha, rename beta to be2, delete alpha.
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS)
	h.send(keyText("j"), keyText("r"), keyBackspace, keyBackspace)
	h.typeText("2")
	h.send(keyEnter)
	h.send(keyText("g"), keyText("d"), keyText("y"))
	want := func(alpha, beta, b2 string) {
		t.Helper()
		for k, v := range map[string]string{"alpha": alpha, "beta": beta, "be2": b2} {
			if got := raw(t, s, k); got != v {
				t.Fatalf("%s = %s, want %s", k, got, v)
			}
		}
	}
	want("<absent>", "<absent>", "2")
	h.send(keyText("u"), keyText("u"), keyText("u"))
	want("1", "2", "<absent>")
	h.wantScreen("U redo")

	// Redo goes forward in the order undo went back; ctrl+y is the same key.
	h.send(keyText("U"))
	h.wantStatus("redid: set alpha")
	want("10", "2", "<absent>")
	h.send(keyCtrlY)
	h.wantStatus("redid: renamed beta to be2")
	want("10", "<absent>", "2")
	h.send(keyText("U"))
	h.wantStatus("redid: deleted alpha")
	want("<absent>", "<absent>", "2")
	h.send(keyText("U"))
	h.wantStatus("nothing to redo")

	// A redone change is undone like any other.
	h.send(keyText("u"))
	h.wantStatus("undid: deleted alpha")
	want("10", "<absent>", "2")

	// A new change starts a new history: the undone delete cannot be
	// redone over it.
	h.send(keyText("n"), keyText("c"), keyEnter, keyCtrlS)
	want("10", "<absent>", "2")
	if strings.Contains(h.screen(), "U redo") {
		t.Fatal("redo is offered after a new change")
	}
	h.send(keyText("U"))
	h.wantStatus("nothing to redo")
	if raw(t, s, "alpha") != "10" {
		t.Fatal("redo after a new change deleted alpha")
	}

	// Redo is saved like any change.
	h.send(keyText("u"), keyText("U"), keyCtrlS)
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "{\n  \"alpha\": 10,\n  \"be2\": 2,\n  \"c\": {}\n}\n" {
		t.Fatalf("file after undo and redo:\n%s", data)
	}
}

// A redo the store refuses stays redoable, like a refused undo.
func TestRefusedRedoCanBeTriedAgain(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 120, 20)
	h.send(keyText("r"), keyBackspace)
	h.typeText("b")
	h.send(keyEnter)
	h.send(keyText("u"))
	if raw(t, s, "a") != "1" {
		t.Fatal("undo did not rename b back to a")
	}
	// Someone takes the name b: the redo of the rename is refused.
	if err := s.Set("b", 5); err != nil {
		t.Fatal(err)
	}
	h.send(keyText("U"))
	h.wantStatus("exists")
	if raw(t, s, "a") != "1" || raw(t, s, "b") != "5" {
		t.Fatalf("a refused redo changed the data: a=%s b=%s", raw(t, s, "a"), raw(t, s, "b"))
	}
	if err := s.Delete("b"); err != nil {
		t.Fatal(err)
	}
	h.send(keyText("U"))
	h.wantStatus("redid: renamed a to b")
	if raw(t, s, "b") != "1" {
		t.Fatalf("the second redo did not rename: b=%s", raw(t, s, "b"))
	}
}

// After a merge, an undone change of a key the file changed is not redone
// over the file's value.
func TestRedoAfterMergeKeepsTheirValue(t *testing.T) {
	s := openStore(t, map[string]string{"a": `"1"`}, nil)
	h := newHarness(t, FileSource(s), 120, 20)
	h.editValue(`"2"`)
	h.send(keyText("u"))
	if err := os.WriteFile(s.Path(), []byte(`{"a": "9"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS) // fails: the file changed
	h.send(keyCtrlS) // the conflict screen
	h.send(keyText("t"), keyEnter)
	h.wantStatus("merged with the file; dropped 1 undo step for keys it changed")
	h.send(keyText("U"), keyCtrlS)
	h.wantStatus("nothing to redo")
	if got := string(fileValues(t, s.Path())["a"]); got != `"9"` {
		t.Fatalf("redo after the merge wrote a = %s over the file's \"9\"", got)
	}
}

// The unsaved count is of net changes, as c lists them: a change undone
// is no change, and undo and redo do not add to it.
func TestUnsavedCountIsNet(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	h := newHarness(t, FileSource(s), 160, 24)
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS)
	h.wantStatus("1 unsaved change")
	h.send(keyText("u"))
	h.wantStatus("no unsaved changes")
	h.send(keyText("U"))
	h.wantStatus("1 unsaved change")
	h.send(keyText("j"), keyText("d"), keyText("y"))
	h.wantStatus("2 unsaved changes")
	h.send(keyText("u"), keyText("U"), keyText("u"))
	h.wantStatus("1 unsaved change")
	if got := len(h.m.pendingChanges()); got != 1 {
		t.Fatalf("c lists %d changes", got)
	}
}
