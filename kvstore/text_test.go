package kvstore_test

import (
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
