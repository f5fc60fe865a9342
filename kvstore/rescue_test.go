package kvstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

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
