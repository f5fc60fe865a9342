package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore/schema"
)

// Tests of jq queries (on a value, over every value) and schema checks.

// newHarnessWith is newHarness with options beyond the key map.
func newHarnessWith(t *testing.T, src Source, opts Options, w, h int) *harness {
	t.Helper()
	hs := newHarness(t, src, w, h)
	opts.Keys = testKeyMap()
	m := New(src, opts)
	m.tick, m.waitEvents = hs.m.tick, hs.m.waitEvents
	hs.m = m
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// userSchemas writes a schemas file for keys user/* and loads it.
func userSchemas(t *testing.T) *schema.Set {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.schemas.json")
	text := `{"user/*": {"type": "object", "required": ["name"],
	  "properties": {"name": {"type": "string", "minLength": 1}, "age": {"type": "integer"}}}}`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := schema.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// valuePane returns the right-hand pane's text: each screen line after the
// key list's column.
func (h *harness) valuePane() string {
	var b strings.Builder
	for _, line := range strings.Split(h.screen(), "\n") {
		if i := strings.Index(line, "│"); i >= 0 {
			b.WriteString(line[i:])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestJQQueryReplacesTheValueUntilEsc(t *testing.T) {
	s := openStore(t, map[string]string{"user/1": `{"name":"Ann","balance":10.50,"tags":["admin","ops"]}`}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.send(keyTab, keyText("."))
	if !topIs[*jqPrompt](h) {
		t.Fatalf(". did not open the jq prompt: top %T", h.m.top())
	}
	h.typeText("balance")
	h.wantScreen("jq .balance")
	if pane := h.valuePane(); !strings.Contains(pane, "10.50") || strings.Contains(pane, "admin") {
		t.Fatalf("the pane does not show the result 10.50 alone:\n%s", pane)
	}

	// A stream of outputs shows as an array and the title says so.
	for range len("balance") {
		h.send(keyBackspace)
	}
	h.typeText("tags[]")
	h.wantScreen("jq .tags[]: 2 outputs, shown as an array")

	// An expression that does not parse keeps the last result and says
	// where it is wrong.
	h.typeText(" |")
	h.wantScreen("✗ unexpected EOF at column")
	h.wantScreen(`"admin"`)

	// enter keeps the result; esc in the pane shows the value again.
	h.send(keyBackspace, keyBackspace, keyEnter)
	if !h.browsing() {
		t.Fatalf("enter did not close the prompt: top %T", h.m.top())
	}
	h.wantScreen("jq .tags[]")
	h.send(keyEsc)
	if pane := h.valuePane(); strings.Contains(pane, "jq .tags") || !strings.Contains(pane, `"balance": 10.50`) {
		t.Fatalf("esc did not bring the value back:\n%s", pane)
	}
}

func TestJQQueryErrorOnTheValue(t *testing.T) {
	s := openStore(t, map[string]string{"motd": `"hello"`}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.send(keyTab, keyText(":"))
	h.typeText(".a")
	h.wantScreen("✗ expected an object but got: string")
	// esc in the prompt drops everything: the value is back.
	h.send(keyEsc)
	if !h.browsing() || !strings.Contains(h.valuePane(), `"hello"`) {
		t.Fatalf("esc did not close the prompt and show the value:\n%s", h.screen())
	}
}

func TestJQWhereNarrowsTheKeyList(t *testing.T) {
	s := openStore(t, map[string]string{
		"user/1": `{"name":"Ann","age":30}`,
		"user/2": `{"name":"Bo","age":41}`,
		"user/3": `{"name":"Cy","age":52}`,
		"motd":   `"hello"`,
	}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.send(keyText(":"))
	p, ok := h.m.top().(*jqPrompt)
	if !ok || !p.where {
		t.Fatalf(": in the key list did not open a query over every value: top %T", h.m.top())
	}
	h.typeText(".age > 40")
	if got := h.m.list.Len(); got != 2 {
		t.Fatalf("the list shows %d keys; want user/2 and user/3:\n%s", got, h.screen())
	}
	h.wantScreen("jq: .age > 40")
	// motd is a string: .age fails on it, which counts as false and is said.
	h.wantScreen("failed on 1 values")
	// The value pane marks no text of the expression.
	if h.m.value.Finding() {
		t.Error("the value pane searches for the jq expression's text")
	}
	h.send(keyEnter)
	if h.selected() != "user/2" {
		t.Errorf("selected %q; want the first match, user/2", h.selected())
	}
	// esc clears it, as it clears a filter.
	h.send(keyEsc)
	if got := h.m.list.Len(); got != 4 {
		t.Fatalf("esc left %d keys listed; want all 4", got)
	}
}

func TestEditRefusedBySchemaKeepsTheTextAndPointsAtTheValue(t *testing.T) {
	s := openStore(t, map[string]string{"user/1": `{"name":"Ann","age":30}`}, nil)
	h := newHarnessWith(t, FileSource(s), Options{Validate: userSchemas(t).Validate}, 100, 24)
	h.send(keyText("e"))
	// "name": "Ann" is on line 2: empty the string.
	h.send(keyDown, keyEnd, keyBackspace, keyBackspace, keyBackspace, keyBackspace, keyBackspace)
	h.typeText(`",`)
	text := h.editor().ed.Text()
	h.send(keyCtrlS)
	if !h.editing() {
		t.Fatal("a value that breaks its schema closed the editor")
	}
	if got := h.editor().ed.Text(); got != text {
		t.Fatalf("the refused text changed: %q, want %q", got, text)
	}
	h.wantScreen("breaks its schema at /name: minLength: got 0, want 1")
	if row, col := h.editor().ed.Position(); row != 1 || col != 10 {
		t.Errorf("cursor at %d:%d; want the value of name, row 1 column 10", row, col)
	}
	if raw, _ := s.GetRaw("user/1"); string(raw) != `{"name":"Ann","age":30}` {
		t.Errorf("the refused value was stored: %s", raw)
	}
	if h.m.history.Len() != 0 {
		t.Error("a refused edit went into the undo history")
	}
}

func TestRenameRefusedBySchema(t *testing.T) {
	s := openStore(t, map[string]string{"note": `"hello"`}, nil)
	h := newHarnessWith(t, FileSource(s), Options{Validate: userSchemas(t).Validate}, 100, 24)
	h.send(keyText("r"))
	for range len("note") {
		h.send(keyBackspace)
	}
	h.typeText("user/9")
	h.send(keyEnter)
	if !s.Has("note") || s.Has("user/9") {
		t.Fatal("a rename into a key whose schema the value breaks went through")
	}
	h.wantStatus("got string, want object")
}

func TestKeyListMarksValuesThatBreakTheirSchema(t *testing.T) {
	s := openStore(t, map[string]string{
		"user/1": `{"name":"Ann"}`,
		"user/2": `{"age":"old"}`,
		"other":  `1`,
	}, nil)
	h := newHarnessWith(t, FileSource(s), Options{Validate: userSchemas(t).Validate}, 100, 24)
	lines := strings.Split(h.screen(), "\n")
	marked := map[string]bool{}
	for _, l := range lines {
		for _, k := range []string{"user/1", "user/2", "other"} {
			if strings.Contains(l, k+" ✗ schema") {
				marked[k] = true
			}
		}
	}
	if !marked["user/2"] || marked["user/1"] || marked["other"] {
		t.Fatalf("marked %v; want only user/2:\n%s", marked, h.screen())
	}
	// Once the value is fixed, the mark goes.
	h.send(opMsg{op: operation{kind: opSet, key: "user/2", raw: []byte(`{"name":"Bo"}`)}})
	if raw, _ := s.GetRaw("user/2"); string(raw) != `{"name":"Bo"}` {
		t.Fatalf("the fix was not stored: %s", raw)
	}
	if strings.Contains(h.screen(), "✗ schema") {
		t.Fatalf("a fixed value is still marked:\n%s", h.screen())
	}
}

func TestPendingChangesShowViolations(t *testing.T) {
	// Another program stored a value that breaks the schema; the user
	// fixes it and saves, then undoes the fix: an undo puts back what was
	// there without a check, and the unsaved changes say it breaks.
	s := openStore(t, map[string]string{"user/1": `{"name":""}`}, nil)
	h := newHarnessWith(t, FileSource(s), Options{Validate: userSchemas(t).Validate}, 100, 24)
	h.send(keyText("e"), keyDown, keyEnd, tea.KeyPressMsg{Code: tea.KeyLeft})
	h.typeText("Bo")
	h.send(keyCtrlS, keyCtrlS)
	if raw, _ := s.GetRaw("user/1"); string(raw) != `{"name":"Bo"}` || s.Pending() != 0 {
		t.Fatalf("the fix was not applied and saved: %s, %d pending", raw, s.Pending())
	}
	h.send(keyText("u"), keyText("c"))
	h.wantScreen("changed  user/1  ✗ schema")
	h.wantScreen("✗ breaks its schema: /name: minLength: got 0, want 1")
}

func TestGoldenJQ(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		h := newHarness(t, FileSource(openDemo(t)), size[0], size[1])
		h.send(keyText("j"), keyText("j"), keyTab, keyText("."))
		h.typeText("per_user | to_entries | map(select(.value != null)) | from_entries")
		golden(t, fmt.Sprintf("jq-value-%dx%d", size[0], size[1]), h.screen())
	}
}

// Each keystroke's query is delivered by a Cmd of its own, and Cmds can
// deliver out of order: a query typed earlier that arrives later must not
// replace the result of the text the prompt now holds.
func TestQueriesTypedEarlierArrivingLaterAreDropped(t *testing.T) {
	s := openStore(t, map[string]string{
		"user/1": `{"name":"Ann","age":30}`,
		"user/2": `{"name":"Bo","age":41}`,
		"user/3": `{"name":"Cy","age":52}`,
	}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	h.send(keyText(":"))
	first, second := nextTyped(), nextTyped()
	h.send(jqQueryMsg{expr: ".age > 40", where: true, typed: second})
	h.send(jqQueryMsg{expr: ".age > 4", where: true, typed: first})
	if got := h.m.list.Len(); got != 2 {
		t.Fatalf("the list shows %d keys: the query typed first replaced the later one", got)
	}
	h.send(keyEsc, tea.KeyPressMsg{Code: 'f', Mod: tea.ModCtrl})
	first, second = nextTyped(), nextTyped()
	h.send(findQueryMsg{query: "Bo", typed: second})
	h.send(findQueryMsg{query: "B", typed: first})
	if got := h.m.list.Found(); got != "Bo" {
		t.Fatalf("the find shows %q: the query typed first replaced the later one", got)
	}
}
