package kvstore

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ReadKey sees what another store, open in always-save mode, has written
// to its journal and not yet into the file: sets, deletes and renames.
func TestReadKeySeesAnotherStoresJournal(t *testing.T) {
	// Only the test's own calls fold the journal into the file.
	defer func(idle time.Duration) { compactIdle = idle }(compactIdle)
	compactIdle = time.Hour
	path := filepath.Join(t.TempDir(), "data.json")
	file := "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n"
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Open(path, &Options{AlwaysSave: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, step := range []error{
		w.SetRaw("a", []byte(`{"new": [1, 2]}`)),
		w.Delete("b"),
		w.Rename("c", "d"),
		w.SetRaw("e", []byte(`"added"`)),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != file {
		t.Fatalf("the writes reached the file; the test needs them in the journal only:\n%s", got)
	}
	want := map[string]string{"a": `{"new":[1,2]}`, "b": "", "c": "", "d": "3", "e": `"added"`, "f": ""}
	for key, value := range want {
		got, err := ReadKey(path, key)
		if err != nil || got.Found != (value != "") || string(got.Value) != value || got.Unshown != nil {
			t.Errorf("ReadKey(%q) = %s, %v, %v, %v; want %s", key, got.Value, got.Found, got.Unshown, err, value)
		}
	}
	// Once the writer folds its journal into the file, the file alone
	// gives the same.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for key, value := range want {
		if got, err := ReadKey(path, key); err != nil || string(got.Value) != value {
			t.Errorf("after Close, ReadKey(%q) = %s, %v; want %s", key, got.Value, err, value)
		}
	}
}

// FuzzReadKey checks findMember against the load's parser on arbitrary
// bytes as a data file: the same error where the load fails, and where it
// succeeds, the same value for the key, or none. It checks the scan in
// parts too, with the second part starting at up to 65 offsets spread over the
// input (every offset of a short one; most are nowhere near a key at the
// top level, which the scan must find out), and with a part starting at
// each quote.
func FuzzReadKey(f *testing.F) {
	for _, seed := range []struct{ data, key string }{
		{"{\n  \"a\": 1,\n  \"b\": {\"x\": [1, 2.50]}\n}\n", "b"},
		{`{"b": 2, "a": 1, "c": [ ]}`, "a"},
		{`{"b": 1, "a": 2, "b": 3}`, "b"},
		{`{"a": 1, "\u0061": 2}`, "a"},
		{`{"\u00e9": 1, "é": 2}`, "é"},
		{`{"b": 1, "a": x}`, "a"},
		{"\xef\xbb\xbf{\"k\": 1e400}", "k"},
		{`{"": 0, "a": 1}`, ""},
		{`{"a\ud800": 1}`, "a"},
		{"{\"a\xff\": 1}", "a"},
		{`[1]`, "a"},
		{"", "a"},
		{"{\n  \"a\": {\n    \"b\": \"x\"\n  },\n  \"a\": 2\n}", "a"},
		{"{\n  \"a\": 1,\n  \"b\": [\n  \"c\"\n  ],\n  \"d\": tru\n}", "d"},
	} {
		f.Add([]byte(seed.data), seed.key)
	}
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		m, err := parseFile("data.json", data)
		check := func(how string, value []byte, found bool, serr *scanError) {
			t.Helper()
			if err != nil {
				if serr == nil || serr == errOutOfOrder || serr == errCanceled {
					t.Fatalf("%s: the load fails (%v), findMember gives %s, %v, %v", how, err, value, found, serr)
				}
				if got := serr.syntaxError("data.json", data).Error(); got != err.Error() {
					t.Fatalf("%s: findMember: %s\nthe load: %v", how, got, err)
				}
				return
			}
			if serr != nil {
				t.Fatalf("%s: the load succeeds, findMember fails: %s", how, serr.syntaxError("data.json", data))
			}
			want, ok := m.Get(key)
			if found != ok || !bytes.Equal(value, want) {
				t.Fatalf("%s: findMember(%q) = %s, %v; the load has %s, %v", how, key, value, found, want, ok)
			}
		}
		value, found, serr := findMember(data, key)
		check("one scan", value, found, serr)
		step := max(1, (len(data)+63)/64)
		for at := 0; at <= len(data); at += step {
			value, found, serr := findMemberIn(data, key, []int{at})
			check(fmt.Sprintf("parts from 0 and %d", at), value, found, serr)
		}
		var quotes []int
		for i, c := range data {
			if c == '"' {
				quotes = append(quotes, i)
			}
		}
		value, found, serr = findMemberIn(data, key, quotes)
		check(fmt.Sprintf("parts from each quote, %v", quotes), value, found, serr)
		value, found, serr = findMemberIn(data, key, splitPoints(data, 3))
		check("parts from splitPoints", value, found, serr)
	})
}
