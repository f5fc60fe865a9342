package kvstore_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

func TestRename(t *testing.T) {
	for _, always := range []bool{false, true} {
		s, path := openStore(t, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
		mustSet(t, s, "old", map[string]any{"v": 1})
		mustSet(t, s, "other", 2)
		if err := s.Rename("old", "other"); !errors.Is(err, kvstore.ErrExists) {
			t.Fatalf("rename onto an existing key = %v", err)
		}
		if err := s.Rename("missing", "x"); !errors.Is(err, kvstore.ErrNotFound) {
			t.Fatalf("rename of a missing key = %v", err)
		}
		if err := s.Rename("old", "new"); err != nil {
			t.Fatal(err)
		}
		if raw, _ := s.GetRaw("new"); string(raw) != `{"v":1}` || s.Has("old") {
			t.Fatalf("after rename: keys %v, new = %s", s.Keys(), raw)
		}
		if always { // durable on return
			r := openAt(t, path, &kvstore.Options{ReadOnly: true})
			if !r.Has("new") || r.Has("old") {
				t.Fatal("rename not durable on return")
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if r := openAt(t, path, nil); !reflect.DeepEqual(r.Keys(), []string{"new", "other"}) {
			t.Fatalf("after reopen: %v", r.Keys())
		}
	}
}

// A hand edit and unsaved changes: Conflict shows each side, and Merge keeps
// every change that does not collide, asking about those that do.
func TestConflictAndMerge(t *testing.T) {
	for _, always := range []bool{false, true} {
		s, path := openStore(t, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
		for k, v := range map[string]int{"a": 1, "b": 1, "c": 1, "d": 1} {
			mustSet(t, s, k, v)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		// Theirs: a=2 (collides with ours), b=2 (only theirs), d deleted, e new.
		writeFile(t, path, `{"a": 2, "b": 2, "c": 1, "e": 2}`)
		// Ours: a=3, c=3 (only ours), new key f.
		mustSet(t, s, "a", 3)
		mustSet(t, s, "c", 3)
		mustSet(t, s, "f", 3)
		if err := s.Flush(); !errors.Is(err, kvstore.ErrConflict) {
			t.Fatalf("Flush = %v", err)
		}
		c, err := s.Conflict()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(c.Collisions, ","); got != "a" {
			t.Fatalf("collisions %q", got)
		}
		if len(c.Ours) != 3 || string(c.Ours["c"]) != "3" || len(c.Theirs) != 4 || c.Theirs["d"] != nil || string(c.Theirs["e"]) != "2" {
			t.Fatalf("conflict %+v", c)
		}
		asked := []string{}
		if err := s.Merge(func(k string) bool { asked = append(asked, k); return false }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(asked, []string{"a"}) {
			t.Fatalf("Merge asked about %v", asked)
		}
		want := map[string]string{"a": "2", "b": "2", "c": "3", "e": "2", "f": "3"}
		for k, v := range want {
			if raw, _ := s.GetRaw(k); string(raw) != v {
				t.Errorf("always=%v: %s = %s, want %s", always, k, raw, v)
			}
		}
		if s.Len() != len(want) || s.Dirty() || s.LastSaveError() != nil {
			t.Fatalf("after Merge: keys %v, dirty %v, error %v", s.Keys(), s.Dirty(), s.LastSaveError())
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		r := openAt(t, path, nil)
		for k, v := range want {
			if raw, _ := r.GetRaw(k); string(raw) != v {
				t.Errorf("always=%v: after reopen %s = %s, want %s", always, k, raw, v)
			}
		}
	}
}

// Closing over a hand edit loses neither side: the edit stays in the file,
// and the store's state goes to a file named in the error.
func TestCloseOverHandEditKeepsBothSides(t *testing.T) {
	for _, always := range []bool{false, true} {
		s, path := openStore(t, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
		mustSet(t, s, "a", 1)
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		edited := `{"a": 1, "theirs": true}`
		writeFile(t, path, edited)
		mustSet(t, s, "mine", true)
		err := s.Close()
		if !errors.Is(err, kvstore.ErrConflict) {
			t.Fatalf("Close over a hand edit = %v", err)
		}
		if readFile(t, path) != edited {
			t.Fatal("Close overwrote the hand edit")
		}
		_, rescued, ok := strings.Cut(err.Error(), "saved in ")
		if !ok {
			t.Fatalf("the error does not say where the store's state went: %v", err)
		}
		if got := readFile(t, rescued); !strings.Contains(got, `"mine": true`) {
			t.Fatalf("rescued state:\n%s", got)
		}
		r := openAt(t, path, nil)
		if r.Has("mine") || !r.Has("theirs") {
			t.Fatalf("reopened store holds %v: the journal overwrote the hand edit", r.Keys())
		}
	}
}
