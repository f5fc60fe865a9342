package kvstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// jsonSamples covers every token kind, nesting, escapes and white space.
var jsonSamples = []string{
	`0`, `-0`, `1.5e-300`, `-12.0E+5`, `123456789012345678901234567890`,
	`true`, `false`, `null`, `""`, `"plain"`, `"esc \" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"`,
	`"unicode é 日本 😀 \u2028"`, `"<&>"`,
	`[]`, `{}`, `[[]]`, `{"a":{}}`, `[{}, [], {"x": [1, {"y": null}]}]`,
	" {\n\t\"k\" : [ 1 ,\r\n 2 ] , \"e\":{ } }\n ",
	`{"a":"b\\","c":"\\\"d"}`, `["]", "}", ",", ":"]`,
}

func TestCompactMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(s)); err != nil {
			t.Fatalf("sample %q is not JSON: %v", s, err)
		}
		got, err := compactJSON([]byte(s))
		if err != nil {
			t.Errorf("compactJSON(%q): %v", s, err.msg)
			continue
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("compactJSON(%q) = %s, want %s", s, got, want.Bytes())
		}
	}
}

func TestIndentMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		compact, _ := compactJSON([]byte(s))
		for depth := range 3 {
			var want bytes.Buffer
			json.Indent(&want, compact, strings.Repeat("  ", depth), "  ")
			if got := canonicalStyle.appendIndented(nil, compact, depth); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("canonicalStyle.appendIndented(%s, %d) =\n%s\nwant\n%s", compact, depth, got, want.Bytes())
			}
		}
	}
}

func TestIndentStopsAtMaxDepth(t *testing.T) {
	deep := strings.Repeat(`{"k":[`, 40) + `"a\"]}"` + strings.Repeat(`]}`, 40)
	out := canonicalStyle.appendIndented(nil, []byte(deep), 0)
	var back bytes.Buffer
	if err := json.Compact(&back, out); err != nil || back.String() != deep {
		t.Fatalf("indenting changed the value: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	if len(lines) != 2*maxIndentDepth+1 {
		t.Fatalf("%d lines, want %d", len(lines), 2*maxIndentDepth+1)
	}
	rest := strings.Repeat(`{"k":[`, 40-maxIndentDepth/2) + `"a\"]}"` + strings.Repeat(`]}`, 40-maxIndentDepth/2)
	if want := strings.Repeat("  ", maxIndentDepth) + rest; lines[maxIndentDepth] != want {
		t.Fatalf("line %d = %q, want the compact rest %q", maxIndentDepth, lines[maxIndentDepth], want)
	}
}

func TestValidationMatchesEncodingJSON(t *testing.T) {
	invalid := []string{
		``, ` `, `{`, `}`, `[`, `[1`, `[1,]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{a:1}`, `{"a" 1}`,
		`01`, `-`, `+1`, `1.`, `.5`, `1e`, `1e+`, `0x1`, `NaN`, `Infinity`, `tru`, `nulll`, `True`,
		`"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\tb\"", "\"\x00\"", `'a'`, `[1 2]`, `{"a":1 "b":2}`,
		`1 2`, `[]]`, `{}}`,
	}
	for _, s := range invalid {
		if json.Valid([]byte(s)) {
			t.Fatalf("sample %q is valid JSON", s)
		}
		if _, err := compactJSON([]byte(s)); err == nil {
			t.Errorf("compactJSON(%q) accepted invalid JSON", s)
		}
	}
	// Bytes inside strings that are not UTF-8 are kept, as encoding/json's
	// Valid and Compact keep them; control characters are not.
	for _, s := range []string{"\"\xff\"", "{\"k\xfe\" : \"a\xc3\"}", "[\"\xed\xa0\x80\"]", "\"\xf4\x90\x80\x80\""} {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(s)); err != nil {
			t.Fatalf("encoding/json refuses %q: %v", s, err)
		}
		if got, err := compactJSON([]byte(s)); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("compactJSON(%q) = %q, %v; want %q", s, got, err, want.Bytes())
		}
	}
	if _, err := compactJSON([]byte("{\"k\":\"a\x7f\x1f\"}")); err == nil || err.off != 8 || !strings.Contains(err.msg, "control character byte 0x1f") {
		t.Errorf("the control character is reported as %v, want offset 8", err)
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := compactJSON([]byte(deep)); err == nil || !strings.Contains(err.msg, "depth") {
		t.Errorf("nesting past %d accepted: %v", maxDepth, err)
	}
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := compactJSON([]byte(ok)); err != nil {
		t.Errorf("nesting of %d refused: %v", maxDepth, err.msg)
	}
}

func TestAppendQuotedRoundTrips(t *testing.T) {
	keys := []string{"", "plain", `q"uote`, `back\slash`, "nl\ncr\rtab\t", "\x00\x01\x1f\x7f",
		"<&>", "é日本😀", "\u2028\u2029", "\u200b\u202e", "\x1b[31mred"}
	for _, k := range keys {
		q := appendQuoted(nil, k)
		var back string
		if err := json.Unmarshal(q, &back); err != nil || back != k {
			t.Errorf("appendQuoted(%q) = %s, decodes to %q (%v)", k, q, back, err)
		}
		if bytes.ContainsAny(q, "\n\r\t\x00\x1b") {
			t.Errorf("appendQuoted(%q) = %q left a control character raw", k, q)
		}
	}
}

func TestDecodeKeyKeepsBytesAndRefusesLoneSurrogates(t *testing.T) {
	for quoted, want := range map[string]string{
		`"a"`: "a", `"\u0041\n"`: "A\n", `"\uD83D\uDE00"`: "😀", `"\ufffd"`: "\ufffd",
		"\"\xff\"": "\xff", "\"\\\"\xe9\\u00E9\\/\\b\\f\\r\\t\\\\\"": "\"\xe9é/\b\f\r\t\\",
	} {
		if got, ok := decodeKey([]byte(quoted)); !ok || got != want {
			t.Errorf("decodeKey(%s) = %q, %v", quoted, got, ok)
		}
	}
	for _, quoted := range []string{`"\uD800"`, `"a\udc00b"`, `"\ud800\u0041"`, `"\ud83d"`} {
		if got, ok := decodeKey([]byte(quoted)); ok {
			t.Errorf("decodeKey(%s) accepted a key that would change to %q", quoted, got)
		}
	}
}

func TestLineCol(t *testing.T) {
	src := []byte("ab\ncd\n\nef")
	for off, want := range map[int][2]int{0: {1, 1}, 2: {1, 3}, 3: {2, 1}, 6: {3, 1}, 8: {4, 2}, 99: {4, 3}} {
		if l, c := lineCol(src, off); l != want[0] || c != want[1] {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", off, l, c, want[0], want[1])
		}
	}
}

// plainPrefix passes exactly the bytes the byte loop would pass, up to
// eight: every byte value, at every position, among bytes that are plain
// and among the other kind's neighbours.
func TestPlainPrefixAgreesWithTheByteTable(t *testing.T) {
	prefix := func(word []byte) int {
		n := 0
		for n < len(word) && plainStringByte[word[n]] {
			n++
		}
		return n
	}
	for _, filler := range []byte{'a', ' ', 0x7f, '"' + 1, '\\' - 1, '!', 0x1f, 0x80, '"', '\\', 0} {
		for b := range 256 {
			for pos := range 8 {
				word := bytes.Repeat([]byte{filler}, 8)
				word[pos] = byte(b)
				if got, want := plainPrefix(binary.LittleEndian.Uint64(word)), prefix(word); got != want {
					t.Fatalf("plainPrefix(%q) = %d, want %d", word, got, want)
				}
			}
		}
	}
	// Words of several bytes near the edges, where borrows between bytes
	// could hide one or invent one.
	edge := []byte{0, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 0x7f, 0x80, 0xc3, 0xff, 'a'}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var word [8]byte
		for i := range word {
			word[i] = edge[rng.IntN(len(edge))]
		}
		if got, want := plainPrefix(binary.LittleEndian.Uint64(word[:])), prefix(word[:]); got != want {
			t.Fatalf("plainPrefix(%q) = %d, want %d", word, got, want)
		}
	}
}

// FuzzCheckValue holds checkValue, which ReadKey runs on every value of a
// file it scans, to compactValue, which the load runs: on any bytes, from
// any offset, the same end and the same error at the same offset.
func FuzzCheckValue(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s), 0)
	}
	for _, s := range []string{`{"a": [1, tru]}`, `[1 2]`, `{"a" 1}`, `{"a": 1,}`, "\"a\x01\"", `{"a": {"b": [[]]}} x`, ` `, `-`, `1.`, `"\u12"`} {
		f.Add([]byte(s), 0)
	}
	f.Add([]byte(`x {"a": 1}`), 2)
	f.Fuzz(func(t *testing.T, src []byte, at int) {
		if at < 0 || at > len(src) {
			return
		}
		_, wantEnd, wantErr := compactValue(nil, src, at)
		end, err := checkValue(src, at)
		if end != wantEnd || (err == nil) != (wantErr == nil) || err != nil && *err != *wantErr {
			t.Fatalf("checkValue(%q, %d) = %d, %v; compactValue: %d, %v", src, at, end, err, wantEnd, wantErr)
		}
	})
}
