package kvstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

func TestGetTextIsGetRawAsAString(t *testing.T) {
	s, err := kvstore.Open(filepath.Join(t.TempDir(), "data.json"), &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetRaw("a", []byte(`{"x": [1, "\u00e9"]}`)); err != nil {
		t.Fatal(err)
	}
	raw, _ := s.GetRaw("a")
	if text, ok := s.GetText("a"); !ok || text != string(raw) {
		t.Fatalf("GetText = %q, %v; GetRaw = %q", text, ok, raw)
	}
	if text, ok := s.GetText("missing"); ok || text != "" {
		t.Fatalf("GetText of a missing key = %q, %v", text, ok)
	}
}

// TestGetTextCopiesNothing: GetText hands out the stored text itself, so a
// read allocates nothing, and the text a caller holds never changes: not
// when the key is set again or deleted, and not when the copy GetRaw
// returned is modified.
func TestGetTextCopiesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte("{\n  \"a\": {\"n\": 1},\n  \"b\": [true, null]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetRaw("c", []byte(`"set later"`)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": `{"n":1}`, "b": "[true,null]", "c": `"set later"`}
	held := map[string]string{}
	for k, w := range want {
		var text string
		var ok bool
		if allocs := testing.AllocsPerRun(100, func() { text, ok = s.GetText(k) }); allocs != 0 {
			t.Errorf("GetText(%q) allocated %v times a call, want none", k, allocs)
		}
		if !ok || text != w {
			t.Fatalf("GetText(%q) = %q, %v; want %q", k, text, ok, w)
		}
		held[k] = text
	}
	raw, _ := s.GetRaw("a")
	raw[1] = 'X'
	if err := s.SetRaw("a", []byte(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename("c", "d"); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		if held[k] != w {
			t.Errorf("text of %q held from GetText changed to %q, want %q", k, held[k], w)
		}
	}
	if text, _ := s.GetText("a"); text != `{"n":2}` {
		t.Errorf("GetText after SetRaw = %q", text)
	}
	if text, _ := s.GetText("d"); text != `"set later"` {
		t.Errorf("GetText after Rename = %q", text)
	}
}
