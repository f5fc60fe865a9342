package kvstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// ReadKey gives what GetRaw of a store opened read-only gives, for every
// key the store holds and for keys it does not, in files of every shape the
// store loads: sorted or not, with escaped keys, a byte order mark, or no
// members at all.
func TestReadKeyGivesWhatOpenGives(t *testing.T) {
	files := map[string]string{
		"sorted":          "{\n  \"a\": 1,\n  \"b\": {\"x\": [1, 2.50, \"s\"]},\n  \"c\": \"text\"\n}\n",
		"not sorted":      `{"b": 2, "a": 1, "c": [ ], "ab": {}}`,
		"escaped keys":    `{"\u0061": 1, "b\"q": true, "é": null, "\u00e9x": "v\n"}`,
		"byte order mark": "\xef\xbb\xbf{\"k\": 1e400}",
		"empty key":       `{"": 0, "a": 1}`,
		"empty object":    "{ }",
		"white space":     " \n\t",
		"empty":           "",
	}
	for name, text := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			writeFile(t, path, text)
			s := openAt(t, path, &kvstore.Options{ReadOnly: true})
			keys := append(s.Keys(), "", "a", "missing", "b\"q")
			for _, key := range keys {
				got, err := kvstore.ReadKey(path, key)
				if err != nil {
					t.Fatalf("ReadKey(%q): %v", key, err)
				}
				want, ok := s.GetRaw(key)
				if got.Found != ok || string(got.Value) != string(want) || got.Unshown != nil {
					t.Errorf("ReadKey(%q) = %s, %v, %v; the store has %s, %v", key, got.Value, got.Found, got.Unshown, want, ok)
				}
			}
		})
	}
	// A missing file holds no keys, as for Open.
	got, err := kvstore.ReadKey(filepath.Join(t.TempDir(), "none.json"), "a")
	if err != nil || got.Found {
		t.Fatalf("a missing file: %+v, %v", got, err)
	}
}

// A file Open refuses, ReadKey refuses with the same error, for a fault
// anywhere in the file, before or after the key asked for: a syntax error
// with its line and column, a duplicate key (next to the first or not,
// spelled the same or not), a file that is not one object.
func TestReadKeyErrorsAreOpens(t *testing.T) {
	files := map[string]string{
		"syntax error":             "{\n  \"a\": 1,\n  \"b\": tru\n}\n",
		"unterminated":             `{"a": 1`,
		"trailing text":            `{"a": 1} x`,
		"not an object":            `[{"a": 1}]`,
		"control character in key": "{\"a\x01\": 1}",
		"lone surrogate key":       `{"a": 1, "\ud800": 2}`,
		"duplicate, next":          `{"a": 1, "a": 2}`,
		"duplicate, escaped":       `{"a": 1, "\u0061": 2}`,
		"duplicate, not sorted":    `{"b": 1, "a": 2, "b": 3}`,
		"error, then not sorted":   `{"b": 1, "a": x}`,
		"not sorted, then error":   `{"b": 1, "a": 2, "c": x}`,
		"duplicate before error":   `{"a": 1, "a": 2, "c": x}`,
		"error before duplicate":   `{"a": 1, "c": x, "a": 2}`,
		"duplicate after the key":  "{\n  \"a\": 1,\n  \"b\": 2,\n  \"b\": 3\n}",
	}
	for name, text := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			writeFile(t, path, text)
			_, want := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
			if want == nil {
				t.Fatal("Open accepts the file")
			}
			got, err := kvstore.ReadKey(path, "a")
			if err == nil || err.Error() != want.Error() {
				t.Fatalf("ReadKey: %+v, %v\nOpen: %v", got, err, want)
			}
			var se *kvstore.SyntaxError
			if !errors.As(err, &se) || se.File != path || !errors.Is(err, kvstore.ErrCorrupt) {
				t.Fatalf("ReadKey: %v is not a *SyntaxError naming %s", err, path)
			}
			if readFile(t, path) != text {
				t.Fatal("the file changed")
			}
		})
	}
	t.Run("position", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "data.json")
		writeFile(t, path, files["syntax error"])
		_, err := kvstore.ReadKey(path, "a")
		var se *kvstore.SyntaxError
		if !errors.As(err, &se) || se.Line != 3 || se.Column != 11 {
			t.Fatalf("ReadKey: %v, want line 3, column 11", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "data.json")
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, filepath.Join(dir, "no", "data.json")} {
			_, want := kvstore.Open(p, &kvstore.Options{ReadOnly: true})
			_, err := kvstore.ReadKey(p, "a")
			if want == nil || err == nil || err.Error() != want.Error() {
				t.Fatalf("ReadKey(%s): %v; Open: %v", p, err, want)
			}
		}
	})
}

// A journal a crashed writer left against another version of the file is
// left out, as a read-only store leaves it out: ReadKey gives the file's
// value and the store's warning.
func TestReadKeyLeavesOutAJournalOfAnotherFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, path, "{\n  \"a\": \"theirs\"\n}\n")
	writeFile(t, path+".journal", `{"file":["30:00000000"]}`+"\n"+`{"set":"a","value":"mine"}`+"\n")
	got, err := kvstore.ReadKey(path, "a")
	if err != nil || string(got.Value) != `"theirs"` {
		t.Fatalf("ReadKey: %s, %v", got.Value, err)
	}
	s := openAt(t, path, &kvstore.Options{ReadOnly: true})
	want := s.LastSaveError()
	if !errors.Is(got.Unshown, kvstore.ErrConflict) || want == nil || got.Unshown.Error() != want.Error() {
		t.Fatalf("ReadKey's warning: %v\nthe store's: %v", got.Unshown, want)
	}
}

// A corrupt journal is an error, the same as Open's, naming the journal
// and the line.
func TestReadKeyCorruptJournalIsOpensError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, path, `{"a": 1}`)
	writeFile(t, path+".journal", `{"set":"a","value":2}`+"\n"+`{"set":"a","value":}`+"\n"+`{"set":"b","value":3}`+"\n")
	_, want := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
	_, err := kvstore.ReadKey(path, "b")
	if want == nil || err == nil || err.Error() != want.Error() {
		t.Fatalf("ReadKey: %v\nOpen: %v", err, want)
	}
}

// A ReadKey that races a writer's appends and compactions sees a state the
// writer acknowledged, never a mix: each read finds the key, with a value
// no older than the one the read before it found.
func TestReadKeyBesideACompactingWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	w := openAt(t, path, &kvstore.Options{AlwaysSave: true})
	if err := w.SetRaw("k", []byte("0")); err != nil {
		t.Fatal(err)
	}
	const writes = 200
	done := make(chan error, 1)
	go func() {
		for i := 1; i <= writes; i++ {
			if err := w.SetRaw("k", []byte(strconv.Itoa(i))); err != nil {
				done <- err
				return
			}
			if i%10 == 0 {
				if err := w.Flush(); err != nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	last, reads := 0, 0
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		got, err := kvstore.ReadKey(path, "k")
		if err != nil {
			t.Fatal(err)
		}
		n, convErr := strconv.Atoi(string(got.Value))
		if !got.Found || convErr != nil || n < last {
			t.Fatalf("read %d found %s, %v after %d", reads, got.Value, got.Found, last)
		}
		last = n
		reads++
	}
	if last != writes {
		t.Fatalf("the last read, after the writer was done, found %d, want %d", last, writes)
	}
	t.Logf("%d reads", reads)
}
