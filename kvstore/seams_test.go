package kvstore

// Tests of the seams where a store can lose an acknowledged write or a hand
// edit: a lifecycle call (Merge, Flush, Close, Open, a read-only load)
// racing writers, the compactor or another program, and the shortcuts that
// acknowledge a write without waiting. Each runs both sides at once, many
// times where the race is not forced, and runs under -race in CI.

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Merge racing a writer: every write acknowledged while Merge runs must be
// in the store afterwards, and, in always-save mode, on disk after a reopen.
func TestMergeKeepsWritesMadeWhileItRuns(t *testing.T) {
	for _, always := range []bool{true, false} {
		t.Run(fmt.Sprintf("always=%v", always), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			s, err := Open(path, &Options{AlwaysSave: always, SaveInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5000 {
				if err := s.Set(fmt.Sprintf("base%05d", i), i); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			var acked sync.Map
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						k := fmt.Sprintf("w%d/%06d", g, i)
						if err := s.Set(k, i); err != nil {
							t.Errorf("Set(%s): %v", k, err)
							return
						}
						acked.Store(k, i)
					}
				}()
			}
			for range 10 {
				if err := s.Merge(nil); err != nil {
					t.Fatalf("Merge: %v", err)
				}
			}
			close(stop)
			wg.Wait()
			check := func(s *KVStore, when string) {
				lost := 0
				acked.Range(func(k, v any) bool {
					raw, ok := s.GetRaw(k.(string))
					if !ok || string(raw) != fmt.Sprint(v) {
						lost++
					}
					return true
				})
				if lost > 0 {
					t.Fatalf("%s: %d acknowledged writes are missing", when, lost)
				}
			}
			check(s, "after the merges")
			mustClose(t, s)
			r, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			check(r, "after reopening")
		})
	}
}

// A retried always-save write of a value the store already holds (because
// the first attempt failed) must not report success while the disk still
// refuses it, and must be on disk once it does.
func TestRetriedWriteAfterFailureIsDurableBeforeItSucceeds(t *testing.T) {
	for _, del := range []bool{false, true} {
		t.Run(fmt.Sprintf("delete=%v", del), func(t *testing.T) {
			s, ffs, path := openFaulty(t, &Options{AlwaysSave: true, SaveInterval: -1})
			defer s.Close()
			if err := s.Set("important", "old"); err != nil {
				t.Fatal(err)
			}
			write := func() error {
				if del {
					return s.Delete("important")
				}
				return s.Set("important", "new")
			}
			// A full disk: the journal append fails, and so does the
			// whole-file save a writer falls back to after it.
			ffs.inject(opAppendWrite, 0, syscall.ENOSPC)
			ffs.inject(opCreateTemp, 0, syscall.ENOSPC)
			if err := write(); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("first attempt on a full disk: %v", err)
			}
			for attempt := range 3 {
				if err := write(); !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("retry %d on a full disk returned %v, want ENOSPC", attempt+1, err)
				}
			}
			ffs.heal()
			if err := write(); err != nil {
				t.Fatalf("retry once the disk has room: %v", err)
			}
			r, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			raw, ok := r.GetRaw("important")
			if del && ok || !del && string(raw) != `"new"` {
				t.Fatalf("after the retry succeeded, a reader sees %s, %v", raw, ok)
			}
		})
	}
}

// An identical write made while the first one's fsync is still running
// must wait for it: returning at once would acknowledge a write that a
// crash can still lose.
func TestIdenticalWriteWaitsForTheWriteInFlight(t *testing.T) {
	for _, op := range []string{"set", "delete", "rename"} {
		t.Run(op, func(t *testing.T) {
			s, ffs, _ := openFaulty(t, &Options{AlwaysSave: true, SaveInterval: -1})
			defer s.Close()
			if err := s.Set("k", "v0"); err != nil {
				t.Fatal(err)
			}
			inSync := make(chan struct{})
			release := make(chan struct{})
			var once sync.Once
			ffs.setBefore(func(o fsOp, _ string) {
				if o == opAppendSync {
					once.Do(func() {
						close(inSync)
						<-release
					})
				}
			})
			first, second := func() error { return s.Set("k", "v1") }, func() error { return s.Set("k", "v1") }
			switch op {
			case "delete":
				first = func() error { return s.Delete("k") }
				second = first
			case "rename":
				// A rename onto itself changes nothing, but says the key
				// exists: it too must wait for the write that made it so.
				second = func() error { return s.Rename("k", "k") }
			}
			var releaseOnce sync.Once
			unblock := func() { releaseOnce.Do(func() { close(release) }) }
			defer unblock()
			firstDone := make(chan error, 1)
			go func() { firstDone <- first() }()
			<-inSync
			secondDone := make(chan error, 1)
			go func() { secondDone <- second() }()
			select {
			case err := <-secondDone:
				t.Fatalf("the second %s returned %v while the first write was not yet durable", op, err)
			case <-time.After(50 * time.Millisecond):
			}
			unblock()
			if err := <-firstDone; err != nil {
				t.Fatal(err)
			}
			if err := <-secondDone; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A read-only load beside a writer that keeps rotating its journal must
// never install the mixed state of a read that failed its check: it retries
// until a read is consistent, or gives up with an error.
func TestReadOnlyLoadNeverInstallsAMixedState(t *testing.T) {
	setup := func(t *testing.T) (string, *faultFS, *atomic.Int32) {
		dir := t.TempDir()
		path := filepath.Join(dir, "data.json")
		if err := os.WriteFile(path, []byte(`{"base": 1}`), 0o644); err != nil {
			t.Fatal(err)
		}
		ffs := newFaultFS()
		var rotations atomic.Int32
		return path, ffs, &rotations
	}
	// rotate acts as a writer rotating its journal while the viewer reads
	// it: a new segment appears, holding one more key.
	rotate := func(t *testing.T, path string, ffs *faultFS, rotations *atomic.Int32, limit int32) {
		ffs.setBefore(func(op fsOp, name string) {
			if op != opReadFile || name != journalPath(path) {
				return
			}
			n := rotations.Add(1)
			if limit > 0 && n > limit {
				return
			}
			line := fmt.Sprintf("{\"set\":\"seg%d\",\"value\":%d}\n", n, n)
			if err := os.WriteFile(segmentPath(path, int(n)), []byte(line), 0o644); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("settles", func(t *testing.T) {
		path, ffs, rotations := setup(t)
		rotate(t, path, ffs, rotations, 15)
		s, err := open(path, &Options{ReadOnly: true}, ffs)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for n := 1; n <= 15; n++ {
			if !s.Has(fmt.Sprintf("seg%d", n)) {
				t.Fatalf("the loaded state lacks segment %d: keys %v", n, s.Keys())
			}
		}
	})
	t.Run("gives up", func(t *testing.T) {
		defer func(p time.Duration) { loadPatience = p }(loadPatience)
		loadPatience = 50 * time.Millisecond
		path, ffs, rotations := setup(t)
		s, err := open(path, &Options{ReadOnly: true}, ffs)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rotate(t, path, ffs, rotations, 0)
		if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "kept replacing") {
			t.Fatalf("Reload beside a writer that never settles: %v", err)
		}
		if got := s.Keys(); len(got) != 1 || got[0] != "base" {
			t.Fatalf("a failed Reload changed the store to %v", got)
		}
	})
}

// An editor saving the data file while the store writes its new version
// must not lose its edit: the store looks again just before its rename.
func TestHandEditDuringSaveIsNotOverwritten(t *testing.T) {
	for _, always := range []bool{false, true} {
		t.Run(fmt.Sprintf("always=%v", always), func(t *testing.T) {
			s, ffs, path := openFaulty(t, &Options{AlwaysSave: always, SaveInterval: -1})
			defer s.Close()
			savedThenPending(t, s)
			theirs := []byte("{\"a\": \"edited by hand\"}\n")
			var once sync.Once
			ffs.setBefore(func(op fsOp, name string) {
				// The save's temp file is written and being fsynced: the
				// editor writes its own file and renames it into place.
				if op == opSync && strings.HasPrefix(filepath.Base(name), tempPrefix(path)) {
					once.Do(func() {
						tmp := path + ".editor-tmp"
						if err := os.WriteFile(tmp, theirs, 0o644); err != nil {
							t.Error(err)
						}
						if err := os.Rename(tmp, path); err != nil {
							t.Error(err)
						}
					})
				}
			})
			if err := s.Flush(); !errors.Is(err, ErrConflict) {
				t.Fatalf("Flush while the file was replaced: %v, want ErrConflict", err)
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, theirs) {
				t.Fatalf("the editor's file was overwritten with %q", now)
			}
			if !s.Dirty() && !always {
				t.Fatal("the store's changes are no longer pending")
			}
			if err := s.Merge(nil); err != nil {
				t.Fatal(err)
			}
			if got := diskState(t, path); !maps.Equal(got, state{"a": `"edited by hand"`, "b": "2"}) {
				t.Fatalf("after Merge the file holds %v", got)
			}
		})
	}
}

// Close overtaking an always-save writer that has become the appender but
// not yet taken the journal lock: the writer must not create a journal
// after Close (at rest there is none) nor send an event on the closed
// channel, and its write, which Close saved, is acknowledged.
func TestCloseOvertakingAnAppenderLeavesNoJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	paused := make(chan struct{})
	resume := make(chan struct{})
	var once sync.Once
	testHookBeforeAppend = func() {
		once.Do(func() {
			close(paused)
			<-resume
		})
	}
	defer func() { testHookBeforeAppend = nil }()
	done := make(chan error, 1)
	go func() { done <- s.Set("k", "v") }()
	<-paused
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatalf("Set overtaken by Close: %v", err)
	}
	if _, err := os.Stat(journalPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a journal exists after Close: %v", err)
	}
	r, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if raw, _ := r.GetRaw("k"); string(raw) != `"v"` {
		t.Fatalf("the overtaken write is not in the file: %s", raw)
	}
}

// The same race left to chance: many writers and Close, many times. No
// journal may remain, and every acknowledged write must be in the file.
func TestCloseRacingWritersLeavesNoJournal(t *testing.T) {
	rounds := 60
	if testing.Short() {
		rounds = 10
	}
	for round := range rounds {
		path := filepath.Join(t.TempDir(), "data.json")
		s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		var acked sync.Map
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					k := fmt.Sprintf("%02d/%d", g, i)
					if err := s.Set(k, i); err != nil {
						if !errors.Is(err, ErrClosed) {
							t.Errorf("Set: %v", err)
						}
						return
					}
					acked.Store(k, true)
				}
			}()
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if _, err := os.Stat(journalPath(path)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("round %d: a journal exists after Close", round)
		}
		got := diskState(t, path)
		acked.Range(func(k, _ any) bool {
			if _, ok := got[k.(string)]; !ok {
				t.Fatalf("round %d: acknowledged %s is not in the file", round, k)
			}
			return true
		})
	}
}

// crashWithJournal leaves in dir the files of an always-save store whose
// process died with changes in its journal: it copies the files of a live
// store, as a crash would leave them.
func crashWithJournal(t *testing.T, dir string, prepare func(s *KVStore, path string)) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(src, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prepare(s, src)
	files := storeFiles(t, src)
	delete(files, "data.json.lock")
	writeFiles(t, dir, files)
}

// A crash while a conflict with a hand edit is unsettled: the next Open
// must not replay the journal over the edited file. The store opens with
// the file's content, the journal's state goes to a rescue file, and the
// conflict is reported.
func TestOpenDoesNotFoldAJournalIntoAReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.json")
	theirs := "{\"a\": \"theirs\", \"t\": 1}\n"
	crashWithJournal(t, dir, func(s *KVStore, src string) {
		if err := s.Set("a", "mine"); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		writeFileBytes(t, src, theirs)
		if err := s.Set("a", "mine-2"); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); !errors.Is(err, ErrConflict) {
			t.Fatalf("Flush over the hand edit: %v", err)
		}
	})
	s, err := Open(path, &Options{AlwaysSave: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := storeState(s); !maps.Equal(got, state{"a": `"theirs"`, "t": "1"}) {
		t.Fatalf("Open folded the journal into the edited file: %v", got)
	}
	serr := s.LastSaveError()
	if !errors.Is(serr, ErrConflict) {
		t.Fatalf("LastSaveError = %v, want ErrConflict", serr)
	}
	rescues, _ := filepath.Glob(path + ".unsaved-*.json")
	if len(rescues) != 1 || !strings.Contains(serr.Error(), rescues[0]) || RescueFile(serr) != rescues[0] {
		t.Fatalf("rescue files %v; error %q should name the one", rescues, serr)
	}
	if got := diskState(t, rescues[0]); !maps.Equal(got, state{"a": `"mine-2"`, "t": "1"}) {
		t.Fatalf("the rescue file holds %v", got)
	}
	if got := readString(t, path); got != theirs {
		t.Fatalf("the edited file was changed to %q", got)
	}
	if left, _ := filepath.Glob(path + ".journal*"); len(left) > 0 {
		t.Fatalf("journals left after the rescue: %v", left)
	}
	mustClose(t, s)
	s, err = Open(path, &Options{AlwaysSave: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LastSaveError(); err != nil {
		t.Fatalf("the conflict is reported again at the next Open: %v", err)
	}
	mustClose(t, s)
}

// The same check must not get in the way of an ordinary recovery: a crash
// with writes in the journal, the directory then copied elsewhere (new
// inodes and times, same content), and a file replaced by the same bytes.
func TestOpenFoldsAJournalIntoItsOwnFile(t *testing.T) {
	for _, touch := range []bool{false, true} {
		t.Run(fmt.Sprintf("rewritten=%v", touch), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.json")
			crashWithJournal(t, dir, func(s *KVStore, _ string) {
				for i := range 3 {
					if err := s.Set(fmt.Sprint(i), i); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.Flush(); err != nil {
					t.Fatal(err)
				}
				if err := s.Set("late", true); err != nil {
					t.Fatal(err)
				}
			})
			if touch {
				b, _ := os.ReadFile(path)
				writeFileBytes(t, path, string(b))
			}
			s, err := Open(path, &Options{AlwaysSave: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.LastSaveError(); err != nil {
				t.Fatalf("LastSaveError after an ordinary recovery: %v", err)
			}
			mustClose(t, s)
			if got := diskState(t, path); !maps.Equal(got, state{"0": "0", "1": "1", "2": "2", "late": "true"}) {
				t.Fatalf("recovered %v", got)
			}
			if rescues, _ := filepath.Glob(path + ".unsaved-*"); len(rescues) > 0 {
				t.Fatalf("an ordinary recovery wrote rescue files %v", rescues)
			}
		})
	}
}

// If the rescue file cannot be written, Open fails and changes nothing, so
// that the next Open, on a disk with room, can do it.
func TestFailedJournalRescueChangesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.json")
	crashWithJournal(t, dir, func(s *KVStore, src string) {
		if err := s.Set("a", "mine"); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		writeFileBytes(t, src, `{"a": "theirs"}`)
		if err := s.Set("a", "mine-2"); err != nil {
			t.Fatal(err)
		}
	})
	before := storeFiles(t, path)
	ffs := newFaultFS()
	ffs.inject(opCreateTemp, 0, syscall.ENOSPC)
	if _, err := open(path, &Options{AlwaysSave: true}, ffs); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Open with no room for the rescue: %v", err)
	}
	after := storeFiles(t, path)
	delete(after, "data.json.lock")
	delete(before, "data.json.lock")
	if !maps.EqualFunc(before, after, bytes.Equal) {
		t.Fatalf("a failed Open changed the files: %v -> %v", keysOf(before), keysOf(after))
	}
	s, err := Open(path, &Options{AlwaysSave: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !errors.Is(s.LastSaveError(), ErrConflict) {
		t.Fatalf("LastSaveError = %v", s.LastSaveError())
	}
}

// With too little room to fold the journal into the file, a writable Open
// still opens, with every journaled write, and reports why the fold failed;
// once there is room the fold completes.
func TestOpenWithNoRoomToFoldTheJournal(t *testing.T) {
	files, want := crashedStore(t)
	dir := t.TempDir()
	writeFiles(t, dir, files)
	path := filepath.Join(dir, "data.json")
	ffs := newFaultFS()
	ffs.inject(opWrite, 0, syscall.ENOSPC)
	s, err := open(path, &Options{AlwaysSave: true, SaveInterval: -1}, ffs)
	if err != nil {
		t.Fatalf("Open with a full disk: %v", err)
	}
	if got := storeState(s); !maps.Equal(got, want) {
		t.Fatalf("opened with %v, want %v", got, want)
	}
	if err := s.LastSaveError(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("LastSaveError = %v, want ENOSPC", err)
	}
	ffs.heal()
	mustClose(t, s)
	if !dataFileHolds(t, path, want) {
		t.Fatal("the fold did not complete once the disk had room")
	}
}

// Smaller seams: the error a save gives when the data file became a
// directory, a deleted file, and a rename to a bad key.
func TestSaveErrorsNameTheRealCause(t *testing.T) {
	t.Run("directory", func(t *testing.T) {
		s, _, path := openFaulty(t, &Options{SaveInterval: -1})
		defer s.Close()
		if err := s.Set("a", 1); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, save := range map[string]func() error{"Flush": s.Flush, "Overwrite": s.Overwrite} {
			err := save()
			if err == nil || errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "directory") || strings.Count(err.Error(), path) != 1 {
				t.Errorf("%s over a directory: %v", name, err)
			}
		}
		os.Remove(path)
	})
	t.Run("deleted", func(t *testing.T) {
		s, _, path := openFaulty(t, &Options{SaveInterval: -1})
		defer s.Close()
		savedThenPending(t, s)
		os.Remove(path)
		err := s.Flush()
		if !errors.Is(err, ErrConflict) || !errors.Is(err, ErrDeleted) {
			t.Fatalf("Flush after the file was deleted: %v", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("the deleted file was written again without being asked")
		}
		if err := s.Overwrite(); err != nil {
			t.Fatal(err)
		}
		if got := diskState(t, path); !maps.Equal(got, state{"a": "1", "b": "2"}) {
			t.Fatalf("Overwrite wrote %v", got)
		}
	})
}

func writeFileBytes(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".other-tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func keysOf(m map[string][]byte) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// Reads never wait for disk I/O: with a save stalled in its fsync, whether
// a whole-file save's or an always-save write's journal append, every read
// returns, and shows the write being saved.
func TestReadsDoNotWaitForAStalledSave(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  Options
		stall fsOp
		write func(s *KVStore) error
	}{
		{"flush", Options{SaveInterval: -1}, opSync, func(s *KVStore) error {
			if err := s.Set("k", "new"); err != nil {
				return err
			}
			return s.Flush()
		}},
		{"always-save", Options{AlwaysSave: true, SaveInterval: -1}, opAppendSync, func(s *KVStore) error {
			return s.Set("k", "new")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, ffs, _ := openFaulty(t, &c.opts)
			defer s.Close()
			if err := s.Set("other", 1); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			stalled, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			ffs.setBefore(func(op fsOp, _ string) {
				if op == c.stall {
					once.Do(func() {
						close(stalled)
						<-release
					})
				}
			})
			var releaseOnce sync.Once
			unblock := func() { releaseOnce.Do(func() { close(release) }) }
			defer unblock()
			saved := make(chan error, 1)
			go func() { saved <- c.write(s) }()
			<-stalled

			read := make(chan string, 1)
			go func() {
				v, _ := s.Get("k")
				raw, _ := s.GetRaw("k")
				text, _ := s.GetText("k")
				var all []string
				for k := range s.All() {
					all = append(all, k)
				}
				for k := range s.Prefix("o") {
					all = append(all, k)
				}
				read <- fmt.Sprintf("%v %s %s %v %v %d %v", v, raw, text, s.Has("other"), s.Keys(), s.Len(), all)
			}()
			select {
			case got := <-read:
				if want := `new "new" "new" true [k other] 2 [k other other]`; got != want {
					t.Errorf("reads during the stalled save gave %s, want %s", got, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the reads waited for the stalled save")
			}
			unblock()
			if err := <-saved; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// An always-save write is durable in the journal, not pending, before the
// compaction folds it into the file. If another program rewrites the file
// meanwhile, the store must say that the write is not in the file, so
// that whoever looks at Changed treats the rewrite as a conflict rather
// than reading the file again; and the conflict must show the write.
func TestJournalledWriteIsNotInTheFile(t *testing.T) {
	defer func(idle time.Duration) { compactIdle = idle }(compactIdle)
	compactIdle = time.Hour
	path := filepath.Join(t.TempDir(), "data.json")
	writeFileBytes(t, path, `{"a": 1, "b": 1}`)
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.NotInFile(); n != 0 {
		t.Fatalf("NotInFile after Open = %d", n)
	}
	if err := s.Set("a", 5); err != nil {
		t.Fatal(err)
	}
	if s.Pending() != 0 || s.Dirty() {
		t.Fatalf("an acknowledged always-save write is pending: %d", s.Pending())
	}
	if n := s.NotInFile(); n != 1 {
		t.Fatalf("NotInFile with the write in the journal = %d, want 1", n)
	}
	writeFileBytes(t, path, `{"a": 1, "b": 2}`)
	if changed, err := s.Changed(); err != nil || !changed {
		t.Fatalf("Changed = %v, %v", changed, err)
	}
	if n := s.NotInFile(); n != 1 {
		t.Fatalf("NotInFile after the rewrite = %d, want 1", n)
	}
	c, err := s.Conflict()
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Ours["a"]) != "5" || string(c.Theirs["b"]) != "2" || len(c.Collisions) != 0 {
		t.Fatalf("Conflict = %+v", c)
	}
	if err := s.Merge(nil); err != nil {
		t.Fatal(err)
	}
	if n := s.NotInFile(); n != 0 {
		t.Fatalf("NotInFile after Merge = %d", n)
	}
	if got := diskState(t, path); !maps.Equal(got, state{"a": "5", "b": "2"}) {
		t.Fatalf("merged file %v", got)
	}
}

// A read-only open after a crash with a conflict unsettled, or with the
// data file deleted, must show a state that existed: the file alone (an
// empty store for a deleted file), never the crashed store's journal over
// another program's file, and say so; it changes no file.
func TestReadOnlyOpenDoesNotReplayAJournalOverAReplacedFile(t *testing.T) {
	for _, deleted := range []bool{false, true} {
		t.Run(fmt.Sprintf("deleted=%v", deleted), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.json")
			theirs := "{\"a\": \"theirs\", \"t\": 1}\n"
			crashWithJournal(t, dir, func(s *KVStore, src string) {
				if err := s.Set("a", "mine"); err != nil {
					t.Fatal(err)
				}
				if err := s.Flush(); err != nil {
					t.Fatal(err)
				}
				if err := s.Set("a", "mine-2"); err != nil {
					t.Fatal(err)
				}
			})
			want := state{"a": `"theirs"`, "t": "1"}
			if deleted {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				want = state{}
			} else {
				writeFileBytes(t, path, theirs)
			}
			before := storeFiles(t, path)
			s, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got := storeState(s); !maps.Equal(got, want) {
				t.Fatalf("a read-only open shows %v, want %v", got, want)
			}
			serr := s.LastSaveError()
			if !errors.Is(serr, ErrConflict) || !strings.Contains(serr.Error(), journalPath(path)) {
				t.Fatalf("LastSaveError = %v, want ErrConflict naming the journal", serr)
			}
			if err := s.Reload(); err != nil {
				t.Fatal(err)
			}
			if got := storeState(s); !maps.Equal(got, want) {
				t.Fatalf("a read-only Reload shows %v, want %v", got, want)
			}
			mustClose(t, s)
			if after := storeFiles(t, path); !maps.EqualFunc(before, after, bytes.Equal) {
				t.Fatalf("a read-only open changed the files: %v, was %v", keysOf(after), keysOf(before))
			}
		})
	}
}
