package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// refreshing returns a harness whose model looks at the data every second,
// with the first timer started.
func refreshing(t *testing.T, src Source) *harness {
	t.Helper()
	h := newHarness(t, src, 80, 24)
	h.m.refresh = time.Second
	h.send(h.run(h.m.Init())...)
	return h
}

// fireRefresh sends the refresh timer's message, as if it went off.
func (h *harness) fireRefresh() {
	h.t.Helper()
	for i, tm := range h.timers {
		if _, ok := tm.msg.(refreshTickMsg); ok {
			h.timers = append(h.timers[:i], h.timers[i+1:]...)
			h.send(tm.msg)
			return
		}
	}
	h.t.Fatal("no refresh timer is running")
}

// A writable view with nothing pending takes another program's change of
// the file by itself.
func TestRefreshWritableTakesOutsideChange(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := refreshing(t, FileSource(s))
	h.fireRefresh()
	h.wantScreen("1 key")
	if err := os.WriteFile(s.Path(), []byte(`{"a": 1, "b": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fireRefresh()
	h.wantScreen("2 keys")
	h.wantStatus("the file changed on disk; view updated")
	h.wantStatus("no unsaved changes")
}

// With changes pending, the view says at once that the file changed, keeps
// both sides as they are, and ctrl+s opens the conflict screen without a
// save having to fail first.
func TestRefreshWritablePendingOffersConflict(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	h := refreshing(t, FileSource(s))
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
	hand := `{"a": 1, "b": 200}`
	if err := os.WriteFile(s.Path(), []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fireRefresh()
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")
	if raw(t, s, "a") != "10" || raw(t, s, "b") != "2" {
		t.Fatal("the refresh dropped the pending change")
	}
	if data, _ := os.ReadFile(s.Path()); string(data) != hand {
		t.Fatalf("the refresh touched the file:\n%s", data)
	}
	// Later looks change nothing while the change is pending.
	h.fireRefresh()
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")

	h.send(keyCtrlS)
	if s.LastSaveError() != nil {
		t.Fatalf("a save was tried: %v", s.LastSaveError())
	}
	h.wantScreen("The file changed 1 key, you changed 1 key; 0 keys changed on both sides.")
	h.send(keyEnter)
	h.wantStatus("merged with the file")
	got := fileValues(t, s.Path())
	if string(got["a"]) != "10" || string(got["b"]) != "200" {
		t.Fatalf("merged file %v, want a from us and b from the file", got)
	}
	h.fireRefresh()
	if strings.Contains(h.statusLine(), "changed on disk") {
		t.Fatalf("status after merging: %q", h.statusLine())
	}
}

// In always-save mode a change is durable in the journal before it is in
// the data file, and nothing is pending; when another program rewrites the
// file meanwhile, the view must not read it again (which would drop the
// change): it says the file changed, and ctrl+s settles it.
func TestRefreshAlwaysSaveJournalledChangeOffersConflict(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	h := refreshing(t, FileSource(s))
	hand := `{"a": 1, "b": 200}`
	var ours string
	// The store folds its journal into the file after a second without
	// writes: the other program must rewrite the file before that, which
	// the journal, still holding the change, shows it did.
	for ours == "" {
		h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS)
		v := raw(t, s, "a")
		if s.Pending() != 0 {
			t.Fatalf("an always-save change is pending: %d", s.Pending())
		}
		if err := os.WriteFile(s.Path(), []byte(hand), 0o644); err != nil {
			t.Fatal(err)
		}
		journal, _ := os.ReadFile(s.Path() + ".journal")
		if strings.Contains(string(journal), `{"set":"a","value":`+v+`}`) {
			ours = v
		}
	}
	h.fireRefresh()
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")
	if raw(t, s, "a") != ours || raw(t, s, "b") != "2" {
		t.Fatalf("the refresh dropped the journalled change: a = %s, b = %s", raw(t, s, "a"), raw(t, s, "b"))
	}
	if data, _ := os.ReadFile(s.Path()); string(data) != hand {
		t.Fatalf("the refresh touched the file:\n%s", data)
	}
	h.fireRefresh()
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")

	h.send(keyCtrlS)
	h.wantScreen("The file changed 1 key, you changed 1 key; 0 keys changed on both sides.")
	h.send(keyEnter)
	h.wantStatus("merged with the file")
	got := fileValues(t, s.Path())
	if string(got["a"]) != ours || string(got["b"]) != "200" {
		t.Fatalf("merged file %v, want a from us and b from the file", got)
	}
	h.fireRefresh()
	if strings.Contains(h.statusLine(), "changed on disk") {
		t.Fatalf("status after merging: %q", h.statusLine())
	}
}

// ctrl+r reads the file again and drops what it lacks, which in always-save
// mode includes acknowledged changes kept only in the journal: it asks
// first, as it does for pending ones.
func TestReloadAsksBeforeDroppingJournalledChanges(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	h := newHarness(t, FileSource(s), 80, 24)
	ctrlR := tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	// The store folds its journal into the file after a second without
	// writes; a reload after that has nothing to drop, and goes ahead.
	for {
		h.send(keyText("e"), keyEnd, keyText("5"), keyCtrlS)
		v := raw(t, s, "a")
		h.send(ctrlR)
		if strings.Contains(h.screen(), "Reload the file and drop 1 change not yet in it?") {
			break
		}
		if got := raw(t, s, "a"); got != v {
			t.Fatalf("ctrl+r dropped the acknowledged a = %s without asking: a = %s", v, got)
		}
	}
	v := raw(t, s, "a")
	h.send(keyText("n"))
	if raw(t, s, "a") != v {
		t.Fatal("no dropped the change")
	}
}

// A read-only view of a file whose crashed writer left a journal written
// against another version of it shows the file alone, and says so.
func TestReadOnlyViewSaysItLeftAJournalOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte(`{"a": "theirs"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	journal := "{\"file\":[\"30:00000000\"]}\n{\"set\":\"a\",\"value\":\"mine\"}\n"
	if err := os.WriteFile(path+".journal", []byte(journal), 0o644); err != nil {
		t.Fatal(err)
	}
	view, err := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { view.Close() })
	h := newHarness(t, FileSource(view), 80, 24)
	h.wantStatus("read-only · showing the file without its journal")
	if raw(t, view, "a") != `"theirs"` {
		t.Fatalf("the view shows a = %s", raw(t, view, "a"))
	}
}

// A read-only view follows an always-save writer, whose writes sit in the
// journal until compaction.
func TestRefreshReadOnlyFollowsJournal(t *testing.T) {
	w := openStore(t, map[string]string{"a": "1"}, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	view, err := kvstore.Open(w.Path(), &kvstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { view.Close() })
	h := refreshing(t, FileSource(view))
	for i, k := range []string{"b", "c"} {
		if err := w.SetRaw(k, []byte("2")); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(w.Path() + ".journal"); err != nil {
			t.Fatalf("the write is not in the journal: %v", err)
		}
		h.fireRefresh()
		h.wantScreen([]string{"2 keys", "3 keys"}[i])
		h.wantStatus("the writer saved; view updated")
	}
}

func TestReadOnlyRefreshFollowsTheWriter(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	writer, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	view, err := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer view.Close()
	h := refreshing(t, FileSource(view))
	for i, k := range []string{"b", "c"} {
		if err := writer.SetRaw(k, []byte("2")); err != nil {
			t.Fatal(err)
		}
		if err := writer.Flush(); err != nil {
			t.Fatal(err)
		}
		h.fireRefresh()
		h.wantScreen(fmt.Sprintf("%d keys", i+2))
		h.wantStatus("the writer saved; view updated")
	}
	// Nothing changed: the file is not read again, the timer goes on.
	h.fireRefresh()
	h.fireRefresh()
}

// Operations run one at a time: a refresh that comes while a change is
// being stored waits for it, so it can never see nothing pending, read the
// file again and drop the change that was on its way.
func TestRefreshWaitsForARunningChange(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := refreshing(t, FileSource(s))
	if err := os.WriteFile(s.Path(), []byte(`{"a": 1, "b": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.send(keyText("e"), keyEnd, keyText("0"))
	// Update alone: the editor asks for the write and the root starts it.
	next, ask := h.m.Update(keyCtrlS)
	h.m = next.(Model)
	next, write := h.m.Update(ask())
	h.m = next.(Model)
	next, cmd := h.m.Update(refreshTickMsg{})
	h.m = next.(Model)
	if cmd != nil {
		t.Fatal("the refresh started while the change was being stored")
	}
	h.send(write()) // the change is stored, then the refresh runs
	if raw(t, s, "a") != "10" || s.Has("b") {
		t.Fatalf("a = %s, b present %v: the refresh read the file over the change", raw(t, s, "a"), s.Has("b"))
	}
	h.wantStatus("the file changed on disk (ctrl+s to resolve)")
}

// The view takes in another program's change once the refresh interval
// has passed on the clock, not before, and the refresh comes round again
// after each one: at the program's 2 s for a file and 1 s for etcd.
func TestRefreshComesRoundEveryInterval(t *testing.T) {
	for _, every := range []time.Duration{2 * time.Second, time.Second} {
		t.Run(every.String(), func(t *testing.T) {
			s := openStore(t, map[string]string{"a": "1"}, nil)
			h := newHarness(t, FileSource(s), 80, 24)
			h.m.refresh = every
			h.send(h.run(h.m.Init())...)
			for n, content := range []string{`{"a": 1, "b": 2}`, `{"a": 1, "b": 2, "c": 3}`} {
				if err := os.WriteFile(s.Path(), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				before, after := display.Plural(n+1, "key"), display.Plural(n+2, "key")
				h.advance(every - time.Millisecond)
				if scr := h.screen(); !strings.Contains(scr, before) || strings.Contains(scr, after) {
					t.Fatalf("before %v the view already changed:\n%s", every, scr)
				}
				h.advance(time.Millisecond)
				h.wantScreen(after)
			}
		})
	}
}

// TestIdleKeepsOnlyTheRefreshTimer checks that nothing of the UI's own
// ticks while nobody types: a minute after a key and its status message,
// the one timer waiting is the next look at the file, a refresh interval
// away, and no loop of short timers keeps the program awake.
func TestIdleKeepsOnlyTheRefreshTimer(t *testing.T) {
	h := newHarness(t, FileSource(openStore(t, numbered(3), nil)), 80, 24)
	h.m.refresh = 2 * time.Second
	h.send(h.run(h.m.Init())...)
	h.m.clip = func(string) tea.Cmd { return nil }
	h.send(keyText("j"), keyText("y"))
	h.advance(time.Minute)
	if len(h.timers) != 1 {
		t.Fatalf("%d timers waiting after a minute idle, want the refresh alone", len(h.timers))
	}
	if in := h.timers[0].at.Sub(h.now); in < time.Second {
		t.Fatalf("the timer waiting goes off in %v: something ticks faster than the refresh", in)
	}
	if _, ok := h.timers[0].msg.(refreshTickMsg); !ok {
		t.Fatalf("the timer waiting sends %T, want the refresh", h.timers[0].msg)
	}
}

// For a file, the editor's notice speaks of the file, and says what
// applying then does: the file's change was read in, and yours replaces it.
func TestEditorHearsOfAFileChangeUnderneath(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	h := refreshing(t, FileSource(s))
	h.send(keyText("e"), keyEnd, keyText("0"))
	if err := os.WriteFile(s.Path(), []byte(`{"a": 5, "b": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fireRefresh()
	h.wantScreen("⚠ changed in the file since you opened it — ctrl+s puts yours over it")
	if got := h.editor().ed.Text(); got != "10" {
		t.Fatalf("the editor holds %q after the refresh, want the user's 10", got)
	}
	h.send(keyCtrlS)
	h.send(keyCtrlS)
	if got := fileValues(t, s.Path()); string(got["a"]) != "10" {
		t.Errorf("the file holds a = %s after applying, want 10", got["a"])
	}
}
