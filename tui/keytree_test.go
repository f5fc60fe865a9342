package tui

import (
	"os"

	tea "charm.land/bubbletea/v2"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// keyTreeStore holds namespaced keys: users/ with two users of two fields
// each and a key of its own, a key with a colon, and a key at the top.
func keyTreeStore(t *testing.T) *kvstore.KVStore {
	t.Helper()
	return openStore(t, map[string]string{
		"config":       `{"theme":"dusk"}`,
		"session:42":   `"open"`,
		"users/1/name": `"Ada"`,
		"users/1/role": `"admin"`,
		"users/2/name": `"Grace"`,
		"users/2/role": `"dev"`,
		"users/count":  `2`,
	}, nil)
}

func TestKeyTreeOpenCloseAndParent(t *testing.T) {
	h := newHarness(t, FileSource(keyTreeStore(t)), 80, 24)
	h.wantScreen("users/1/name")
	h.send(keyText("t"))
	h.wantScreen("▸ users/ 5")
	if strings.Contains(h.screen(), "users/1/name") {
		t.Fatalf("the tree lists a key of a closed group:\n%s", h.screen())
	}
	h.wantScreen("7 keys")
	h.send(keyText("j"), keyText("j")) // users/
	h.wantScreen("5 keys in this group:")
	h.wantScreen("users/1/name")
	h.send(keyEnter) // enter on a group opens it
	h.wantScreen("▾ users/ 5")
	h.wantScreen("▸ 1/ 2")
	if !h.browsing() {
		t.Fatal("enter on a group opened an overlay")
	}
	h.send(keyText("j"), keyText("l"), keyText("j")) // users/1/name
	if h.selected() != "users/1/name" {
		t.Fatalf("selected %q, want users/1/name", h.selected())
	}
	h.wantScreen(`"Ada"`)
	h.wantScreen("│users/1/name") // the value pane's title, whole
	h.send(keyText("h"))          // on a key: to its group
	h.wantScreen("2 keys in this group:")
	h.send(keyText("h")) // on an open group: closes it
	h.wantScreen("▸ 1/ 2")
	h.send(keyText("h")) // on a closed group: to its parent
	h.send(keyText(" ")) // space closes users/
	h.wantScreen("▸ users/ 5")
	h.send(keyText(" "))
	h.wantScreen("▾ users/ 5")
	// enter on a key still edits.
	h.send(keyText("G"), keyEnter)
	if !h.editing() || h.editor().ed.Key() != "users/count" {
		t.Fatal("enter on a key of the tree did not edit it")
	}
}

func TestKeyTreeSurvivesToggleAndRefresh(t *testing.T) {
	s := keyTreeStore(t)
	h := refreshing(t, FileSource(s))
	h.send(keyText("t"), keyText("j"), keyText("j"), keyText("l")) // open users/
	h.send(keyText("t"))
	h.wantScreen("users/1/name")
	if h.selected() != "users/1/name" {
		t.Fatalf("leaving the tree on a group selected %q, want its first key", h.selected())
	}
	h.send(keyText("g"), keyText("t"))
	h.wantScreen("▾ users/ 5")
	if h.selected() != "config" {
		t.Fatalf("the tree selected %q, want config", h.selected())
	}
	// Another writer adds a user: it shows in its group.
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	hand := strings.Replace(string(data), `"users/count"`, `"users/3/name": "Linus", "users/count"`, 1)
	if err := os.WriteFile(s.Path(), []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fireRefresh()
	h.wantStatus("view updated")
	h.wantScreen("▾ users/ 6")
	h.wantScreen("▸ 3/ 1")
	if h.selected() != "config" {
		t.Fatalf("after the refresh selected %q, want config", h.selected())
	}
}

func TestKeyTreeFilterAndFind(t *testing.T) {
	h := newHarness(t, FileSource(keyTreeStore(t)), 80, 24)
	h.send(keyText("t"), keyText("/"))
	h.typeText("name")
	h.wantScreen("2 of 7 keys")
	h.wantScreen("▾ users/ 2")
	h.wantScreen("▾ 1/ 1")
	h.wantScreen("▾ 2/ 1")
	if h.selected() != "users/1/name" {
		t.Fatalf("the filter selected %q, want the first match", h.selected())
	}
	h.wantScreen(`"Ada"`)
	h.send(keyEnter, keyEsc)
	// Back to the user's own tree: users/ was closed.
	h.wantScreen("▸ users/ 5")
	h.wantScreen("7 keys")

	h.send(keyCtrlF)
	h.typeText("dev")
	h.send(keyEnter)
	h.wantScreen("1 of 7 keys")
	h.wantScreen("▾ 2/ 1")
	if h.selected() != "users/2/role" {
		t.Fatalf("the find selected %q", h.selected())
	}
	h.wantScreen(`"dev"`)
}

func TestKeyTreeGroupRefusesKeyActions(t *testing.T) {
	h := newHarness(t, FileSource(keyTreeStore(t)), 120, 24)
	h.send(keyText("t"))
	line := strings.Split(h.screen(), "\n")[23]
	if !strings.Contains(line, "h/← close") {
		t.Fatalf("the help line in the tree does not offer h: %q", line)
	}
	h.send(keyText("j"), keyText("j"), keyText("e"))
	h.wantStatus("a group is selected, not a key; l/→ opens it")
	if h.editing() {
		t.Fatal("e on a group opened the editor")
	}
	line = strings.Split(h.screen(), "\n")[23]
	if !strings.Contains(line, "l/→ open") || strings.Contains(line, "e edit") {
		t.Fatalf("the help line on a group: %q", line)
	}
	// Outside the tree, and in the value pane, the list's tree keys are
	// not offered.
	h.send(keyTab)
	if line := strings.Split(h.screen(), "\n")[23]; strings.Contains(line, "open") {
		t.Fatalf("the value pane's help line offers the tree's keys: %q", line)
	}
	h.send(keyTab, keyText("t"))
	if line := strings.Split(h.screen(), "\n")[23]; strings.Contains(line, "close") {
		t.Fatalf("the flat list's help line: %q", line)
	}
}

// At 100x20 the key list is 33 cells wide; line 0 is its title.
func TestKeyTreeClickTogglesGroup(t *testing.T) {
	h := newHarness(t, FileSource(keyTreeStore(t)), 100, 20)
	h.send(keyText("t"))
	h.send(click(5, 3)) // users/
	h.wantScreen("▾ users/ 5")
	h.send(click(5, 6)) // users/count
	if h.selected() != "users/count" {
		t.Fatalf("a click on a key selected %q", h.selected())
	}
	h.wantScreen("│users/count")
	h.send(click(5, 3))
	h.wantScreen("▸ users/ 5")
}

func TestKeyTreeSeparatorOption(t *testing.T) {
	m := New(FileSource(keyTreeStore(t)), Options{Keys: testKeyMap(), Separator: ":"})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	h := &harness{t: t, m: next.(Model)}
	h.send(keyText("t"))
	h.wantScreen("▸ session: 1")
	h.wantScreen("  users/1/name")
}

// A new key made in the tree is selected, and the groups holding it open.
func TestKeyTreeNewKeyOpensItsGroups(t *testing.T) {
	h := newHarness(t, FileSource(keyTreeStore(t)), 80, 24)
	h.send(keyText("t"), keyText("n"))
	h.typeText("users/3/name")
	h.send(keyEnter, keyCtrlS)
	h.wantStatus("applied users/3/name")
	if h.selected() != "users/3/name" {
		t.Fatalf("selected %q, want the new key", h.selected())
	}
	h.wantScreen("▾ users/ 6")
	h.wantScreen("▾ 3/ 1")
	h.wantScreen("▸ 1/ 2")
}
