package tui

import (
	"context"
	"slices"
	"sync/atomic"
	"unsafe"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/internal/textmatch"
)

// finder is the find-in-values prompt on the bottom line. Each change of
// its text asks the root to search (findQueryMsg); the key list narrows to
// what is found as results come in. enter keeps the result and closes the
// prompt; esc clears it.
//
// The same prompt searches the shown value only (inValue, opened by / in
// the value pane). ↑ and ↓ bring back the queries typed before, newest
// first, as a shell's history does.
type finder struct {
	input   prompt // the text and its editing keys
	keys    KeyMap
	inValue bool
	past    []string // earlier queries, oldest first
	recall  int      // the entry of past shown; len(past): the text typed
	typed   string   // the text typed before recalling
}

func newFinder(keys KeyMap, inValue bool, past []string) *finder {
	label := "Find:"
	if inValue {
		label = "Search value:"
	}
	return &finder{input: prompt{label: label, new: true, keys: keys}, keys: keys, inValue: inValue, past: past, recall: len(past)}
}

// findQueryMsg asks the root to search for query, in keys and values or
// (inValue) in the shown value; "" drops the result.
type findQueryMsg struct {
	query   string
	inValue bool
	typed   int64 // see typedOrder
}

// findKeptMsg says the prompt closed keeping query, which the root adds to
// the queries ↑ recalls.
type findKeptMsg struct{ query string }

// foundMsg is the result of a search: the rows of keys (the key list's
// slice it searched) whose key or value matches query. seq is the search's
// number; a result of an older search than the newest is dropped.
type foundMsg struct {
	seq   int
	query textmatch.Query
	keys  *kvstore.KeyList
	rows  []int
	// err ended the search before it looked at every value: the values
	// are read from where they live (a valueLoader) and a read failed.
	err error
}

// findState is the root's part of find in values.
type findState struct {
	seq   int   // numbers searches, so that only the newest result shows
	typed int64 // the typedOrder of the newest query acted on
	// latest is seq as the searches running in Cmds see it, so that one
	// a newer search made stale stops; shared by the model's copies.
	latest *atomic.Int64
	last   foundMsg
	// inValue is the search in the shown value (/ in the value pane),
	// which the pane marks rather than the find's; "" when none.
	inValue string
	past    []string // queries kept, oldest first, for ↑ to recall
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
			return nil, send(findKeptMsg{query: f.input.text})
		case key.Matches(msg, f.keys.ClearFilter):
			return nil, send(findQueryMsg{inValue: f.inValue, typed: nextTyped()})
		case msg.String() == "up" || msg.String() == "down":
			f.recallQuery(msg.String() == "up")
		default:
			f.input.edit(msg)
		}
	}
	if f.input.text == before {
		return f, nil
	}
	return f, send(findQueryMsg{query: f.input.text, inValue: f.inValue, typed: nextTyped()})
}

// recallQuery shows the query typed before the one shown (older), or the
// one after it, and after the newest the text that was being typed.
func (f *finder) recallQuery(older bool) {
	if f.recall == len(f.past) {
		f.typed = f.input.text
	}
	switch {
	case older && f.recall > 0:
		f.recall--
	case !older && f.recall < len(f.past):
		f.recall++
	default:
		return
	}
	text := f.typed
	if f.recall < len(f.past) {
		text = f.past[f.recall]
	}
	f.input.text, f.input.pos = text, len(text)
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
	m.find.inValue = ""
	m.open(newFinder(m.keys, false, m.find.past))
	return m, nil
}

// startValueSearch opens the prompt that searches the shown value only.
func (m Model) startValueSearch() (tea.Model, tea.Cmd) {
	m.open(newFinder(m.keys, true, m.find.past))
	return m, nil
}

// onFindKept remembers a query the prompt closed with, for ↑ to recall.
func (m Model) onFindKept(msg findKeptMsg) (tea.Model, tea.Cmd) {
	m.find.past = rememberQuery(m.find.past, msg.query)
	return m, nil
}

// rememberQuery adds q to the queries past, newest last, once: an earlier
// copy of it moves to the end.
func rememberQuery(past []string, q string) []string {
	if q == "" {
		return past
	}
	past = slices.DeleteFunc(slices.Clone(past), func(p string) bool { return p == q })
	past = append(past, q)
	if len(past) > maxPastQueries {
		past = past[len(past)-maxPastQueries:]
	}
	return past
}

// maxPastQueries bounds the queries ↑ recalls.
const maxPastQueries = 50

// onFindQuery starts a search for the text the prompt holds, or drops the
// result for "". A search in the value marks the matches there at once and
// goes to the first.
func (m Model) onFindQuery(msg findQueryMsg) (tea.Model, tea.Cmd) {
	if stale(msg.typed, &m.find.typed) {
		return m, nil
	}
	if msg.inValue {
		m.find.inValue = msg.query
		m.value.SetFind(m.paneQuery())
		if msg.query != "" && !m.value.EdgeMatch(true) {
			return m, m.flash("no match in this value", false)
		}
		return m, nil
	}
	m.find.seq++
	m.find.latest.Store(int64(m.find.seq))
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
	return m, searchCmd(m.src, keys, within, q, m.find.seq, m.find.latest)
}

// onFound shows a search's result if it is the newest search's.
func (m Model) onFound(msg foundMsg) (tea.Model, tea.Cmd) {
	if msg.seq != m.find.seq {
		return m, nil
	}
	if msg.err != nil {
		return m, m.flash("find stopped, values could not be read: "+msg.err.Error(), true)
	}
	if keys := m.list.Keys(); !sameKeys(msg.keys, keys) {
		// The keys changed while it ran: its rows are of the old ones.
		return m, searchCmd(m.src, keys, nil, msg.query, msg.seq, m.find.latest)
	}
	m.find.last = msg
	m.list.ShowFound(msg.query.Text(), msg.rows)
	return m, m.followSelection()
}

// searchCmd searches keys (only the rows within, when not nil) for q in a
// Cmd, off the UI goroutine. It gives up as soon as a newer search starts
// (latest moves past seq), so typing a word at once does not queue a full
// search per letter; its result would be dropped anyway.
func searchCmd(src Source, keys *kvstore.KeyList, within []int, q textmatch.Query, seq int, latest *atomic.Int64) tea.Cmd {
	return func() tea.Msg {
		stale := func() bool { return latest.Load() != int64(seq) }
		if l, ok := src.(valueLoader); ok {
			if _, raw := src.(rawScanner); !raw {
				// The values are read in pages as one listing, kept no
				// longer than it takes to look at them; a newer search
				// ends the listing.
				var err error
				scan := scannerFunc(func(fn func(key string, raw []byte) bool) {
					err = l.ScanValues(context.Background(), func(k string, raw []byte, _ int) bool { return fn(k, raw) })
				})
				rows, ok := scanSearch(scan, keys, within, q, stale)
				if !ok {
					return nil
				}
				return foundMsg{seq: seq, query: q, keys: keys, rows: rows, err: err}
			}
		}
		rows, ok := search(src, keys, within, q, stale)
		if !ok {
			return nil
		}
		return foundMsg{seq: seq, query: q, keys: keys, rows: rows}
	}
}

// rawScanner is a Source that can show every value without copying it, as
// a kvstore file can (kvstore.KVStore.ScanRaw); a search of a million
// values then makes no garbage.
type rawScanner interface {
	ScanRaw(fn func(key string, raw []byte) bool)
}

// scannerFunc is a function as a rawScanner.
type scannerFunc func(fn func(key string, raw []byte) bool)

// ScanRaw calls f.
func (f scannerFunc) ScanRaw(fn func(key string, raw []byte) bool) { f(fn) }

// staleEvery is how many keys a search looks at between checks that it is
// still wanted.
const staleEvery = 1024

// search returns the rows of keys whose key or stored JSON text contains a
// match of q, in ascending order: of every key, or of the rows within. It
// reports false, with no rows, when stale says a newer search started.
func search(src Source, keys *kvstore.KeyList, within []int, q textmatch.Query, stale func() bool) ([]int, bool) {
	rows := []int{}
	if rs, ok := src.(rawScanner); ok {
		return scanSearch(rs, keys, within, q, stale)
	}
	test := func(i int) {
		k := keys.At(i)
		if q.In(k) {
			rows = append(rows, i)
			return
		}
		if v, ok := valueText(src, k); ok && q.In(v) {
			rows = append(rows, i)
		}
	}
	n := keys.Len()
	if within != nil {
		n = len(within)
	}
	for j := range n {
		if j%staleEvery == 0 && stale() {
			return nil, false
		}
		if within != nil {
			test(within[j])
		} else {
			test(j)
		}
	}
	return rows, true
}

// scanSearch is search over the values as the Source holds them, in key
// order beside keys (sorted, as the list's are), without a copy of any.
func scanSearch(rs rawScanner, keys *kvstore.KeyList, within []int, q textmatch.Query, stale func() bool) ([]int, bool) {
	rows := []int{}
	i, w, seen, ok, n := 0, 0, 0, true, keys.Len()
	rs.ScanRaw(func(k string, raw []byte) bool {
		if seen++; seen%staleEvery == 0 && stale() {
			ok = false
			return false
		}
		// The list almost always holds the store's own key strings, in
		// its order: then the next row is k itself, known without
		// comparing text. Otherwise keys the list does not hold (added
		// since it was read) are passed over; rows of keys deleted since
		// simply do not match.
		if i == n || !sameString(keys.At(i), k) {
			for i < n && keys.At(i) < k {
				i++
			}
			if i == n {
				return false
			}
			if keys.At(i) != k {
				return true
			}
		}
		row := i
		i++
		if within != nil {
			for w < len(within) && within[w] < row {
				w++
			}
			if w == len(within) {
				return false
			}
			if within[w] != row {
				return true
			}
		}
		// The text is only looked at here and not kept: no copy.
		if q.In(k) || q.In(unsafe.String(unsafe.SliceData(raw), len(raw))) {
			rows = append(rows, row)
		}
		return true
	})
	return rows, ok
}

// sameString reports whether a and b are the same string in memory, which
// costs no look at their text.
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// sameKeys reports whether a and b are the same list of keys. A KeyList
// never changes, and the key list replaces its own, so this is an identity
// check.
func sameKeys(a, b *kvstore.KeyList) bool {
	return a == b || a.Len() == 0 && b.Len() == 0
}
