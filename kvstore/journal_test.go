package kvstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Always-save appends to the journal instead of rewriting the file; readers
// see every acknowledged write, and Close leaves the complete file alone.
func TestJournalHoldsWritesUntilClose(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	mustSet(t, s, "a", 1)
	mustSet(t, s, "b", map[string]any{"x": "y"})
	if err := s.Delete("a"); err != nil {
		t.Fatal(err)
	}
	journal := journalLines(t, path+".journal")
	// It starts by naming the data file it follows: none yet.
	want := `{"file":["none"]}` + "\n" + `{"set":"a","value":1}` + "\n" + `{"set":"b","value":{"x":"y"}}` + "\n" + `{"del":"a"}` + "\n"
	if journal != want {
		t.Fatalf("journal:\n%s\nwant:\n%s", journal, want)
	}
	r := openAt(t, path, &kvstore.Options{ReadOnly: true})
	if v, _ := r.GetRaw("b"); string(v) != `{"x":"y"}` || r.Has("a") {
		t.Fatal("a reader does not see the journaled state")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".journal"); !os.IsNotExist(err) {
		t.Fatal("journal left behind after Close")
	}
	if got := readFile(t, path); got != "{\n  \"b\": {\n    \"x\": \"y\"\n  }\n}\n" {
		t.Fatalf("file after Close:\n%s", got)
	}
}

// journalLines returns the lines of the journal file at name, and fails the
// test unless all that follows them is zeros: the room allocated ahead of
// the appends, which the next appends overwrite.
func journalLines(t *testing.T, name string) string {
	t.Helper()
	b := readFile(t, name)
	lines := strings.TrimRight(b, "\x00")
	if !strings.HasSuffix(lines, "\n") || strings.Contains(lines, "\x00") {
		t.Fatalf("journal %s is not whole lines followed by zeros: %q", name, b)
	}
	return lines
}

// A rename is one journal line, so a crash cannot tear it in two, and a
// reader replaying the journal sees the value under its new key only.
func TestJournalRenameIsOneLine(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	mustSet(t, s, "old", []int{1, 2})
	if err := s.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	journal := journalLines(t, path+".journal")
	want := `{"file":["none"]}` + "\n" + `{"set":"old","value":[1,2]}` + "\n" + `{"ren":"old","to":"new","value":[1,2]}` + "\n"
	if journal != want {
		t.Fatalf("journal:\n%s\nwant:\n%s", journal, want)
	}
	r := openAt(t, path, &kvstore.Options{ReadOnly: true})
	if v, _ := r.GetRaw("new"); string(v) != "[1,2]" || r.Has("old") || r.Len() != 1 {
		t.Fatalf("a reader sees keys %v after the rename", r.Keys())
	}
}

// After a pause in writes the journal is folded into the file in the
// background, so at rest the JSON file is complete.
func TestJournalCompactsWhenIdle(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	mustSet(t, s, "k", "v")
	if ev := nextEvent(t, s); ev.Reason != kvstore.FlushAlways || ev.Changes != 1 || ev.Err != nil {
		t.Fatalf("append event %+v", ev)
	}
	ev := nextEvent(t, s)
	if ev.Reason != kvstore.FlushCompact || ev.Err != nil || ev.Keys != 1 {
		t.Fatalf("compaction event %+v", ev)
	}
	if _, err := os.Stat(path + ".journal"); !os.IsNotExist(err) {
		t.Fatal("journal still there after compaction")
	}
	if !strings.Contains(readFile(t, path), `"k": "v"`) {
		t.Fatal("compaction did not write the change")
	}
}

// Concurrent writers share fsyncs: fewer journal flushes than writes.
func TestJournalGroupCommit(t *testing.T) {
	s, _ := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	const writers, each = 8, 100
	appends, changes := 0, 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range s.Events() {
			if ev.Reason == kvstore.FlushAlways {
				appends++
				changes += ev.Changes
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := s.Set(string(rune('a'+w)), i); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	s.Close()
	<-done
	if changes > writers*each || appends >= changes {
		t.Fatalf("%d appends for %d changes: writers did not share fsyncs", appends, changes)
	}
	t.Logf("%d writes made durable by %d fsyncs", writers*each, appends)
}

// writeJournal writes journal lines as a crashed writer would have left them.
func writeJournal(t *testing.T, name string, lines ...string) {
	t.Helper()
	writeFile(t, name, strings.Join(lines, ""))
}

func TestJournalReplayedAtOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.json")
	writeFile(t, path, `{"a": 1, "b": 2, "c": 3}`)
	writeJournal(t, path+".journal.4",
		`{"set":"a","value":10}`+"\n",
		`{"del":"b"}`+"\n")
	writeJournal(t, path+".journal.7",
		`{"set":"a","value":11}`+"\n")
	writeJournal(t, path+".journal",
		`{"set":"d","value":{"deep":[1]}}`+"\n",
		`{"set":"a","value":12}`+"\n",
		`{"set":"c","val`) // torn: the crash came mid-append
	s := openAt(t, path, nil)
	want := map[string]string{"a": "12", "c": "3", "d": `{"deep":[1]}`}
	if s.Len() != len(want) {
		t.Fatalf("keys %v", s.Keys())
	}
	for k, v := range want {
		if got, _ := s.GetRaw(k); string(got) != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	// Open folded the journals into the file and removed them.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 { // data.json and its lock
		t.Fatalf("directory after recovery: %v", entries)
	}
	s.Close()
	if r := openAt(t, path, nil); r.Len() != 3 {
		t.Fatal("recovered state not in the file")
	}
}

func TestCorruptJournalIsAnErrorAndUntouched(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.json")
	writeFile(t, path, `{"a": 1}`)
	journal := `{"set":"a","value":2}` + "\n" + `{"set":"b","value":tru}` + "\n" + `{"set":"c","value":3}` + "\n"
	writeJournal(t, path+".journal", journal)
	for _, ro := range []bool{false, true} {
		_, err := kvstore.Open(path, &kvstore.Options{ReadOnly: ro})
		var se *kvstore.SyntaxError
		if !errors.As(err, &se) || se.File != path+".journal" || se.Line != 2 {
			t.Fatalf("Open(read-only=%v) = %v, want a SyntaxError at %s.journal line 2", ro, err, path)
		}
	}
	if readFile(t, path+".journal") != journal || readFile(t, path) != `{"a": 1}` {
		t.Fatal("a corrupt journal or its data file was changed")
	}
}

// Reload takes the file's content and drops what only the journal held.
func TestReloadDropsTheJournal(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	mustSet(t, s, "kept", 1)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "dropped", 2)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if s.Has("dropped") || !s.Has("kept") {
		t.Fatal("Reload did not take the file's content")
	}
	s.Close()
	if r := openAt(t, path, nil); r.Has("dropped") {
		t.Fatal("the dropped change came back from the journal")
	}
}

// A hand edit during always-save: writes stay durable in the journal, the
// conflict is reported, and Overwrite settles it.
func TestJournalCompactionConflict(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	mustSet(t, s, "mine", 1)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	writeFile(t, path, `{"theirs": true}`)
	mustSet(t, s, "mine", 2)
	if err := s.Flush(); !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("Flush over a hand edit = %v", err)
	}
	if !errors.Is(s.LastSaveError(), kvstore.ErrConflict) {
		t.Fatalf("LastSaveError = %v", s.LastSaveError())
	}
	mustSet(t, s, "more", 3) // still durable, through the journal
	if !errors.Is(s.LastSaveError(), kvstore.ErrConflict) {
		t.Fatal("a journal append hid the unresolved conflict")
	}
	if readFile(t, path) != `{"theirs": true}` {
		t.Fatal("the hand edit was overwritten")
	}
	if err := s.Overwrite(); err != nil {
		t.Fatal(err)
	}
	if s.LastSaveError() != nil {
		t.Fatal("Overwrite did not clear the conflict")
	}
	if got := readFile(t, path); !strings.Contains(got, `"more": 3`) || strings.Contains(got, "theirs") {
		t.Fatalf("after Overwrite:\n%s", got)
	}
}
