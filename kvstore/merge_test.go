package kvstore_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
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

// Merge settles each collision the way keepOurs says for that key, and
// only collisions are asked about: every choice of mine and theirs, for a
// value changed on both sides and for a deletion on either side, in the
// store and in the file it saves.
func TestMergeKeepsTheChosenSidePerKey(t *testing.T) {
	// Each collision and what the store holds for each choice; "" is absent.
	type collision struct{ key, mine, theirs string }
	collisions := []collision{
		{"changed", "3", "2"},      // both changed it, to different values
		{"deletedMine", "", "2"},   // we deleted it, they changed it
		{"deletedTheirs", "3", ""}, // we changed it, they deleted it
	}
	// Keys that never collide, and the merged value of each.
	agreed := map[string]string{"both": "4", "onlyMine": "5", "onlyTheirs": "6"}
	const base = `{"both": 1, "changed": 1, "deletedMine": 1, "deletedTheirs": 1, "onlyMine": 1, "onlyTheirs": 1}`
	const theirs = `{"both": 4, "changed": 2, "deletedMine": 2, "onlyMine": 1, "onlyTheirs": 6}`

	for _, always := range []bool{false, true} {
		for choices := range 1 << len(collisions) {
			keepMine := map[string]bool{}
			name := fmt.Sprintf("always=%v", always)
			for i, c := range collisions {
				keepMine[c.key] = choices&(1<<i) != 0
				name += fmt.Sprintf("/%s=%s", c.key, map[bool]string{true: "mine", false: "theirs"}[keepMine[c.key]])
			}
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "data.json")
				writeFile(t, path, base)
				s := openAt(t, path, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
				mustSet(t, s, "both", 4)
				mustSet(t, s, "changed", 3)
				if err := s.Delete("deletedMine"); err != nil {
					t.Fatal(err)
				}
				mustSet(t, s, "deletedTheirs", 3)
				mustSet(t, s, "onlyMine", 5)
				// Another program saves the file by rename, as editors do.
				other := path + ".other"
				writeFile(t, other, theirs)
				if err := os.Rename(other, path); err != nil {
					t.Fatal(err)
				}

				var asked []string
				err := s.Merge(func(k string) bool {
					asked = append(asked, k)
					return keepMine[k]
				})
				if err != nil {
					t.Fatal(err)
				}
				if want := []string{"changed", "deletedMine", "deletedTheirs"}; !reflect.DeepEqual(asked, want) {
					t.Errorf("Merge asked about %v, want %v", asked, want)
				}
				want := maps.Clone(agreed)
				for _, c := range collisions {
					v := c.theirs
					if keepMine[c.key] {
						v = c.mine
					}
					if v != "" {
						want[c.key] = v
					}
				}
				check := func(when string, s *kvstore.KVStore) {
					t.Helper()
					got := map[string]string{}
					for _, k := range s.Keys() {
						raw, _ := s.GetRaw(k)
						got[k] = string(raw)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s: the store holds %v, want %v", when, got, want)
					}
				}
				check("after Merge", s)
				if s.Dirty() || s.LastSaveError() != nil {
					t.Errorf("after Merge: dirty %v, error %v", s.Dirty(), s.LastSaveError())
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				check("reopened", openAt(t, path, &kvstore.Options{ReadOnly: true}))
			})
		}
	}
}
