package tui

import (
	"os"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// A file its owner made read-only is saved only once the user says so:
// ctrl+s asks, no keeps the file as it was with the change pending, yes
// saves it and keeps the file's mode.
func TestReadOnlyFileAsksBeforeSaving(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1"}, nil)
	if err := os.Chmod(s.Path(), 0o444); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, FileSource(s), 100, 20)
	if err := s.SetRaw("a", []byte("2")); err != nil {
		t.Fatal(err)
	}
	h.send(keyCtrlS)
	h.wantScreen("data.json is read-only (mode 0444). Save anyway?")
	if !topIs[*question](h) {
		t.Fatal("no question asked")
	}
	h.send(keyText("n"))
	h.wantStatus("save failed: data.json is read-only (mode 0444; ctrl+s to save anyway)")
	if got, _ := os.ReadFile(s.Path()); string(got) != string(before) || s.Pending() != 1 {
		t.Fatalf("after no the file is %q with %d pending", got, s.Pending())
	}
	h.send(keyCtrlS)
	h.wantScreen("data.json is read-only (mode 0444). Save anyway?")
	h.send(keyText("y"))
	if s.Pending() != 0 {
		t.Fatalf("%d changes pending after yes", s.Pending())
	}
	if got := fileValues(t, s.Path()); string(got["a"]) != "2" {
		t.Fatalf("the file holds %v", got)
	}
	if info, _ := os.Stat(s.Path()); info.Mode().Perm() != 0o444 {
		t.Errorf("the file's mode became %04o", info.Mode().Perm())
	}
	if strings.Contains(h.statusLine(), "failed") {
		t.Errorf("status after yes: %q", h.statusLine())
	}
}

// Without a Source that can be told to write a read-only file, the failure
// is only reported.
func TestReadOnlyFileErrorWithoutOverride(t *testing.T) {
	err := &kvstore.ReadOnlyFileError{Path: "/x/data.json", Mode: 0o444}
	if _, ok := readOnlyRefusal(struct{ Source }{}, err); ok {
		t.Error("asked to save through a Source that cannot")
	}
}
