package tui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

func TestPendingListsEachKindAndReverts(t *testing.T) {
	s := openStore(t, map[string]string{"alpha": `{"a": 1, "b": 2}`, "beta": "2", "gamma": "3", "same": "0"}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.send(keyText("c"))
	h.wantScreen("Unsaved changes · 0 changes")
	h.wantScreen("no unsaved changes")
	h.send(keyEsc)

	// Change alpha, rename beta, delete gamma, add delta; change same and
	// change it back, which is no change.
	h.editValue(`{"a": 1, "b": 3}`)
	h.send(keyText("j"), keyText("r"), keyBackspace, keyBackspace, keyBackspace, keyBackspace)
	h.typeText("bravo")
	h.send(keyEnter)
	h.send(keyText("G"), keyText("k"), keyText("d"), keyText("y")) // gamma
	h.send(keyText("n"))
	h.typeText("delta")
	h.send(keyEnter, keyCtrlS)
	h.send(keyText("G"))
	h.editValue("5")
	h.editValue("0")

	h.send(keyText("c"))
	h.wantScreen("Unsaved changes · 4 changes")
	scr := h.screen()
	for _, want := range []string{"changed  alpha", "renamed  beta to bravo", "added    delta", "deleted  gamma"} {
		if !strings.Contains(scr, want) {
			t.Fatalf("the view does not list %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "same") {
		t.Fatalf("a key changed back is listed:\n%s", scr)
	}
	// The selected change's diff: - as saved, + now.
	h.wantScreen("─ alpha: - saved, + now")
	h.wantScreen(`-   "b": 2`)
	h.wantScreen(`+   "b": 3`)

	// u reverts the selected change through the store; the view follows.
	h.send(keyText("u"))
	if raw(t, s, "alpha") != `{"a":1,"b":2}` {
		t.Fatalf("alpha = %s after reverting", raw(t, s, "alpha"))
	}
	h.wantScreen("Unsaved changes · 3 changes")
	h.wantScreen("▸ renamed  beta to bravo")
	h.send(keyText("u"))
	if raw(t, s, "beta") != "2" || raw(t, s, "bravo") != "<absent>" {
		t.Fatal("reverting the rename did not rename bravo back to beta")
	}
	h.send(keyDown) // deleted gamma
	h.wantScreen("▸ deleted  gamma")
	h.wantScreen("- 3")
	h.send(keyText("u"))
	if raw(t, s, "gamma") != "3" {
		t.Fatal("reverting the delete did not bring gamma back")
	}
	h.wantScreen("Unsaved changes · 1 change")
	h.wantScreen("added    delta")

	// ctrl+s saves them all, and nothing is left.
	h.send(keyCtrlS)
	h.wantScreen("Unsaved changes · 0 changes")
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"delta": {}`) {
		t.Fatalf("the file after ctrl+s:\n%s", data)
	}
	h.send(keyEsc)
	if !h.browsing() {
		t.Fatal("esc did not close the view")
	}
	// A revert is a change like any other: u undoes it.
	h.send(keyText("u"))
	h.wantStatus("undid: set gamma")
	if raw(t, s, "gamma") != "<absent>" {
		t.Fatal("undo of the revert did not delete gamma again")
	}
	h.send(keyText("c"))
	h.wantScreen("deleted  gamma")
}

// A save, whoever starts it, leaves nothing pending; in always-save mode
// every change is saved at once.
func TestPendingEmptyOnceSaved(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.editValue("2")
	h.send(keyCtrlS)
	h.send(keyText("c"))
	h.wantScreen("Unsaved changes · 0 changes")

	s = openStore(t, map[string]string{"a": "1"}, &kvstore.Options{AlwaysSave: true})
	h = newHarness(t, FileSource(s), 100, 24)
	h.editValue("2")
	h.send(keyText("c"))
	h.wantScreen("Unsaved changes · 0 changes")
}

// The diff of a long change in the unsaved-changes view scrolls with J
// and K; J/K is offered only while the diff does not fit.
func TestPendingDiffScrolls(t *testing.T) {
	var items []string
	for i := range 60 {
		items = append(items, fmt.Sprintf(`"line %02d"`, i))
	}
	long := "[" + strings.Join(items, ",") + "]"
	s := openStore(t, map[string]string{"long": long, "short": "1"}, nil)
	h := newHarness(t, FileSource(s), 100, 30)
	h.send(opMsg{op: operation{kind: opSet, key: "short", raw: []byte("2")}})
	h.send(keyText("c"))
	if strings.Contains(h.screen(), "J/K scroll diff") {
		t.Fatalf("J/K offered for a diff that fits:\n%s", h.screen())
	}
	h.send(keyEsc)
	changed := strings.Replace(strings.Replace(long, `"line 00"`, `"first"`, 1), `"line 59"`, `"last"`, 1)
	h.send(opMsg{op: operation{kind: opSet, key: "long", raw: []byte(changed)}})
	h.send(keyText("c"))
	h.wantScreen("▸ changed  long")
	h.wantScreen(`+   "first",`)
	h.wantScreen("J/K scroll diff")
	if strings.Contains(h.screen(), `"last"`) {
		t.Fatalf("the end of the diff shows before scrolling:\n%s", h.screen())
	}
	for range 10 {
		h.send(keyText("J"))
	}
	h.wantScreen(`+   "last"`)
	h.send(keyText("K"), keyText("K"), keyText("K"), keyText("K"), keyText("K"), keyText("K"))
	h.wantScreen(`+   "first",`)
}
