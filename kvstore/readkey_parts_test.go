package kvstore

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The scan of a large file in parts (scanParts): each test compares it
// with the scan in one part and with the load, and checks the line and
// column it reports against the file's layout.

// partsFile returns a data file in the store's layout with n members
// "key:000000" on, each value an object over seven lines (so member i's key
// is on line 2+7i), with name(i) as the text of its "name" member, and the
// offset of each member's key string.
func partsFile(n int, key func(i int) string, name func(i int) string) (text []byte, keyOffs []int) {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  ")
		keyOffs = append(keyOffs, b.Len())
		fmt.Fprintf(&b, "%q: {\n    \"name\": %s,\n    \"tags\": [\n      \"a\",\n      \"b\"\n    ]\n  }", key(i), name(i))
	}
	b.WriteString("\n}\n")
	return b.Bytes(), keyOffs
}

func partsKey(i int) string  { return fmt.Sprintf("key:%06d", i) }
func partsName(i int) string { return fmt.Sprintf("%q", fmt.Sprintf("user %d", i)) }

// scanTwoWays scans text for key in one part and in two, split where
// findMember would split it, and fails unless both give what the load
// gives. It returns the error, as a *SyntaxError, and where the second
// part started.
func scanTwoWays(t *testing.T, text []byte, key string) (*SyntaxError, int) {
	t.Helper()
	starts := splitPoints(text, 2)
	if len(starts) != 1 {
		t.Fatalf("splitPoints gives %v, want one place", starts)
	}
	one, found1, serr1 := findMemberIn(text, key, nil)
	two, found2, serr2 := findMemberIn(text, key, starts)
	m, loadErr := parseFile("data.json", text)
	if loadErr != nil {
		if serr1 == nil || serr2 == nil {
			t.Fatalf("the load fails (%v); in one part: %v; in two: %v", loadErr, serr1, serr2)
		}
		e1, e2 := serr1.syntaxError("data.json", text), serr2.syntaxError("data.json", text)
		if e1.Error() != loadErr.Error() || e2.Error() != loadErr.Error() {
			t.Fatalf("the load: %v\nin one part: %v\nin two: %v", loadErr, e1, e2)
		}
		return e2, starts[0]
	}
	if serr1 != nil || serr2 != nil {
		t.Fatalf("the load succeeds; in one part: %v; in two: %v", serr1, serr2)
	}
	want, ok := m.Get(key)
	if found1 != ok || found2 != ok || !bytes.Equal(one, want) || !bytes.Equal(two, want) {
		t.Fatalf("%q: the load has %s, %v; in one part: %s, %v; in two: %s, %v", key, want, ok, one, found1, two, found2)
	}
	return nil, starts[0]
}

// In the store's layout the second part starts at the first member's key
// after the middle of the file, and the value of a key in either part is
// found.
func TestScanPartsSplitAtAMemberNearTheMiddle(t *testing.T) {
	text, keyOffs := partsFile(2000, partsKey, partsName)
	starts := splitPoints(text, 2)
	if len(starts) != 1 {
		t.Fatalf("splitPoints: %v", starts)
	}
	k := 0
	for k < len(keyOffs) && keyOffs[k] < len(text)/2 {
		k++
	}
	if starts[0] != keyOffs[k] {
		t.Fatalf("the second part starts at %d, want %d, the key of member %d", starts[0], keyOffs[k], k)
	}
	for _, key := range []string{partsKey(0), partsKey(k - 1), partsKey(k), partsKey(1999), "missing"} {
		scanTwoWays(t, text, key)
	}
}

// A fault in the second part is reported at its own line and column, as
// one scan reports it, and a fault in the first part comes before it.
func TestScanPartsFaultLineAndColumn(t *testing.T) {
	badName := func(bad ...int) func(int) string {
		return func(i int) string {
			for _, b := range bad {
				if i == b {
					return "nul"
				}
			}
			return partsName(i)
		}
	}
	// `    "name": nul,`: the ',' is in column 16 of the line after the key.
	for _, c := range []struct {
		name string
		bad  []int
		line int
	}{
		{"in the second part", []int{1500}, 2 + 7*1500 + 1},
		{"in both parts", []int{100, 1500}, 2 + 7*100 + 1},
		{"in the first part", []int{100}, 2 + 7*100 + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			text, keyOffs := partsFile(2000, partsKey, badName(c.bad...))
			se, start := scanTwoWays(t, text, partsKey(10))
			if se == nil || se.Line != c.line || se.Column != 16 || !strings.Contains(se.Msg, "in literal null") {
				t.Fatalf("error %v, want line %d, column 16", se, c.line)
			}
			if start <= keyOffs[1000] || start >= keyOffs[1500] {
				t.Fatalf("the second part starts at %d, not between members 1000 and 1500", start)
			}
		})
	}
}

// Where the guess of a member's start is wrong (inside a string, at a
// nested key, at an array element), the part before it does not stop
// there and scans on to the end, with the answer and the errors of one
// scan. A raw line break can only be white space between two tokens, so
// a line that starts inside a string cannot happen; a string holding an
// escaped line break and the start of a member is no place to start.
func TestScanPartsWrongGuesses(t *testing.T) {
	text, keyOffs := partsFile(2000, partsKey, partsName)
	nested := keyOffs[1200] + bytes.Index(text[keyOffs[1200]:], []byte(`"name"`))
	element := keyOffs[1200] + bytes.Index(text[keyOffs[1200]:], []byte(`"a"`))
	inString := keyOffs[1200] + 3
	afterKey := keyOffs[1200] + len(`"key:001200"`)
	for _, start := range []int{nested, element, inString, afterKey, keyOffs[1200] - 1} {
		for _, key := range []string{partsKey(5), partsKey(1500), "missing"} {
			want, wantFound, werr := findMemberIn(text, key, nil)
			got, found, err := findMemberIn(text, key, []int{start})
			if werr != nil || err != nil || found != wantFound || !bytes.Equal(got, want) {
				t.Fatalf("start %d, %q: %s, %v, %v; one scan: %s, %v, %v", start, key, got, found, err, want, wantFound, werr)
			}
		}
	}
	// A fault after a wrong guess is still the one scan's.
	bad := func(i int) string {
		if i == 1500 {
			return "nul"
		}
		return partsName(i)
	}
	text, keyOffs = partsFile(2000, partsKey, bad)
	nested = keyOffs[1200] + bytes.Index(text[keyOffs[1200]:], []byte(`"name"`))
	_, _, want := findMemberIn(text, partsKey(5), nil)
	_, _, got := findMemberIn(text, partsKey(5), []int{nested})
	if want == nil || got == nil || got.syntaxError("f", text).Error() != want.syntaxError("f", text).Error() {
		t.Fatalf("after a wrong guess: %v; one scan: %v", got, want)
	}

	// Escaped, a member's start in a string is not one.
	escaped := func(i int) string {
		if i >= 900 && i < 1100 {
			return `"x\n  \"key:000001\": 1,\n  \"` + strings.Repeat("y", 200) + `"`
		}
		return partsName(i)
	}
	text, keyOffs = partsFile(2000, partsKey, escaped)
	_, start := scanTwoWays(t, text, partsKey(1000))
	if !containsInt(keyOffs, start) {
		t.Fatalf("the second part starts at %d, no member's key", start)
	}

	// A file whose nested keys are indented as its members: the first
	// key after the middle is a nested one.
	text = []byte("{\n  \"a\": {\n  \"x\": 1,\n  \"y\": 2\n  },\n  \"b\": {\n  \"x\": 3,\n  \"y\": 4\n  }\n}\n")
	for _, key := range []string{"a", "b", "x"} {
		for at := range text {
			want, wantFound, werr := findMemberIn(text, key, nil)
			got, found, err := findMemberIn(text, key, []int{at})
			if werr != nil || err != nil || found != wantFound || !bytes.Equal(got, want) {
				t.Fatalf("start %d, %q: %s, %v, %v; one scan: %s, %v, %v", at, key, got, found, err, want, wantFound, werr)
			}
		}
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Keys are compared across the join of two parts: the last key of the
// first part and the first key of the second. The same key on both sides
// is a duplicate at the second one's line; keys out of order there make
// the scan keep a set, as for any file whose keys do not ascend.
func TestScanPartsKeysAcrossTheJoin(t *testing.T) {
	text, keyOffs := partsFile(2000, partsKey, partsName)
	k := 0
	for keyOffs[k] != splitPoints(text, 2)[0] {
		k++
	}
	// key repeats key k-1 as key k; name(j) makes value j a bad literal.
	key := func(i int) string {
		if i == k {
			return partsKey(k - 1)
		}
		return partsKey(i)
	}
	name := func(j int) func(int) string {
		return func(i int) string {
			if i == j {
				return "nul"
			}
			return partsName(i)
		}
	}
	t.Run("duplicate", func(t *testing.T) {
		text, _ := partsFile(2000, key, partsName)
		se, _ := scanTwoWays(t, text, partsKey(3))
		want := fmt.Sprintf("duplicate key %q", partsKey(k-1))
		if se == nil || se.Msg != want || se.Line != 2+7*k || se.Column != 3 {
			t.Fatalf("error %v, want %s at line %d, column 3", se, want, 2+7*k)
		}
	})
	t.Run("duplicate, then a fault", func(t *testing.T) {
		text, _ := partsFile(2000, key, name(k+1))
		if se, _ := scanTwoWays(t, text, partsKey(3)); se == nil || se.Line != 2+7*k {
			t.Fatalf("error %v, want the duplicate on line %d", se, 2+7*k)
		}
	})
	t.Run("a fault in the second part's first member, then the duplicate", func(t *testing.T) {
		text, _ := partsFile(2000, key, name(k))
		if se, _ := scanTwoWays(t, text, partsKey(3)); se == nil || se.Line != 2+7*k+1 || !strings.Contains(se.Msg, "null") {
			t.Fatalf("error %v, want the value's fault on line %d", se, 2+7*k+1)
		}
	})
	t.Run("out of order", func(t *testing.T) {
		key := func(i int) string {
			switch i {
			case k - 1:
				return partsKey(k)
			case k:
				return partsKey(k - 1)
			}
			return partsKey(i)
		}
		text, _ := partsFile(2000, key, partsName)
		for _, key := range []string{partsKey(k - 1), partsKey(k), partsKey(1900)} {
			scanTwoWays(t, text, key)
		}
	})
	t.Run("out of order and a duplicate", func(t *testing.T) {
		key := func(i int) string {
			switch i {
			case k - 1:
				return partsKey(k)
			case k:
				return partsKey(k - 1)
			case 1900:
				return partsKey(20)
			}
			return partsKey(i)
		}
		text, _ := partsFile(2000, key, partsName)
		if se, _ := scanTwoWays(t, text, partsKey(3)); se == nil || se.Line != 2+7*1900 || !strings.Contains(se.Msg, "duplicate") {
			t.Fatalf("error %v, want the duplicate on line %d", se, 2+7*1900)
		}
	})
}

// useParts makes findMember scan even a small file in two parts, for the
// length of a test.
func useParts(t *testing.T) {
	t.Helper()
	procs := runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))
	part := minPart
	minPart = 4096
	t.Cleanup(func() {
		runtime.GOMAXPROCS(procs)
		minPart = part
	})
}

// ReadKey of a file scanned in parts applies a journal's changes to a key
// in either part.
func TestReadKeyInPartsSeesTheJournal(t *testing.T) {
	useParts(t)
	defer func(idle time.Duration) { compactIdle = idle }(compactIdle)
	compactIdle = time.Hour
	path := filepath.Join(t.TempDir(), "data.json")
	text, _ := partsFile(2000, partsKey, partsName)
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(splitPoints(text, partsFor(len(text)))) == 0 {
		t.Fatal("the file would be scanned in one part")
	}
	w, err := Open(path, &Options{AlwaysSave: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, step := range []error{
		w.SetRaw(partsKey(1800), []byte(`"changed"`)),
		w.Delete(partsKey(10)),
		w.Rename(partsKey(1900), "renamed"),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, text) {
		t.Fatal("the writes reached the file; the test needs them in the journal only")
	}
	for key, want := range map[string]string{
		partsKey(1800): `"changed"`,
		partsKey(10):   "",
		partsKey(1900): "",
		"renamed":      `{"name":"user 1900","tags":["a","b"]}`,
		partsKey(1000): `{"name":"user 1000","tags":["a","b"]}`,
	} {
		got, err := ReadKey(path, key)
		if err != nil || got.Found != (want != "") || string(got.Value) != want {
			t.Errorf("ReadKey(%q) = %s, %v, %v; want %s", key, got.Value, got.Found, err, want)
		}
	}
}
