package display

import (
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"

	"github.com/kvstore-dev/kvstore/kvstore/termsafe"
)

func TestDisplayEscape(t *testing.T) {
	cases := map[string]string{
		"plain":            "plain",
		"a\x1b[31mb":       `a\u001b[31mb`,
		"\r\b\t\n":         `\u000d\u0008\u0009\u000a`,
		"del\x7f":          `del\u007f`,
		"csi\u009b2J":      `csi\u009b2J`,
		"bidi\u202eabc":    `bidi\u202eabc`,
		"iso\u2066x\u2069": `iso\u2066x\u2069`,
		"zw\u200b\u200d":   `zw\u200b\u200d`,
		"bom\ufeff":        `bom\ufeff`,
		"ls\u2028":         `ls\u2028`,
		"tag\U000E0041":    `tag\U000e0041`,
		"bad\xffbyte":      `bad\xffbyte`,
		"日本語 é 🚀":          "日本語 é 🚀",
		"e\u0301":          "e\u0301",
	}
	for in, want := range cases {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDisplayEscapeNeverLeavesUnsafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		if raw := rapid.SliceOf(rapid.Byte()).Draw(t, "raw"); len(raw) > 0 {
			s += string(raw)
		}
		out := Escape(s)
		if HasUnsafe(out) {
			t.Fatalf("Escape(%q) = %q still holds %s", s, out, firstUnsafe(out))
		}
		if !HasUnsafe(s) && out != s {
			t.Fatalf("safe text %q changed to %q", s, out)
		}
	})
}

// firstUnsafe returns the first unsafe character of s, escaped.
func firstUnsafe(s string) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || termsafe.Unsafe(r) {
			return Escape(s[i : i+size])
		}
		i += size
	}
	return ""
}

// Keys that look alike as text get labels that differ; a plain key is
// its own label.
func TestKeyLabelsTellKeysApart(t *testing.T) {
	keys := []string{"", `""`, " ", "  ", "a", "a ", " a", "a\u00a0", "\x07", `\u0007`, `"a"`, `a"b`, "a\\b", "\xff", `\xff`, "é", "a b"}
	seen := map[string]string{}
	for _, k := range keys {
		l := KeyLabel(k)
		if prev, ok := seen[l]; ok {
			t.Errorf("%q and %q both show as %s", prev, k, l)
		}
		seen[l] = k
		if HasUnsafe(l) {
			t.Errorf("the label of %q is unsafe: %q", k, l)
		}
	}
	for k, want := range map[string]string{
		"a": "a", "a b": "a b", `a"b`: `a"b`, "é": "é", `\u0007`: `\u0007`,
		"": `""`, `""`: `"\"\""`, "  ": `"  "`, "a ": `"a "`, "\x07": `"\u0007"`, "\xff": `"\xff"`,
	} {
		if got := KeyLabel(k); got != want {
			t.Errorf("KeyLabel(%q) = %s, want %s", k, got, want)
		}
	}
}

// A zero-width joiner inside an emoji sequence shows as the emoji; any
// other stays escaped.
func TestEmojiSequencesShowAsEmoji(t *testing.T) {
	for in, want := range map[string]string{
		"👩\u200d👩\u200d👧\u200d👦": "👩\u200d👩\u200d👧\u200d👦",
		"🏳\ufe0f\u200d🌈":         "🏳\ufe0f\u200d🌈",
		"👨\u200d❤\ufe0f\u200d👨":  "👨\u200d❤\ufe0f\u200d👨",
		"a\u200db":               `a\u200db`,
		"👩\u200d":                `👩\u200d`,
		"\u200d👩":                `\u200d👩`,
		"👩\u200d\u200d👩":         `👩\u200d\u200d👩`,
		"👩\u200b👩":               `👩\u200b👩`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if HasUnsafe(in) != (in != want) {
			t.Errorf("HasUnsafe(%q) = %v", in, HasUnsafe(in))
		}
	}
}
