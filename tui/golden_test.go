package tui

import (
	"fmt"
	"os"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// TestGoldenScreens pins the stripped screen of each main state at the
// largest common size and at the smallest supported one.
func TestGoldenScreens(t *testing.T) {
	screens := []struct {
		name  string
		drive func(h *harness)
	}{
		{"browse", func(h *harness) {
			h.send(keyText("j"), keyText("j")) // app/limits: a nested object
		}},
		{"filter", func(h *harness) {
			h.send(keyText("/"))
			h.typeText("user")
			h.send(keyDown)
		}},
		{"editor", func(h *harness) {
			h.send(keyText("/"))
			h.typeText("users/002")
			h.send(keyEnter, keyText("e"), keyDown, keyDown, keyEnd)
		}},
		{"invalid-edit", func(h *harness) {
			h.send(keyText("/"))
			h.typeText("users/002")
			h.send(keyEnter, keyText("e"), keyDown, keyDown, keyEnd, keyBackspace)
			h.send(keyCtrlS)
		}},
		{"help", func(h *harness) {
			h.send(keyText("?"))
		}},
		{"new-key-prompt", func(h *harness) {
			h.send(keyText("n"))
			h.typeText("users/004")
		}},
		{"new-key-exists", func(h *harness) {
			h.send(keyText("n"))
			h.typeText("app/name")
			h.send(keyEnter)
		}},
		{"new-key-editor", func(h *harness) {
			h.send(keyText("n"))
			h.typeText("users/new")
			h.send(keyEnter)
		}},
		{"rename-prompt", func(h *harness) {
			h.send(keyText("j"), keyText("r"))
		}},
		{"delete-confirm", func(h *harness) {
			h.send(keyText("j"), keyText("d"))
		}},
		{"deleted", func(h *harness) {
			h.send(keyText("j"), keyText("d"), keyText("y"))
		}},
		{"undone", func(h *harness) {
			h.send(keyText("j"), keyText("d"), keyText("y"), keyText("u"))
		}},
		{"reload-confirm", func(h *harness) {
			h.send(keyText("d"), keyText("y"), tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
		}},
		{"find", func(h *harness) {
			h.send(keyCtrlF)
			h.typeText("hopper")
		}},
		{"folded", func(h *harness) {
			// app/limits; per_user is its second member.
			h.send(keyText("j"), keyText("j"), keyTab, keyText("j"), keyText("j"), keyText("h"))
		}},
		{"found", func(h *harness) {
			h.send(keyCtrlF)
			h.typeText("example")
			h.send(keyEnter, keyTab)
		}},
		{"pending", func(h *harness) {
			h.send(keyText("j"), keyText("d"), keyText("y")) // delete app/features
			h.send(keyText("j"), keyText("e"), keyDown, keyEnd, keyText("0"), keyCtrlS)
			h.send(keyText("c"))
		}},
		{"tree", func(h *harness) {
			h.send(keyText("t"), keyText("G"), keyText("k"), keyText("l"), keyText("j")) // users/001
		}},
		{"tree-group", func(h *harness) {
			h.send(keyText("t"), keyText("j"), keyText("l")) // config/, open
		}},
		{"tree-filter", func(h *harness) {
			h.send(keyText("t"), keyText("/"))
			h.typeText("me")
			h.send(keyEnter)
		}},
		{"copied", func(h *harness) {
			h.m.clip = func(string) tea.Cmd { return nil }
			h.send(keyText("j"), keyText("y"))
		}},
		{"by-size", func(h *harness) {
			h.send(keyText("S"))
		}},
		{"copied-string", func(h *harness) {
			h.m.clip = func(string) tea.Cmd { return nil }
			h.send(keyText("j"), keyTab, keyText("j"), keyText("y"), keyText("s"))
		}},
	}
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		for _, sc := range screens {
			name := fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, FileSource(openDemo(t)), size[0], size[1])
				sc.drive(h)
				golden(t, name, h.screen())
			})
		}
	}
}

// TestGoldenConflict pins the conflict screen: undecided, partly decided,
// refusing to merge, and asking before overwriting.
func TestGoldenConflict(t *testing.T) {
	steps := []struct {
		name string
		keys []tea.Msg
	}{
		{"conflict", nil},
		{"conflict-chosen", []tea.Msg{keyText("m")}},
		{"conflict-undecided", []tea.Msg{keyText("m"), keyEnter}},
		{"conflict-overwrite", []tea.Msg{keyText("O")}},
	}
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		for _, st := range steps {
			name := fmt.Sprintf("%s-%dx%d", st.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				s := openStore(t, map[string]string{"a": "1", "b": `{"x":1}`, "c": `"3"`}, nil)
				h := newHarness(t, FileSource(s), size[0], size[1])
				for k, v := range map[string]string{"a": "10", "b": `{"x":2}`, "c": `"30"`} {
					if err := s.SetRaw(k, []byte(v)); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.Delete("a"); err != nil {
					t.Fatal(err)
				}
				hand := `{"a": 1, "b": {"x": 3}, "c": "\u001b]0;x\u0007", "d": 4}`
				if err := os.WriteFile(s.Path(), []byte(hand), 0o644); err != nil {
					t.Fatal(err)
				}
				h.send(keyCtrlS, keyCtrlS)
				h.send(st.keys...)
				golden(t, name, h.screen())
			})
		}
	}
}

// TestGoldenReadOnly pins a read-only view: the help line offers only the
// keys that work, and the notice says why it is read-only.
func TestGoldenReadOnly(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		name := fmt.Sprintf("read-only-%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			s := openStore(t, map[string]string{"a": "1", "b": `{"x":[1,2]}`}, &kvstore.Options{ReadOnly: true})
			m := New(FileSource(s), Options{Keys: testKeyMap(), Notice: "another writer has the file"})
			next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			golden(t, name, ansi.Strip(next.(Model).View().Content))
		})
	}
}
