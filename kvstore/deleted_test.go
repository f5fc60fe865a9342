package kvstore_test

import (
	"os"
	"path/filepath"
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
