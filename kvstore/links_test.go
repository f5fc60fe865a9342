//go:build unix

package kvstore_test

// Files in shared and linked places: a data file that is a symbolic link
// (as dotfiles managers make them) is saved through the link, which stays a
// link; a link or hard link planted at a sidecar's name is never written
// through; sidecars get the data file's permission bits. Windows has no
// O_NOFOLLOW and symbolic links need a privilege there (the gap is in the
// package documentation), so these run on Unix.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// isLink reports whether path is a symbolic link.
func isLink(t *testing.T, path string) bool {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode()&os.ModeSymlink != 0
}

func TestSymlinkedDataFileStaysALink(t *testing.T) {
	for _, tc := range []struct {
		name string
		// link makes the data file's path in dir a link to target (or a
		// chain of links) and returns the path to open.
		link   func(t *testing.T, dir, target string) string
		exists bool
	}{
		{"relative", func(t *testing.T, dir, target string) string {
			rel, _ := filepath.Rel(filepath.Join(dir, "config"), target)
			return symlink(t, rel, filepath.Join(dir, "config", "settings.json"))
		}, true},
		{"absolute", func(t *testing.T, dir, target string) string {
			return symlink(t, target, filepath.Join(dir, "config", "settings.json"))
		}, true},
		{"dangling", func(t *testing.T, dir, target string) string {
			return symlink(t, target, filepath.Join(dir, "config", "settings.json"))
		}, false},
		{"link to a link", func(t *testing.T, dir, target string) string {
			symlink(t, target, filepath.Join(dir, "middle.json"))
			return symlink(t, "../middle.json", filepath.Join(dir, "config", "settings.json"))
		}, true},
	} {
		for _, always := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/always=%v", tc.name, always), func(t *testing.T) {
				dir := t.TempDir()
				for _, sub := range []string{"dotfiles", "config"} {
					if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				target := filepath.Join(dir, "dotfiles", "real.json")
				if tc.exists {
					writeFile(t, target, `{"theme": "light"}`)
				}
				link := tc.link(t, dir, target)
				s, err := kvstore.Open(link, &kvstore.Options{AlwaysSave: always})
				if err != nil {
					t.Fatal(err)
				}
				if s.Path() != link || s.File() != target {
					t.Errorf("Path() = %s, File() = %s", s.Path(), s.File())
				}
				mustSet(t, s, "theme", "dark")
				if always {
					if _, err := os.Stat(target + ".journal"); err != nil {
						t.Errorf("the journal is not beside the target: %v", err)
					}
				}
				// A second link to the same file shares the lock.
				other := symlink(t, target, filepath.Join(dir, "other.json"))
				if _, err := kvstore.Open(other, nil); !errors.Is(err, kvstore.ErrLocked) {
					t.Errorf("a second writer through another link: %v, want ErrLocked", err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if !isLink(t, link) {
					t.Fatal("the save replaced the link with a regular file")
				}
				if got := readFile(t, target); !strings.Contains(got, `"theme": "dark"`) {
					t.Fatalf("the target holds %q", got)
				}
				entries, _ := os.ReadDir(filepath.Join(dir, "config"))
				if len(entries) != 1 {
					t.Errorf("files were created beside the link: %v", entries)
				}
			})
		}
	}
}

func symlink(t *testing.T, target, path string) string {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// A link or hard link planted at a sidecar's name must not make the store
// write into the file it points at: the store refuses, naming the path, and
// the victim is unchanged.
func TestPlantedSidecarIsNeverWrittenThrough(t *testing.T) {
	const victimText = "the user's own file\n"
	for _, tc := range []struct {
		sidecar string
		hard    bool
	}{
		{"data.json.lock", false},
		{"data.json.lock", true},
		{"data.json.journal", false},
		{"data.json.journal", true},
		{"data.json.journal.3", false},
	} {
		kind := "symlink"
		if tc.hard {
			kind = "hard link"
		}
		t.Run(tc.sidecar+" "+kind, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.json")
			writeFile(t, path, `{"a": 1}`)
			victim := filepath.Join(t.TempDir(), "victim")
			writeFile(t, victim, victimText)
			planted := filepath.Join(dir, tc.sidecar)
			var err error
			if tc.hard {
				err = os.Link(victim, planted)
			} else {
				err = os.Symlink(victim, planted)
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: true})
			if err == nil {
				err = s.Set("b", 2)
				s.Close()
			}
			if err == nil || !strings.Contains(err.Error(), planted) {
				t.Errorf("writing with a planted %s: %v, want an error naming it", tc.sidecar, err)
			}
			if got := readFile(t, victim); got != victimText {
				t.Fatalf("the victim was written through the planted %s: %q", kind, got)
			}
		})
	}
}

// A planted FIFO at the journal's name must not hang a writer.
func TestPlantedFIFOIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.json")
	if err := syscall.Mkfifo(path+".journal", 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: true})
	if err == nil {
		err = s.Set("a", 1)
		s.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a FIFO at the journal's name: %v", err)
	}
}

// Sidecars of a private file are private too.
func TestSidecarsKeepTheDataFilesMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "b", 2)
	for _, name := range []string{path + ".lock", path + ".journal"} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(name), info.Mode().Perm())
		}
	}
	// A hand edit, then Close: the store's state goes to a rescue file.
	if err := os.WriteFile(path+".edit", []byte(`{"a": "edited"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".edit", path); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "c", 3)
	if err := s.Close(); !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("Close over a hand edit: %v", err)
	}
	rescues, _ := filepath.Glob(path + ".unsaved-*.json")
	if len(rescues) != 1 {
		t.Fatalf("rescue files: %v", rescues)
	}
	if info, _ := os.Stat(rescues[0]); info.Mode().Perm() != 0o600 {
		t.Errorf("the rescue file has mode %v, want 0600", info.Mode().Perm())
	}
}

// Relative link targets are resolved as the kernel resolves them: ".."
// from the link's real directory, not cancelled against the path as
// written. Opening config/app/settings.json, where config/app is a link to
// dotfiles/app and settings.json a link to ../settings.json, must reach
// dotfiles/settings.json (what cat would show), never config/settings.json.
func TestRelativeLinkResolvedFromTheRealDirectory(t *testing.T) {
	for _, exists := range []bool{true, false} {
		t.Run(fmt.Sprintf("target exists=%v", exists), func(t *testing.T) {
			dir := t.TempDir()
			for _, sub := range []string{"dotfiles/app", "config"} {
				if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			symlink(t, "../dotfiles/app", filepath.Join(dir, "config", "app"))
			real := filepath.Join(dir, "dotfiles", "settings.json")
			decoy := filepath.Join(dir, "config", "settings.json")
			writeFile(t, decoy, `{"decoy": true}`)
			if exists {
				writeFile(t, real, `{"theme": "light"}`)
			}
			link := symlink(t, "../settings.json", filepath.Join(dir, "dotfiles", "app", "settings.json"))
			opened := filepath.Join(dir, "config", "app", "settings.json")
			s, err := kvstore.Open(opened, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := filepath.EvalSymlinks(filepath.Dir(real)); s.File() != filepath.Join(want, "settings.json") {
				t.Errorf("File() = %s, want %s", s.File(), real)
			}
			if _, ok := s.Get("decoy"); ok {
				t.Error("the store opened config/settings.json, which the path does not name")
			}
			mustSet(t, s, "theme", "dark")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, decoy); got != `{"decoy": true}` {
				t.Errorf("the save wrote into config/settings.json: %q", got)
			}
			if got := readFile(t, opened); !strings.Contains(got, `"theme": "dark"`) {
				t.Errorf("reading the path as given shows %q", got)
			}
			if !isLink(t, link) {
				t.Error("the link was replaced by a regular file")
			}
		})
	}
}

// A link replaced after Open (sed -i or an editor's rename-save turns it
// into a regular file; ln -sf points it elsewhere) leaves the store with a
// file the user's path no longer names. Nothing written after that may be
// acknowledged as saved into the old target: Changed says so, always-save
// writes and saves fail with ErrConflict, Overwrite refuses too, and Close
// keeps the store's state in a rescue file. The old target is not written.
func TestReplacedLinkIsNoticed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replace func(t *testing.T, dir, link string)
	}{
		{"rename-save", func(t *testing.T, dir, link string) {
			writeFile(t, link+".new", `{"theme": "edited"}`)
			if err := os.Rename(link+".new", link); err != nil {
				t.Fatal(err)
			}
		}},
		{"re-pointed", func(t *testing.T, dir, link string) {
			other := filepath.Join(dir, "dotfiles", "other.json")
			writeFile(t, other, `{"theme": "other"}`)
			symlink(t, other, link+".new")
			if err := os.Rename(link+".new", link); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		for _, always := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/always=%v", tc.name, always), func(t *testing.T) {
				dir := t.TempDir()
				if err := os.Mkdir(filepath.Join(dir, "dotfiles"), 0o755); err != nil {
					t.Fatal(err)
				}
				target := filepath.Join(dir, "dotfiles", "real.json")
				writeFile(t, target, `{"theme": "light"}`)
				link := symlink(t, target, filepath.Join(dir, "settings.json"))
				s, err := kvstore.Open(link, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
				if err != nil {
					t.Fatal(err)
				}
				mustSet(t, s, "theme", "dark")
				if err := s.Flush(); err != nil {
					t.Fatal(err)
				}
				saved := readFile(t, target)

				tc.replace(t, dir, link)
				if changed, err := s.Changed(); err != nil || !changed {
					t.Errorf("Changed() = %v, %v after the link was replaced, want true", changed, err)
				}
				err = s.Set("font", "mono")
				if always && !errors.Is(err, kvstore.ErrConflict) {
					t.Errorf("an always-save Set after the link was replaced: %v, want ErrConflict", err)
				}
				if !always && err != nil {
					t.Fatal(err)
				}
				if err := s.Flush(); !errors.Is(err, kvstore.ErrConflict) || !strings.Contains(err.Error(), link) {
					t.Errorf("Flush: %v, want ErrConflict naming %s", err, link)
				}
				if err := s.Overwrite(); err == nil {
					t.Error("Overwrite wrote to a file the path no longer names")
				}
				if s.Pending() == 0 {
					t.Error("the change is no longer pending")
				}
				err = s.Close()
				var rescue *kvstore.RescueError
				if !errors.As(err, &rescue) {
					t.Fatalf("Close: %v, want a RescueError", err)
				}
				if got := readFile(t, rescue.File); !strings.Contains(got, `"font": "mono"`) {
					t.Errorf("the rescue file lacks the change: %q", got)
				}
				if got := readFile(t, target); got != saved {
					t.Errorf("the old target was written after the link was replaced: %q", got)
				}
				if _, err := os.Stat(target + ".journal"); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a journal was left beside the old target: %v", err)
				}
			})
		}
	}
}
