//go:build unix

package kvstore

// White-box tests of the checks a save makes on the data file's place just
// before it replaces the file (target.go): the other program acts at the
// chosen step, through the fileSystem seam's before hook.

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A link replaced while a save writes its temp file: the check made just
// before the rename catches it, and the old target is left as it was.
func TestLinkReplacedDuringSaveIsNoticedBeforeTheRename(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	if err := os.WriteFile(target, []byte(`{"a": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "settings.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	ffs := newFaultFS()
	s, err := open(link, &Options{SaveInterval: -1}, ffs)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("a", 2); err != nil {
		t.Fatal(err)
	}
	ffs.setBefore(func(op fsOp, name string) {
		if op != opClose {
			return
		}
		ffs.setBefore(nil)
		// sed -i: a regular file takes the link's place.
		if err := os.WriteFile(link+".new", []byte(`{"a": "edited"}`), 0o644); err != nil {
			t.Error(err)
		}
		if err := os.Rename(link+".new", link); err != nil {
			t.Error(err)
		}
	})
	err = s.Flush()
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "no longer a link") {
		t.Fatalf("Flush with the link replaced during the save: %v, want ErrConflict", err)
	}
	if got, _ := os.ReadFile(target); string(got) != `{"a": 1}` {
		t.Errorf("the old target was replaced: %q", got)
	}
	if s.Pending() != 1 {
		t.Errorf("Pending() = %d, want 1", s.Pending())
	}
	if err := s.Close(); !errors.Is(err, ErrConflict) {
		t.Errorf("Close: %v, want ErrConflict", err)
	}
}
