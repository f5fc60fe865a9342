package kvstore

// Saves that change only what changed (`splice_internal_test.go`).
// `TestSpliceChangesOnlyChangedMembers` writes random files in random
// styles (indentation, tabs, CRLF, byte order mark, final newline, odd
// spacing around colons and commas, values on one line or spread over odd
// lines, keys in or out of order), makes random Set, Delete and Rename
// calls and settings of a key to its file's value spaced differently, and
// saves twice: each time the file must parse to exactly the store's
// content, and be the file before line for line but for the lines of the
// members that changed, were added or were removed, and the line where the
// member before an added or removed one ends.
// `TestSpliceOfCanonicalFileIsCanonical` proves that splicing a file the
// store created gives the bytes of writing it whole. The other tests cover
// a file edited in place behind the store's back (a conflict, not a mix of
// both), a failed write in place to a bind-mounted file, and the positions
// the parser records.

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"pgregory.net/rapid"
)

// spliceKeys are the keys of the splice property test: those of the model
// test, which must survive the file format, and plain ones to sort among
// them.
var spliceKeys = append(slices.Clone(modelKeys), "m0", "m1", "m2", "m3", "m4", "n/a", "zz")

// member is one member of a data file as the test finds it: its key, value
// and the lines it occupies.
type member struct {
	key        string
	value      string
	first, end int // lines of its key and of its value's last byte, 0-based
}

// membersOf parses data and returns its members in file order.
func membersOf(t interface{ Fatalf(string, ...any) }, data []byte) []member {
	var ms []member
	serr := parseObject(data, make([]byte, 0, len(data)), func(key string, keyOff, end int, value []byte) *scanError {
		ms = append(ms, member{key: key, value: string(value),
			first: bytes.Count(data[:keyOff], []byte("\n")), end: bytes.Count(data[:end], []byte("\n"))})
		return nil
	})
	if serr != nil {
		t.Fatalf("the file does not parse: %v\n%s", serr.syntaxError("data.json", data), data)
	}
	return ms
}

// genStyledFile draws a data file as a person or another tool may have
// laid it out: any indentation, line end, byte order mark and final
// newline, odd spacing around colons and commas, values spread over lines
// or compact, keys in any order, a blank line before the brace.
func genStyledFile(t *rapid.T) []byte {
	indent := rapid.SampledFrom([]string{"", " ", "  ", "    ", "\t", "\t\t"}).Draw(t, "indent")
	eol := rapid.SampledFrom([]string{"\n", "\r\n"}).Draw(t, "eol")
	odd := func(label string) string { return rapid.SampledFrom([]string{"", "", " ", "\t", "  "}).Draw(t, label) }
	keys := rapid.SliceOfNDistinct(rapid.SampledFrom(spliceKeys), 1, 10, func(k string) string { return k }).Draw(t, "keys")
	if rapid.Bool().Draw(t, "sorted") {
		slices.Sort(keys)
	}
	var b strings.Builder
	if rapid.Bool().Draw(t, "bom") {
		b.WriteString(utf8BOM)
	}
	if rapid.IntRange(0, 4).Draw(t, "blank before brace") == 0 {
		b.WriteString(eol)
	}
	b.WriteString("{" + odd("after brace") + eol + indent)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(odd("before comma") + "," + eol + indent)
		}
		kb, _ := json.Marshal(k)
		b.WriteString(string(kb) + odd("before colon") + ":" + odd("after colon") + genJSON(t, 2))
	}
	b.WriteString(odd("before close") + eol + "}")
	if rapid.Bool().Draw(t, "final newline") {
		b.WriteString(eol)
	}
	return []byte(b.String())
}

// spliceOp is one change the property test makes.
type spliceOp func(t *rapid.T, s *KVStore, file map[string]string)

var spliceOps = []spliceOp{
	func(t *rapid.T, s *KVStore, _ map[string]string) {
		if err := s.SetRaw(rapid.SampledFrom(spliceKeys).Draw(t, "set"), []byte(genJSON(t, 2))); err != nil {
			t.Fatal(err)
		}
	},
	func(t *rapid.T, s *KVStore, _ map[string]string) {
		if err := s.Delete(rapid.SampledFrom(spliceKeys).Draw(t, "delete")); err != nil {
			t.Fatal(err)
		}
	},
	func(t *rapid.T, s *KVStore, _ map[string]string) {
		err := s.Rename(rapid.SampledFrom(spliceKeys).Draw(t, "from"), rapid.SampledFrom(spliceKeys).Draw(t, "to"))
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrExists) {
			t.Fatal(err)
		}
	},
	// Setting a key to the value its file holds, spaced differently, is
	// no change.
	func(t *rapid.T, s *KVStore, file map[string]string) {
		k := rapid.SampledFrom(slices.Sorted(maps.Keys(file))).Draw(t, "reset")
		if err := s.SetRaw(k, canonicalStyle.appendIndented(nil, []byte(file[k]), 3)); err != nil {
			t.Fatal(err)
		}
	},
}

// TestSpliceChangesOnlyChangedMembers saves random changes to files laid
// out in random styles, twice in a row, and checks after each save that
// the file holds exactly the store's content and that, line by line, the
// file is the one before but for the lines of the members that changed,
// were added or were removed, and for the line where the member before an
// added or removed one ends (its separator).
func TestSpliceChangesOnlyChangedMembers(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		caseDir, err := os.MkdirTemp(dir, "case")
		if err != nil {
			rt.Fatal(err)
		}
		path := filepath.Join(caseDir, "data.json")
		before := genStyledFile(rt)
		if err := os.WriteFile(path, before, 0o644); err != nil {
			rt.Fatal(err)
		}
		s, err := Open(path, &Options{SaveInterval: -1, AlwaysSave: rapid.Bool().Draw(rt, "always")})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		for round := range 2 {
			file := map[string]string{}
			for _, m := range membersOf(rt, before) {
				file[m.key] = m.value
			}
			for range rapid.IntRange(1, 6).Draw(rt, "ops") {
				rapid.SampledFrom(spliceOps).Draw(rt, "op")(rt, s, file)
			}
			if err := s.Flush(); err != nil {
				rt.Fatal(err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				rt.Fatal(err)
			}
			checkSplice(rt, s, before, after)
			if round == 0 && len(membersOf(rt, after)) == 0 {
				return // an empty object is written whole, as {}
			}
			before = after
		}
	})
}

// checkSplice checks one save that turned the file before into after.
func checkSplice(t *rapid.T, s *KVStore, before, after []byte) {
	got, err := parseFile("data.json", after)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	want := s.data.tree.Copy()
	s.mu.RUnlock()
	if d := diffMaps(want, got); len(d) > 0 {
		t.Fatalf("the saved file differs from the store at %v:\n%s", slices.Sorted(maps.Keys(d)), after)
	}
	old, cur := membersOf(t, before), membersOf(t, after)
	if len(cur) == 0 {
		return
	}
	oldAt, curAt := map[string]int{}, map[string]int{}
	for i, m := range old {
		oldAt[m.key] = i
	}
	for i, m := range cur {
		curAt[m.key] = i
	}
	oldLines, curLines := map[int]bool{}, map[int]bool{}
	mark := func(lines map[int]bool, m member) {
		for l := m.first; l <= m.end; l++ {
			lines[l] = true
		}
	}
	// separator allows the line where the member before a gap ends, in
	// both files, as long as that member is in both.
	separator := func(key string) {
		if i, ok := oldAt[key]; ok {
			oldLines[old[i].end] = true
		}
		if i, ok := curAt[key]; ok {
			curLines[cur[i].end] = true
		}
	}
	for i, m := range old {
		j, kept := curAt[m.key]
		switch {
		case !kept:
			mark(oldLines, m)
			for p := i - 1; p >= 0; p-- {
				if _, ok := curAt[old[p].key]; ok {
					separator(old[p].key)
					break
				}
			}
		case cur[j].value != m.value:
			mark(oldLines, m)
			mark(curLines, cur[j])
		}
	}
	for i, m := range cur {
		if _, ok := oldAt[m.key]; !ok {
			mark(curLines, m)
			if i > 0 {
				separator(cur[i-1].key)
			}
		}
	}
	a, b := untouchedLines(before, oldLines), untouchedLines(after, curLines)
	if !slices.Equal(a, b) {
		t.Fatalf("lines of unchanged members changed\nbefore:\n%s\nafter:\n%s\nkept before: %q\nkept after:  %q", before, after, a, b)
	}
}

// untouchedLines returns the lines of data but those in skip.
func untouchedLines(data []byte, skip map[int]bool) []string {
	var keep []string
	for i, l := range strings.Split(string(data), "\n") {
		if !skip[i] {
			keep = append(keep, l)
		}
	}
	return keep
}

// TestSpliceOfCanonicalFileIsCanonical saves random changes to a file the
// store created and checks that every save gives the bytes of the whole
// file written anew: splicing keeps a canonical file canonical.
func TestSpliceOfCanonicalFileIsCanonical(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		caseDir, err := os.MkdirTemp(dir, "case")
		if err != nil {
			rt.Fatal(err)
		}
		path := filepath.Join(caseDir, "data.json")
		s, err := Open(path, &Options{SaveInterval: -1})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		for range 3 {
			for range rapid.IntRange(1, 6).Draw(rt, "ops") {
				rapid.SampledFrom(spliceOps[:3]).Draw(rt, "op")(rt, s, nil)
			}
			if err := s.Flush(); err != nil {
				rt.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) && s.Len() == 0 {
				continue // nothing was ever set, so nothing saved
			}
			if err != nil {
				rt.Fatal(err)
			}
			s.mu.RLock()
			snap := s.data.tree.Copy()
			s.mu.RUnlock()
			var want bytes.Buffer
			if err := writeEncoded(&want, snap, &canonicalStyle); err != nil {
				rt.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				rt.Fatalf("file:\n%s\nwant:\n%s", got, want.Bytes())
			}
		}
	})
}

// TestSpliceRefusesFileChangedInPlace changes a member's text in place,
// keeping the file's size and modification time, as some tools do. Where
// the system has no inode change time to give that away (Windows), the
// splice itself must notice, when it reads the member it changes, rather
// than write a mix of both versions; Overwrite then writes the store's
// content whole.
func TestSpliceRefusesFileChangedInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	original := "{\n  \"a\": 1,\n  \"b\": 2\n}\n"
	if err := os.WriteFile(path, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, &Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	edited := strings.Replace(original, `"b": 2`, `"c": 3`, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap := s.data.tree.Copy()
	snap.Set("b", []byte("20"))
	_, err = planSplice(src, s.style.layout, snap, &s.style)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("planSplice = %v, want a conflict naming the key", err)
	}

	if err := s.SetRaw("b", []byte("20")); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Flush = %v, want a conflict naming the file", err)
	}
	if got, _ := os.ReadFile(path); string(got) != edited {
		t.Fatalf("the file was written over:\n%s", got)
	}
	if err := s.Overwrite(); err != nil {
		t.Fatal(err)
	}
	if got, want := readString(t, path), "{\n  \"a\": 1,\n  \"b\": 20\n}\n"; got != want {
		t.Fatalf("after Overwrite:\n%s\nwant:\n%s", got, want)
	}
}

// TestLayoutOfUnsortedFile checks the positions the parser records for a
// file whose keys are out of order from its third member on: the keys
// list holds every key in file order.
func TestLayoutOfUnsortedFile(t *testing.T) {
	data := []byte("{\n  \"a\": 1,\n  \"c\": [1, 2],\n  \"b\": {}\n}")
	var lb layoutBuilder
	m, _, err := parse("data.json", slices.Clone(data), make([]byte, 0, len(data)), nil, &lb)
	if err != nil {
		t.Fatal(err)
	}
	l := lb.finish(m, int64(len(data)), true)
	if want := []string{"a", "c", "b"}; !slices.Equal(l.keys, want) {
		t.Fatalf("keys %q, want %q", l.keys, want)
	}
	var got []string
	for _, sp := range l.spans {
		got = append(got, string(data[sp.key:sp.end]))
	}
	if want := []string{`"a": 1`, `"c": [1, 2]`, `"b": {}`}; !slices.Equal(got, want) {
		t.Fatalf("members %q, want %q", got, want)
	}
}

// A write in place (to a bind-mounted file) that fails part way leaves a
// file no layout describes: the retry writes the whole file, in the file's
// style, instead of calling it a conflict or copying from it.
func TestSpliceAfterFailedWriteInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte("{\n    \"a\": 1\n}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	ffs := newFaultFS()
	ffs.mount = path
	s, err := open(path, &Options{SaveInterval: -1}, ffs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Set("b", 2); err != nil {
		t.Fatal(err)
	}
	ffs.add(&fault{op: opInPlace, nth: 1, err: syscall.EIO, short: true})
	if err := s.Flush(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Flush with the write in place failing: %v", err)
	}
	if err := s.Flush(); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if got, want := readString(t, path), "{\n    \"a\": 1,\n    \"b\": 2\n}\n"; got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}
