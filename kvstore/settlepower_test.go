package kvstore

// Power cuts around the calls that settle a conflict. An always-save store
// has a write in its journal when another program replaces the file; the
// store then settles with Merge or Reload and closes. A crash before any
// file operation from the settling call on, under the strict model and
// drawn reorderings (see powerloss_test.go), must reopen as a state that
// existed and lose nothing unreported: once the call has returned, exactly
// its outcome, with no conflict; before, the other program's file with the
// journal's state reported in a rescue file, or the outcome. Above all the
// old journal must never be replayed over the settled file, which would
// silently undo the other program's edits.

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// otherProgramWrites replaces the data file the way an editor saves, through
// p so that the power-loss model knows of it, and makes it durable.
func otherProgramWrites(t *testing.T, p *powerFS, path, content string) {
	t.Helper()
	tmp, err := p.CreateTemp(filepath.Dir(path), "editor-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
	if err := p.SyncDir(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
}

func TestPowerCutAfterSettlingAConflict(t *testing.T) {
	theirs := state{"a": `"theirs"`, "b": "2"}
	for _, tc := range []struct {
		name   string
		settle func(s *KVStore) error
		want   state
	}{
		// The collision on a is settled for theirs; c, which only this
		// store changed, is kept.
		{"merge", func(s *KVStore) error { return s.Merge(func(string) bool { return false }) },
			state{"a": `"theirs"`, "b": "2", "c": `"mine"`}},
		{"reload", func(s *KVStore) error { return s.Reload() }, theirs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.json")
			if err := os.WriteFile(path, []byte(`{"a": "original", "b": 1}`), 0o644); err != nil {
				t.Fatal(err)
			}
			p := newPowerFS(t, dir)
			s, err := open(path, &Options{AlwaysSave: true, SaveInterval: -1}, p)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range map[string]string{"a": `"mine"`, "c": `"mine"`} {
				if err := s.SetRaw(k, []byte(v)); err != nil {
					t.Fatal(err)
				}
			}
			otherProgramWrites(t, p, path, `{"a": "theirs", "b": 2}`)
			p.record("settle", "")
			start := len(p.points) - 1
			if err := tc.settle(s); err != nil {
				t.Fatal(err)
			}
			p.record("settled", "")
			acked := len(p.points) - 1
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			p.record("end", "")

			checked := 0
			for at := start; at < len(p.points); at++ {
				cp := p.points[at]
				r := rand.New(rand.NewPCG(uint64(at), 1))
				for draw := range 4 {
					files := cp.crashFiles(nil)
					if draw > 0 {
						files = cp.crashFiles(r)
					}
					what := fmt.Sprintf("crash at %d:%s (draw %d, files %v)", at, cp.op, draw, slices.Sorted(maps.Keys(files)))
					checkSettledCrash(t, what, files, tc.want, theirs, at >= acked)
					checked++
				}
			}
			t.Logf("%d crash states checked", checked)
		})
	}
}

// checkSettledCrash opens the files a crash left and checks the state: want
// if the settling call had returned (done), else want or theirs, and theirs
// only with the journal's state reported in a rescue file.
func checkSettledCrash(t *testing.T, what string, files map[string][]byte, want, theirs state, done bool) {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "data.json")
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatalf("%s: Open: %v", what, err)
	}
	defer s.Close()
	got, serr := storeState(s), s.LastSaveError()
	rescues, _ := filepath.Glob(path + ".unsaved-*.json")
	switch {
	case done && (!maps.Equal(got, want) || serr != nil || len(rescues) > 0):
		t.Fatalf("%s after the call returned: reopened as %v (error %v, rescue files %v), want %v and nothing to report", what, got, serr, rescues, want)
	case maps.Equal(got, want):
	case maps.Equal(got, theirs) && errors.Is(serr, ErrConflict) && len(rescues) == 1 && strings.Contains(serr.Error(), rescues[0]):
	default:
		t.Fatalf("%s: reopened as %v (error %v, rescue files %v), want %v, or %v with the journal rescued", what, got, serr, rescues, want, theirs)
	}
}

// If the journal cannot be removed after Merge or Reload settled a
// conflict, what is left of it must never be replayed over the settled
// file: not at the next Open after a crash, and not after later writes,
// which stay durable meanwhile.
func TestFailedJournalRemovalAfterSettling(t *testing.T) {
	for _, tc := range []struct {
		name   string
		settle func(s *KVStore) error
		want   state
	}{
		{"merge", func(s *KVStore) error { return s.Merge(func(string) bool { return false }) },
			state{"a": `"theirs"`, "b": "2", "c": `"mine"`, "d": "1"}},
		{"reload", func(s *KVStore) error { return s.Reload() },
			state{"a": `"theirs"`, "b": "2", "d": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ffs, path := openFaulty(t, &Options{AlwaysSave: true, SaveInterval: -1})
			defer s.Close()
			writeFileBytes(t, path, `{"a": "original", "b": 1}`)
			if err := s.Reload(); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"a", "c"} {
				if err := s.SetRaw(k, []byte(`"mine"`)); err != nil {
					t.Fatal(err)
				}
			}
			writeFileBytes(t, path, `{"a": "theirs", "b": 2}`)
			ffs.inject(opRemove, 0, errors.New("injected: cannot remove"))
			if err := tc.settle(s); err != nil {
				t.Fatal(err)
			}
			if err := s.Set("d", 1); err != nil {
				t.Fatal(err)
			}
			// A crash now leaves these files.
			dir := t.TempDir()
			files := storeFiles(t, path)
			if !slices.ContainsFunc(slices.Collect(maps.Keys(files)), func(n string) bool { return strings.Contains(n, ".journal") }) {
				t.Fatalf("the failed removal left no journal: %v", slices.Sorted(maps.Keys(files)))
			}
			writeFiles(t, dir, files)
			again, err := Open(filepath.Join(dir, "data.json"), &Options{AlwaysSave: true, SaveInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			if got := storeState(again); !maps.Equal(got, tc.want) {
				t.Fatalf("reopened after a crash as %v, want %v", got, tc.want)
			}
			mustClose(t, again)
			ffs.heal()
			mustClose(t, s)
			if got := diskState(t, path); !maps.Equal(got, tc.want) {
				t.Fatalf("closed as %v, want %v", got, tc.want)
			}
			if left, _ := filepath.Glob(path + ".journal*"); len(left) > 0 {
				t.Fatalf("journals left after Close: %v", left)
			}
		})
	}
}
