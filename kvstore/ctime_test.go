//go:build linux || darwin

package kvstore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A program that edits the data file in place, keeps its size and puts its
// modification time back leaves only the inode change time, which no
// program can set, to tell. The store must see it as a change, refuse to
// save over it, and not count its own saves as one.
func TestInPlaceEditWithMtimeRestoredIsAConflict(t *testing.T) {
	for _, always := range []bool{false, true} {
		name := "periodic"
		if always {
			name = "always"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.json")
			s, err := Open(path, &Options{AlwaysSave: always, SaveInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Set("a", 1); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			if changed, err := s.Changed(); err != nil || changed {
				t.Fatalf("after its own save: Changed = %v, %v", changed, err)
			}
			// A change of the mode moves the change time too, but leaves
			// the content as it was: not a conflict.
			stamp, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			waitForCtimeAfter(t, dir, stamp)
			if err := os.Chmod(path, 0o600); err != nil {
				t.Fatal(err)
			}
			if changed, err := s.Changed(); err != nil || changed {
				t.Fatalf("after a chmod: Changed = %v, %v", changed, err)
			}
			before, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			waitForCtimeAfter(t, dir, before)
			old, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edited := []byte(string(old[:len(old)-3]) + "7\n}")
			if len(edited) != len(old) || string(edited) == string(old) {
				t.Fatalf("the edit %q must keep the size of %q", edited, old)
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(edited, 0); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, before.ModTime(), before.ModTime()); err != nil {
				t.Fatal(err)
			}
			after, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !os.SameFile(before, after) || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
				t.Fatal("the edit must keep the inode, the size and the modification time")
			}
			if changed, err := s.Changed(); err != nil || !changed {
				t.Fatalf("after the in-place edit: Changed = %v, %v", changed, err)
			}
			if err := s.Set("b", 2); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(); !errors.Is(err, ErrConflict) {
				t.Fatalf("Flush over the in-place edit: %v, want ErrConflict", err)
			}
			if got, _ := os.ReadFile(path); string(got) != string(edited) {
				t.Fatalf("the edited file became %q", got)
			}
		})
	}
}

// waitForCtimeAfter returns once a file changed now gets an inode change
// time later than info's: file systems stamp times from a coarse clock, and
// an edit within the same tick would look like no change at all, to this
// store and to any other program.
func waitForCtimeAfter(t *testing.T, dir string, info os.FileInfo) {
	t.Helper()
	probe := filepath.Join(dir, "probe")
	defer os.Remove(probe)
	want, ok := changeTime(info)
	if !ok {
		t.Fatal("no inode change time on this system")
	}
	for {
		if err := os.WriteFile(probe, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := os.Stat(probe)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := changeTime(p); got.After(want) {
			return
		}
	}
}
