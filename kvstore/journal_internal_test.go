package kvstore

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The journal is folded into the file once it grows as large as the file,
// even while writes keep coming, so it cannot grow without bound.
func TestJournalCompactsWhenLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.compactBytes = 2 << 10
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		if err := s.Set("k", i); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-s.Events():
			if ev.Reason == FlushCompact {
				if ev.Err != nil {
					t.Fatal(ev.Err)
				}
				if i*len(`{"set":"k","value":000}`+"\n") > 64<<10 {
					t.Fatalf("compaction only after %d writes", i)
				}
				info, err := os.Stat(path + ".journal")
				if err == nil && info.Size() >= 2<<10 {
					t.Fatalf("journal still %d bytes after compaction", info.Size())
				}
				return
			}
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("journal never compacted while writes continued")
		}
	}
}
