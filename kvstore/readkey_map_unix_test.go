//go:build unix

package kvstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A mapped file that another program cuts short while ReadKey scans it is
// read again as it now is, with Open's answer, whichever part of the scan
// reaches the missing pages: the process does not die of SIGBUS.
func TestReadKeyMappedFileCutShort(t *testing.T) {
	useParts(t)
	text, _ := partsFile(20000, partsKey, partsName)
	if len(text) < mapMin {
		t.Fatalf("the file has %d bytes, too few to be mapped", len(text))
	}
	start := splitPoints(text, 2)[0]
	for _, c := range []struct {
		name  string
		size  int
		first bool // the first part reaches the cut
	}{
		{"in the first part", 1 << 16, true},
		{"in the second part only", (len(text) - (len(text)-start)/2) &^ 0xffff, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			if err := os.WriteFile(path, text, 0o644); err != nil {
				t.Fatal(err)
			}
			if c.first != (c.size < start) {
				t.Fatalf("cut at %d, the second part starts at %d", c.size, start)
			}
			cut := false
			afterMapping = func() {
				cut = os.Truncate(path, int64(c.size)) == nil
			}
			defer func() { afterMapping = nil }()
			_, err := ReadKey(path, partsKey(5))
			if !cut {
				t.Fatal("the file was not mapped, or not cut")
			}
			_, want := Open(path, &Options{ReadOnly: true})
			var se *SyntaxError
			if want == nil || err == nil || err.Error() != want.Error() || !errors.As(err, &se) {
				t.Fatalf("ReadKey: %v\nOpen: %v", err, want)
			}
		})
	}
	// Not cut, the mapped file gives its values.
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 7000, 19999} {
		got, err := ReadKey(path, partsKey(i))
		want := fmt.Sprintf(`{"name":"user %d","tags":["a","b"]}`, i)
		if err != nil || string(got.Value) != want {
			t.Fatalf("ReadKey(%q) = %s, %v; want %s", partsKey(i), got.Value, err, want)
		}
	}
}
