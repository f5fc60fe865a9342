package kvstore

// Fuzzing (`fuzz_test.go`, corpora in `testdata/fuzz/`). Each target runs
// its seed corpus in every `go test` and compares the store with
// `encoding/json` as an independent oracle:
//
//   - `FuzzLoad`: arbitrary bytes as a data file. No panic; errors are
//     `*SyntaxError`s with consistent positions; every object `encoding/json`
//     reads is accepted (except duplicate keys and keys with a lone surrogate
//     escape, refused on purpose) with the same members and values (keys
//     compared where the text is UTF-8: encoding/json decodes other bytes
//     as U+FFFD, the store keeps them); every
//     loaded value is valid JSON; saving and re-reading gives identical values
//     and identical bytes.
//   - `FuzzSetRaw`: arbitrary key (UTF-8 or not) and text. `SetRaw` accepts exactly what
//     `encoding/json` accepts, stores it as `json.Compact` would, refuses the
//     rest without changing the store; `Get` never panics and decodes like
//     `json.Unmarshal`; the indenter matches `json.Indent` down to its
//     32-level limit (deeper levels are written compact); key and value
//     survive a save.
//   - `FuzzJournal`: arbitrary bytes as the always-save journal. No panic; a
//     refused journal is a `*SyntaxError` and both files are left untouched; a
//     journal of valid entries loads exactly what replaying it with
//     `encoding/json` gives (with renames, and with each field exactly once);
//     reopening, read-only or read-write, always loads the same state.
//   - `FuzzReadKey` (in `readkey_internal_test.go`): arbitrary bytes as a
//     data file and a key. `ReadKey`'s scan fails exactly where a load fails,
//     with the same error, and otherwise finds the value the load has, in
//     one part and split into parts at many offsets.
//   - `FuzzCheckValue` (in `jsonscan_test.go`): arbitrary bytes from any
//     offset. `checkValue`, which `ReadKey` runs, ends and fails exactly as
//     `compactValue`, which the load runs.
//   - `FuzzDecodeCompact`: arbitrary text that is valid JSON, compacted as the
//     store keeps it. `Get`'s decoder gives exactly what `json.Unmarshal` into
//     an `interface{}` gives, or hands the value to it (only a number beyond
//     float64, which `json.Unmarshal` refuses too).
//
// `TestGetNumberBeyondFloat64` and `TestDeeplyNestedValueKeepsTheFileSmall`
// hold two bugs the model test and fuzzing found: `Get` of a valid number
// beyond float64's range (`1e400`) must not panic, and a deeply nested value
// must not make the saved file grow with the square of its depth.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// The fuzz targets below run their seed corpus (testdata/fuzz/FuzzXxx) in
// every `go test`; `go test -run=^$ -fuzz=FuzzLoad ./kvstore/` explores
// further. Each compares the store's hand-written JSON scanner and encoder
// with encoding/json, which serves as the independent oracle.

// checkSyntaxError fails unless err is a *SyntaxError for file whose
// offset, line and column point into src consistently.
func checkSyntaxError(t *testing.T, err error, file string, src []byte) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v is not a *SyntaxError", err)
	}
	if se.File != file {
		t.Fatalf("SyntaxError names %q, want %q", se.File, file)
	}
	if se.Offset < 0 || se.Offset > int64(len(src)) || se.Msg == "" {
		t.Fatalf("SyntaxError %+v is outside the %d-byte input", se, len(src))
	}
	if line, col := lineCol(src, int(se.Offset)); line != se.Line || col != se.Column {
		t.Fatalf("SyntaxError %+v: offset %d is at %d:%d", se, se.Offset, line, col)
	}
}

// surrogateEscape matches a \u escape of a UTF-16 surrogate, which
// encoding/json quietly turns into U+FFFD when it is not part of a pair.
var surrogateEscape = regexp.MustCompile(`(?i)\\ud[89a-f][0-9a-f]{2}`)

// oracleMembers decodes a top-level JSON object with encoding/json and
// returns its members in order, each value compacted. ok is false if the
// text is not one JSON object.
func oracleMembers(data []byte) (keys []string, values [][]byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, false
		}
		var c bytes.Buffer
		if json.Compact(&c, raw) != nil {
			return nil, nil, false
		}
		keys = append(keys, key)
		values = append(values, c.Bytes())
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, false
	}
	return keys, values, true
}

// jsonDepth returns the deepest nesting of brackets outside strings; the
// store indents only the first maxIndentDepth levels, like json.Indent.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// encoded returns the bytes a save writes for m.
func encoded(t *testing.T, m *kvTree) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeEncoded(&b, m, &canonicalStyle); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkRoundTrip proves that a loaded map survives a save: the file the
// store writes parses back to the same keys and byte-identical values,
// writing that again gives the same bytes, and encoding/json reads the
// same keys and values from it.
func checkRoundTrip(t *testing.T, m *kvTree) {
	t.Helper()
	out := encoded(t, m)
	back, err := parseFile("saved.json", out)
	if err != nil {
		t.Fatalf("the store cannot read the file it wrote: %v\n%s", err, out)
	}
	if back.Len() != m.Len() {
		t.Fatalf("the saved file holds %d keys, the store had %d", back.Len(), m.Len())
	}
	m.Scan(func(k string, v []byte) bool {
		if got, ok := back.Get(k); !ok || !bytes.Equal(got, v) {
			t.Fatalf("key %q: saved %s, read back %s (%v)", k, v, got, ok)
		}
		return true
	})
	if again := encoded(t, back); !bytes.Equal(again, out) {
		t.Fatalf("saving the same content twice gave different files:\n%s\n%s", out, again)
	}
	if !json.Valid(out) || !utf8.Valid(out) {
		// Nesting beyond encoding/json's limit, or keys it would read with
		// U+FFFD for bytes the store keeps; checked by the store above.
		return
	}
	keys, values, ok := oracleMembers(out)
	if !ok || len(keys) != m.Len() {
		t.Fatalf("encoding/json reads %d keys (ok %v) from a saved file of %d keys", len(keys), ok, m.Len())
	}
	for i, k := range keys {
		if v, ok := m.Get(k); !ok || !bytes.Equal(v, values[i]) {
			t.Fatalf("encoding/json reads key %q as %s, the store has %s", k, values[i], v)
		}
	}
}

// FuzzLoad feeds arbitrary bytes to the data file parser: it must never
// panic, must report bad input as a *SyntaxError with a correct position,
// must accept what encoding/json accepts as an object (unless a key is
// duplicated or holds a lone surrogate escape, which the store refuses by
// design), must load the same members encoding/json sees, and every value
// it loads must be readable by Get and survive a save. encoding/json turns
// a byte that is not UTF-8 into U+FFFD where the store keeps it, so keys
// are compared with it only in UTF-8 text.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseFile("data.json", data)
		body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		keys, values, objectOK := oracleMembers(body)
		if err != nil {
			checkSyntaxError(t, err, "data.json", data)
			if objectOK && !surrogateEscape.Match(body) && json.Valid(body) {
				seen := map[string]bool{}
				for _, k := range keys {
					if seen[k] {
						return // duplicate keys are refused on purpose
					}
					seen[k] = true
				}
				t.Fatalf("the store refuses a JSON object that encoding/json reads: %v", err)
			}
			return
		}
		empty := len(bytes.TrimLeft(body, " \t\r\n")) == 0
		if !empty && !objectOK && json.Valid(body) {
			t.Fatalf("the store loaded %d keys from JSON that is not an object", m.Len())
		}
		if empty && m.Len() != 0 {
			t.Fatalf("white space loaded as %d keys", m.Len())
		}
		if objectOK && utf8.Valid(body) {
			if len(keys) != m.Len() {
				t.Fatalf("the store loaded %d keys, encoding/json sees %d", m.Len(), len(keys))
			}
			for i, k := range keys {
				if v, ok := m.Get(k); !ok || !bytes.Equal(v, values[i]) {
					t.Fatalf("key %q: the store loaded %s, encoding/json sees %s", k, v, values[i])
				}
			}
		}
		m.Scan(func(k string, v []byte) bool {
			if !json.Valid(v) {
				t.Fatalf("loaded value %q of key %q is not valid JSON; Get would panic", v, k)
			}
			return true
		})
		checkRoundTrip(t, m)
	})
}

// fuzzStore is one store per fuzzing process, reused by every input.
func fuzzStore(f *testing.F) *KVStore {
	s, err := Open(filepath.Join(f.TempDir(), "fuzz.json"), &Options{SaveInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	return s
}

// FuzzSetRaw stores arbitrary text under an arbitrary key: SetRaw must
// accept exactly what encoding/json accepts, keep it exactly as
// json.Compact would, refuse the rest with a positioned *SyntaxError and
// no change, and the value and key must come back unchanged through Get,
// GetRaw and a save. The store's indenter must match json.Indent.
func FuzzSetRaw(f *testing.F) {
	s := fuzzStore(f)
	f.Fuzz(func(t *testing.T, key string, raw []byte) {
		defer s.Delete(key)
		err := s.SetRaw(key, raw)
		if err != nil {
			checkSyntaxError(t, err, "", raw)
			if json.Valid(raw) {
				t.Fatalf("SetRaw refuses JSON that encoding/json accepts: %v", err)
			}
			if s.Has(key) {
				t.Fatal("a refused SetRaw stored the key")
			}
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("SetRaw accepted %q, which is not JSON text", raw)
		}
		var want bytes.Buffer
		if err := json.Compact(&want, raw); err != nil {
			t.Fatal(err)
		}
		got, ok := s.GetRaw(key)
		if !ok || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("GetRaw = %s (%v), want %s", got, ok, want.Bytes())
		}
		v, panicked := getNoPanic(s, key)
		if panicked != nil {
			t.Fatalf("Get of the value stored from %q panics: %v", raw, panicked)
		}
		var wantV any
		if err := json.Unmarshal(raw, &wantV); err == nil && !reflect.DeepEqual(v, wantV) {
			t.Fatalf("Get = %#v, want %#v", v, wantV)
		}
		mine := canonicalStyle.appendIndented(nil, got, 1)
		if jsonDepth(got) < maxIndentDepth {
			var indented bytes.Buffer
			if err := json.Indent(&indented, got, "  ", "  "); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mine, indented.Bytes()) {
				t.Fatalf("indented value differs from json.Indent:\n%s\n%s", mine, indented.Bytes())
			}
		}
		var back bytes.Buffer
		if err := json.Compact(&back, mine); err != nil || !bytes.Equal(back.Bytes(), got) {
			t.Fatalf("the indented value %q is not the stored %q (%v)", mine, got, err)
		}
		m := newKVTree()
		m.Set(key, got)
		checkRoundTrip(t, m)
	})
}

// getNoPanic calls Get and returns what it panicked with, if it did.
func getNoPanic(s *KVStore, key string) (v any, panicked any) {
	defer func() { panicked = recover() }()
	v, _ = s.Get(key)
	return v, nil
}

// TestGetNumberBeyondFloat64: 1e400 is valid JSON, so SetRaw accepts it
// and a file holding it loads, but encoding/json cannot put it in a
// float64. Get must still return the value (or at least not panic, which
// would take down a program that merely views such a file).
func TestGetNumberBeyondFloat64(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, []byte("{\n  \"huge\": 1e400,\n  \"nested\": [1, {\"x\": -1e999}]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, &Options{SaveInterval: -1})
	if err != nil {
		t.Fatalf("Open of a file with a number beyond float64: %v", err)
	}
	defer s.Close()
	if err := s.SetRaw("set", []byte("1e400")); err != nil {
		t.Fatalf("SetRaw(1e400): %v", err)
	}
	for _, k := range []string{"huge", "nested", "set"} {
		raw, _ := s.GetRaw(k)
		v, panicked := getNoPanic(s, k)
		if panicked != nil {
			t.Errorf("Get(%q) of %s panics: %v", k, raw, panicked)
			continue
		}
		if v == nil {
			t.Errorf("Get(%q) of %s returned nil", k, raw)
		}
	}
	mustClose(t, s)
}

// TestDeeplyNestedValueKeepsTheFileSmall: the saved file must not grow
// with the square of a value's nesting depth. Indenting two spaces per
// level turns a 2 KB value nested 1000 deep into a 2 MB file, and a 20 KB
// value nested 10000 deep (the most the scanner accepts) into 200 MB that
// take seconds to write at every save, so anyone who can store one value
// can make every later save of the store crawl.
func TestDeeplyNestedValueKeepsTheFileSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deep := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)
	if err := s.SetRaw("deep", []byte(deep)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if limit := int64(64 * len(deep)); info.Size() > limit {
		t.Errorf("a %d-byte value nested 1000 deep saves as a %d-byte file (limit %d)", len(deep), info.Size(), limit)
	}
	if got := diskState(t, path); got["deep"] != deep {
		t.Errorf("the deep value did not survive the save: %.40q...", got["deep"])
	}
}

var journalProbe struct {
	once sync.Once
	has  bool
}

// storeKeepsJournal reports whether always-save writes go to a journal
// file beside the data file.
func storeKeepsJournal(t testing.TB) bool {
	journalProbe.once.Do(func() {
		path := filepath.Join(t.TempDir(), "probe.json")
		s, err := Open(path, &Options{AlwaysSave: true, SaveInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Set("probe", 1); err != nil {
			t.Fatal(err)
		}
		_, err = os.Stat(path + ".journal")
		journalProbe.has = err == nil
	})
	return journalProbe.has
}

// oracleJournal replays journal over the base data file with
// encoding/json, following the documented format: one change per line,
// {"set":key,"value":v}, {"del":key} or {"ren":key,"to":key,"value":v},
// each field once, and a final line without a newline is a torn append and
// ignored. ok is false if any complete line is not such an entry (the
// store's verdict on those is checked separately).
func oracleJournal(base string, journal []byte) (state, bool) {
	st, ok := oracleState([]byte(base))
	if !ok {
		return nil, false
	}
	lines := bytes.Split(journal, []byte("\n"))
	for _, line := range lines[:len(lines)-1] { // the last piece has no newline
		entry, ok := oracleEntry(line)
		if !ok {
			return nil, false
		}
		str := func(field string) (string, bool) {
			var s string
			raw := entry[field]
			// encoding/json turns bad UTF-8 into U+FFFD where the store
			// keeps the bytes, so the oracle leaves such keys to the other
			// checks.
			ok := len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil && !strings.ContainsRune(s, utf8.RuneError)
			return s, ok
		}
		compact := func(raw json.RawMessage) (string, bool) {
			var c bytes.Buffer
			err := json.Compact(&c, raw)
			return c.String(), err == nil
		}
		switch len(entry) {
		case 1:
			key, ok := str("del")
			if !ok {
				return nil, false
			}
			delete(st, key)
		case 2:
			key, ok1 := str("set")
			v, ok2 := compact(entry["value"])
			if !ok1 || !ok2 || entry["value"] == nil {
				return nil, false
			}
			st[key] = v
		case 3:
			from, ok1 := str("ren")
			to, ok2 := str("to")
			v, ok3 := compact(entry["value"])
			if !ok1 || !ok2 || !ok3 || entry["value"] == nil {
				return nil, false
			}
			delete(st, from)
			st[to] = v
		default:
			return nil, false
		}
	}
	return st, true
}

// oracleEntry decodes one journal line as a JSON object, refusing a field
// that appears twice (which a map alone would hide).
func oracleEntry(line []byte) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	entry := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		name, isString := tok.(string)
		if err != nil || !isString {
			return nil, false
		}
		var v json.RawMessage
		if _, dup := entry[name]; dup || dec.Decode(&v) != nil {
			return nil, false
		}
		entry[name] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // something after the object
	}
	return entry, true
}

// journalBase is the data file the journal fuzz target replays over.
const journalBase = "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": [\n      true\n    ]\n  }\n}\n"

// FuzzJournal opens a store whose journal holds arbitrary bytes. Open must
// never panic; it either fails with a *SyntaxError and leaves both files
// as they were, or loads values that are all valid JSON, and opening the
// same files again (read-only, then read-write and closed, then again)
// gives the same content. A journal whose complete lines are all valid
// entries must load exactly what replaying it with encoding/json gives. Where the store keeps no journal, the stray file
// must not change what loads.
func FuzzJournal(f *testing.F) {
	f.Fuzz(func(t *testing.T, journal []byte) {
		path := filepath.Join(t.TempDir(), "data.json")
		if err := os.WriteFile(path, []byte(journalBase), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".journal", journal, 0o644); err != nil {
			t.Fatal(err)
		}
		oracle, oracleOK := oracleJournal(journalBase, journal)
		if !storeKeepsJournal(t) {
			oracleOK = false
		}
		s, err := Open(path, &Options{ReadOnly: true})
		if err != nil {
			if oracleOK {
				t.Fatalf("Open refused a journal of valid entries: %v", err)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open with a bad journal: %v, want a *SyntaxError", err)
			}
			var se *SyntaxError
			if errors.As(err, &se) && se.File != path+".journal" && se.File != path {
				t.Fatalf("SyntaxError names %q", se.File)
			}
			if _, err := Open(path, &Options{AlwaysSave: true}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("read-write Open of a journal that read-only Open refused: %v", err)
			}
			data, _ := os.ReadFile(path)
			j, _ := os.ReadFile(path + ".journal")
			if string(data) != journalBase || !bytes.Equal(j, journal) {
				t.Fatal("a failed Open changed the store's files")
			}
			return
		}
		first := storeState(s)
		s.Close()
		for k, v := range first {
			if !json.Valid([]byte(v)) {
				t.Fatalf("key %q loaded as invalid JSON %q", k, v)
			}
		}
		if oracleOK && !maps.Equal(first, oracle) {
			t.Fatalf("replaying the journal gave %v; encoding/json reads %v", first, oracle)
		}
		if !storeKeepsJournal(t) {
			if base, _ := oracleState([]byte(journalBase)); !maps.Equal(first, base) {
				t.Fatalf("a store without a journal loaded %v from a stray journal file", first)
			}
		}
		if again := diskState(t, path); !maps.Equal(again, first) {
			t.Fatalf("a second read-only Open loads %v, the first loaded %v", again, first)
		}
		w, err := Open(path, &Options{AlwaysSave: true})
		if err != nil {
			t.Fatalf("read-write Open of a journal that read-only Open accepted: %v", err)
		}
		if got := storeState(w); !maps.Equal(got, first) {
			t.Fatalf("read-write Open loads %v, read-only loaded %v", got, first)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if again := diskState(t, path); !maps.Equal(again, first) {
			t.Fatalf("after a read-write Open and Close the store loads %v, before it loaded %v", again, first)
		}
	})
}

// FuzzDecodeCompact: Get's decoder must give exactly what encoding/json
// gives for every value the store can hold, or leave the value to it.
func FuzzDecodeCompact(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,-2.5e3,true,false,null,{}],"b":{"c":"d"},"":[]}`,
		`"caf\u00e9 \ud83d\ude00 \ud800 \n\t\"\\"`,
		"\"\xff\xfe bad utf-8\"",
		`{"dup":1,"dup":2}`,
		`[1e400]`, `-0`, `0.1e-7`, `12345678901234567890`, `[[[[]]]]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		compact, serr := compactJSON(text)
		if serr != nil {
			return
		}
		got, ok := decodeCompact(compact)
		var want any
		err := json.Unmarshal(compact, &want)
		if !ok {
			// Only a number beyond float64, which encoding/json refuses
			// too, may be left to it.
			if err == nil {
				t.Fatalf("decodeCompact gave up on %s, which encoding/json decodes", compact)
			}
			return
		}
		if err != nil {
			t.Fatalf("decodeCompact decoded %s, which encoding/json refuses: %v", compact, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoding %s: got %#v, encoding/json gives %#v", compact, got, want)
		}
	})
}
