package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/editor"
)

// Tests of the editor overlay: opening, applying, cancelling, errors.

func TestEditApplyMarksDirtyThenSaved(t *testing.T) {
	s := openStore(t, map[string]string{"a": `{"x":1}`, "b": `[1,2]`}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.wantStatus("no unsaved changes")
	h.send(keyText("e"))
	if !h.editing() || !topIs[*editOverlay](h) {
		t.Fatal("e did not open the editor")
	}
	if got, want := h.editor().ed.Text(), "{\n  \"x\": 1\n}"; got != want {
		t.Fatalf("editor text %q, want %q", got, want)
	}
	h.wantScreen("Editing a")
	// Typing q, j, ? and esc-free keys edit the text.
	h.send(keyDown, keyEnd)
	h.typeText("0")
	h.send(keyCtrlS)
	if h.editing() {
		t.Fatalf("valid JSON did not close the editor: %s", h.screen())
	}
	raw, _ := s.GetRaw("a")
	if string(raw) != `{"x":10}` {
		t.Fatalf("stored %s", raw)
	}
	h.wantStatus("1 unsaved change")
	h.wantStatus("applied a")
	h.wantScreen(`"x": 10`)

	h.send(keyCtrlS)
	// The flush ran inline; the save is reported once, by its event, which
	// is still in the channel.
	h.wantStatus("no unsaved changes")
	ev := h.nextEvent()
	if ev.Err != nil || ev.Reason != kvstore.FlushManual {
		t.Fatalf("event %+v", ev)
	}
	h.wantSaved(ev)
	if h.armed != 1 {
		t.Fatalf("the event wait was re-armed %d times after one event, want 1", h.armed)
	}
}

func TestEnterEditsAndEscCancels(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, map[string]string{"a": `"text"`}, nil)), 80, 24)
	h.send(keyEnter)
	if !h.editing() {
		t.Fatal("enter did not open the editor")
	}
	h.send(keyEsc)
	if h.editing() {
		t.Fatal("esc did not close an unchanged editor")
	}

	h.send(keyText("e"), keyEnd)
	h.typeText("!")
	h.send(keyEsc)
	if !topIs[*question](h) {
		t.Fatal("esc on a changed value did not ask first")
	}
	h.wantScreen("Discard your changes to a?")
	h.send(keyText("n"))
	if !topIs[*editOverlay](h) || h.editor().ed.Text() != `"text"!` {
		t.Fatalf("no did not return to the editor with the text: top %T", h.m.top())
	}
	h.send(keyEsc, keyText("y"))
	if h.editing() {
		t.Fatal("yes did not discard the edit")
	}
	raw, _ := h.store.GetRaw("a")
	if string(raw) != `"text"` {
		t.Fatalf("a cancelled edit was stored: %s", raw)
	}
}

func TestInvalidEditKeepsTextAndShowsPosition(t *testing.T) {
	s := openStore(t, map[string]string{"cfg": `{"a":1,"b":2}`}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("e"), keyDown, keyEnd)
	h.typeText(" x") // `"a": 1, x`
	typed := h.editor().ed.Text()
	h.send(keyCtrlS)
	if !h.editing() {
		t.Fatal("invalid JSON closed the editor")
	}
	if got := h.editor().ed.Text(); got != typed {
		t.Fatalf("text changed after a failed apply:\n%q\nwant\n%q", got, typed)
	}
	h.wantScreen("line 2, column 11: invalid character 'x'")
	if n := strings.Count(h.screen(), `"a": 1, x`); n != 2 {
		t.Fatalf("the offending line is on screen %d times, want 2 (text and error)", n)
	}
	h.wantScreen("\n            ^ ") // the caret under the x
	raw, _ := s.GetRaw("cfg")
	if string(raw) != `{"a":1,"b":2}` {
		t.Fatalf("invalid text changed the store: %s", raw)
	}
	row, col := h.editor().ed.Position()
	if row != 1 || col != 10 {
		t.Fatalf("cursor at %d:%d, want the error at 1:10", row, col)
	}
	h.wantStatus("no unsaved changes")

	// Fixed and applied again, the old error goes while the apply runs
	// (on etcd that may take seconds), rather than stay beside "saving…".
	ed := h.editor()
	ed.Update(keyBackspace)
	ed.Update(keyBackspace)
	ed.Update(keyBackspace)
	if _, cmd := ed.Update(keyCtrlS); cmd == nil || !ed.applying {
		t.Fatal("ctrl+s on valid text did not start an apply")
	}
	if v := ed.ed.View(&editor.Styles{}); strings.Contains(v, "invalid character") {
		t.Fatalf("the error of the last apply shows while the next one runs:\n%s", v)
	}
}

func TestEditorRefusesValueTooLong(t *testing.T) {
	big := "[" + strings.Repeat("1,", editor.MaxLines) + "1]"
	h := newHarness(t, FileSource(openStore(t, map[string]string{"big": big}, nil)), 80, 24)
	h.send(keyText("e"))
	if h.editing() {
		t.Fatal("the editor opened a value longer than it takes")
	}
	h.wantStatus("10,003 lines")
}

func TestEditorEditsValueWithInvisibleCharacters(t *testing.T) {
	s := openStore(t, map[string]string{"k": "\"a\u202eb\""}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("e"))
	if !h.editing() {
		t.Fatal("the editor refused a value it can show escaped")
	}
	h.wantScreen(`"a\u202eb"`)
	h.send(keyCtrlS)
	h.wantStatus("no changes to k")
	h.send(keyText("e"), keyEnd)
	h.typeText("x")
	h.send(keyBackspace, keyCtrlS)
	raw, _ := s.GetRaw("k")
	if string(raw) != "\"a\u202eb\"" {
		t.Fatalf("stored %q", raw)
	}
}

func TestEditorPasteAndKeys(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "[]"}, nil)), 80, 24)
	h.send(keyText("e"), keyEnd, keyText("x"))
	h.send(tea.PasteMsg{Content: "1,\r\n2"})
	if got := h.editor().ed.Text(); got != "[]x1,\n2" {
		t.Fatalf("text %q", got)
	}
}

// ctrl+t in the editor lays pasted JSON out as the editor opens values, and
// the help line under the editor lists its keys; the formatted text is what
// is stored.
func TestEditFormatKey(t *testing.T) {
	s := openStore(t, map[string]string{"a": `1`}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.send(keyText("e"), keyEnd, keyBackspace)
	h.send(tea.PasteMsg{Content: `{"x": [1,2],"y":{}}`})
	h.wantScreen("ctrl+t format")
	h.wantScreen("ctrl+k cut to end")
	h.send(tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl})
	if got, want := h.editor().ed.Text(), "{\n  \"x\": [\n    1,\n    2\n  ],\n  \"y\": {}\n}"; got != want {
		t.Fatalf("ctrl+t gave %q, want %q", got, want)
	}
	h.send(keyCtrlS)
	if raw, _ := s.GetRaw("a"); string(raw) != `{"x":[1,2],"y":{}}` {
		t.Fatalf("stored %s", raw)
	}
}
