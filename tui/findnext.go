package tui

import (
	"fmt"
	"sort"

	tea "charm.land/bubbletea/v2"
)

// n and N after a find go from match to match as in less: through the
// matches of the value shown, then on to the next key found and its first
// match (or back to the previous one and its last), round from the last
// key to the first. After / in the value pane they go through that value's
// matches only. Each step says where it is: which of the keys found, and
// which of the value's matches.

// paneQuery is what the value pane marks: the search in the value when
// there is one, else the find's text (none for a jq query's result).
func (m *Model) paneQuery() string {
	if m.find.inValue != "" {
		return m.find.inValue
	}
	return m.findText()
}

// stepping reports whether n and N move between matches: after a find,
// anywhere; after a search in the value, in the value pane.
func (m *Model) stepping() bool {
	return m.list.Found() != "" || (m.focus == focusValue && m.find.inValue != "")
}

// stepMatch moves to the next match, or the previous one.
func (m *Model) stepMatch(forward bool) tea.Cmd {
	if m.find.inValue != "" {
		if !m.value.NextMatchOrPrev(forward) {
			return m.flash("no match in this value", false)
		}
		return m.flash(m.matchCounter(false), false)
	}
	if m.value.StepMatch(forward) {
		return m.flash(m.matchCounter(true), false)
	}
	n := m.list.Len()
	if n == 0 {
		return m.flash("nothing found", false)
	}
	step := 1
	if !forward {
		step = -1
	}
	row := m.list.SelectedRow()
	for i := 1; i <= n; i++ {
		m.list.Select(((row+step*i)%n + n) % n)
		if _, ok := m.list.Selected(); ok {
			break
		}
	}
	cmd := m.showSelected()
	m.value.EdgeMatch(forward)
	return tea.Batch(cmd, m.flash(m.matchCounter(true), false))
}

// matchCounter says where the last step landed: which of the keys found
// (when keys is set) and which of the value's matches.
func (m *Model) matchCounter(keys bool) string {
	text := ""
	if k, ok := m.list.Selected(); keys && ok {
		if at, total := m.foundIndex(k); at > 0 {
			text = fmt.Sprintf("key %d/%d", at, total)
		}
	}
	if at, total := m.value.MatchCount(); total > 0 {
		if text != "" {
			text += " · "
		}
		text += fmt.Sprintf("match %d/%d in the value", at, total)
	} else if text != "" {
		text += " (its name matches)"
	}
	return text
}

// foundIndex returns the place of key among the keys the last find found,
// from 1, and their number; 0 when key is not among them.
func (m *Model) foundIndex(key string) (int, int) {
	last := m.find.last
	if m.list.Found() != last.query.Text() || !sameKeys(last.keys, m.list.Keys()) {
		// Another list (a jq query's) or other keys than it searched.
		return 0, 0
	}
	i, ok := last.keys.Index(key)
	if !ok {
		return 0, 0
	}
	at := sort.SearchInts(last.rows, i)
	if at == len(last.rows) || last.rows[at] != i {
		return 0, 0
	}
	return at + 1, len(last.rows)
}
