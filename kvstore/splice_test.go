package kvstore_test

// Saves that change only what changed, on golden files
// (`testdata/splice/`): a package.json version bump is a one-line change,
// keys added to a sorted file add only their lines, a file out of key
// order grows at its end, a same-length edit of a 300k-key file keeps its
// size and every other byte, and the style detector neither learns an
// empty indentation from a blank line at the brace nor repeats a 64 KiB
// one in new members.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// copyTestdata copies the file testdata/splice/name into a temp dir and
// returns its path there.
func copyTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "splice", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// golden returns the content of testdata/splice/name.
func golden(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "splice", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A version bump in a package.json, whose keys are not sorted and some of
// whose values are compact, changes the version's line and nothing else:
// a diff of one line out and one line in.
func TestVersionBumpIsATwoLineDiff(t *testing.T) {
	for _, always := range []bool{false, true} {
		t.Run(fmt.Sprintf("always=%v", always), func(t *testing.T) {
			path := copyTestdata(t, "package.json")
			s := openAt(t, path, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
			mustSet(t, s, "version", "1.4.3")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got, want := readFile(t, path), golden(t, "package.bumped.json")
			if got != want {
				t.Fatalf("file:\n%s\nwant:\n%s", got, want)
			}
			before := strings.Split(golden(t, "package.json"), "\n")
			after := strings.Split(got, "\n")
			var changed []string
			for i := range before {
				if before[i] != after[i] {
					changed = append(changed, "-"+before[i], "+"+after[i])
				}
			}
			if want := []string{`-  "version": "1.4.2",`, `+  "version": "1.4.3",`}; !slices.Equal(changed, want) {
				t.Fatalf("diff %q, want %q", changed, want)
			}
		})
	}
}

// Keys added to a file whose keys are sorted go where they belong, in the
// file's indentation, and the diff adds their lines only.
func TestAddingToASortedFileAddsOnlyItsLines(t *testing.T) {
	path := copyTestdata(t, "settings.json")
	s := openAt(t, path, &kvstore.Options{SaveInterval: -1})
	mustSet(t, s, "editor.tabSize", 4)
	mustSet(t, s, "files.associations", map[string]string{"*.tape": "shell"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, want := readFile(t, path), golden(t, "settings.added.json")
	if got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	// Every line of the old file is still there, in order.
	after := strings.Split(got, "\n")
	for _, line := range strings.Split(golden(t, "settings.json"), "\n") {
		i := slices.Index(after, line)
		if i < 0 {
			t.Fatalf("line %q is gone", line)
		}
		after = after[i+1:]
	}
}

// Keys added to a file whose keys are not in order go after its last
// member; the store's keys are in order all the same.
func TestAddingToAnUnsortedFileAppends(t *testing.T) {
	path := copyTestdata(t, "package.json")
	s := openAt(t, path, &kvstore.Options{SaveInterval: -1})
	mustSet(t, s, "private", true)
	mustSet(t, s, "bugs", "https://example.com/issues")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	old := golden(t, "package.json")
	tail := ",\n  \"bugs\": \"https://example.com/issues\",\n  \"private\": true\n}\n"
	want := strings.TrimSuffix(old, "\n}\n") + tail
	if got := readFile(t, path); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	if keys := s.Keys(); !slices.IsSorted(keys) {
		t.Fatalf("Keys() = %q, not sorted", keys)
	}
}

// A same-length edit in a 300k-key file leaves its size as it was and
// every byte but the edited ones where it was. Its values are compact, on
// one line, but for the one edited, which is laid out as the store lays
// out a changed value.
func TestSameLengthEditKeepsTheFileSize(t *testing.T) {
	const n = 300_000
	var b bytes.Buffer
	b.WriteString("{\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		format := "  \"key:%06d\": {\"n\": %d, \"ok\": true}"
		if i == 123456 {
			format = "  \"key:%06d\": {\n    \"n\": %d,\n    \"ok\": true\n  }"
		}
		fmt.Fprintf(&b, format, i, 100_000+i)
	}
	b.WriteString("\n}\n")
	before := b.Bytes()
	path := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(path, before, 0o644); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path, &kvstore.Options{SaveInterval: -1})
	if err := s.SetRaw("key:123456", []byte(`{"n": 654321, "ok": true}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("size %d, was %d", len(after), len(before))
	}
	old := "\"key:123456\": {\n    \"n\": 223456,"
	want := bytes.Replace(before, []byte(old), []byte(strings.Replace(old, "223456,", "654321,", 1)), 1)
	if !bytes.Equal(after, want) {
		for i := range after {
			if after[i] != want[i] {
				t.Fatalf("byte %d differs: %q, want %q", i, after[max(0, i-40):min(len(after), i+40)], want[max(0, i-40):min(len(want), i+40)])
			}
		}
	}
}

// The style detector reads the indentation of the first member's line,
// not of a blank line before the opening brace, and does not repeat an
// absurdly wide indentation in new members.
func TestStyleDetectorPitfalls(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"blank line before the brace",
			"\n{\n    \"a\": 1\n}\n",
			"\n{\n    \"a\": 1,\n    \"b\": {\n        \"c\": true\n    }\n}\n"},
		{"blank line after the brace",
			"{\n\n\t\"a\": 1\n}\n",
			"{\n\n\t\"a\": 1,\n\t\"b\": {\n\t\t\"c\": true\n\t}\n}\n"},
		{"indentation wider than 16 columns",
			"{\n" + strings.Repeat(" ", 64<<10) + "\"a\": 1\n}\n",
			"{\n" + strings.Repeat(" ", 64<<10) + "\"a\": 1,\n  \"b\": {\n    \"c\": true\n  }\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			writeFile(t, path, tc.file)
			s := openAt(t, path, &kvstore.Options{SaveInterval: -1})
			if err := s.SetRaw("b", []byte(`{"c":true}`)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != tc.want {
				if len(got) > 200 {
					t.Fatalf("file of %d bytes, want %d", len(got), len(tc.want))
				}
				t.Fatalf("file:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}

// A change of the file's mode is no edit of its content: the next save
// still splices, and keeps the new mode.
func TestSpliceAfterChmod(t *testing.T) {
	path := copyTestdata(t, "package.json")
	s := openAt(t, path, &kvstore.Options{SaveInterval: -1})
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "version", "1.4.3")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), golden(t, "package.bumped.json"); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode after the save: %v, %v", info.Mode(), err)
	}
}
