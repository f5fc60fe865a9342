//go:build unix

package kvstore_test

// A save replaces the data file with a new one, which the process creates
// and so owns. These tests prove that the file keeps its owner, group and
// mode all the same: root saving a nobody:nogroup 0600 file must not leave
// it root's and unreadable to its owner.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// nobody and nogroup are the ids of the unprivileged user and group on
// Debian and most Linux systems; chown takes ids, so neither name need
// exist.
const nobody, nogroup = 65534, 65534

// needRoot skips a test that must give a file to another user, which only
// root may do. CI runs the tests as root, so they run there.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user takes root (CI runs as root)")
	}
}

func ownerOf(t *testing.T, path string) (uid, gid uint32, perm os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := info.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid, info.Mode().Perm()
}

func TestSaveKeepsOwnerAndGroup(t *testing.T) {
	needRoot(t)
	for _, always := range []bool{false, true} {
		t.Run(fmt.Sprintf("always=%v", always), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, nobody, nogroup); err != nil {
				t.Fatal(err)
			}
			s, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			mustSet(t, s, "b", 2)
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			if uid, gid, perm := ownerOf(t, path); uid != nobody || gid != nogroup || perm != 0o600 {
				t.Errorf("after a save the file is %d:%d %04o, want %d:%d 0600", uid, gid, perm, nobody, nogroup)
			}
			mustSet(t, s, "c", 3)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if uid, gid, perm := ownerOf(t, path); uid != nobody || gid != nogroup || perm != 0o600 {
				t.Errorf("after Close the file is %d:%d %04o, want %d:%d 0600", uid, gid, perm, nobody, nogroup)
			}
			if got := readFile(t, path); !strings.Contains(got, `"c": 3`) {
				t.Errorf("the file holds %q", got)
			}
		})
	}
}

// A rescue file holds the owner's data too, so it gets the data file's
// owner where the process may give it.
func TestRescueFileGetsTheDataFilesOwner(t *testing.T) {
	needRoot(t)
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, nobody, nogroup); err != nil {
		t.Fatal(err)
	}
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "b", 2)
	writeFile(t, path+".edit", `{"a": "edited"}`)
	if err := os.Rename(path+".edit", path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, nobody, nogroup); err != nil {
		t.Fatal(err)
	}
	err = s.Close()
	rescue, ok := err.(*kvstore.RescueError)
	if !ok {
		t.Fatalf("Close over a hand edit: %v, want a RescueError", err)
	}
	if uid, gid, _ := ownerOf(t, rescue.File); uid != nobody || gid != nogroup {
		t.Errorf("the rescue file is %d:%d, want %d:%d", uid, gid, nobody, nogroup)
	}
}
