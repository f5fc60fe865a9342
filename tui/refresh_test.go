package tui

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

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
