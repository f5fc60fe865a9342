package tui

import (
	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/textmatch"

	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

var keyCtrlF = tea.KeyPressMsg{Code: 'f', Mod: tea.ModCtrl}

func TestFindNarrowsToKeysAndValues(t *testing.T) {
	s := openStore(t, map[string]string{
		"alpha":     `{"name": "Ann Lee"}`,
		"beta":      `{"name": "ANN"}`,
		"gamma":     `"nothing here"`,
		"annotated": `1`,
	}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.send(keyCtrlF)
	h.wantScreen("Find:")
	// Lower case matches any case, in keys and in values.
	h.typeText("ann")
	h.wantScreen("find: ann")
	h.wantScreen("3 of 4 keys")
	if got := listed(h); got != "alpha annotated beta" {
		t.Fatalf("ann found %q", got)
	}
	// An upper-case letter makes the case count.
	h.send(keyBackspace, keyBackspace, keyBackspace)
	h.typeText("ANN")
	if got := listed(h); got != "beta" {
		t.Fatalf("ANN found %q", got)
	}
	h.wantScreen("1 of 4 keys")
	// Typing goes to the prompt: q is text, not quit.
	h.typeText("q")
	if h.quit {
		t.Fatal("q quit while typing a find")
	}
	h.wantScreen("0 of 4 keys")
	h.send(keyBackspace)
	// enter keeps the result and gives the keys back.
	h.send(keyEnter)
	if !h.browsing() {
		t.Fatal("enter did not close the find prompt")
	}
	h.wantScreen("1 of 4 keys")
	// esc clears it.
	h.send(keyEsc)
	h.wantScreen("4 keys")
	if strings.Contains(h.screen(), "find:") {
		t.Fatal("esc kept the find")
	}
	// esc in the prompt clears it too.
	h.send(keyCtrlF)
	h.typeText("nothing")
	h.wantScreen("1 of 4 keys")
	h.send(keyEsc)
	h.wantScreen("4 keys")
	if !h.browsing() {
		t.Fatal("esc did not close the find prompt")
	}
}

// listed returns the keys in the list's view, space-separated.
func listed(h *harness) string {
	var keys []string
	for row := range h.m.list.Len() {
		keys = append(keys, h.m.list.At(row))
	}
	return strings.Join(keys, " ")
}

// A search answered after a newer one started is dropped: its result is of
// text no longer typed.
func TestFindDropsStaleResults(t *testing.T) {
	s := openStore(t, map[string]string{"a": `"xy"`, "b": `"x"`}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.send(keyCtrlF)
	// Type x and y without running the searches, then answer them in
	// reverse order, as a slow first search would.
	next, first := h.m.Update(keyText("x"))
	h.m = next.(Model)
	firstQuery := h.run(first)
	next, second := h.m.Update(keyText("y"))
	h.m = next.(Model)
	secondQuery := h.run(second)
	var results [][]tea.Msg
	for _, q := range append(firstQuery, secondQuery...) {
		next, cmd := h.m.Update(q)
		h.m = next.(Model)
		results = append(results, h.run(cmd))
	}
	h.send(results[1]...)
	if got := listed(h); got != "a" {
		t.Fatalf("xy found %q", got)
	}
	h.send(results[0]...)
	if got := listed(h); got != "a" {
		t.Fatalf("the stale result for x replaced the one for xy: %q", got)
	}
}

func TestFindMarksMatchesAndNJumps(t *testing.T) {
	lines := make([]string, 60)
	for i := range lines {
		lines[i] = `"filler"`
	}
	lines[5], lines[40] = `"the needle"`, `"a NEEDLE"`
	s := openStore(t, map[string]string{"hay": "[" + strings.Join(lines, ",") + "]", "other": "1"}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.send(keyCtrlF)
	h.typeText("needle")
	h.send(keyEnter)
	view := h.m.value.View(&h.m.styles.Value, false)
	if !strings.Contains(view, "\x1b[7mneedle") {
		t.Fatalf("the match is not marked:\n%q", view)
	}
	// n and N move between the matches, in either pane; once the find
	// is cleared, n makes a new key again.
	h.send(keyTab)
	h.wantScreen("n next")
	h.send(keyText("n"))
	if topIs[*prompt](h) {
		t.Fatal("n in the value pane opened the new-key prompt")
	}
	h.wantScreen("the needle")
	h.send(keyText("n"))
	h.wantScreen("a NEEDLE")
	if strings.Contains(ansi.Strip(h.screen()), "the needle") {
		t.Fatal("n did not scroll to the second match")
	}
	h.send(keyText("n")) // round to the first
	h.wantScreen("the needle")
	h.send(keyText("N")) // back round to the last
	h.wantScreen("a NEEDLE")
	h.send(keyTab, keyText("n"))
	if topIs[*prompt](h) {
		t.Fatal("n in the key list after a find opened the new-key prompt")
	}
	h.wantScreen("the needle")
	h.send(keyEsc, keyText("n"))
	if !topIs[*prompt](h) {
		t.Fatal("n in the key list without a find did not start a new key")
	}
}

// After a find, n and N go through every match of every key found, as in
// less, with a counter; a key found by its name is a stop too.
func TestFindNGoesAcrossKeys(t *testing.T) {
	s := openStore(t, map[string]string{
		"a": `{"x":"cat","y":"dog cat"}`, "b": `"no"`, "c": `"cat"`, "cat": `1`,
	}, nil)
	h := newHarness(t, FileSource(s), 120, 20)
	h.send(keyCtrlF)
	h.typeText("cat")
	h.send(keyEnter)
	h.wantScreen("3 of 4 keys")
	steps := []struct{ key, status string }{
		{"a", "key 1/3 · match 1/2 in the value"},
		{"a", "key 1/3 · match 2/2 in the value"},
		{"c", "key 2/3 · match 1/1 in the value"},
		{"cat", "key 3/3 (its name matches)"},
		{"a", "key 1/3 · match 1/2 in the value"},
	}
	for i, st := range steps {
		h.send(keyText("n"))
		if h.selected() != st.key {
			t.Fatalf("n #%d selected %q, want %q", i+1, h.selected(), st.key)
		}
		h.wantStatus(st.status)
	}
	h.send(keyText("N"))
	if h.selected() != "cat" {
		t.Fatalf("N from the first match selected %q", h.selected())
	}
	h.send(keyText("N"))
	h.wantStatus("key 2/3 · match 1/1 in the value")
}

// / in the value pane searches that value only; ↑ and ↓ in the prompt
// bring back the queries kept before.
func TestSearchInValueAndRecall(t *testing.T) {
	s := openStore(t, map[string]string{"a": `["one","two","one more"]`, "b": `"one"`}, nil)
	h := newHarness(t, FileSource(s), 120, 20)
	h.send(keyTab, keyText("/"))
	if !topIs[*finder](h) || h.m.list.Typing() {
		t.Fatal("/ in the value pane did not open the search in the value")
	}
	h.wantScreen("Search value:")
	h.typeText("one")
	h.send(keyEnter)
	h.wantScreen("2 keys") // the key list is not narrowed
	h.send(keyText("n"))
	h.wantStatus("match 2/2 in the value")
	h.send(keyText("n"))
	h.wantStatus("match 1/2 in the value")
	if h.selected() != "a" {
		t.Fatalf("n left the value for %q", h.selected())
	}

	h.send(keyText("/"))
	h.typeText("two")
	h.send(keyEnter)
	h.send(keyText("/"), keyUp)
	h.wantScreen("Search value: two")
	h.send(keyUp)
	h.wantScreen("Search value: one")
	h.send(keyDown, keyDown)
	h.wantScreen("Search value: ▏")
	h.send(keyEsc)
	h.send(keyEsc) // clears the search: n makes a new key again
	h.send(keyTab, keyText("n"))
	if !topIs[*prompt](h) {
		t.Fatal("n after clearing the search did not start a new key")
	}
}

func TestFindKeepsFoundKeysAcrossAChange(t *testing.T) {
	s := openStore(t, map[string]string{"a": `"red"`, "b": `"red"`, "c": `"blue"`}, nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.send(keyCtrlF)
	h.typeText("red")
	h.send(keyEnter)
	h.send(keyText("j"), keyText("d"), keyText("y"))
	if got := listed(h); got != "a" {
		t.Fatalf("after deleting b the find shows %q", got)
	}
	h.wantScreen("1 of 2 keys")
}

// A search that a newer query made stale stops instead of reading every
// value to the end, and the newer one runs.
func TestFindStopsAStaleSearch(t *testing.T) {
	s := openStore(t, numbered(5000), nil)
	h := newHarness(t, FileSource(s), 100, 20)
	h.send(keyCtrlF)
	// Update alone: each search is a Cmd not run yet.
	next, stale := h.m.Update(findQueryMsg{query: "zz"})
	h.m = next.(Model)
	next, fresh := h.m.Update(findQueryMsg{query: "key-499"})
	h.m = next.(Model)
	if msg := stale(); msg != nil {
		t.Fatalf("the stale search ran to its end: %T", msg)
	}
	h.send(fresh())
	h.wantScreen("find: key-499")
	h.wantScreen("11 of 5,000 keys")
}

// A search reads every value without a copy of any: its allocations do
// not grow with the number of keys.
func TestFindAllocatesNothingPerValue(t *testing.T) {
	s := openStore(t, numbered(20_000), nil)
	keys := kvstore.ListKeys(s)
	q := textmatch.New("nowhere")
	never := func() bool { return false }
	allocs := testing.AllocsPerRun(3, func() {
		if rows, ok := search(FileSource(s), keys, nil, q, never); !ok || len(rows) != 0 {
			t.Fatalf("found %d rows (%v)", len(rows), ok)
		}
	})
	if allocs > 100 {
		t.Fatalf("a search of 20,000 values made %.0f allocations", allocs)
	}
}

// A search of a list read before the store changed finds the rows of the
// list: a key added since is passed over, one deleted since matches
// nothing, and keys that are equal copies of the store's (not its own
// strings) are still found, with every row and with the rows of an
// earlier result.
func TestFindSearchesTheListsRows(t *testing.T) {
	s := openStore(t, map[string]string{"a": `"red"`, "b": `"red"`, "c": `"red"`, "d": `"blue"`, "e": `"red"`}, nil)
	// The list holds the store's own a and d, b and e as copies, bb
	// (deleted since) and not c (added since).
	own := s.Keys()
	keys := kvstore.KeysOf([]string{own[0], strings.Clone(own[1]), "bb", own[3], strings.Clone(own[4])})
	q := textmatch.New("red")
	never := func() bool { return false }
	for _, c := range []struct {
		within []int
		want   []int
	}{
		{nil, []int{0, 1, 4}},
		{[]int{1, 2, 3, 4}, []int{1, 4}},
		{[]int{0}, []int{0}},
	} {
		if rows, ok := search(FileSource(s), keys, c.within, q, never); !ok || !slices.Equal(rows, c.want) {
			t.Errorf("search within %v = %v (%v), want rows %v", c.within, rows, ok, c.want)
		}
	}
}
