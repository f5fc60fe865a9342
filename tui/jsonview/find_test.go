package jsonview

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

// A match that a wrap splits across two rows is marked on both.
func TestMatchMarkedAcrossAWrap(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(12, 10)
	p.SetValue("k", `"aaaaaaaaaneedle"`, true)
	p.SetFind("needle")
	st := Styles{Match: lipgloss.NewStyle().Reverse(true)}
	view := p.View(&st, false)
	marked := 0
	for _, row := range strings.Split(view, "\n") {
		if strings.Contains(row, "\x1b[7m") {
			marked++
		}
	}
	if marked != 2 {
		t.Fatalf("%d rows marked, want the 2 the match spans:\n%s", marked, view)
	}
	p.SetFind("")
	if strings.Contains(p.View(&st, false), "\x1b[7m") {
		t.Fatal("marks stay after the find is cleared")
	}
}

func TestNextMatchWithoutMatches(t *testing.T) {
	p := New(nav.KeyMap{})
	p.SetSize(40, 10)
	p.SetValue("k", `{"a": 1}`, true)
	p.SetFind("zzz")
	if p.NextMatch() || p.PrevMatch() {
		t.Fatal("moved to a match the value does not have")
	}
}
