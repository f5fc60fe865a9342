// Package storetest checks that a backend keeps the kvstore.Backend
// contract, as testing/fstest checks an fs.FS: TestBackend exercises the
// whole contract, its errors and its concurrency, against a real instance
// of the backend, and every backend's tests call it.
//
// It also offers what a backend's own tests need to check a history of
// concurrent clients for linearizability with porcupine: Recorder, which
// records operations as they happen, and CheckRegisters, which checks
// them against a set of registers.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Data is one set of data under test, such as a file or an etcd prefix,
// empty at first.
type Data interface {
	// Open opens a Backend on the data, which the test closes. The suite
	// closes one before it opens the next, as a file admits one writer.
	Open(t *testing.T) kvstore.Backend
	// WriteElsewhere stores the JSON text raw under key as another program
	// or client would, past every Backend open on the data, and returns
	// once those can tell (Changed reports it).
	WriteElsewhere(t *testing.T, key string, raw []byte)
}

// TestBackend runs the contract's checks, each as a subtest on data of
// its own from newData.
func TestBackend(t *testing.T, newData func(t *testing.T) Data) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, d Data)
	}{
		{"StagedReads", testStagedReads},
		{"Errors", testErrors},
		{"FlushAndReopen", testFlushAndReopen},
		{"ConflictKeepOurs", func(t *testing.T, d Data) { testConflictMerge(t, d, true) }},
		{"ConflictKeepTheirs", func(t *testing.T, d Data) { testConflictMerge(t, d, false) }},
		{"Overwrite", testOverwrite},
		{"ChangedAndReload", testChangedAndReload},
		{"Events", testEvents},
		{"ConcurrentWritersAreLinearizable", testConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, newData(t)) })
	}
}

// open opens d and closes it with the test, failing on an error of a
// Close the test did not make itself.
func open(t *testing.T, d Data) kvstore.Backend {
	t.Helper()
	b := d.Open(t)
	t.Cleanup(func() { b.Close() })
	return b
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// want fails unless b shows exactly the keys and values of want.
func want(t *testing.T, b kvstore.Backend, want map[string]string) {
	t.Helper()
	keys := b.Keys()
	if !slices.IsSorted(keys) {
		t.Errorf("Keys = %q, not in ascending order", keys)
	}
	var wantKeys []string
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	slices.Sort(wantKeys)
	if !slices.Equal(keys, wantKeys) && (len(keys) > 0 || len(wantKeys) > 0) {
		t.Errorf("Keys = %q, want %q", keys, wantKeys)
	}
	wantList(t, "ListKeys", kvstore.ListKeys(b), wantKeys)
	for k, v := range want {
		raw, ok := b.GetRaw(k)
		if !ok || string(raw) != v || !b.Has(k) {
			t.Errorf("GetRaw(%q) = %s, %v (Has %v), want %s", k, raw, ok, b.Has(k), v)
		}
	}
}

// wantList fails unless l lists exactly keys, which are sorted: by
// index, and by Search of each key and of the strings beside it.
func wantList(t *testing.T, what string, l *kvstore.KeyList, keys []string) {
	t.Helper()
	if got := l.Slice(); !slices.Equal(got, keys) && (len(got) > 0 || len(keys) > 0) {
		t.Errorf("%s = %q, want %q", what, got, keys)
		return
	}
	for i, k := range keys {
		if l.At(i) != k {
			t.Errorf("%s: At(%d) = %q, want %q", what, i, l.At(i), k)
		}
		if j, ok := l.Index(k); j != i || !ok {
			t.Errorf("%s: Index(%q) = %d, %v, want %d, true", what, k, j, ok, i)
		}
		if j := l.Search(k + "\x00"); j != i+1 {
			t.Errorf("%s: Search(%q) = %d, want %d", what, k+"\x00", j, i+1)
		}
	}
	n := 0
	for i, k := range l.All() {
		if i != n || i >= len(keys) || k != keys[i] {
			t.Errorf("%s: All yields %d: %q at the %dth key", what, i, k, n)
			return
		}
		n++
	}
	if n != len(keys) {
		t.Errorf("%s: All yields %d keys, want %d", what, n, len(keys))
	}
	var read []string
	buf := make([]string, 2)
	for from := 0; from < l.Len(); {
		keys := l.Read(from, buf)
		if len(keys) == 0 {
			t.Errorf("%s: Read(%d) reads nothing of %d keys", what, from, l.Len())
			break
		}
		read = append(read, keys...)
		from += len(keys)
	}
	if !slices.Equal(read, keys) && (len(read) > 0 || len(keys) > 0) {
		t.Errorf("%s: Read gives %q, want %q", what, read, keys)
	}
	if j := l.Search(""); j != 0 {
		t.Errorf("%s: Search(\"\") = %d, want 0", what, j)
	}
}

// flushed saves b, retrying while the backend is out of reach, as a front
// end's retry would.
func flushed(t *testing.T, b kvstore.Backend) {
	t.Helper()
	for range 20 {
		err := b.Flush()
		if err == nil {
			break
		}
		if !errors.Is(err, kvstore.ErrUnreachable) {
			t.Fatalf("Flush: %v", err)
		}
	}
	if n, err := b.Pending(), b.LastSaveError(); n != 0 || err != nil {
		t.Fatalf("after Flush %d changes pending, last error %v", n, err)
	}
}

// A write shows in every read at once, compact and in key order, whether
// or not it is saved yet.
func testStagedReads(t *testing.T, d Data) {
	b := open(t, d)
	must(t, "SetRaw", b.SetRaw("m", []byte(` { "x" : [1, 2] } `)))
	must(t, "SetRaw", b.SetRaw("a", []byte(`"first"`)))
	must(t, "SetRaw", b.SetRaw("z", []byte(`null`)))
	want(t, b, map[string]string{"m": `{"x":[1,2]}`, "a": `"first"`, "z": `null`})
	before := kvstore.ListKeys(b)
	must(t, "Delete", b.Delete("m"))
	must(t, "Delete of a missing key", b.Delete("missing"))
	must(t, "Rename", b.Rename("a", "b"))
	want(t, b, map[string]string{"b": `"first"`, "z": `null`})
	// A key list taken before the changes still lists the keys as they were.
	wantList(t, "ListKeys before the changes", before, []string{"a", "m", "z"})
	if _, ok := b.GetRaw("m"); ok || b.Has("a") {
		t.Error("a deleted or renamed key is still there")
	}
}

// Invalid JSON, a rename from a missing key or onto an existing one, and
// any write after Close are refused with the contract's errors, and change
// nothing.
func testErrors(t *testing.T, d Data) {
	b := open(t, d)
	must(t, "SetRaw", b.SetRaw("a", []byte(`1`)))
	must(t, "SetRaw", b.SetRaw("b", []byte(`2`)))
	err := b.SetRaw("bad", []byte("{\n  \"x\": tru\n}"))
	var syn *kvstore.SyntaxError
	if !errors.As(err, &syn) || syn.Line != 2 {
		t.Errorf("SetRaw of invalid JSON = %v, want a *kvstore.SyntaxError on line 2", err)
	}
	if err := b.Rename("missing", "c"); !errors.Is(err, kvstore.ErrNotFound) {
		t.Errorf("Rename of a missing key = %v, want ErrNotFound", err)
	}
	if err := b.Rename("a", "b"); !errors.Is(err, kvstore.ErrExists) {
		t.Errorf("Rename onto an existing key = %v, want ErrExists", err)
	}
	want(t, b, map[string]string{"a": "1", "b": "2"})
	flushed(t, b)
	must(t, "Close", b.Close())
	if err := b.SetRaw("a", []byte(`3`)); !errors.Is(err, kvstore.ErrClosed) {
		t.Errorf("SetRaw after Close = %v, want ErrClosed", err)
	}
	if err := b.Delete("a"); !errors.Is(err, kvstore.ErrClosed) {
		t.Errorf("Delete after Close = %v, want ErrClosed", err)
	}
}

// What Flush saved is there when the data is opened again.
func testFlushAndReopen(t *testing.T, d Data) {
	b := open(t, d)
	must(t, "SetRaw", b.SetRaw("a", []byte(`{"n": 1}`)))
	must(t, "SetRaw", b.SetRaw("b", []byte(`[true]`)))
	must(t, "SetRaw", b.SetRaw("gone", []byte(`0`)))
	must(t, "Rename", b.Rename("b", "c"))
	flushed(t, b)
	must(t, "Delete", b.Delete("gone"))
	flushed(t, b)
	must(t, "Close", b.Close())
	want(t, open(t, d), map[string]string{"a": `{"n":1}`, "c": `[true]`})
}

// conflicted makes key's change pending against another client's change
// of it, with other changed elsewhere too, and returns b.
func conflicted(t *testing.T, d Data) kvstore.Backend {
	t.Helper()
	b := open(t, d)
	must(t, "SetRaw", b.SetRaw("k", []byte(`1`)))
	must(t, "SetRaw", b.SetRaw("mine", []byte(`1`)))
	flushed(t, b)
	d.WriteElsewhere(t, "k", []byte(`2`))
	d.WriteElsewhere(t, "other", []byte(`3`))
	// A backend that saves each write at once refuses it now; one that
	// saves later, at the Flush below.
	if err := b.SetRaw("k", []byte(`10`)); err != nil && !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("SetRaw over another client's change: %v", err)
	}
	if err := b.SetRaw("mine", []byte(`11`)); err != nil && !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("SetRaw: %v", err)
	}
	if err := b.Flush(); !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("Flush over another client's change = %v, want ErrConflict", err)
	}
	if b.Pending() == 0 || !errors.Is(b.LastSaveError(), kvstore.ErrConflict) {
		t.Fatalf("after a conflict %d changes pending, last error %v; want ours kept, and the conflict",
			b.Pending(), b.LastSaveError())
	}
	if raw, _ := b.GetRaw("k"); string(raw) != "10" {
		t.Errorf("after a conflict k = %s, want ours, 10, still shown", raw)
	}
	return b
}

// Conflict shows both sides of a key changed on both, and Merge keeps
// ours or theirs as asked, saves, and takes the others' other changes.
func testConflictMerge(t *testing.T, d Data, keepOurs bool) {
	b := conflicted(t, d)
	c, err := b.Conflict()
	must(t, "Conflict", err)
	if !slices.Equal(c.Collisions, []string{"k"}) || string(c.Ours["k"]) != "10" || string(c.Theirs["k"]) != "2" {
		t.Fatalf("Conflict = ours %s, theirs %s, collisions %q; want k: 10 against 2", c.Ours, c.Theirs, c.Collisions)
	}
	must(t, "Merge", b.Merge(func(key string) bool { return keepOurs && key == "k" }))
	k := "2"
	if keepOurs {
		k = "10"
	}
	result := map[string]string{"k": k, "mine": "11", "other": "3"}
	want(t, b, result)
	if n, err := b.Pending(), b.LastSaveError(); n != 0 || err != nil {
		t.Errorf("after Merge %d changes pending, last error %v", n, err)
	}
	must(t, "Close", b.Close())
	want(t, open(t, d), result)
}

// Overwrite saves ours over the others' change.
func testOverwrite(t *testing.T, d Data) {
	b := conflicted(t, d)
	must(t, "Overwrite", b.Overwrite())
	if n, err := b.Pending(), b.LastSaveError(); n != 0 || err != nil {
		t.Errorf("after Overwrite %d changes pending, last error %v", n, err)
	}
	must(t, "Close", b.Close())
	b = open(t, d)
	for k, v := range map[string]string{"k": "10", "mine": "11"} {
		if raw, _ := b.GetRaw(k); string(raw) != v {
			t.Errorf("after Overwrite %s = %s, want ours, %s", k, raw, v)
		}
	}
}

// Changed tells of a change made elsewhere, and Reload drops the pending
// changes and shows the data as it is.
func testChangedAndReload(t *testing.T, d Data) {
	b := open(t, d)
	must(t, "SetRaw", b.SetRaw("a", []byte(`1`)))
	flushed(t, b)
	if changed, err := b.Changed(); err != nil || changed {
		t.Errorf("Changed after our own save = %v, %v; want false", changed, err)
	}
	d.WriteElsewhere(t, "b", []byte(`2`))
	if changed, err := b.Changed(); err != nil || !changed {
		t.Errorf("Changed after another client's write = %v, %v; want true", changed, err)
	}
	must(t, "Delete", b.Delete("a"))
	if b.Pending() == 0 {
		// A backend that saved the deletion at once has nothing to drop.
		must(t, "SetRaw", b.SetRaw("a", []byte(`1`)))
		flushed(t, b)
		d.WriteElsewhere(t, "a", []byte(`5`))
		if err := b.Delete("a"); !errors.Is(err, kvstore.ErrConflict) {
			t.Fatalf("Delete over another client's change = %v, want ErrConflict", err)
		}
	}
	must(t, "Reload", b.Reload())
	if n, err := b.Pending(), b.LastSaveError(); n != 0 || err != nil {
		t.Errorf("after Reload %d changes pending, last error %v", n, err)
	}
	if !b.Has("a") || !b.Has("b") {
		t.Errorf("after Reload the keys are %q, want a, kept, and b, written elsewhere", b.Keys())
	}
	wantList(t, "ListKeys after Reload", kvstore.ListKeys(b), b.Keys())
}

// Every save is reported on Events.
func testEvents(t *testing.T, d Data) {
	b := open(t, d)
	must(t, "SetRaw", b.SetRaw("a", []byte(`1`)))
	flushed(t, b)
	select {
	case ev, ok := <-b.Events():
		if !ok || ev.Err != nil || ev.Changes == 0 {
			t.Errorf("the save's event = %+v (open %v), want a save of a change without error", ev, ok)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s of a save")
	}
}

// Goroutines sharing one Backend write and read keys at once: every read
// returns the latest write of its key, as if each call happened at one
// instant between its start and its return.
func testConcurrent(t *testing.T, d Data) {
	b := open(t, d)
	keys := []string{"r0", "r1", "r2"}
	for _, k := range keys {
		must(t, "SetRaw", b.SetRaw(k, []byte(`""`)))
	}
	flushed(t, b)
	rec := NewRecorder()
	var wg sync.WaitGroup
	const clients, ops = 4, 40
	for c := range clients {
		wg.Go(func() {
			for i := range ops {
				key := keys[(c+i)%len(keys)]
				if i%3 == 0 {
					op := rec.Begin(c, Read(key))
					raw, ok := b.GetRaw(key)
					if !ok {
						raw = nil
					}
					op.End(Value(raw))
					continue
				}
				value := fmt.Sprintf(`"c%d-%d"`, c, i)
				op := rec.Begin(c, Write(key, value))
				err := b.SetRaw(key, []byte(value))
				switch {
				case err == nil, errors.Is(err, kvstore.ErrConflict):
					// Staged either way: a conflict of a Backend's own
					// concurrent writes is settled by its next save.
					op.End(Output{Result: Done})
				default:
					t.Errorf("SetRaw: %v", err)
					op.End(Output{Result: Unknown})
				}
				if i%5 == 0 {
					if err := b.Flush(); err != nil && !errors.Is(err, kvstore.ErrConflict) {
						t.Errorf("Flush: %v", err)
					}
				}
			}
		})
	}
	wg.Wait()
	CheckRegisters(t, rec.History(), `""`)
}

// Register operations, as a Recorder records them and CheckRegisters
// checks them: each key is a register holding JSON text, or nothing.
type (
	// Input is what an operation asked.
	Input struct {
		Key   string
		Write bool
		Value string // the JSON text written
	}
	// Output is what an operation answered.
	Output struct {
		// Result is Done for a read or a write that took effect, Refused
		// for a write that did not, Unknown for one that may have.
		Result Result
		Value  string // what a read returned
		Absent bool   // a read found no key
	}
	// Result is a write's outcome.
	Result int
)

// Outcomes of an operation.
const (
	Done Result = iota
	Refused
	Unknown
)

// Read asks for the value of key.
func Read(key string) Input { return Input{Key: key} }

// Write stores value under key.
func Write(key, value string) Input { return Input{Key: key, Write: true, Value: value} }

// Value is a read's answer: raw, or nil for no key.
func Value(raw []byte) Output {
	if raw == nil {
		return Output{Absent: true}
	}
	return Output{Value: string(compact(raw))}
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
