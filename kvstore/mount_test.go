package kvstore

// A data file bind-mounted into a container (docker -v file:file, a
// Kubernetes subPath) cannot be renamed over: rename fails with EBUSY. These
// tests model such a mount through the fileSystem seam (faultFS.mount) and
// prove that every acknowledged write reaches the file itself, written in
// place, whether Open detects the mount or the first rename finds it. The
// detection itself is tested on a real mount point below.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// openMounted opens a store on a data file {"a": 1} that behaves as a
// bind mount, which Open detects unless hidden.
func openMounted(t *testing.T, opts *Options, hidden bool) (*KVStore, *faultFS, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o640); err != nil {
		t.Fatal(err)
	}
	ffs := newFaultFS()
	ffs.mount, ffs.mountHidden = path, hidden
	s, err := open(path, opts, ffs)
	if err != nil {
		t.Fatal(err)
	}
	return s, ffs, path
}

// fileHolds fails the test unless the file at path is a JSON object with
// key set to want.
func fileHolds(t *testing.T, path, key, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v in %q", path, err, b)
	}
	if string(m[key]) != want {
		t.Fatalf("%s has %s = %s, want %s", filepath.Base(path), key, m[key], want)
	}
}

func TestMountedFileIsSavedInPlace(t *testing.T) {
	for _, hidden := range []bool{false, true} {
		for _, always := range []bool{false, true} {
			t.Run(fmt.Sprintf("found at open=%v/always=%v", !hidden, always), func(t *testing.T) {
				s, ffs, path := openMounted(t, &Options{AlwaysSave: always, SaveInterval: -1}, hidden)
				before, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				ffs.record()
				if err := s.Set("b", 2); err != nil {
					t.Fatal(err)
				}
				if always && !hidden {
					// Acknowledged means in the file, not in a journal
					// on the container's side of the mount.
					fileHolds(t, path, "b", "2")
					if js, _ := filepath.Glob(path + ".journal*"); len(js) > 0 {
						t.Errorf("a write to a mounted file went to %v", js)
					}
				}
				if err := s.Flush(); err != nil {
					t.Fatalf("Flush: %v", err)
				}
				fileHolds(t, path, "b", "2")
				if err := s.Set("c", 3); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				fileHolds(t, path, "c", "3")
				after, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if !os.SameFile(before, after) || after.Mode().Perm() != 0o640 {
					t.Errorf("the mounted file was replaced, or its mode changed to %04o", after.Mode().Perm())
				}
				renames := 0
				for _, c := range ffs.record() {
					if c.op == opRename && c.name == path {
						renames++
					}
				}
				if want := map[bool]int{false: 0, true: 1}[hidden]; renames != want {
					t.Errorf("%d renames over the mounted file, want %d", renames, want)
				}
				if temps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPrefix(path)+"*")); len(temps) > 0 {
					t.Errorf("temp files left: %v", temps)
				}
			})
		}
	}
}

// A write in place that fails part way leaves the file torn: the error
// names the temp file that holds the complete new content, which is kept,
// and the next save replaces the torn file without calling it a conflict.
func TestMountedFileFailedWriteKeepsTheNewContent(t *testing.T) {
	s, ffs, path := openMounted(t, &Options{SaveInterval: -1}, false)
	defer s.Close()
	if err := s.Set("b", 2); err != nil {
		t.Fatal(err)
	}
	ffs.add(&fault{op: opInPlace, nth: 1, err: syscall.EIO, short: true})
	err := s.Flush()
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("Flush with the write in place failing: %v", err)
	}
	temps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPrefix(path)+"*"))
	if len(temps) != 1 || !strings.Contains(err.Error(), temps[0]) {
		t.Fatalf("the error %q does not name the kept temp file (%v)", err, temps)
	}
	fileHolds(t, temps[0], "b", "2")
	if s.Pending() != 1 {
		t.Errorf("Pending() = %d, want 1", s.Pending())
	}
	if err := s.Flush(); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	fileHolds(t, path, "b", "2")
}

// The rename error names each file once.
func TestRenameErrorNamesEachFileOnce(t *testing.T) {
	s, ffs, path := openFaulty(t, &Options{SaveInterval: -1})
	defer s.Close()
	ffs.inject(opRename, 1, syscall.EROFS)
	if err := s.Set("a", 1); err != nil {
		t.Fatal(err)
	}
	err := s.Flush()
	if !errors.Is(err, syscall.EROFS) {
		t.Fatalf("Flush: %v", err)
	}
	if n := strings.Count(err.Error(), path); n != 2 { // "save PATH: rename TMP PATH"
		t.Errorf("the error names %s %d times: %v", path, n, err)
	}
}
