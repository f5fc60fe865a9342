package kvstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

func TestDeletedTellsADeletedFileFromANewOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if gone, err := s.Deleted(); err != nil || gone {
		t.Fatalf("a file never written: Deleted = %v, %v", gone, err)
	}
	if err := s.SetRaw("a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if gone, err := s.Deleted(); err != nil || gone {
		t.Fatalf("a file in place: Deleted = %v, %v", gone, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if gone, err := s.Deleted(); err != nil || !gone {
		t.Fatalf("a removed file: Deleted = %v, %v", gone, err)
	}
}

func TestRescueFileNamesWhereCloseWroteTheState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetRaw("a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"b": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.Close()
	rescue := kvstore.RescueFile(err)
	if !errors.Is(err, kvstore.ErrConflict) || !strings.HasPrefix(rescue, path+".unsaved-") {
		t.Fatalf("Close: %v; RescueFile: %q", err, rescue)
	}
	data, rerr := os.ReadFile(rescue)
	if rerr != nil || !strings.Contains(string(data), `"a": 1`) {
		t.Fatalf("the rescue file %q holds %q (%v)", rescue, data, rerr)
	}
	if got := kvstore.RescueFile(errors.New("disk full")); got != "" {
		t.Fatalf("RescueFile of another error: %q", got)
	}
}

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
