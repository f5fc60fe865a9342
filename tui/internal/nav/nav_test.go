package nav

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestMove(t *testing.T) {
	k := KeyMap{
		Up: key.NewBinding(key.WithKeys("up")), Down: key.NewBinding(key.WithKeys("down")),
		Top: key.NewBinding(key.WithKeys("home")), Bottom: key.NewBinding(key.WithKeys("end")),
		PageUp: key.NewBinding(key.WithKeys("pgup")), PageDown: key.NewBinding(key.WithKeys("pgdown")),
		HalfPageUp: key.NewBinding(key.WithKeys("ctrl+u")), HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d")),
	}
	cases := []struct {
		code rune
		mod  tea.KeyMod
		want int
	}{
		{tea.KeyUp, 0, 9}, {tea.KeyDown, 0, 11}, {tea.KeyHome, 0, 0}, {tea.KeyEnd, 0, 99},
		{tea.KeyPgUp, 0, 5}, {tea.KeyPgDown, 0, 15}, {'u', tea.ModCtrl, 8}, {'d', tea.ModCtrl, 12},
	}
	for _, c := range cases {
		msg := tea.KeyPressMsg{Code: c.code, Mod: c.mod}
		if got, ok := k.Move(msg, 10, 5, 100); !ok || got != c.want {
			t.Errorf("%s from 10: %d, %v; want %d", msg, got, ok, c.want)
		}
	}
	if got, ok := k.Move(tea.KeyPressMsg{Code: 'x', Text: "x"}, 10, 5, 100); ok || got != 10 {
		t.Errorf("x moved to %d (%v)", got, ok)
	}
}
