package tui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// D deletes every key the filter shows after one question, and one u puts
// them all back; E exports them to a new file.
func TestDeleteAndExportTheKeysShown(t *testing.T) {
	s := openStore(t, map[string]string{
		"user:1:profile": `{"n":1}`, "user:1:name": `"a"`, "user:2:profile": `{"n":2}`, "other": "0",
	}, nil)
	h := newHarness(t, FileSource(s), 120, 24)
	h.send(keyText("/"))
	h.typeText("user:*:profile")
	h.send(keyEnter)
	h.wantScreen("2 of 4 keys")
	h.wantScreen("D delete all")

	out := filepath.Join(t.TempDir(), "profiles.json")
	h.send(keyText("E"))
	h.wantScreen("Export 2 keys to:")
	h.send(keyCtrlU())
	h.typeText(out)
	h.send(keyEnter)
	h.wantStatus("exported 2 keys to")
	if got, _ := os.ReadFile(out); string(got) != "{\n  \"user:1:profile\": {\n    \"n\": 1\n  },\n  \"user:2:profile\": {\n    \"n\": 2\n  }\n}\n" {
		t.Fatalf("the export holds %q", got)
	}

	h.send(keyText("D"))
	h.wantScreen("Delete the 2 keys the filter shows?")
	h.send(keyText("y"))
	if got := s.Keys(); !slices.Equal(got, []string{"other", "user:1:name"}) {
		t.Fatalf("keys after D: %q", got)
	}
	h.wantStatus("2 unsaved changes")
	h.wantStatus("deleted 2 keys")
	h.send(keyText("u"))
	h.wantStatus("undid: deleted 2 keys")
	if got := len(s.Keys()); got != 4 {
		t.Fatalf("one u put back %d keys of 4", 4-got)
	}
	h.wantStatus("no unsaved changes")
	h.send(keyText("U"))
	if got := len(s.Keys()); got != 2 {
		t.Fatalf("redo left %d keys", got)
	}
}
