// Package nav holds the movement keys that every scrolling part of the UI
// shares (the key list, the value pane), so they move alike and are bound in
// one place.
package nav

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is the movement keys.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	// HalfPageUp and HalfPageDown move half a page, as ctrl+u and ctrl+d
	// do in less and vim.
	HalfPageUp, HalfPageDown key.Binding
}

// Move returns where a movement key moves pos, in rows 0 to n-1 of which a
// page holds page, and whether msg was a movement key. The result may lie
// outside the rows; the caller clamps it.
func (k *KeyMap) Move(msg tea.KeyPressMsg, pos, page, n int) (int, bool) {
	switch {
	case key.Matches(msg, k.Up):
		return pos - 1, true
	case key.Matches(msg, k.Down):
		return pos + 1, true
	case key.Matches(msg, k.Top):
		return 0, true
	case key.Matches(msg, k.Bottom):
		return n - 1, true
	case key.Matches(msg, k.PageUp):
		return pos - page, true
	case key.Matches(msg, k.PageDown):
		return pos + page, true
	case key.Matches(msg, k.HalfPageUp):
		return pos - max(page/2, 1), true
	case key.Matches(msg, k.HalfPageDown):
		return pos + max(page/2, 1), true
	}
	return pos, false
}
