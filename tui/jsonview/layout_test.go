package jsonview

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"pgregory.net/rapid"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// jsonValue generates arbitrary JSON text, compact.
func jsonValue() *rapid.Generator[string] {
	var gen func(depth int) *rapid.Generator[string]
	gen = func(depth int) *rapid.Generator[string] {
		leaves := []*rapid.Generator[string]{
			rapid.SampledFrom([]string{"null", "true", "false", "0", "-1.5e3", "18446744073709551617"}),
			rapid.Map(rapid.String(), func(s string) string { b, _ := json.Marshal(s); return string(b) }),
		}
		if depth == 0 {
			return rapid.OneOf(leaves...)
		}
		arr := rapid.Map(rapid.SliceOfN(gen(depth-1), 0, 4), func(v []string) string {
			return "[" + strings.Join(v, ",") + "]"
		})
		obj := rapid.Map(rapid.MapOfN(rapid.String(), gen(depth-1), 0, 4), func(m map[string]string) string {
			var parts []string
			for k, v := range m {
				kb, _ := json.Marshal(k)
				parts = append(parts, string(kb)+":"+v)
			}
			return "{" + strings.Join(parts, ",") + "}"
		})
		return rapid.OneOf(append(leaves, arr, obj)...)
	}
	return gen(3)
}

// joinLines renders lines as plain text, the way the value pane shows them
// at unlimited width.
func joinLines(lines []jsonLine) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", l.depth))
		for _, tk := range l.tokens {
			b.WriteString(tk.text)
		}
	}
	return b.String()
}

func TestPrettyLinesMatchesIndent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		raw := jsonValue().Draw(t, "json")
		var want bytes.Buffer
		if err := json.Indent(&want, []byte(raw), "", "  "); err != nil {
			t.Fatalf("generator made invalid JSON %s: %v", raw, err)
		}
		// json.Indent's output, escaped for display line by line.
		lines := strings.Split(want.String(), "\n")
		for i, l := range lines {
			lines[i] = display.Escape(l)
		}
		if got := joinLines(layout(raw)); got != strings.Join(lines, "\n") {
			t.Fatalf("pretty lines differ from json.Indent\ngot:\n%s\nwant:\n%s", got, want.String())
		}
	})
}

func TestPrettyLinesKinds(t *testing.T) {
	lines := layout(`{"k":"v","n":1.50,"t":true,"z":null,"a":[]}`)
	kinds := map[string]tokenKind{}
	for _, l := range lines {
		for _, tk := range l.tokens {
			kinds[tk.text] = tk.kind
		}
	}
	want := map[string]tokenKind{`"k"`: tokKey, `"v"`: tokString, "1.50": tokNumber, "true": tokLiteral, "null": tokLiteral, "[]": tokPunct, "{": tokPunct}
	for text, k := range want {
		if kinds[text] != k {
			t.Errorf("%s is kind %d, want %d", text, kinds[text], k)
		}
	}
}

func TestWrapLinesFitAndCover(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		raw := jsonValue().Draw(t, "json")
		width := rapid.IntRange(4, 60).Draw(t, "width")
		lines := layout(raw)
		rows := wrap(lines, nil, width)
		st := Styles{}
		covered := make([]string, len(lines))
		for _, r := range rows {
			text := ansi.Strip(renderRow(&lines[r.line], r, &st, nil))
			if w := ansi.StringWidth(text); w > width && r.to-r.from > 1 {
				t.Fatalf("row %q is %d wide, more than %d", text, w, width)
			}
			covered[r.line] += strings.TrimLeft(text[:r.indent], " ") + text[r.indent:]
		}
		for i, l := range lines {
			var want strings.Builder
			for _, tk := range l.tokens {
				want.WriteString(tk.text)
			}
			if covered[i] != want.String() {
				t.Fatalf("line %d rows give %q, want %q", i, covered[i], want.String())
			}
		}
	})
}
