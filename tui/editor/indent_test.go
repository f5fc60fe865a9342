package editor

// Enter lays JSON out as it is typed (the indentation of the line, one
// level more after { or [, a closing bracket lined up with its opener),
// and Format pretty-prints valid text in place and leaves invalid text
// exactly as typed, pointing at the error.

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// typeKeys sends s to e as key presses, "\n" as Enter.
func typeKeys(e *Model, s string) {
	for _, r := range s {
		if r == '\n' {
			e.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
			continue
		}
		e.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// newEmpty opens an editor whose text is empty, at its start.
func newEmpty(t *testing.T) *Model {
	t.Helper()
	e, err := New("k", []byte(`""`), true)
	if err != nil {
		t.Fatal(err)
	}
	e.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	e.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	e.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	if e.Text() != "" {
		t.Fatalf("could not empty the editor: %q", e.Text())
	}
	e.SetSize(60, 20)
	return e
}

func TestEnterIndentsAsJSONIsTyped(t *testing.T) {
	e := newEmpty(t)
	typeKeys(e, "{\n\"name\": \"Ada\",\n\"tags\": [\n\"x\",\n\"y\"\n]\n}")
	want := "{\n  \"name\": \"Ada\",\n  \"tags\": [\n    \"x\",\n    \"y\"\n  ]\n}"
	if got := e.Text(); got != want {
		t.Fatalf("typed text laid out as\n%s\nwant\n%s", got, want)
	}
	if _, err := kvstore.Compact([]byte(e.Text())); err != nil {
		t.Fatalf("typed JSON is not valid: %v", err)
	}
}

func TestEnterBetweenBracketsOpensAnIndentedLine(t *testing.T) {
	e, err := New("k", []byte(`{"a":{}}`), false)
	if err != nil {
		t.Fatal(err)
	}
	e.SetSize(60, 20)
	// {
	//   "a": {}      <- cursor between the braces
	// }
	e.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	e.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	e.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	typeKeys(e, "\n\"b\": 1")
	want := "{\n  \"a\": {\n    \"b\": 1\n  }\n}"
	if got := e.Text(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestEnterKeepsTheIndentationOfTheLine(t *testing.T) {
	e, err := New("k", []byte(`{"a":1,"b":2}`), false)
	if err != nil {
		t.Fatal(err)
	}
	e.SetSize(60, 20)
	e.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	e.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	typeKeys(e, "\n\"c\": 3,")
	if got, want := e.Text(), "{\n  \"a\": 1,\n  \"c\": 3,\n  \"b\": 2\n}"; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// Enter in a line's indentation opens a line above and leaves the
	// line as it was.
	e.Update(tea.KeyPressMsg{Code: tea.KeyHome})
	typeKeys(e, "\n")
	if got, want := e.Text(), "{\n  \"a\": 1,\n\n  \"c\": 3,\n  \"b\": 2\n}"; got != want {
		t.Fatalf("Enter at the line start: got\n%s\nwant\n%s", got, want)
	}
	// Enter in the middle of a line drops the blanks it moves down.
	e.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	for range len(` 3,`) {
		e.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	}
	typeKeys(e, "\n")
	if got, want := e.Text(), "{\n  \"a\": 1,\n\n  \"c\":\n  3,\n  \"b\": 2\n}"; got != want {
		t.Fatalf("Enter before blanks: got %q, want %q", got, want)
	}
}

func TestFormatPrettyPrintsValidText(t *testing.T) {
	e := newEmpty(t)
	e.Update(tea.PasteMsg{Content: `{"b": [1,2], "a": {"c":null}}`})
	if err := e.Format(); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": {\n    \"c\": null\n  }\n}"
	if got := e.Text(); got != want {
		t.Fatalf("formatted as\n%s\nwant\n%s", got, want)
	}
	if !e.Changed() {
		t.Fatal("formatted text of a new key is not marked changed")
	}
}

func TestFormatLeavesInvalidTextAndPointsAtTheError(t *testing.T) {
	e := newEmpty(t)
	typed := "{\n  \"a\": 1,\n  \"b\" 2\n}"
	e.Update(tea.PasteMsg{Content: typed})
	err := e.Format()
	var syn *kvstore.SyntaxError
	if !errors.As(err, &syn) || syn.Line != 3 {
		t.Fatalf("Format of invalid text: %v, want a syntax error on line 3", err)
	}
	if got := e.Text(); got != typed {
		t.Fatalf("Format changed invalid text to %q", got)
	}
	view := e.View(&Styles{})
	if !strings.Contains(view, "line 3, column 7") || !strings.Contains(view, "^") {
		t.Fatalf("the error is not shown with its place:\n%s", view)
	}
	if row, col := e.Position(); row != 2 || col != 6 {
		t.Fatalf("cursor at %d:%d, want 2:6 (the error)", row, col)
	}
	// Once the text is fixed, Format clears the error.
	e.Update(tea.KeyPressMsg{Code: ':', Text: ":"})
	if err := e.Format(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.View(&Styles{}), "line 3") {
		t.Fatal("the error stayed after the text was fixed")
	}
}

// A ] typed on a line of its own lines up with the line that opened its
// array, however the items before it were laid out.
func TestCloserLinesUpWithItsOpener(t *testing.T) {
	e := newEmpty(t)
	typeKeys(e, "{\n\"a\": [1,\n2\n]")
	want := "{\n  \"a\": [1,\n  2\n  ]"
	if got := e.Text(); got != want {
		t.Fatalf("typed text laid out as\n%s\nwant\n%s", got, want)
	}
	typeKeys(e, ",\n\"s\": \"[{\",\n\"b\": [\n3\n]\n}")
	want += ",\n  \"s\": \"[{\",\n  \"b\": [\n    3\n  ]\n}"
	if got := e.Text(); got != want {
		t.Fatalf("brackets inside a string counted:\n%s\nwant\n%s", got, want)
	}
}
