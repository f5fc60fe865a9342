package kvstore_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// openStore opens a store in a fresh temp dir and closes it at cleanup.
func openStore(t testing.TB, opts *kvstore.Options) (*kvstore.KVStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.json")
	return openAt(t, path, opts), path
}

func openAt(t testing.TB, path string, opts *kvstore.Options) *kvstore.KVStore {
	t.Helper()
	s, err := kvstore.Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// nextEvent waits for the store's next flush event.
func nextEvent(t testing.TB, s *kvstore.KVStore) kvstore.FlushEvent {
	t.Helper()
	select {
	case ev, ok := <-s.Events():
		if !ok {
			t.Fatal("events channel closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no flush event within 5s")
	}
	panic("unreachable")
}

// noEvent asserts that no flush event arrives within d.
func noEvent(t testing.TB, s *kvstore.KVStore, d time.Duration) {
	t.Helper()
	select {
	case ev := <-s.Events():
		t.Fatalf("unexpected flush event %+v", ev)
	case <-time.After(d):
	}
}

func mustSet(t testing.TB, s *kvstore.KVStore, key string, v any) {
	t.Helper()
	if err := s.Set(key, v); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}
