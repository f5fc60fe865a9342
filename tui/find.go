package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/internal/textmatch"
)

// finder is the find-in-values prompt on the bottom line. Each change of
// its text asks the root to search (findQueryMsg); the key list narrows to
// what is found as results come in. enter keeps the result and closes the
// prompt; esc clears it.
type finder struct {
	input prompt // the text and its editing keys
	keys  KeyMap
}

func newFinder(keys KeyMap) *finder {
	return &finder{input: prompt{label: "Find:", new: true, keys: keys}, keys: keys}
}

// findQueryMsg asks the root to search keys and values for query; "" drops
// the result.
type findQueryMsg struct{ query string }

// foundMsg is the result of a search: the rows of keys (the key list's
// slice it searched) whose key or value matches query. seq is the search's
// number; a result of an older search than the newest is dropped.
type foundMsg struct {
	seq   int
	query textmatch.Query
	keys  []string
	rows  []int
}

// findState is the root's part of find in values.
type findState struct {
	seq  int // numbers searches, so that only the newest result shows
	last foundMsg
}

// Update edits the text and asks for a search whenever it changes.
func (f *finder) Update(msg tea.Msg) (overlay, tea.Cmd) {
	before := f.input.text
	switch msg := msg.(type) {
	case tea.PasteMsg:
		f.input.insert(display.OneLine(msg.Content))
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, f.keys.AcceptFilter):
			return nil, nil
		case key.Matches(msg, f.keys.ClearFilter):
			return nil, send(findQueryMsg{})
		}
		f.input.edit(msg)
	}
	if f.input.text == before {
		return f, nil
	}
	return f, send(findQueryMsg{query: f.input.text})
}

// SetSize does nothing: the prompt takes its width from the frame.
func (f *finder) SetSize(int, int) {}

// Draw puts the prompt and its keys on the bottom line.
func (f *finder) Draw(fr *frame) {
	k := &fr.keys
	hints := fr.keys.only(&k.AcceptFilter, &k.ClearFilter)
	fr.help.SetWidth(0)
	room := fr.width
	if r := fr.width - ansi.StringWidth(fr.help.ShortHelpView(hints.ShortHelp())) - 2; r >= 30 {
		room = r
	}
	fr.line = fr.helpLine(f.input.view(fr.st, room)+"  ", &k.AcceptFilter, &k.ClearFilter)
	fr.cursor = nil
}

// startFind opens the find prompt. A search starts from every key: the
// values may have changed since the last one.
func (m Model) startFind() (tea.Model, tea.Cmd) {
	m.find.last = foundMsg{}
	m.open(newFinder(m.keys))
	return m, nil
}

// onFindQuery starts a search for the text the prompt holds, or drops the
// result for "".
func (m Model) onFindQuery(msg findQueryMsg) (tea.Model, tea.Cmd) {
	m.find.seq++
	if msg.query == "" {
		m.find.last = foundMsg{}
		m.list.ShowFound("", nil)
		return m, m.followSelection()
	}
	q := textmatch.New(msg.query)
	keys := m.list.Keys()
	var within []int
	if last := m.find.last; q.Extends(last.query) && sameKeys(last.keys, keys) {
		// What the longer text matches, the shorter one matched too.
		within = last.rows
	}
	return m, searchCmd(m.src, keys, within, q, m.find.seq)
}

// onFound shows a search's result if it is the newest search's.
func (m Model) onFound(msg foundMsg) (tea.Model, tea.Cmd) {
	if msg.seq != m.find.seq {
		return m, nil
	}
	if keys := m.list.Keys(); !sameKeys(msg.keys, keys) {
		// The keys changed while it ran: its rows are of the old ones.
		return m, searchCmd(m.src, keys, nil, msg.query, msg.seq)
	}
	m.find.last = msg
	m.list.ShowFound(msg.query.Text(), msg.rows)
	return m, m.followSelection()
}

// searchCmd searches keys (only the rows within, when not nil) for q in a
// Cmd, off the UI goroutine.
func searchCmd(src Source, keys []string, within []int, q textmatch.Query, seq int) tea.Cmd {
	return func() tea.Msg {
		return foundMsg{seq: seq, query: q, keys: keys, rows: search(src, keys, within, q)}
	}
}

// search returns the rows of keys whose key or stored JSON text contains a
// match of q, in ascending order: of every key, or of the rows within.
func search(src Source, keys []string, within []int, q textmatch.Query) []int {
	rows := []int{}
	test := func(i int) {
		k := keys[i]
		if q.In(k) {
			rows = append(rows, i)
			return
		}
		if v, ok := valueText(src, k); ok && q.In(v) {
			rows = append(rows, i)
		}
	}
	if within != nil {
		for _, i := range within {
			test(i)
		}
		return rows
	}
	for i := range keys {
		test(i)
	}
	return rows
}

// sameKeys reports whether a and b are the same slice of keys. The key list
// never changes its slice but replaces it, so this is an identity check.
func sameKeys(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
