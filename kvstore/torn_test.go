package kvstore

// Torn files (`torn_test.go`). `TestTornDataFileEveryOffset` truncates a
// small store file at every byte offset and `TestTornLargeDataFile` a large
// one (2,000 keys) at random offsets. Each prefix must load exactly what
// `encoding/json` finds in it (only the empty prefix, which is an empty
// store, the file without its final newline and the whole file can), or fail
// with a `*SyntaxError` naming the file with a correct line, column and
// offset. Open, read-write or read-only, never panics, never loads a partial
// value, never changes the torn file and never leaves temp files.
// `TestReloadTornFile` checks that Reload of a torn file keeps the store's
// content. `TestTornJournal` cuts the always-save journal at every byte
// offset: Open must always succeed (a torn last line is dropped), load the
// state after some prefix of the writes, never an older one for a longer
// cut, and all of them from the whole journal; a corrupt line in the middle
// must fail Open with a `*SyntaxError` naming the journal and the line and
// leave the files untouched. `TestTornRenameIsAllOrNothing` cuts the journal
// at every byte of a Rename: the value must load under exactly one of its
// old key and its new one. `TestTornJournalWithHole` zeroes every run of
// pages of an unacknowledged append, with its later pages on disk: Open
// must keep every acknowledged write and a prefix of that append.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// exampleFile builds a store file the way a user would, with values that
// exercise the encoder (nesting, escapes, non-ASCII, exact numbers), and
// returns its bytes and content.
func exampleFile(t *testing.T, keys int) ([]byte, state) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "example.json")
	s, err := Open(path, &Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	fixed := map[string]string{
		"theme":       `{"name": "dark", "size": 14, "fonts": ["mono", "sans"], "empty": {}, "none": []}`,
		"ключ":        `"значение with \"quotes\" and \\ and \n and <&>"`,
		"big":         `123456789012345678901234567890.123456789`,
		"neg":         `-1.5e-300`,
		"flags":       `[true, false, null]`,
		"nested":      `{"a": {"b": {"c": [1, [2, [3, {}]]]}}}`,
		"tab\tkey":    `"x"`,
		"emoji🙂":      `"🙂"`,
		"escaped\\\"": `""`,
	}
	for k, v := range fixed {
		if err := s.SetRaw(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range keys {
		if err := s.Set(fmt.Sprintf("key%05d", i), map[string]any{"i": i, "s": strings.Repeat("v", i%50), "l": []int{i, i * 2}}); err != nil {
			t.Fatal(err)
		}
	}
	want := storeState(s)
	mustClose(t, s)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, want
}

// oracleState decodes a data file with encoding/json, independently of
// the store's own scanner: ok is false if the bytes are not a complete
// store file (white space only is an empty store).
func oracleState(data []byte) (state, bool) {
	if len(bytes.TrimLeft(data, " \t\r\n")) == 0 {
		return state{}, true
	}
	if !json.Valid(data) {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, false
	}
	st := state{}
	for k, v := range m {
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return nil, false
		}
		st[k] = c.String()
	}
	return st, true
}

// checkTornOpen writes data (a prefix of full) as the data file in a new
// directory and opens it, read-write and read-only: each open must load
// exactly what encoding/json finds in the bytes, or fail with a
// *SyntaxError naming the file, without panicking, without loading a
// partial value and without touching the file.
func checkTornOpen(t *testing.T, dir string, data []byte, full state) {
	t.Helper()
	path := filepath.Join(dir, "data.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want, complete := oracleState(data)
	for _, opts := range []*Options{{SaveInterval: -1}, {ReadOnly: true}} {
		s, err := Open(path, opts)
		if err == nil {
			got := storeState(s)
			if cerr := s.Close(); cerr != nil {
				t.Fatalf("Close: %v", cerr)
			}
			if !complete {
				t.Fatalf("%d bytes: Open loaded a torn file as %v", len(data), got)
			}
			if !maps.Equal(got, want) {
				t.Fatalf("%d bytes: Open loaded %v, want %v", len(data), got, want)
			}
			for k, v := range got {
				if full[k] != v {
					t.Fatalf("%d bytes: key %q loaded as %s, which is not its complete value %s", len(data), k, v, full[k])
				}
			}
		} else {
			if complete {
				t.Fatalf("%d bytes: Open failed on a complete file: %v", len(data), err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%d bytes: Open error %v is not a *SyntaxError", len(data), err)
			}
			if se.File != path || se.Line < 1 || se.Column < 1 || se.Offset < 0 || se.Offset > int64(len(data)) {
				t.Fatalf("%d bytes: SyntaxError %+v does not point into %s", len(data), se, path)
			}
			if line, col := lineCol(data, int(se.Offset)); line != se.Line || col != se.Column {
				t.Fatalf("%d bytes: SyntaxError at offset %d says %d:%d, the offset is at %d:%d", len(data), se.Offset, se.Line, se.Column, line, col)
			}
		}
		now, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(now, data) {
			t.Fatalf("%d bytes: opening the torn file changed it (%v)", len(data), err)
		}
		if strays := strayTemps(t, path); len(strays) > 0 {
			t.Fatalf("%d bytes: Open left temp files %v", len(data), strays)
		}
	}
}

// TestTornDataFileEveryOffset truncates a small store file at every byte
// offset. Only the empty prefix (an empty store, as documented), the file
// without its final newline and the whole file may load; every other
// prefix must fail with a clear error, leaving the file as it was.
func TestTornDataFileEveryOffset(t *testing.T) {
	full, want := exampleFile(t, 3)
	root := t.TempDir()
	loaded := 0
	for n := 0; n <= len(full); n++ {
		dir := filepath.Join(root, fmt.Sprint(n))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		checkTornOpen(t, dir, full[:n], want)
		if _, ok := oracleState(full[:n]); ok {
			loaded++
		}
	}
	if loaded != 3 {
		t.Errorf("%d prefixes of the %d-byte file are complete files; expected 3 (empty, without final newline, whole)", loaded, len(full))
	}
}

// TestTornLargeDataFile truncates a large store file at random offsets.
func TestTornLargeDataFile(t *testing.T) {
	keys, cuts := 2000, 120
	if testing.Short() {
		keys, cuts = 500, 20
	}
	full, want := exampleFile(t, keys)
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 0))
	t.Logf("%d-byte file, seed %d", len(full), seed)
	root := t.TempDir()
	offsets := []int{len(full) - 1, len(full) - 2, len(full), 1, len(full) / 2}
	for len(offsets) < cuts {
		offsets = append(offsets, r.IntN(len(full)))
	}
	for i, n := range offsets {
		dir := filepath.Join(root, fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		checkTornOpen(t, dir, full[:n], want)
		if t.Failed() {
			t.Fatalf("seed %d, offset %d", seed, n)
		}
	}
}

// TestReloadTornFile: a store whose file is replaced by a torn one keeps
// its content on Reload and says why, and a read-only viewer does too.
func TestReloadTornFile(t *testing.T) {
	full, want := exampleFile(t, 20)
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, full, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []*Options{{SaveInterval: -1}, {ReadOnly: true}} {
		s, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		torn := full[:len(full)*2/3]
		if err := os.WriteFile(path, torn, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.Reload(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Reload of a torn file: %v, want ErrCorrupt", err)
		}
		if got := storeState(s); !maps.Equal(got, want) {
			t.Errorf("a failed Reload changed the store to %d keys", len(got))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, torn) {
			t.Error("the store wrote over the torn file")
		}
		if err := os.WriteFile(path, full, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// storeFiles copies every file of the store at path (the data file and
// any journal) except the lock and temp files.
func storeFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, filepath.Base(path)) || strings.HasSuffix(name, ".lock") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// withoutRoom returns the content of a journal file: its bytes without the
// zeros allocated ahead of the appends (see appendJournal).
func withoutRoom(b []byte) []byte { return bytes.TrimRight(b, "\x00") }

// withRoom returns journal content as a preallocated journal holds it:
// followed by zeros, here to one page past the next page boundary.
func withRoom(b []byte) []byte {
	room := (len(b)/holeAlign + 2) * holeAlign
	return append(slices.Clone(b), make([]byte, room-len(b))...)
}

// TestTornJournal truncates the journal of an always-save store at every
// byte offset, as a crash in the middle of an append leaves it. Open must
// succeed (a torn last line is dropped) and load the state after some
// prefix of the writes, never losing more as the journal gets longer, and
// load them all from the whole journal. Each cut is tried as a journal that
// ends there (as one that grows with each append leaves it, and as the
// previous version wrote them) and followed by preallocated zeros, which
// must load the same. A corrupt line in the middle must
// fail Open with a *SyntaxError naming the journal and the line. Where the
// store keeps no journal, it checks that the data file alone holds every
// acknowledged write.
func TestTornJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	states := []state{storeState(s)}
	for i := range 24 {
		k := fmt.Sprintf("k%d", i%7)
		var err error
		if i%5 == 4 {
			err = s.Delete(k)
		} else {
			err = s.SetRaw(k, []byte(fmt.Sprintf(`{"i": %d, "s": "line\nbreak \"%d\""}`, i, i)))
		}
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, storeState(s))
	}
	files := storeFiles(t, path)
	mustClose(t, s)
	final := states[len(states)-1]

	jname := filepath.Base(path) + ".journal"
	journal, ok := files[jname]
	journal = withoutRoom(journal)
	if !ok {
		t.Logf("the store keeps no journal (no %s after always-save writes; files: %v): checking the data file alone", jname, slices.Sorted(maps.Keys(files)))
		got, ok := oracleState(files[filepath.Base(path)])
		if !ok || !maps.Equal(got, final) {
			t.Fatalf("the data file holds %v, want every acknowledged write %v", got, final)
		}
		return
	}
	t.Logf("journal of %d bytes; files %v", len(journal), slices.Sorted(maps.Keys(files)))

	root := t.TempDir()
	prev := 0 // index in states of the last state loaded
	load := func(n int, cut []byte) state {
		dir := filepath.Join(root, fmt.Sprint(n, "-", len(cut)))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if name == jname {
				b = cut
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(dir, filepath.Base(path))
		s, err := Open(p, &Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("journal cut at %d of %d bytes (%d with its room): Open failed: %v", n, len(journal), len(cut), err)
		}
		defer s.Close()
		return storeState(s)
	}
	for n := 0; n <= len(journal); n++ {
		got := load(n, journal[:n])
		if roomy := load(n, withRoom(journal[:n])); !maps.Equal(roomy, got) {
			t.Fatalf("journal cut at %d bytes loads %v, and followed by preallocated zeros %v", n, got, roomy)
		}
		idx := slices.IndexFunc(states, func(st state) bool { return maps.Equal(st, got) })
		if idx < 0 {
			t.Fatalf("journal cut at %d bytes: loaded %v, which is no state the writes went through", n, got)
		}
		// Several states can be equal; take the first one at or after prev.
		for j := max(prev, idx); j < len(states); j++ {
			if maps.Equal(states[j], got) {
				idx = j
				break
			}
		}
		if idx < prev {
			t.Fatalf("journal cut at %d bytes loads an older state (#%d) than a shorter cut did (#%d)", n, idx, prev)
		}
		prev = idx
	}
	if prev != len(states)-1 {
		t.Fatalf("the whole journal loads state #%d, want the last, #%d", prev, len(states)-1)
	}

	// A corrupt line in the middle is an error naming the journal and line.
	lines := bytes.SplitAfter(journal, []byte("\n"))
	if len(lines) < 4 {
		t.Fatalf("only %d journal lines for 24 writes", len(lines))
	}
	mid := len(lines) / 2
	bad := slices.Clone(lines)
	bad[mid] = []byte("{this is not json\n")
	dir := filepath.Join(root, "corrupt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The same with preallocated zeros after the last line: the zeros
	// end the journal, and the corrupt line before valid ones is still
	// corruption.
	for _, roomy := range []bool{false, true} {
		dir := filepath.Join(root, fmt.Sprint("corrupt-", roomy))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if name == jname {
				b = bytes.Join(bad, nil)
				if roomy {
					b = withRoom(b)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(dir, filepath.Base(path))
		before := storeFiles(t, p)
		_, err = Open(p, &Options{AlwaysSave: true})
		var se *SyntaxError
		if !errors.As(err, &se) || se.File != p+".journal" || se.Line != mid+1 {
			t.Fatalf("Open with a corrupt journal line %d (room %v): %v (%+v), want a *SyntaxError naming %s line %d", mid+1, roomy, err, se, jname, mid+1)
		}
		if after := storeFiles(t, p); !maps.EqualFunc(before, after, bytes.Equal) {
			t.Fatal("a failed Open changed the store's files")
		}
	}
}

// TestTornRenameIsAllOrNothing cuts the journal at every byte of an
// unacknowledged Rename, as a power cut during its append can. The value
// was acknowledged before under its old key, so whatever the cut, it must
// load under exactly one of the old key and the new one, and nothing else
// may change.
func TestTornRenameIsAllOrNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetRaw("from", []byte(`{"moved": [1, "two"]}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("other", 1); err != nil {
		t.Fatal(err)
	}
	before := storeFiles(t, path)
	if err := s.Rename("from", "to"); err != nil {
		t.Fatal(err)
	}
	after := storeFiles(t, path)
	mustClose(t, s)
	jname := filepath.Base(path) + ".journal"
	before[jname], after[jname] = withoutRoom(before[jname]), withoutRoom(after[jname])
	start, end := len(before[jname]), len(after[jname])
	if end <= start || !bytes.Equal(after[jname][:start], before[jname]) {
		t.Fatalf("the rename did not append to the journal (%d -> %d bytes)", start, end)
	}
	value := `{"moved":[1,"two"]}`
	for cut := 2 * start; cut <= 2*end+1; cut++ {
		// Each cut as the end of the file, and followed by preallocated
		// zeros.
		n := cut / 2
		dir := filepath.Join(t.TempDir(), fmt.Sprint(cut))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		files := maps.Clone(after)
		files[jname] = after[jname][:n]
		if cut%2 == 1 {
			files[jname] = withRoom(files[jname])
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got := diskState(t, filepath.Join(dir, filepath.Base(path)))
		if got["other"] != "1" || len(got) != 2 {
			t.Fatalf("cut at %d: the torn rename changed other keys: %v", n, got)
		}
		if (got["from"] == value) == (got["to"] == value) {
			t.Fatalf("cut at %d of the rename: the value is under both keys or neither: %v", n, got)
		}
		if n == end && (got["to"] != value || len(got) != 2) {
			t.Fatalf("the whole journal loads %v, want the rename done", got)
		}
	}
}

// A power cut during an append can leave its pages on disk in any order:
// writeback may persist a later page of the batch and not an earlier one,
// which then reads as zeros, with the batch's later lines after it. None of
// that batch was acknowledged (its fsync never returned), so Open must
// drop the torn tail from the hole on, however it lies, and keep every
// acknowledged write. TestTornJournal checks that garbage followed by good
// lines is still refused.
func TestTornJournalWithHole(t *testing.T) {
	const page = 4096
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := s.SetRaw(fmt.Sprintf("acked%02d", i), []byte(fmt.Sprintf(`"%s"`, strings.Repeat("a", i*7)))); err != nil {
			t.Fatal(err)
		}
	}
	acked := storeState(s)
	files := storeFiles(t, path)
	mustClose(t, s)
	jname := filepath.Base(path) + ".journal"
	synced := withoutRoom(files[jname])
	if len(synced) == 0 {
		t.Fatalf("no journal after always-save writes: files %v", slices.Sorted(maps.Keys(files)))
	}
	// The batch that was being appended: many writers' lines at once.
	var batch []byte
	var batchKeys []string
	for i := 0; len(batch) < 4*page; i++ {
		k := fmt.Sprintf("batch%03d", i)
		batchKeys = append(batchKeys, k)
		batch = appendJournalLine(batch, k, []byte(fmt.Sprintf(`"%s"`, strings.Repeat("b", 100+i))), false)
	}
	whole := append(slices.Clone(synced), batch...)
	lastPage := (len(whole) - 1) / page
	firstPage := len(synced) / page

	checked := 0
	for hole := firstPage; hole <= lastPage; hole++ {
		for end := hole + 1; end <= lastPage+1; end++ {
			// Pages hole..end-1 of the batch are zeros, the others as
			// written; the file's size covers the whole batch.
			torn := slices.Clone(whole)
			from, to := max(hole*page, len(synced)), min(end*page, len(whole))
			clear(torn[from:to])
			dir := filepath.Join(t.TempDir(), "crash")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, filepath.Base(path))
			// Read-only on the journal as a growing file leaves it; then
			// as a preallocated one does, followed by zeros, recovering.
			for i, opts := range []*Options{{ReadOnly: true}, {AlwaysSave: true, SaveInterval: -1}} {
				for name, b := range files {
					if name == jname {
						b = torn
						if i == 1 {
							b = withRoom(torn)
						}
					}
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				s, err := Open(p, opts)
				if err != nil {
					t.Fatalf("zeros at bytes %d-%d of a %d-byte journal (%d acknowledged): Open(%+v): %v", from, to, len(torn), len(synced), *opts, err)
				}
				got := storeState(s)
				for k, v := range acked {
					if got[k] != v {
						t.Fatalf("zeros at bytes %d-%d: acknowledged %s = %q, want %q", from, to, k, got[k], v)
					}
				}
				// What loads of the batch is a prefix of its lines.
				kept := 0
				for kept < len(batchKeys) && got[batchKeys[kept]] != "" {
					kept++
				}
				if len(got) != len(acked)+kept {
					t.Fatalf("zeros at bytes %d-%d: loaded %d keys, want the %d acknowledged and a prefix of the batch (%d)", from, to, len(got), len(acked), kept)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			checked++
		}
	}
	t.Logf("%d torn appends with holes checked", checked)

	// Zeros that no page of writeback can leave, in the middle of
	// acknowledged lines, are corruption: Open refuses the store.
	lines := bytes.SplitAfter(synced, []byte("\n"))
	mid := len(lines) / 2
	off := len(bytes.Join(lines[:mid], nil)) + 5
	if off%page == 0 || (off+3)%page == 0 {
		off++
	}
	bad := slices.Clone(synced)
	clear(bad[off : off+3])
	dir := filepath.Join(t.TempDir(), "corrupt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if name == jname {
			b = bad
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var se *SyntaxError
	if _, err := Open(filepath.Join(dir, filepath.Base(path)), &Options{ReadOnly: true}); !errors.As(err, &se) || se.Line != mid+1 {
		t.Fatalf("Open with zeros inside acknowledged line %d: %v, want a *SyntaxError naming that line", mid+1, err)
	}
}
