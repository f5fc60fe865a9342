package tui

import (
	"fmt"
	"testing"
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
	}
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		for _, sc := range screens {
			name := fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, openDemo(t), size[0], size[1])
				sc.drive(h)
				golden(t, name, h.screen())
			})
		}
	}
}
