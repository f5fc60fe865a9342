package kvstore_test

// A file its owner made read-only (chmod a-w) is not replaced unasked,
// though its directory would let a rename replace it: saves fail with
// ErrReadOnlyFile, nothing is acknowledged, the changes stay pending, and
// only Options.WriteReadOnlyFile or SetWriteReadOnlyFile let a save
// through, which keeps the file's mode. The check is on the mode bits, so
// it holds for root too, whom permission bits do not stop.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

func readOnlyFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o444); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadOnlyFileIsNotReplacedUnasked(t *testing.T) {
	for _, always := range []bool{false, true} {
		t.Run(fmt.Sprintf("always=%v", always), func(t *testing.T) {
			path := readOnlyFile(t)
			s, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Set("b", 2)
			if always {
				var rof *kvstore.ReadOnlyFileError
				if !errors.As(err, &rof) || rof.Path != path || rof.Mode != 0o444 {
					t.Fatalf("an always-save Set into a 0444 file: %v, want a ReadOnlyFileError naming it", err)
				}
				if _, err := os.Stat(path + ".journal"); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the write was journaled: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			for name, save := range map[string]func() error{"Flush": s.Flush, "Overwrite": s.Overwrite} {
				if err := save(); !errors.Is(err, kvstore.ErrReadOnlyFile) || !strings.Contains(err.Error(), "0444") {
					t.Errorf("%s: %v, want ErrReadOnlyFile with the mode", name, err)
				}
			}
			if got := readFile(t, path); got != `{"a": 1}` || s.Pending() != 1 {
				t.Fatalf("the file became %q with %d pending", got, s.Pending())
			}
			s.SetWriteReadOnlyFile(true)
			if err := s.Flush(); err != nil {
				t.Fatalf("Flush once allowed: %v", err)
			}
			mustSet(t, s, "c", 3)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); !strings.Contains(got, `"b": 2`) || !strings.Contains(got, `"c": 3`) {
				t.Errorf("the file holds %q", got)
			}
			if info, _ := os.Stat(path); info.Mode().Perm() != 0o444 {
				t.Errorf("the file's mode became %04o", info.Mode().Perm())
			}
		})
	}
}

func TestWriteReadOnlyFileOption(t *testing.T) {
	path := readOnlyFile(t)
	s, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: true, WriteReadOnlyFile: true})
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "b", 2)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); !strings.Contains(got, `"b": 2`) {
		t.Errorf("the file holds %q", got)
	}
}

// A file that keeps a write bit for anyone (its group, say) is not
// read-only: the owner did not protect it from every writer.
func TestFileWithAnyWriteBitIsSaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o464); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o464); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path, &kvstore.Options{AlwaysSave: true})
	mustSet(t, s, "b", 2)
}
