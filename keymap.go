package main

import (
	"charm.land/bubbles/v2/key"

	"github.com/kvstore-dev/kvstore/tui"
)

// defaultKeyMap returns the program's key bindings. The help line and the
// full help (?) are generated from these bindings, so changing a key here
// changes its help too.
func defaultKeyMap() tui.KeyMap {
	return tui.KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),

		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		AcceptFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),

		Edit:         key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("e/enter", "edit")),
		EditExternal: key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "edit in $EDITOR")),
		New:          key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new key")),
		Rename:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rename")),
		Delete:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		CopyValue:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy value")),
		CopyKey:      key.NewBinding(key.WithKeys("Y"), key.WithHelp("Y", "copy key")),
		Undo:         key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo")),
		Reload:       key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		SwitchPane:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "switch pane")),
		Save:         key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save now")),
		Apply:        key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "apply")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),

		KeepMine:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "keep mine")),
		KeepTheirs: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "keep theirs")),
		Merge:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "merge")),
		Overwrite:  key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "overwrite file")),
		Later:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "decide later")),

		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
	}
}
