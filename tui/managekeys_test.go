package tui

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Tests of managing keys: new, rename, delete, undo, reload and copy.

func raw(t *testing.T, s interface {
	GetRaw(string) (json.RawMessage, bool)
}, k string) string {
	t.Helper()
	v, ok := s.GetRaw(k)
	if !ok {
		return "<absent>"
	}
	return string(v)
}

func TestNewKeyPromptsThenEdits(t *testing.T) {
	s := openStore(t, map[string]string{"alpha": "1", "beta": "2"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("n"))
	h.wantScreen("New key: ▏")
	// An existing name is refused and the prompt keeps the text.
	h.typeText("beta")
	h.send(keyEnter)
	h.wantStatus("beta already exists; choose another name")
	if !topIs[*prompt](h) {
		t.Fatal("an existing name closed the prompt")
	}
	h.wantScreen("New key: beta▏")
	// q and j type into the prompt rather than quitting or moving.
	h.send(keyBackspace, keyBackspace, keyBackspace, keyBackspace)
	h.typeText("qj")
	h.send(keyEnter)
	if h.quit || !h.editing() {
		t.Fatal("enter on a new name did not open the editor")
	}
	h.wantScreen("New key qj")
	h.wantScreen("1 │ {}")
	// Applying the unchanged {} still creates the key.
	h.send(keyCtrlS)
	if got := raw(t, s, "qj"); got != "{}" {
		t.Fatalf("qj = %s, want {}", got)
	}
	if h.selected() != "qj" {
		t.Fatalf("selected %q, want the new key", h.selected())
	}
	h.wantScreen("3 keys")
	h.wantStatus("applied qj")

	// esc in the prompt and in the new key's editor creates nothing.
	h.send(keyText("n"))
	h.typeText("gone")
	h.send(keyEsc)
	if !h.browsing() {
		t.Fatal("esc did not close the prompt")
	}
	h.send(keyText("n"))
	h.typeText("gone")
	h.send(keyEnter, keyEsc)
	if s.Has("gone") || h.editing() {
		t.Fatal("esc in a new key's editor created it")
	}
}

func TestNewKeyShowsThroughFilter(t *testing.T) {
	s := openStore(t, map[string]string{"alpha": "1", "beta": "2"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("/"))
	h.typeText("alp")
	h.send(keyEnter, keyText("n"))
	h.typeText("zzz")
	h.send(keyEnter, keyCtrlS)
	if h.selected() != "zzz" {
		t.Fatalf("selected %q: a new key hidden by the filter was not shown", h.selected())
	}
}

func TestRenameRefusesExistingName(t *testing.T) {
	s := openStore(t, map[string]string{"alpha": "1", "beta": "2", "gamma": "3"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("r"))
	h.wantScreen("Rename alpha to: alpha▏")
	h.send(keyBackspace, keyBackspace, keyBackspace, keyBackspace, keyBackspace)
	h.typeText("gamma")
	h.send(keyEnter)
	h.wantStatus("gamma already exists")
	if raw(t, s, "alpha") != "1" || raw(t, s, "gamma") != "3" {
		t.Fatal("a refused rename changed the store")
	}
	h.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	h.typeText("omega")
	h.send(keyEnter)
	if raw(t, s, "alpha") != "<absent>" || raw(t, s, "omega") != "1" {
		t.Fatalf("rename: alpha=%s omega=%s", raw(t, s, "alpha"), raw(t, s, "omega"))
	}
	if h.selected() != "omega" {
		t.Fatalf("selected %q, want the renamed key", h.selected())
	}
	h.wantStatus("renamed alpha to omega")
	h.wantScreen("3 keys")
	// The same name is no change.
	h.send(keyText("r"), keyEnter)
	h.wantStatus("name unchanged")
}

func TestDeleteAsksNamingTheKey(t *testing.T) {
	s := openStore(t, map[string]string{"alpha": "1", "beta": "2", "gamma": "3"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("j"), keyText("d"))
	h.wantScreen("Delete beta? y yes • n no")
	h.send(keyText("n"))
	if !s.Has("beta") {
		t.Fatal("n deleted the key")
	}
	h.send(keyText("d"), keyText("y"))
	if s.Has("beta") {
		t.Fatal("y did not delete the key")
	}
	h.wantStatus("deleted beta")
	h.wantScreen("2 keys")
	// The selection moves to the next key.
	if h.selected() != "gamma" {
		t.Fatalf("selected %q after deleting beta, want gamma", h.selected())
	}
	h.wantStatus("1 unsaved change")
}

func TestUndoRevertsEachKindOfChange(t *testing.T) {
	s := openStore(t, map[string]string{"alpha": "1", "beta": "2"}, nil)
	h := newHarness(t, FileSource(s), 160, 24)
	if strings.Contains(h.screen(), "u undo") {
		t.Fatal("undo is offered with nothing to undo")
	}
	h.send(keyText("u"))
	h.wantStatus("nothing to undo")

	// Edit alpha, rename beta to b2, delete alpha, create c.
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS)
	h.send(keyText("j"), keyText("r"), keyBackspace, keyBackspace)
	h.typeText("2")
	h.send(keyEnter)
	h.send(keyText("g"), keyText("d"), keyText("y"))
	h.send(keyText("n"), keyText("c"), keyEnter, keyCtrlS)
	want := func(alpha, beta, b2, c string) {
		t.Helper()
		for k, v := range map[string]string{"alpha": alpha, "beta": beta, "be2": b2, "c": c} {
			if got := raw(t, s, k); got != v {
				t.Fatalf("%s = %s, want %s", k, got, v)
			}
		}
	}
	want("<absent>", "<absent>", "2", "{}")
	h.wantScreen("u undo")
	h.send(keyText("u"))
	h.wantStatus("undid: set c")
	want("<absent>", "<absent>", "2", "<absent>")
	h.send(keyText("u"))
	h.wantStatus("undid: deleted alpha")
	want("10", "<absent>", "2", "<absent>")
	h.send(keyText("u"))
	h.wantStatus("undid: renamed beta to be2")
	want("10", "2", "<absent>", "<absent>")
	h.send(keyText("u"))
	h.wantStatus("undid: set alpha")
	want("1", "2", "<absent>", "<absent>")
	h.send(keyText("u"))
	h.wantStatus("nothing to undo")
	h.wantScreen("2 keys")
	// Undo goes through the store, so it is saved like any change.
	h.send(keyCtrlS)
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "{\n  \"alpha\": 1,\n  \"beta\": 2\n}\n" {
		t.Fatalf("file after undoing everything:\n%s", data)
	}
}

func TestReloadAsksBeforeDroppingChanges(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	if err := os.WriteFile(s.Path(), []byte(`{"a": 1, "b": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctrlR := tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	// Nothing pending: reload at once, and the new key is listed.
	h.send(ctrlR)
	h.wantStatus("reloaded data.json")
	h.wantScreen("2 keys")

	h.send(keyText("e"), keyEnd, keyText("5"), keyCtrlS)
	h.send(ctrlR)
	h.wantScreen("Reload the file and drop 1 unsaved change?")
	h.send(keyText("n"))
	if raw(t, s, "a") != "15" {
		t.Fatal("no dropped the change")
	}
	h.send(ctrlR, keyText("y"))
	if raw(t, s, "a") != "1" || s.Pending() != 0 {
		t.Fatalf("yes did not reload: a=%s pending=%d", raw(t, s, "a"), s.Pending())
	}
	h.wantStatus("no unsaved changes")
	// The history referred to the dropped state.
	h.send(keyText("u"))
	h.wantStatus("nothing to undo")
}

func TestCopyValueAndKey(t *testing.T) {
	s := openStore(t, map[string]string{"k\x1b]0;pwned\x07": `{"a":[1,2]}`}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	var copied []string
	h.m.clip = func(text string) tea.Cmd {
		copied = append(copied, text)
		return nil
	}
	h.send(keyText("y"))
	h.send(keyText("Y"))
	want := []string{"{\n  \"a\": [\n    1,\n    2\n  ]\n}", "k\x1b]0;pwned\x07"}
	if len(copied) != 2 || copied[0] != want[0] || copied[1] != want[1] {
		t.Fatalf("copied %q, want %q", copied, want)
	}
	h.wantStatus(`copied the key "k\u001b]0;pwned\u0007"`)
}

func TestClipboardIsOSC52(t *testing.T) {
	// The program's clipboard Cmd is Bubble Tea's, which the renderer sends
	// as OSC 52 with the text base64-encoded.
	s := openStore(t, map[string]string{"a": "1"}, nil)
	m := New(FileSource(s), Options{Keys: testKeyMap()})
	if m.clip == nil {
		t.Fatal("no clipboard Cmd")
	}
	if msg := m.clip("x")(); msg == nil {
		t.Fatal("the clipboard Cmd sends nothing")
	}
}

func TestReadOnlyDisablesEditingKeys(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, &kvstore.Options{ReadOnly: true})
	h := newHarness(t, FileSource(s), 120, 24)
	help := strings.Split(h.screen(), "\n")[23]
	for _, gone := range []string{"edit", "EDITOR", "n new", "rename", "delete", "undo", "save"} {
		if strings.Contains(help, gone) {
			t.Errorf("read-only help line offers %q: %s", gone, help)
		}
	}
	for _, kept := range []string{"y copy", "reload", "filter"} {
		if !strings.Contains(help, kept) {
			t.Errorf("read-only help line lacks %q: %s", kept, help)
		}
	}
	for _, k := range []string{"n", "r", "d", "v", "e", "u"} {
		h.send(keyText(k))
		if !h.browsing() || h.editing() {
			t.Fatalf("%s left browse mode in a read-only view", k)
		}
		h.wantStatus("read-only")
	}
	if raw(t, s, "a") != "1" || !s.Has("b") {
		t.Fatal("a read-only store changed")
	}
	h.send(keyText("?"))
	body := strings.Join(strings.Split(h.screen(), "\n")[:22], "\n")
	for _, gone := range []string{"new key", "rename", "delete", "undo", "keep mine"} {
		if strings.Contains(body, gone) {
			t.Errorf("read-only full help offers %q:\n%s", gone, h.screen())
		}
	}
}

func TestPromptKeepsTheEndOfALongNameVisible(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "1"}, nil)), 40, 10)
	h.send(keyText("n"))
	h.typeText(strings.Repeat("x", 60) + "END")
	lines := strings.Split(h.screen(), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "New key: …") || !strings.Contains(last, "xEND▏") {
		t.Fatalf("prompt line %q: want the start cut and the end shown", last)
	}
	wantExactLayout(t, h, 40, 10)
	h.send(keyEnter, keyCtrlS)
	if !h.store.Has(strings.Repeat("x", 60) + "END") {
		t.Fatal("the whole name was not kept")
	}
}

// TestSortBySize checks S: the list shows the largest value first with a
// size column and says so in its title, keeps the selected key, sorts a
// filter's keys the same way, and S again goes back to key order.
func TestSortBySize(t *testing.T) {
	s := openStore(t, map[string]string{
		"a-small": `1`,
		"b-big":   `"` + strings.Repeat("x", 2000) + `"`,
		"c-mid":   `[1,2,3,4,5]`,
		"d-mid":   `{"k":"abc"}`,
	}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("j"), keyText("j")) // c-mid
	h.send(keyText("S"))
	h.wantScreen("Keys by size")
	h.wantStatus("keys sorted by value size, largest first")
	var rows []string
	for row := range h.m.list.Len() {
		rows = append(rows, h.m.list.At(row))
	}
	if want := []string{"b-big", "c-mid", "d-mid", "a-small"}; fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("sorted by size: %q, want %q", rows, want)
	}
	if h.selected() != "c-mid" {
		t.Fatalf("sorting moved the selection to %q", h.selected())
	}
	h.wantScreen("b-big")
	h.wantScreen("2.0 KB")
	// A filter's keys come in size order too.
	h.send(keyText("/"))
	h.typeText("-mid")
	h.send(keyEnter)
	if h.m.list.Len() != 2 || h.m.list.At(0) != "c-mid" || h.m.list.At(1) != "d-mid" {
		t.Fatalf("filtered by size: %q, %q", h.m.list.At(0), h.m.list.At(1))
	}
	h.send(keyEsc, keyText("S"))
	h.wantScreen("Keys ")
	if strings.Contains(h.screen(), "by size") || h.m.list.At(0) != "a-small" {
		t.Fatalf("S again did not sort by key:\n%s", h.screen())
	}
}
