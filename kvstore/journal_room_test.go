package kvstore

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// An always-save append fills the room allocated ahead of it: the journal
// keeps its length while appends go in, and grows only a journalChunk at a
// time, so that an append's fdatasync writes its data and not the file's
// new size. What follows the lines is zeros, which replay takes for the end.
func TestJournalAppendsFillAllocatedRoom(t *testing.T) {
	defer func(chunk int64) { journalChunk = chunk }(journalChunk)
	journalChunk = 8 << 10
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	size := func() int64 {
		t.Helper()
		info, err := os.Stat(path + ".journal")
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	if err := s.Set("k", 0); err != nil {
		t.Fatal(err)
	}
	first := size()
	if first != journalChunk {
		t.Fatalf("the journal is %d bytes after its first append, want the %d allocated", first, journalChunk)
	}
	var growths int
	for i := 1; i < 1000; i++ {
		before := size()
		if err := s.Set("k", i); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path + ".journal")
		if err != nil {
			t.Fatal(err)
		}
		lines := withoutRoom(b)
		if after := int64(len(b)); after != before {
			growths++
			if after%journalChunk != 0 || after-int64(len(lines)) > journalChunk {
				t.Fatalf("append %d grew the journal from %d to %d bytes, for %d bytes of lines", i, before, after, len(lines))
			}
		}
		if bytes.Count(lines, []byte("\n")) != i+2 || lines[len(lines)-1] != '\n' {
			t.Fatalf("after %d appends the journal holds %q before its zeros", i+1, lines)
		}
	}
	// About 25 bytes a line: 25 kB of lines in 8 kB chunks.
	if growths > 4 {
		t.Fatalf("the journal grew %d times in 1,000 appends of 8 kB chunks", growths)
	}
	if got := diskState(t, path); got["k"] != "999" {
		t.Fatalf("a read-only open of the journal with its room loads k = %s", got["k"])
	}
}
