package kvstore_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

func wantChanged(t *testing.T, s *kvstore.KVStore, want bool, when string) {
	t.Helper()
	got, err := s.Changed()
	if err != nil {
		t.Fatalf("%s: Changed: %v", when, err)
	}
	if got != want {
		t.Fatalf("%s: Changed = %v, want %v", when, got, want)
	}
}

// age sets a file's modification time well in the past, as if it had been
// written long before the store looked at it.
func age(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// A writable store's own saves are not changes; another program's edit
// of the file, and its removal, are, until Reload takes the file.
func TestChangedWritable(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{SaveInterval: -1})
	wantChanged(t, s, false, "a new store, no file")
	if err := s.Set("a", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, s, false, "after its own save")

	writeFile(t, path, `{"a": 2, "b": 3}`)
	wantChanged(t, s, true, "after another program wrote the file")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, s, false, "after Reload")

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, s, true, "after the file was removed")
}

// An always-save writer's own journal appends do not count as a change of
// the file for the writer itself.
func TestChangedWritableIgnoresOwnJournal(t *testing.T) {
	s, _ := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	for i := range 3 {
		if err := s.Set("k", i); err != nil {
			t.Fatal(err)
		}
	}
	wantChanged(t, s, false, "after journal appends")
}

// A read-only store sees a writer's journal appends, its compaction into
// the data file and a rotated segment, and nothing once it has reloaded.
func TestChangedReadOnlyFollowsJournal(t *testing.T) {
	w, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	if err := w.Set("a", 1); err != nil {
		t.Fatal(err)
	}
	age(t, path+".journal")
	r := openAt(t, path, &kvstore.Options{ReadOnly: true})
	if _, ok := r.Get("a"); !ok {
		t.Fatal("the reader does not see the journaled write")
	}
	wantChanged(t, r, false, "right after open, the journal settled")

	if err := w.Set("b", 2); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, r, true, "after a journal append")
	// The Reload that follows reads what Changed saw, or more: nothing is
	// left to report.
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Get("b"); !ok {
		t.Fatal("Reload does not see the second write")
	}
	wantChanged(t, r, false, "after the reload Changed prompted")

	// A Reload no Changed prompted records the journal after reading it,
	// so it cannot prove it read the last append until the journal settles.
	if err := w.Set("c", 3); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, r, true, "after a reload no Changed prompted, within the settle window")
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, r, false, "after the reload Changed prompted")

	if err := w.Flush(); err != nil { // folds the journal into the data file
		t.Fatal(err)
	}
	wantChanged(t, r, true, "after compaction")
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	wantChanged(t, r, false, "after reloading the compacted file")

	writeFile(t, path+".journal.7", "")
	age(t, path+".journal.7")
	wantChanged(t, r, true, "after a rotated segment appeared")
}

// A read-only store of a plain file sees it replaced, and Changed fails
// with ErrClosed once the store is closed.
func TestChangedReadOnlyFileAndClose(t *testing.T) {
	_, path := openStore(t, &kvstore.Options{SaveInterval: -1})
	writeFile(t, path, `{"a": 1}`)
	r, err := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	wantChanged(t, r, false, "right after open")
	writeFile(t, path, `{"a": 1, "b": 2}`)
	wantChanged(t, r, true, "after the file was rewritten")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Changed(); !errors.Is(err, kvstore.ErrClosed) {
		t.Fatalf("Changed after Close: %v, want ErrClosed", err)
	}
}

// Every flush event says how many changes are still pending after it.
func TestFlushEventPending(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{SaveInterval: -1})
	for _, k := range []string{"a", "b"} {
		if err := s.Set(k, 1); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, path, `{"x": 1}`)
	if err := s.Flush(); !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("Flush over another program's file: %v", err)
	}
	if ev := nextEvent(t, s); ev.Err == nil || ev.Pending != 2 {
		t.Fatalf("failed flush: event %+v, want an error and 2 pending", ev)
	}
	if err := s.Overwrite(); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, s); ev.Err != nil || ev.Pending != 0 {
		t.Fatalf("good flush: event %+v, want no error and 0 pending", ev)
	}
}

// A viewer that reloads whenever Changed says so, while an always-save
// writer appends as fast as it can, ends up with every write once Changed
// says nothing changed: no append that lands while a load reads the journal
// is lost.
func TestChangedNeverMissesAWrite(t *testing.T) {
	w, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	if err := w.Set("start", 0); err != nil {
		t.Fatal(err)
	}
	r := openAt(t, path, &kvstore.Options{ReadOnly: true})
	const writes = 300
	done := make(chan error, 1)
	go func() {
		for i := range writes {
			if err := w.Set(fmt.Sprintf("k%03d", i), i); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	follow := func() bool {
		t.Helper()
		changed, err := r.Changed()
		if err != nil {
			t.Fatal(err)
		}
		if changed {
			if err := r.Reload(); err != nil {
				t.Fatal(err)
			}
		}
		return changed
	}
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		default:
			follow()
		}
	}
	for i := 0; follow(); i++ {
		if i == 100 {
			t.Fatal("Changed keeps reporting a change after the writer stopped")
		}
	}
	if got, want := r.Len(), w.Len(); got != want {
		t.Fatalf("the viewer holds %d keys, the writer %d", got, want)
	}
}
