//go:build unix

package kvstore

// White-box tests of the checks a save makes on the data file's place just
// before it replaces the file (target.go): the other program acts at the
// chosen step, through the fileSystem seam's before hook.

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// When the process may not give the new file the old one's owner (only
// root may give a file away), it saves if the owner stays its own and only
// the group would change, and refuses if the file would change hands. The
// chown failure is injected; making the file another user's takes root.
func TestSaveWhenTheOwnerCannotBeKept(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user takes root (CI runs as root)")
	}
	const nobody, nogroup = 65534, 65534
	for _, tc := range []struct {
		name     string
		uid, gid int
		saves    bool
	}{
		{"someone else's file", nobody, nogroup, false},
		{"own file, other group", 0, nogroup, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, tc.uid, tc.gid); err != nil {
				t.Fatal(err)
			}
			ffs := newFaultFS()
			s, err := open(path, &Options{SaveInterval: -1}, ffs)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ffs.inject(opChown, 0, syscall.EPERM)
			if err := s.Set("a", 2); err != nil {
				t.Fatal(err)
			}
			err = s.Flush()
			got, _ := os.ReadFile(path)
			if !tc.saves {
				if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "belongs to user 65534") {
					t.Fatalf("saving someone else's file that cannot stay theirs: %v", err)
				}
				if string(got) != `{"a": 1}` || s.Pending() != 1 {
					t.Fatalf("the file became %q with %d pending", got, s.Pending())
				}
				ffs.heal()
				return
			}
			if err != nil {
				t.Fatalf("saving the process's own file: %v", err)
			}
			if !strings.Contains(string(got), `"a": 2`) {
				t.Fatalf("the file holds %q", got)
			}
		})
	}
}
