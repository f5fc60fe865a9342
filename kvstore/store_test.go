package kvstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// The call sites of the original library's README must compile and work
// unchanged: Set and Delete as statements, Get with two results.
func TestOriginalAPI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	store, err := kvstore.NewKVStore(path, true)
	if err != nil {
		t.Fatal(err)
	}
	store.Set("user1", map[string]interface{}{"name": "John Doe", "age": 30})
	store.Set("user2", "Jane")
	value, exists := store.Get("user1")
	if !exists {
		t.Fatal("user1 missing")
	}
	want := map[string]interface{}{"name": "John Doe", "age": float64(30)}
	if !reflect.DeepEqual(value, want) {
		t.Fatalf("Get = %#v, want %#v", value, want)
	}
	store.Delete("user2")
	if keys := store.Keys(); !reflect.DeepEqual(keys, []string{"user1"}) {
		t.Fatalf("Keys = %v", keys)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	reopened := openAt(t, path, nil)
	if v, ok := reopened.Get("user1"); !ok || !reflect.DeepEqual(v, want) {
		t.Fatalf("after reopen Get = %#v, %v", v, ok)
	}
	if reopened.Has("user2") {
		t.Fatal("deleted key came back")
	}
}

// A file written by the original library (json.Marshal, compact, 0644)
// loads as it is.
func TestLoadsCompactFileFromOriginal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	orig := map[string]interface{}{
		"user1": map[string]interface{}{"name": "John <Doe>", "age": 30},
		"n":     1.5e300,
		"list":  []interface{}{1, "two", nil, true},
	}
	b, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b))
	s := openAt(t, path, nil)
	if s.Len() != 3 {
		t.Fatalf("Len = %d", s.Len())
	}
	var back map[string]interface{}
	json.Unmarshal(b, &back)
	for k, want := range back {
		got, ok := s.Get(k)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Get(%q) = %#v, want %#v", k, got, want)
		}
	}
}

// A value read back has the same Go type before and after a restart.
func TestValueTypesStableAcrossRestart(t *testing.T) {
	s, path := openStore(t, nil)
	values := map[string]any{
		"int":    42,
		"big":    int64(1) << 60,
		"float":  2.5,
		"string": "héllo <b>",
		"nested": map[string]any{"a": []int{1, 2}, "b": map[string]bool{"x": true}},
		"null":   nil,
		"struct": struct {
			Name string `json:"name"`
		}{"n"},
	}
	for k, v := range values {
		mustSet(t, s, k, v)
	}
	before := map[string]any{}
	for _, k := range s.Keys() {
		before[k], _ = s.Get(k)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openAt(t, path, nil)
	for k, v := range before {
		after, _ := s2.Get(k)
		if !reflect.DeepEqual(v, after) {
			t.Errorf("%s: before restart %#v (%T), after %#v (%T)", k, v, v, after, after)
		}
	}
	if _, isFloat := before["int"].(float64); !isFloat {
		t.Errorf("Get of an int gives %T, want float64 as after a restart", before["int"])
	}
	// The typed accessor keeps integers exact, before and after.
	if n, err := kvstore.GetAs[int64](s2, "big"); err != nil || n != 1<<60 {
		t.Errorf("GetAs[int64](big) = %d, %v", n, err)
	}
}

// The store keeps what was passed to Set, not a reference to it.
func TestSetCopiesTheValue(t *testing.T) {
	s, _ := openStore(t, nil)
	m := map[string]any{"count": 1}
	mustSet(t, s, "m", m)
	m["count"] = 2
	m["extra"] = true
	got, _ := s.Get("m")
	if !reflect.DeepEqual(got, map[string]any{"count": float64(1)}) {
		t.Fatalf("store changed with the caller's map: %#v", got)
	}
	// Nor can a caller change it through a value it got back.
	got.(map[string]any)["count"] = 99.0
	raw, _ := s.GetRaw("m")
	raw[0] = 'X'
	if again, _ := s.GetRaw("m"); string(again) != `{"count":1}` {
		t.Fatalf("store changed through returned values: %s", again)
	}
}

func TestSetRejectsUnencodableValues(t *testing.T) {
	type node struct{ Next *node }
	cycle := &node{}
	cycle.Next = cycle
	bad := map[string]any{
		"chan":  make(chan int),
		"func":  func() {},
		"nan":   math.NaN(),
		"inf":   math.Inf(1),
		"cycle": cycle,
		"deep":  map[string]any{"ok": 1, "bad": math.NaN()},
	}
	s, path := openStore(t, &kvstore.Options{SaveInterval: -1})
	mustSet(t, s, "keep", "me")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, path)
	for name, v := range bad {
		err := s.Set(name, v)
		if err == nil {
			t.Errorf("Set(%s) succeeded", name)
			continue
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("Set(%s) error does not say what and where: %v", name, err)
		}
	}
	if s.Len() != 1 || s.Dirty() {
		t.Fatalf("rejected values changed the store: len %d dirty %v", s.Len(), s.Dirty())
	}
	if err := s.Flush(); err != nil {
		t.Fatalf("a later save fails: %v", err)
	}
	if after := readFile(t, path); after != before {
		t.Fatalf("file changed:\n%s", after)
	}
}

func TestSetRaw(t *testing.T) {
	s, _ := openStore(t, nil)
	if err := s.SetRaw("n", []byte(" {\n  \"price\": 1.50,\n  \"id\": 12345678901234567890\n}\n")); err != nil {
		t.Fatal(err)
	}
	raw, _ := s.GetRaw("n")
	if string(raw) != `{"price":1.50,"id":12345678901234567890}` {
		t.Fatalf("GetRaw = %s: digits or order not kept", raw)
	}

	err := s.SetRaw("bad", []byte("{\n  \"a\": 1,\n  \"b\": tru\n}"))
	var se *kvstore.SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, kvstore.ErrCorrupt) {
		t.Fatalf("SetRaw(invalid) = %v, want a *SyntaxError", err)
	}
	if se.Line != 3 || se.Column != 11 {
		t.Errorf("error at %d:%d, want 3:11 (%v)", se.Line, se.Column, err)
	}
	if !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("error does not name the key: %v", err)
	}
	for _, text := range []string{"", "  ", "1 2", "{}x", `{"a":1,}`, `[1,]`, `"\x"`, "\"a\nb\"", `01`, `-`, `1.`, `1e`, `nul`} {
		if err := s.SetRaw("bad", []byte(text)); !errors.Is(err, kvstore.ErrCorrupt) {
			t.Errorf("SetRaw(%q) = %v, want ErrCorrupt", text, err)
		}
	}
	if s.Has("bad") {
		t.Fatal("invalid JSON was stored")
	}

	// Valid JSON whose number overflows float64 is kept, and Get still
	// returns it, with its digits, instead of failing.
	if err := s.SetRaw("huge", []byte(`[1e400, 2]`)); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("huge"); !ok || !reflect.DeepEqual(v, []any{json.Number("1e400"), json.Number("2")}) {
		t.Fatalf("Get(huge) = %#v, %v", v, ok)
	}
}

func TestEmptyKeyIsAKey(t *testing.T) {
	s, _ := openStore(t, nil)
	if err := s.Set("", "the empty key is a key"); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get(""); !ok || v != "the empty key is a key" {
		t.Fatalf("empty key: %v %v", v, ok)
	}
}

func TestGetAs(t *testing.T) {
	type user struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	s, _ := openStore(t, nil)
	mustSet(t, s, "u", user{"Ann", 41})
	u, err := kvstore.GetAs[user](s, "u")
	if err != nil || u != (user{"Ann", 41}) {
		t.Fatalf("GetAs = %+v, %v", u, err)
	}
	if _, err := kvstore.GetAs[user](s, "missing"); !errors.Is(err, kvstore.ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := kvstore.GetAs[int](s, "u"); err == nil || !strings.Contains(err.Error(), `"u"`) {
		t.Fatalf("wrong type: %v", err)
	}
}

func TestKeysLenAndIterators(t *testing.T) {
	s, _ := openStore(t, nil)
	for _, k := range []string{"b/2", "a", "b/1", "c", "b/10", "ba"} {
		mustSet(t, s, k, k)
	}
	if got := s.Keys(); !reflect.DeepEqual(got, []string{"a", "b/1", "b/10", "b/2", "ba", "c"}) {
		t.Fatalf("Keys = %v", got)
	}
	if s.Len() != 6 {
		t.Fatalf("Len = %d", s.Len())
	}
	var got []string
	for k, v := range s.Prefix("b/") {
		got = append(got, k+"="+string(v))
		// The loop body may write to the store: the iterator is a snapshot.
		mustSet(t, s, "b/zz", 1)
	}
	if want := []string{`b/1="b/1"`, `b/10="b/10"`, `b/2="b/2"`}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Prefix = %v, want %v", got, want)
	}
	n := 0
	for range s.All() {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("break did not stop the loop")
	}
}

// The file is sorted, indented, ends with a newline and is byte-identical
// when saved again unchanged.
func TestFileFormat(t *testing.T) {
	s, path := openStore(t, nil)
	mustSet(t, s, "zeta", []any{1, "two", map[string]any{}, []any{}})
	mustSet(t, s, "alpha", map[string]any{"b": true, "a": nil, "html": "<&>"})
	mustSet(t, s, "line\nbreak", "tab\there")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `{
  "alpha": {
    "a": null,
    "b": true,
    "html": "<&>"
  },
  "line\nbreak": "tab\there",
  "zeta": [
    1,
    "two",
    {},
    []
  ]
}
`
	if got := readFile(t, path); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopen, change something and change it back: same bytes.
	s2 := openAt(t, path, nil)
	mustSet(t, s2, "alpha", 1)
	if err := s2.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s2.SetRaw("alpha", []byte(`{"a":null,"b":true,"html":"<&>"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s2.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != want {
		t.Fatalf("resaved file differs:\n%s", got)
	}
}

func TestEmptyStoreFile(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{AlwaysSave: true})
	mustSet(t, s, "k", 1)
	s.Delete("k")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "{}\n" {
		t.Fatalf("empty store file = %q", got)
	}
}

func TestFileModes(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.json")
	s := openAt(t, fresh, nil)
	mustSet(t, s, "k", 1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(fresh); info.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", info.Mode().Perm())
	}

	private := filepath.Join(dir, "private.json")
	writeFile(t, private, `{"k":1}`)
	os.Chmod(private, 0o600)
	s = openAt(t, private, nil)
	mustSet(t, s, "k", 2)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(private); info.Mode().Perm() != 0o600 {
		t.Errorf("existing 0600 file became %v", info.Mode().Perm())
	}
}

// Saves leave no temp files behind, and temp files left by a crash are
// removed at open.
func TestTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.json")
	stray := filepath.Join(dir, ".data.json.tmp-123456")
	writeFile(t, stray, `{"half":`)
	other := filepath.Join(dir, ".other.json.tmp-1")
	writeFile(t, other, "not ours")
	s := openAt(t, path, &kvstore.Options{AlwaysSave: true})
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("stray temp file not removed at open")
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temp was removed")
	}
	for i := range 5 {
		mustSet(t, s, "k", i)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{".other.json.tmp-1", "data.json"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("directory holds %v, want %v", names, want)
	}
}

// With always-save, a change is visible to a reader when Set returns: a
// reader opening the file sees it while the writer is still open. That it
// would survive a power cut is TestAlwaysSaveIsDurableOnReturn's check.
func TestAlwaysSaveIsVisibleOnReturn(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	for i := range 20 {
		mustSet(t, s, "counter", i)
		r := openAt(t, path, &kvstore.Options{ReadOnly: true})
		if v, _ := r.Get("counter"); v != float64(i) {
			t.Fatalf("after Set(%d) returned, the file holds %v", i, v)
		}
		r.Close()
	}
	if err := s.Delete("counter"); err != nil {
		t.Fatal(err)
	}
	r := openAt(t, path, &kvstore.Options{ReadOnly: true})
	if r.Has("counter") {
		t.Fatal("Delete returned before the file showed it")
	}
	if s.Dirty() {
		t.Fatal("always-save store dirty after successful writes")
	}
}

func TestPeriodicSaveRunsOnlyWhenDirty(t *testing.T) {
	s, path := openStore(t, &kvstore.Options{SaveInterval: 10 * time.Millisecond})
	noEvent(t, s, 60*time.Millisecond)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("an idle store created its file")
	}
	before := time.Now()
	mustSet(t, s, "a", 1)
	mustSet(t, s, "b", 2)
	if s.Pending() != 2 || !s.Dirty() {
		t.Fatalf("Pending = %d", s.Pending())
	}
	ev := nextEvent(t, s)
	if ev.Reason != kvstore.FlushPeriodic || ev.Err != nil || ev.Keys != 2 {
		t.Fatalf("event %+v", ev)
	}
	info, _ := os.Stat(path)
	// The event is this save's: it happened after the writes, and before now.
	if ev.Bytes != info.Size() || ev.Duration <= 0 || ev.Time.Before(before) || ev.Time.After(time.Now()) {
		t.Fatalf("event %+v does not describe the file (%d bytes)", ev, info.Size())
	}
	if s.Dirty() {
		t.Fatal("still dirty after the periodic save")
	}
	noEvent(t, s, 60*time.Millisecond)
	if info2, _ := os.Stat(path); !info2.ModTime().Equal(info.ModTime()) {
		t.Fatal("the file was rewritten with nothing to save")
	}
	// Setting a key to the value it already has is not a change.
	mustSet(t, s, "a", 1)
	if s.Dirty() {
		t.Fatal("rewriting an equal value made the store dirty")
	}
}

func TestEventsReasonsAndClose(t *testing.T) {
	s, _ := openStore(t, &kvstore.Options{SaveInterval: -1})
	mustSet(t, s, "a", 1)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, s); ev.Reason != kvstore.FlushManual || ev.Reason.String() != "manual" {
		t.Fatalf("Flush gave %+v", ev)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	noEvent(t, s, 20*time.Millisecond) // nothing to save, nothing reported
	mustSet(t, s, "b", 2)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, s); ev.Reason != kvstore.FlushClose || ev.Keys != 2 {
		t.Fatalf("Close gave %+v", ev)
	}
	if _, ok := <-s.Events(); ok {
		t.Fatal("events channel still open after Close")
	}
}

// Nobody reads the events: writers still finish, and a late reader finds
// the latest event.
func TestEventsNeverBlockTheSaver(t *testing.T) {
	s, _ := openStore(t, &kvstore.Options{AlwaysSave: true})
	for i := range 200 {
		mustSet(t, s, "k", i)
	}
	var last kvstore.FlushEvent
	n := 0
	for len(s.Events()) > 0 {
		last = <-s.Events()
		n++
	}
	if n == 0 || n > 64 {
		t.Fatalf("%d events buffered", n)
	}
	if last.Err != nil || last.Reason != kvstore.FlushAlways {
		t.Fatalf("latest event %+v", last)
	}
	if v, _ := s.Get("k"); v != float64(199) {
		t.Fatal("lost a write")
	}
}

// hideDir makes saves into dir fail by moving it away; restore undoes it.
func hideDir(t *testing.T, dir string) (restore func()) {
	t.Helper()
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.Rename(dir+".away", dir); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPeriodicSaveFailureStaysPendingAndRetries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	os.Mkdir(dir, 0o755)
	path := filepath.Join(dir, "data.json")
	s := openAt(t, path, &kvstore.Options{SaveInterval: 10 * time.Millisecond})
	restore := hideDir(t, dir)
	mustSet(t, s, "k", "v")
	ev := nextEvent(t, s)
	if ev.Err == nil || ev.Reason != kvstore.FlushPeriodic || !strings.Contains(ev.Err.Error(), path) {
		t.Fatalf("failed save reported as %+v", ev)
	}
	if !s.Dirty() || s.LastSaveError() == nil {
		t.Fatalf("failed save not pending: dirty %v, last error %v", s.Dirty(), s.LastSaveError())
	}
	restore()
	for ev = nextEvent(t, s); ev.Err != nil; ev = nextEvent(t, s) {
	}
	if s.Dirty() || s.LastSaveError() != nil {
		t.Fatal("successful retry left the store dirty")
	}
	if !strings.Contains(readFile(t, path), `"k": "v"`) {
		t.Fatal("retry did not write the change")
	}
}

func TestAlwaysSaveReturnsSaveError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	os.Mkdir(dir, 0o755)
	path := filepath.Join(dir, "data.json")
	s := openAt(t, path, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	mustSet(t, s, "before", 1)
	if err := s.Flush(); err != nil { // folds and closes the journal
		t.Fatal(err)
	}
	restore := hideDir(t, dir)
	err := s.Set("k", "v")
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Set with an unwritable directory = %v", err)
	}
	if v, ok := s.Get("k"); !ok || v != "v" || !s.Dirty() {
		t.Fatal("the change was dropped instead of kept pending")
	}
	restore()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := openAt(t, path, nil)
	if !r.Has("k") || !r.Has("before") {
		t.Fatal("the next save did not write everything")
	}
}

func TestCloseReturnsFinalSaveError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	os.Mkdir(dir, 0o755)
	s, err := kvstore.Open(filepath.Join(dir, "data.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "k", "v")
	defer hideDir(t, dir)()
	if err := s.Close(); err == nil {
		t.Fatal("Close hid the failure of its final save")
	}
	if ev := nextEvent(t, s); ev.Reason != kvstore.FlushClose || ev.Err == nil {
		t.Fatalf("close event %+v", ev)
	}
}

func TestClosedStore(t *testing.T) {
	s, _ := openStore(t, nil)
	mustSet(t, s, "k", 1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	for name, err := range map[string]error{
		"Set":       s.Set("k", 2),
		"SetRaw":    s.SetRaw("k", []byte("2")),
		"Delete":    s.Delete("k"),
		"Flush":     s.Flush(),
		"Overwrite": s.Overwrite(),
		"Reload":    s.Reload(),
	} {
		if !errors.Is(err, kvstore.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if _, err := kvstore.GetAs[int](s, "k"); !errors.Is(err, kvstore.ErrClosed) {
		t.Errorf("GetAs after Close = %v", err)
	}
	if _, ok := s.Get("k"); ok || len(s.Keys()) != 0 || s.Len() != 0 {
		t.Error("reads after Close still return data")
	}
}

func TestSecondWriterIsLockedOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	// A lock file left by a writer that crashed still names it.
	writeFile(t, path+".lock", "999999999\n")
	s := openAt(t, path, nil)
	_, err := kvstore.Open(path, nil)
	if !errors.Is(err, kvstore.ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second writer: %v", err)
	}
	var le *kvstore.LockedError
	if runtime.GOOS != "windows" {
		if !errors.As(err, &le) || le.PID != os.Getpid() || !strings.Contains(err.Error(), "this process holds "+path+".lock") {
			t.Fatalf("second writer: %v, want the holder named as this process", err)
		}
	}
	// Readers share the file with the writer and with each other.
	r1 := openAt(t, path, &kvstore.Options{ReadOnly: true})
	r2 := openAt(t, path, &kvstore.Options{ReadOnly: true})
	if err := r1.Set("k", 1); !errors.Is(err, kvstore.ErrReadOnly) {
		t.Fatalf("Set on a read-only store = %v", err)
	}
	if err := r2.Flush(); !errors.Is(err, kvstore.ErrReadOnly) {
		t.Fatalf("Flush on a read-only store = %v", err)
	}
	// The writer's saves are seen by Reload.
	mustSet(t, s, "k", "v")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := r1.Reload(); err != nil {
		t.Fatal(err)
	}
	if v, _ := r1.Get("k"); v != "v" {
		t.Fatalf("reader sees %v after Reload", v)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Error("lock file left behind after Close")
	}
	openAt(t, path, nil) // the lock is free again
}

// TestLockHolderProcess is the other process of TestLockAcrossProcesses. In
// a normal run the environment variable is unset and it returns at once.
func TestLockHolderProcess(t *testing.T) {
	path := os.Getenv("KVSTORE_TEST_HOLD_LOCK")
	if path == "" {
		return
	}
	s, err := kvstore.Open(path, nil)
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	buf := make([]byte, 1)
	os.Stdin.Read(buf) // hold the lock until the parent closes stdin
	s.Close()
	os.Exit(0)
}

func TestLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderProcess$")
	cmd.Env = append(os.Environ(), "KVSTORE_TEST_HOLD_LOCK="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 7)
	if _, err := stdout.Read(line); err != nil || string(line) != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	_, err := kvstore.Open(path, nil)
	if !errors.Is(err, kvstore.ErrLocked) {
		t.Fatalf("Open while another process holds the lock = %v", err)
	}
	var le *kvstore.LockedError
	if !errors.As(err, &le) || runtime.GOOS != "windows" && (le.PID != cmd.Process.Pid || !strings.Contains(err.Error(), fmt.Sprintf("process %d holds", le.PID))) {
		t.Fatalf("Open while process %d holds the lock = %v", cmd.Process.Pid, err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	openAt(t, path, nil)
}

func TestHandEditIsNeverOverwritten(t *testing.T) {
	for _, resolve := range []string{"reload", "overwrite"} {
		t.Run(resolve, func(t *testing.T) {
			s, path := openStore(t, &kvstore.Options{SaveInterval: -1})
			mustSet(t, s, "mine", 1)
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			nextEvent(t, s)
			// Someone edits the file by hand, as an editor would.
			edited := "{\n  \"mine\": 1,\n  \"theirs\": \"hand edit\"\n}\n"
			time.Sleep(10 * time.Millisecond) // a distinct modification time
			writeFile(t, path, edited)
			mustSet(t, s, "mine", 2)
			err := s.Flush()
			if !errors.Is(err, kvstore.ErrConflict) {
				t.Fatalf("Flush over a hand edit = %v", err)
			}
			if readFile(t, path) != edited || !s.Dirty() {
				t.Fatal("conflict lost the hand edit or the pending change")
			}
			if ev := nextEvent(t, s); !errors.Is(ev.Err, kvstore.ErrConflict) {
				t.Fatalf("event %+v", ev)
			}
			switch resolve {
			case "reload":
				if err := s.Reload(); err != nil {
					t.Fatal(err)
				}
				if v, _ := s.Get("theirs"); v != "hand edit" || s.Dirty() {
					t.Fatal("Reload did not take the file's content")
				}
				mustSet(t, s, "after", true)
				if err := s.Flush(); err != nil {
					t.Fatalf("save after Reload: %v", err)
				}
				if !strings.Contains(readFile(t, path), `"theirs": "hand edit"`) {
					t.Fatal("save after Reload dropped the hand edit")
				}
			case "overwrite":
				if err := s.Overwrite(); err != nil {
					t.Fatal(err)
				}
				if got := readFile(t, path); strings.Contains(got, "theirs") || !strings.Contains(got, `"mine": 2`) {
					t.Fatalf("Overwrite wrote %s", got)
				}
			}
		})
	}
}

func TestBadFiles(t *testing.T) {
	cases := []struct {
		name, content string
		line, col     int
		msg           string
	}{
		{"corrupt", "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}\n", 3, 14, "looking for beginning of value"},
		{"unterminated", "{\n  \"a\": \"open\n}", 2, 13, "missing closing quote"},
		{"truncated", "{\n  \"a\": {\"b\": 1", 2, 15, "unexpected end"},
		{"trailing", "{}\n{}", 2, 1, "after the top-level object"},
		{"duplicate", "{\"a\": 1,\n \"a\": 2}", 2, 2, `duplicate key "a"`},
		{"array", "[1, 2]", 1, 1, "an array; a store file must hold a JSON object"},
		{"string", `  "x"`, 1, 3, "a string"},
		{"null", "null", 1, 1, "null"},
		{"number", "\n12", 2, 1, "a number"},
		{"control character", "{\"bad\": \"val\x01ue\"}", 1, 13, "invalid control character byte 0x01 in string"},
		{"lone surrogate key", "{\n  \"a\\ud800\": 1}", 2, 3, "lone UTF-16 surrogate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			writeFile(t, path, c.content)
			_, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: true})
			var se *kvstore.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Open = %v, want a *SyntaxError", err)
			}
			if se.File != path || se.Line != c.line || se.Column != c.col || !strings.Contains(se.Msg, c.msg) {
				t.Errorf("got %v, want %s:%d:%d: ...%s...", err, path, c.line, c.col, c.msg)
			}
			if readFile(t, path) != c.content {
				t.Error("the bad file was changed")
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("Open left files behind: %v", entries)
			}
			// A later open with the file fixed works, so the lock was released.
			writeFile(t, path, "{}")
			openAt(t, path, nil)
		})
	}
}

func TestEmptyFilesAreEmptyStores(t *testing.T) {
	for _, content := range []string{"", " \n\t\r\n", "\xef\xbb\xbf{}"} {
		path := filepath.Join(t.TempDir(), "data.json")
		writeFile(t, path, content)
		s := openAt(t, path, nil)
		if s.Len() != 0 {
			t.Errorf("%q: Len = %d", content, s.Len())
		}
	}
}

func TestOpenErrorsSayWhatAndWhere(t *testing.T) {
	dir := t.TempDir()
	_, err := kvstore.Open(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "is a directory") || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open(directory) = %v", err)
	}
	missing := filepath.Join(dir, "no", "such", "data.json")
	_, err = kvstore.Open(missing, nil)
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), filepath.Join(dir, "no", "such")) {
		t.Errorf("Open(missing parent) = %v", err)
	}
	if _, err := kvstore.Open("", nil); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}

// A file of many entries is indexed while it is parsed; every key must be
// found through the index, and an error late in the file must still be
// reported with its line, whatever the indexing had done by then.
func TestLoadIndexesEveryEntryOfALargeFile(t *testing.T) {
	const n = 20000
	var b strings.Builder
	b.WriteString("{\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  \"key-%05d\": {\"i\": %d}", i, i)
	}
	good := b.String() + "\n}\n"
	path := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, path, good)
	s := openAt(t, path, nil)
	if s.Len() != n {
		t.Fatalf("Len = %d, want %d", s.Len(), n)
	}
	for i := range n {
		raw, ok := s.GetRaw(fmt.Sprintf("key-%05d", i))
		if want := fmt.Sprintf(`{"i":%d}`, i); !ok || string(raw) != want {
			t.Fatalf("GetRaw(key-%05d) = %s, %v; want %s", i, raw, ok, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	bad := b.String() + ",\n  \"key-00007\": 1\n}\n"
	writeFile(t, path, bad)
	_, err := kvstore.Open(path, nil)
	var se *kvstore.SyntaxError
	if !errors.As(err, &se) || se.Line != n+2 || !strings.Contains(se.Msg, `duplicate key "key-00007"`) {
		t.Fatalf("Open = %v, want a duplicate key error on line %d", err, n+2)
	}
}

// TestBytesThatAreNotUTF8AreKept: a file whose keys and values hold bytes
// that are not UTF-8 (Latin-1 text, a string cut inside a character) opens;
// the bytes are kept exactly, a save of another change leaves those members
// byte for byte as they were, and such a key can be renamed, deleted and
// set again like any other.
func TestBytesThatAreNotUTF8AreKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	latin := "  \"caf\xe9\": \"cr\xe8me \xff\",\n"
	escaped := "  \"tab\\t\xc3\": [\"\xfe\\n\"],\n"
	writeFile(t, path, "{\n"+latin+escaped+"  \"plain\": 1\n}\n")
	s := openAt(t, path, &kvstore.Options{SaveInterval: -1})
	if got := s.Keys(); !reflect.DeepEqual(got, []string{"caf\xe9", "plain", "tab\t\xc3"}) {
		t.Fatalf("Keys = %q", got)
	}
	if raw, _ := s.GetRaw("caf\xe9"); string(raw) != "\"cr\xe8me \xff\"" {
		t.Fatalf("GetRaw = %q", raw)
	}
	if v, _ := s.Get("caf\xe9"); v != "cr\ufffdme \ufffd" {
		t.Fatalf("Get = %q, want each bad byte as U+FFFD, as encoding/json decodes", v)
	}
	if err := s.Set("plain", 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); !strings.Contains(got, latin) || !strings.Contains(got, escaped) {
		t.Fatalf("a save changed the members it did not touch:\n%q", got)
	}
	if err := s.Rename("caf\xe9", "caf\xe9 2"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRaw("new \x80", []byte("{\"k\x81\": \"v\x82\"}")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("tab\t\xc3"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	back := openAt(t, path, &kvstore.Options{ReadOnly: true})
	if got := back.Keys(); !reflect.DeepEqual(got, []string{"caf\xe9 2", "new \x80", "plain"}) {
		t.Fatalf("after rename, set and delete the file holds %q", got)
	}
	if raw, _ := back.GetRaw("new \x80"); string(raw) != "{\"k\x81\":\"v\x82\"}" {
		t.Fatalf("SetRaw's bytes came back as %q", raw)
	}
}
