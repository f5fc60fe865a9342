package kvstore_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// styleSample is a settings file's content, with a value nested deep
// enough that each indentation level shows.
var styleSample = map[string]any{
	"name":     "policies",
	"limits":   map[string]any{"cpu": 2, "memory": "512Mi", "burst": []any{1, 2, 3}},
	"rules":    []any{map[string]any{"allow": true, "path": "/a"}, map[string]any{"allow": false, "path": "/b"}},
	"empty":    map[string]any{},
	"nothing":  []any{},
	"unicode":  "café",
	"z-last":   nil,
	"a-first":  1.5,
	"sub/keys": map[string]any{"deep": map[string]any{"deeper": []any{"x"}}},
}

// styled returns styleSample as another tool would write it.
func styled(t *testing.T, indent, eol string, final, bom bool) []byte {
	t.Helper()
	b, err := json.MarshalIndent(styleSample, "", indent)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("\n"), []byte(eol))
	if final {
		b = append(b, eol...)
	}
	if bom {
		b = append([]byte("\xef\xbb\xbf"), b...)
	}
	return b
}

// changedLines returns the lines of after that differ from before's, which
// must have as many lines.
func changedLines(t *testing.T, before, after []byte, eol string) []string {
	t.Helper()
	a, b := strings.Split(string(before), eol), strings.Split(string(after), eol)
	if len(a) != len(b) {
		t.Fatalf("line count changed from %d to %d:\n%s", len(a), len(b), after)
	}
	var changed []string
	for i := range a {
		if a[i] != b[i] {
			changed = append(changed, b[i])
		}
	}
	return changed
}

// A file written by another tool keeps its style: changing one value
// changes only that value's line.
func TestOtherToolsFileKeepsItsStyle(t *testing.T) {
	for _, tc := range []struct {
		name, indent, eol string
		final, bom        bool
	}{
		{"4 spaces", "    ", "\n", true, false},
		{"tabs", "\t", "\n", true, false},
		{"CRLF", "  ", "\r\n", true, false},
		{"1 space, no final newline", " ", "\n", false, false},
		{"BOM, CRLF, tabs", "\t", "\r\n", true, true},
	} {
		for _, always := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/always=%v", tc.name, always), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "policies.json")
				before := styled(t, tc.indent, tc.eol, tc.final, tc.bom)
				if err := os.WriteFile(path, before, 0o644); err != nil {
					t.Fatal(err)
				}
				s := openAt(t, path, &kvstore.Options{AlwaysSave: always, SaveInterval: -1})
				if err := s.SetRaw("limits", []byte(`{"burst": [1, 2, 3], "cpu": 4, "memory": "512Mi"}`)); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				after, _ := os.ReadFile(path)
				changed := changedLines(t, before, after, tc.eol)
				if want := tc.indent + tc.indent + `"cpu": 4,`; len(changed) != 1 || changed[0] != want {
					t.Fatalf("changed lines %q, want only %q; file:\n%s", changed, want, after)
				}
				if got := bytes.HasPrefix(after, []byte("\xef\xbb\xbf")); got != tc.bom {
					t.Errorf("byte order mark: %v, want %v", got, tc.bom)
				}
			})
		}
	}
}

// A file this store creates is canonical, and so becomes one the original
// library wrote (compact, on one line): the store's files are meant to be
// read.
func TestNewAndCompactFilesAreCanonical(t *testing.T) {
	canonical := styled(t, "  ", "\n", true, false)
	for name, initial := range map[string]string{"new": "", "compact": `{"name":"old"}`} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			if initial != "" {
				writeFile(t, path, initial)
			}
			s := openAt(t, path, &kvstore.Options{SaveInterval: -1})
			for k, v := range styleSample {
				mustSet(t, s, k, v)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, canonical) {
				t.Fatalf("file:\n%s\nwant:\n%s", got, canonical)
			}
		})
	}
}
