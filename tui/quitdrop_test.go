package tui

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Q quits without saving: with changes to lose it asks first, and yes
// drops them, so closing the store writes nothing.
func TestQuitWithoutSaving(t *testing.T) {
	t.Run("asks", func(t *testing.T) {
		s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
		before, _ := os.ReadFile(s.Path())
		h := newHarness(t, FileSource(s), 100, 24)
		h.send(keyText("d"), keyText("y"))
		h.send(keyText("Q"))
		h.wantScreen("Quit without saving? 1 unsaved change will be lost.")
		h.send(keyText("n"))
		if h.quit || !h.browsing() || s.Pending() == 0 {
			t.Fatal("no did not return to browsing with the change pending")
		}
		h.send(keyText("Q"), keyText("y"))
		if !h.quit {
			t.Fatal("yes did not quit")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if after, _ := os.ReadFile(s.Path()); string(after) != string(before) {
			t.Fatalf("the file changed:\n%s", after)
		}
	})
	t.Run("nothing to lose", func(t *testing.T) {
		s := openStore(t, map[string]string{"a": "1"}, nil)
		h := newHarness(t, FileSource(s), 100, 24)
		h.editValue("5")
		h.send(keyText("u"))
		h.send(keyText("Q"))
		if !h.quit || s.Pending() != 0 {
			t.Fatalf("Q after an undone edit: quit %v, %d pending", h.quit, s.Pending())
		}
	})
	t.Run("offered", func(t *testing.T) {
		h := newHarness(t, FileSource(openStore(t, map[string]string{"a": "1"}, nil)), 100, 24)
		h.send(keyText("?"))
		h.wantScreen("quit, don't save")
	})
}

// deniedSave is a file whose saves fail as they do in a directory the
// user may not write to.
type deniedSave struct{ *kvstore.KVStore }

var errDenied = fmt.Errorf("kvstore: save /srv/applications/configuration/data.json: %w",
	fmt.Errorf("create temp file in /srv/applications/configuration: %w",
		&fs.PathError{Op: "open", Path: "/srv/applications/configuration/.data.json.tmp-1", Err: syscall.EACCES}))

func (deniedSave) Flush() error         { return errDenied }
func (deniedSave) LastSaveError() error { return errDenied }

// A failed save says its cause first, where 80 columns show it, and w
// writes the data to another file, after which Q-like quitting drops
// the changes.
func TestSaveCopyAfterAFailedSave(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	h := newHarness(t, deniedSave{s}, 80, 24)
	h.editValue("7")
	h.wantStatus("save failed: permission denied")
	h.wantScreen("w save a copy")

	h.send(keyText("q"))
	h.wantScreen("Changes are not saved. Quit anyway?")
	h.wantScreen("w save a copy")
	h.send(keyText("w"))
	h.wantScreen("Write the data to: ./data-")
	dir := t.TempDir()
	cp := filepath.Join(dir, "rescued.json")
	h.send(keyCtrlU())
	h.typeText(filepath.Join(dir, "missing", "x.json"))
	h.send(keyEnter)
	h.wantStatus("no such file or directory")
	h.wantScreen("Write the data to:") // asked again, with the text typed
	h.send(keyCtrlU())
	h.typeText(cp)
	h.send(keyEnter)
	data, err := os.ReadFile(cp)
	if err != nil || string(data) != "{\n  \"a\": 7\n}\n" {
		t.Fatalf("the copy holds %q (%v)", data, err)
	}
	h.wantScreen("Copy written. Quit without saving data.json?")
	h.wantStatus("wrote the data to " + cp[:10])
	h.send(keyText("y"))
	if !h.quit || s.Pending() != 0 {
		t.Fatalf("yes: quit %v, %d pending", h.quit, s.Pending())
	}
	if got, _ := os.ReadFile(s.Path()); !strings.Contains(string(got), `"a": 1`) {
		t.Fatalf("the data file changed: %s", got)
	}
}
