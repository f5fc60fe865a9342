package main

import "github.com/kvstore-dev/kvstore/tui"

// keyMap returns the program's key bindings: the UI's defaults, which the
// tests use too. To rebind an action, change its field here (for example
// k.Quit = key.NewBinding(...)); the help line and the full help (?) are
// generated from these bindings, so they follow.
func keyMap() tui.KeyMap {
	return tui.DefaultKeyMap()
}
