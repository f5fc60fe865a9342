package tui

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Tests of the save state shown in the status bar and of quitting, which
// depends on it.

func TestSavingShownWhileFlushRuns(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	if err := s.SetRaw("a", []byte("2")); err != nil {
		t.Fatal(err)
	}
	// Update alone, without running the Cmd: the flush is in flight.
	next, cmd := h.m.Update(keyCtrlS)
	h.m = next.(Model)
	h.wantStatus("saving…")
	h.send(cmd())
	h.wantSaved(h.nextEvent())
}

func TestSaveErrorThenRecovery(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	if err := s.SetRaw("a", []byte("2")); err != nil {
		t.Fatal(err)
	}
	// Someone edits the file by hand: the save must not overwrite it.
	if err := os.WriteFile(s.Path(), []byte(`{"a": 1, "hand": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS)
	h.wantStatus("save failed: the file changed on disk (ctrl+s to resolve)")
	ev := h.nextEvent()
	if ev.Err == nil {
		t.Fatal("the failed save's event has no error")
	}
	h.wantStatus("save failed:")

	// Saving again shows the conflict screen before touching the
	// hand-edited file; esc leaves both alone.
	h.send(keyCtrlS)
	h.wantScreen("The file changed on disk since it was loaded.")
	h.wantScreen("The file changed 1 key, you changed 1 key; 0 keys changed on both sides.")
	h.send(keyEsc)
	if !h.browsing() || s.Pending() == 0 {
		t.Fatal("esc did not leave the file and the changes alone")
	}
	h.wantStatus("save failed:")
	h.send(keyCtrlS, keyEnter)
	h.wantStatus("merged with the file")
	if ev = h.nextEvent(); ev.Err != nil {
		t.Fatalf("merge event %+v", ev)
	}
	h.wantSaved(ev)
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	// Both sides' changes are in the file, and the hand-added key is listed.
	if !strings.Contains(string(data), `"hand": true`) || !strings.Contains(string(data), `"a": 2`) {
		t.Fatalf("the file does not hold both sides' changes:\n%s", data)
	}
	h.wantScreen("2 keys")
	h.send(keyText("j"))
	if h.selected() != "hand" {
		t.Fatalf("the key from the file is not in the list; selected %q", h.selected())
	}
}

func TestQuitFlushesAndAsksWhenSaveFails(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		s := openStore(t, map[string]string{"a": "1"}, nil)
		h := newHarness(t, FileSource(s), 80, 24)
		if err := s.SetRaw("a", []byte("3")); err != nil {
			t.Fatal(err)
		}
		// Update alone: the final save is in flight.
		next, cmd := h.m.Update(keyText("q"))
		h.m = next.(Model)
		h.wantStatus("saving…")
		h.wantScreen("saving before quitting…")
		h.send(keyText("j")) // keys wait for the save
		if h.selected() != "a" || !topIs[quitting](h) {
			t.Fatal("a key acted while quitting")
		}
		h.send(cmd())
		if !h.quit {
			t.Fatal("q did not quit after the save")
		}
		if s.Pending() != 0 {
			t.Fatal("q quit without saving")
		}
	})
	t.Run("ctrl+c", func(t *testing.T) {
		h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "1"}, nil)), 80, 24)
		h.send(keyCtrlC)
		if !h.quit {
			t.Fatal("ctrl+c did not quit")
		}
	})
	t.Run("failing", func(t *testing.T) {
		s := openStore(t, map[string]string{"a": "1"}, nil)
		h := newHarness(t, FileSource(s), 120, 24)
		h.editValue("3")
		if err := os.WriteFile(s.Path(), []byte(`{"b": 2}`), 0o644); err != nil {
			t.Fatal(err)
		}
		h.send(keyText("q"))
		if h.quit {
			t.Fatal("quit although the final save failed")
		}
		h.wantScreen("The file changed on disk. Quit and keep your version in a new file beside it?")
		h.wantStatus("save failed:")
		h.send(keyText("j")) // not an answer
		if !topIs[*question](h) {
			t.Fatal("a non-answer key dismissed the question")
		}
		h.send(keyText("n"))
		if h.quit || !h.browsing() {
			t.Fatal("no did not return to browsing")
		}
		// The question offers a look at what would be lost.
		h.send(keyText("q"))
		h.wantScreen("c unsaved changes")
		h.send(keyText("c"))
		if h.quit || !topIs[*pendingView](h) {
			t.Fatal("c in the quit question did not list the unsaved changes")
		}
		h.wantScreen("Unsaved changes · 1 change")
		h.send(keyEsc, keyText("q"), keyText("y"))
		if !h.quit {
			t.Fatal("yes did not quit")
		}
	})
	t.Run("failing for another reason", func(t *testing.T) {
		s := openStore(t, map[string]string{"a": "1"}, nil)
		h := newHarness(t, failingFlush{FileSource(s)}, 80, 24)
		h.send(keyText("q"))
		h.wantScreen("Changes are not saved. Quit anyway?")
		h.wantStatus("save failed: disk full")
		h.send(keyText("y"))
		if !h.quit {
			t.Fatal("yes did not quit")
		}
	})
	t.Run("from a changed editor", func(t *testing.T) {
		h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "1"}, nil)), 80, 24)
		h.send(keyText("e"))
		h.typeText("q") // types a q
		if h.quit || h.editor().ed.Text() != "q1" {
			t.Fatalf("q in the editor: quit %v, text %q", h.quit, h.editor().ed.Text())
		}
		h.send(keyCtrlC)
		h.wantScreen("Discard your changes and quit?")
		h.send(keyText("y"))
		if !h.quit {
			t.Fatal("yes did not quit")
		}
	})
	t.Run("signal", func(t *testing.T) {
		h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "1"}, nil)), 80, 24)
		h.send(keyText("e"), keyText("x"))
		h.send(ShutdownMsg{})
		if !h.quit {
			t.Fatal("ShutdownMsg did not quit")
		}
	})
}

func TestReadOnly(t *testing.T) {
	dir := openStore(t, map[string]string{"a": "1"}, nil).Path()
	ro, err := kvstore.Open(dir, &kvstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	h := newHarness(t, FileSource(ro), 80, 24)
	h.wantStatus("read-only")
	h.send(keyText("e"))
	if h.editing() {
		t.Fatal("a read-only store opened the editor")
	}
	h.wantStatus("values cannot be changed")
	h.send(keyCtrlS)
	h.wantStatus("nothing to save")
	if strings.Contains(h.screen(), "edit") {
		t.Fatal("the help offers editing in a read-only store")
	}
	h.send(keyText("q"))
	if !h.quit {
		t.Fatal("q did not quit a read-only store")
	}
}

func TestStatusMessageExpiresByID(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "1", "b": "2"}, nil)), 80, 24)
	h.send(keyText("e"), keyCtrlS) // "no changes to a"
	h.send(keyText("j"), keyText("e"), keyCtrlS)
	h.wantStatus("no changes to b")
	if len(h.timers) != 2 {
		t.Fatalf("%d timers, want 2", len(h.timers))
	}
	h.send(h.timers[0].msg) // the first message's timer must not end the second
	h.wantStatus("no changes to b")
	h.send(h.timers[1].msg)
	if strings.Contains(h.statusLine(), "no changes") {
		t.Fatalf("message still shown: %q", h.statusLine())
	}
}

func TestEventsClosed(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, FileSource(s), 80, 24)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	h.send(waitForEvent(s.Events())())
	h.wantStatus("closed")
	if h.armed != 0 {
		t.Fatal("the wait was re-armed on a closed channel")
	}
}

func TestWaitForEventDeliversEvents(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	if err := s.SetRaw("a", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, ok := waitForEvent(s.Events())().(flushEventMsg)
	if !ok || msg.ev.Err != nil || msg.ev.Keys != 1 {
		t.Fatalf("got %#v", msg)
	}
}

func TestAlwaysSaveShowsSavingUntilWriteReturns(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	h := newHarness(t, FileSource(s), 80, 24)
	h.send(keyText("e"), keyEnd, keyText("2"))
	// Update alone: the editor asks for the write, the root starts it, and
	// the write is in flight.
	next, cmd := h.m.Update(keyCtrlS)
	h.m = next.(Model)
	next, cmd = h.m.Update(cmd())
	h.m = next.(Model)
	h.wantStatus("saving…")
	h.send(cmd())
	h.wantSaved(h.nextEvent())
	if s.Pending() != 0 {
		t.Fatal("always-save left the change pending")
	}
}

// failingFlush is a store whose saves fail for a reason other than a
// conflict.
type failingFlush struct{ Source }

var errDiskFull = errors.New("disk full")

func (failingFlush) Flush() error         { return errDiskFull }
func (failingFlush) LastSaveError() error { return errDiskFull }

// A status message stays for five seconds on the clock and then goes; a
// message shown later gets five seconds of its own.
func TestStatusMessageExpiresAfterFiveSeconds(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "1", "b": "2"}, nil)), 80, 24)
	h.send(keyText("e"), keyCtrlS)
	h.wantStatus("no changes to a")
	h.advance(5*time.Second - time.Millisecond)
	h.wantStatus("no changes to a")
	h.advance(time.Millisecond)
	if strings.Contains(h.statusLine(), "no changes") {
		t.Fatalf("the message outlived its five seconds: %q", h.statusLine())
	}

	h.send(keyText("e"), keyCtrlS)
	h.advance(3 * time.Second)
	h.send(keyText("j"), keyText("e"), keyCtrlS)
	h.advance(2 * time.Second) // the first message's time is up
	h.wantStatus("no changes to b")
	h.advance(3*time.Second - time.Millisecond)
	h.wantStatus("no changes to b")
	h.advance(time.Millisecond)
	if strings.Contains(h.statusLine(), "no changes") {
		t.Fatalf("the second message outlived its five seconds: %q", h.statusLine())
	}
}
