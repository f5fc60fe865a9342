package editor

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"pgregory.net/rapid"
)

func TestTextBufferKeepsTextExactly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "text")
		b := newTextBuffer(s)
		if got := b.String(); got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
		// Moving the cursor around never changes the text.
		for _, op := range rapid.SliceOfN(rapid.IntRange(0, 9), 0, 30).Draw(t, "moves") {
			switch op {
			case 0:
				b.Left()
			case 1:
				b.Right()
			case 2:
				b.LineBy(-1)
			case 3:
				b.LineBy(1)
			case 4:
				b.Home()
			case 5:
				b.End()
			case 6:
				b.WordLeft()
			case 7:
				b.WordRight()
			case 8:
				b.Begin()
			case 9:
				b.Finish()
			}
		}
		if got := b.String(); got != s {
			t.Fatalf("moving changed %q to %q", s, got)
		}
	})
}

func TestTextBufferEditsLikeAString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := []rune(rapid.StringOf(rapid.SampledFrom([]rune("ab\n é\t"))).Draw(t, "text"))
		b := newTextBuffer(string(text))
		pos := 0 // the cursor as an index into text
		sync := func() {
			row, col := b.Cursor()
			lines := strings.Split(string(text), "\n")
			p := 0
			for i := 0; i < row; i++ {
				p += len([]rune(lines[i])) + 1
			}
			pos = p + col
		}
		for _, op := range rapid.SliceOfN(rapid.IntRange(0, 5), 0, 40).Draw(t, "ops") {
			switch op {
			case 0:
				s := rapid.StringOfN(rapid.SampledFrom([]rune("xy\nñ")), 1, 3, -1).Draw(t, "insert")
				b.Insert(s)
				text = slices.Insert(text, pos, []rune(s)...)
			case 1:
				b.Backspace()
				if pos > 0 {
					text = slices.Delete(text, pos-1, pos)
				}
			case 2:
				b.Delete()
				if pos < len(text) {
					text = slices.Delete(text, pos, pos+1)
				}
			case 3:
				b.Left()
			case 4:
				b.Right()
			case 5:
				b.LineBy(rapid.IntRange(-2, 2).Draw(t, "lines"))
			}
			sync()
			if got := b.String(); got != string(text) {
				t.Fatalf("buffer %q, want %q", got, string(text))
			}
		}
	})
}

func TestTextBufferWordAndKill(t *testing.T) {
	b := newTextBuffer(`  "name": "Ada Lovelace",`)
	b.End()
	b.WordLeft()
	b.DeleteWordBack()
	if got := b.String(); got != `  "name": "Lovelace",` {
		t.Fatalf("delete word: %q", got)
	}
	b.KillToEnd()
	if got := b.String(); got != `  "name": "` {
		t.Fatalf("kill to end: %q", got)
	}
	b.KillToStart()
	if got := b.String(); got != "" {
		t.Fatalf("kill to start: %q", got)
	}
}

func TestEditorMarksLinesCutByTheEdges(t *testing.T) {
	e, err := New("k", []byte(`["`+strings.Repeat("a", 40)+`","`+strings.Repeat("b", 40)+`"]`), false)
	if err != nil {
		t.Fatal(err)
	}
	e.SetSize(24, 6)
	st := Styles{}
	rows := func() []string {
		return strings.Split(ansi.Strip(e.View(&st)), "\n")[1:4]
	}
	// At the start: the long lines continue past the right edge.
	r := rows()
	if !strings.HasSuffix(r[1], "a…") || !strings.HasSuffix(r[2], "b…") {
		t.Fatalf("no right-edge marker:\n%s", strings.Join(r, "\n"))
	}
	// At the end of the b line the view scrolls; the a line is cut on the
	// left, the cursor's own line is not marked.
	down, end := tea.KeyPressMsg{Code: tea.KeyDown}, tea.KeyPressMsg{Code: tea.KeyEnd}
	e.Update(down)
	e.Update(down)
	e.Update(end)
	r = rows()
	if !strings.Contains(r[1], "│ …a") {
		t.Fatalf("no left-edge marker on the a line:\n%s", strings.Join(r, "\n"))
	}
	if strings.Contains(r[2], "…") {
		t.Fatalf("the cursor's line is marked:\n%s", strings.Join(r, "\n"))
	}
	if got := e.Text(); got != "[\n  \""+strings.Repeat("a", 40)+"\",\n  \""+strings.Repeat("b", 40)+"\"\n]" {
		t.Fatalf("moving changed the text: %q", got)
	}
}

func TestNewRefusesValueTooLong(t *testing.T) {
	big := "[" + strings.Repeat("1,", MaxLines) + "1]"
	if _, err := New("big", []byte(big), false); err == nil || !strings.Contains(err.Error(), "10,003 lines") {
		t.Fatalf("New on %d lines: %v", MaxLines+3, err)
	}
}

func TestTextBufferKeepsBytesThatAreNotUTF8(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := string(rapid.SliceOf(rapid.Byte()).Draw(t, "bytes"))
		b := newTextBuffer(s)
		if got := b.String(); got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
		// Typing a character and deleting it gives the bytes back.
		b.Finish()
		b.Insert("x")
		b.Backspace()
		if got := b.String(); got != s {
			t.Fatalf("typing and deleting changed %q to %q", s, got)
		}
	})
}

func TestTextBufferEqualAgreesWithString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := string(rapid.SliceOf(rapid.SampledFrom([]byte("ab\n\xc3\xa9\xff"))).Draw(t, "text"))
		b := newTextBuffer(text)
		other := string(rapid.SliceOf(rapid.SampledFrom([]byte("ab\n\xc3\xa9\xff"))).Draw(t, "other"))
		if got, want := b.Equal(other), b.String() == other; got != want {
			t.Fatalf("Equal(%q) on %q = %v, want %v", other, text, got, want)
		}
		if !b.Equal(text) {
			t.Fatalf("Equal(%q) on itself is false", text)
		}
	})
}

// Notices show under the text, take rows from it rather than pushing the
// cursor's line off screen, and never change the text.
func TestNotices(t *testing.T) {
	e, err := New("k", []byte(`[1,2,3,4,5,6,7,8]`), false)
	if err != nil {
		t.Fatal(err)
	}
	e.SetSize(40, 8)
	e.Update(tea.KeyPressMsg{Code: tea.KeyEnd, Mod: tea.ModCtrl})
	e.SetNotice("first notice", "second \x1b notice")
	var st Styles
	rows := strings.Split(ansi.Strip(e.View(&st)), "\n")
	if len(rows) != 8 {
		t.Fatalf("the view has %d rows, want 8:\n%s", len(rows), strings.Join(rows, "\n"))
	}
	if !strings.HasPrefix(rows[6], "first notice") || !strings.HasPrefix(rows[7], `second \u001b notice`) {
		t.Errorf("the notices are not the last rows, escaped:\n%s", strings.Join(rows, "\n"))
	}
	if !strings.Contains(rows[5], "]") {
		t.Errorf("the cursor's line is not on screen above the notices:\n%s", strings.Join(rows, "\n"))
	}
	if e.Changed() || e.Text() != "[\n  1,\n  2,\n  3,\n  4,\n  5,\n  6,\n  7,\n  8\n]" {
		t.Errorf("a notice changed the text: %q", e.Text())
	}
	e.SetNotice()
	if strings.Contains(ansi.Strip(e.View(&st)), "notice") {
		t.Error("SetNotice() left a notice")
	}
}
