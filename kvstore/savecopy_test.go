package kvstore_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// SaveCopy writes the state with its pending changes to another file and
// leaves the store, its file and its pending changes as they were; it never
// replaces a file.
func TestSaveCopyWritesTheStateElsewhere(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{SaveInterval: -1})
	if err := s.SetRaw("a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRaw("b", []byte(`"two"`)); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, path)
	cp := filepath.Join(t.TempDir(), "copy.json")
	if err := s.SaveCopy(cp); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, cp), "{\n  \"a\": 1,\n  \"b\": \"two\"\n}\n"; got != want {
		t.Fatalf("the copy holds %q, want %q", got, want)
	}
	if readFile(t, path) != before || s.Pending() != 1 {
		t.Fatalf("the store changed: file %q, %d pending", readFile(t, path), s.Pending())
	}
	if err := s.SaveCopy(cp); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("a copy over an existing file: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(cp))
	if len(entries) != 1 {
		t.Fatalf("the copy's directory holds %d files", len(entries))
	}
}

// A copy that cannot be written says where and why.
func TestSaveCopyIntoAMissingDirectory(t *testing.T) {
	s, _ := openStore(t, &kvstore.Options{SaveInterval: -1})
	cp := filepath.Join(t.TempDir(), "gone", "copy.json")
	err := s.SaveCopy(cp)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), cp) {
		t.Fatalf("SaveCopy into a missing directory: %v", err)
	}
}

// SaveKeys writes only the keys asked for that exist.
func TestSaveKeysExportsPartOfAStore(t *testing.T) {
	s, _ := openStore(t, &kvstore.Options{SaveInterval: -1})
	for k, v := range map[string]string{"a": "1", "b": "2", "c": "3"} {
		if err := s.SetRaw(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "part.json")
	if err := s.SaveKeys(out, []string{"c", "a", "gone"}); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, out), "{\n  \"a\": 1,\n  \"c\": 3\n}\n"; got != want {
		t.Fatalf("the export holds %q, want %q", got, want)
	}
}

// ScanRaw visits every key and value in order, sees the store as it was
// when it started, and stops when asked.
func TestScanRaw(t *testing.T) {
	s, _ := openStore(t, &kvstore.Options{SaveInterval: -1})
	for k, v := range map[string]string{"b": "2", "a": "1", "c": `"x"`} {
		if err := s.SetRaw(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	s.ScanRaw(func(k string, raw []byte) bool {
		got = append(got, k+"="+string(raw))
		if k == "a" {
			if err := s.Delete("c"); err != nil {
				t.Fatal(err)
			}
		}
		return k != "c"
	})
	if strings.Join(got, " ") != `a=1 b=2 c="x"` {
		t.Fatalf("ScanRaw visited %q", got)
	}
	got = nil
	s.ScanRaw(func(k string, _ []byte) bool { got = append(got, k); return false })
	if len(got) != 1 {
		t.Fatalf("ScanRaw went on after false: %q", got)
	}
}
