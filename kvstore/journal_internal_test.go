package kvstore

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
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
				// The new journal's lines, not the zeros allocated after them.
				b, err := os.ReadFile(path + ".journal")
				if n := len(withoutRoom(b)); err == nil && n >= 2<<10 {
					t.Fatalf("journal still %d bytes after compaction", n)
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

// frozenJournalStat reports every journal file with the FileInfo it had
// when first asked about it: the same size and times, as appends that fill
// allocated room within one tick of a coarse file-system clock leave them.
type frozenJournalStat struct {
	osFS
	mu   sync.Mutex
	seen map[string]os.FileInfo
}

func (f *frozenJournalStat) Stat(name string) (os.FileInfo, error) {
	info, err := f.osFS.Stat(name)
	if err != nil || !strings.Contains(filepath.Base(name), ".journal") {
		return info, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if was, ok := f.seen[name]; ok {
		return was, nil
	}
	f.seen[name] = info
	return info, nil
}

// A read-only store's Changed sees an append that left the journal's size
// and times as they were (see frozenJournalStat): it compares the end of a
// recently written journal's content, so a viewer never stops short of a
// write the writer acknowledged.
func TestChangedSeesAppendsThatKeepTheJournalStat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	w, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, w)
	if err := w.Set("a", 1); err != nil {
		t.Fatal(err)
	}
	r, err := open(path, &Options{ReadOnly: true}, &frozenJournalStat{seen: map[string]os.FileInfo{}})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, r)
	if changed, err := r.Changed(); err != nil {
		t.Fatal(err)
	} else if changed {
		// Just after the open the journal is within its settle window.
		if err := r.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	if changed, err := r.Changed(); err != nil || changed {
		t.Fatalf("Changed = %v, %v after the reload it prompted, with no append since", changed, err)
	}
	if err := w.Set("b", 2); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Changed(); err != nil || !changed {
		t.Fatalf("Changed = %v, %v after an append that kept the journal's stat, want true", changed, err)
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if v, ok := r.GetRaw("b"); !ok || string(v) != "2" {
		t.Fatalf("after the reload b = %s, %v", v, ok)
	}
}
