package tui

import (
	"charm.land/bubbles/v2/key"

	"github.com/kvstore-dev/kvstore/tui/internal/nav"
	"github.com/kvstore-dev/kvstore/tui/keylist"
)

// KeyMap lists every action the UI binds to keys. DefaultKeyMap gives the
// defaults, which the program (keymap.go) and the tests both use; the help
// line and the full help are generated from these same bindings, so they
// cannot disagree with what the keys do. Each help line offers only the
// bindings that work where it is drawn (see only).
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	Top      key.Binding
	Bottom   key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	// HalfPageUp and HalfPageDown move half a page.
	HalfPageUp   key.Binding
	HalfPageDown key.Binding

	Filter       key.Binding // start typing a filter; in the value pane, search the value
	AcceptFilter key.Binding // leave the filter input, keeping the filter
	ClearFilter  key.Binding // leave the filter input and drop the filter
	Find         key.Binding // find text in keys and values
	Query        key.Binding // a jq query: on the value in the value pane, over every value in the key list
	NextMatch    key.Binding // after a find: the next match, in the value or in the next key found
	PrevMatch    key.Binding // after a find: the previous match

	// The value pane as a tree, while it has the focus.
	Fold      key.Binding // fold the node under the cursor, or go to its parent
	Unfold    key.Binding // unfold the node under the cursor
	Toggle    key.Binding // fold or unfold the node under the cursor
	FoldAll   key.Binding // fold every node
	UnfoldAll key.Binding // unfold every node
	CopyNode  key.Binding // copy the node under the cursor
	CopyPath  key.Binding // copy the jq path of the node under the cursor

	// The key list as a tree of groups, while it has the focus.
	Tree        key.Binding // show the keys as a tree or as a list
	SortBySize  key.Binding // sort the key list by value size or by key
	OpenGroup   key.Binding // open the selected group
	CloseGroup  key.Binding // close the selected group, or go to its parent
	ToggleGroup key.Binding // open or close the selected group

	Edit         key.Binding // open the selected value in the editor
	EditExternal key.Binding // edit the selected value in $VISUAL or $EDITOR
	New          key.Binding // create a key: prompt for its name, then edit it
	Rename       key.Binding // rename the selected key
	Delete       key.Binding // delete the selected key, after a confirmation
	DeleteShown  key.Binding // delete every key a filter or a find shows, after a confirmation
	ExportShown  key.Binding // write every key a filter or a find shows to a new file
	CopyValue    key.Binding // copy the selected value to the clipboard
	CopyKey      key.Binding // copy the selected key to the clipboard
	// CopyString, right after a copy of a value or a node, copies it again
	// as a bare string: ys, as in jless.
	CopyString key.Binding
	Undo       key.Binding // undo the last change made in this session
	Redo       key.Binding // make again the change the last undo undid
	Reload     key.Binding // read the file again
	Pending    key.Binding // list the unsaved changes
	Revert     key.Binding // unsaved changes: put the selected change back as saved
	DiffDown   key.Binding // conflict screen, unsaved changes: scroll the diff down a page
	DiffUp     key.Binding // conflict screen, unsaved changes: scroll the diff up a page
	SwitchPane key.Binding // move focus between the key list and the value
	Narrower   key.Binding // make the key list narrower, the value wider
	Wider      key.Binding // make the key list wider
	Save       key.Binding // flush pending changes to disk now
	Apply      key.Binding // editor: validate and store the value
	Cancel     key.Binding // editor: close without storing
	Format     key.Binding // editor: lay the text out again, if it is valid JSON

	Help key.Binding
	Quit key.Binding
	// QuitNoSave quits without saving, asking first when changes would
	// be lost; Quit saves them.
	QuitNoSave key.Binding
	// SaveCopy writes the data to another file, the way out when saving
	// the data file fails.
	SaveCopy key.Binding

	Accept key.Binding // prompt: take the name typed

	Yes key.Binding // answer a question with yes
	No  key.Binding // answer a question with no
	// WriteFile answers the question about quitting shared data with
	// changes waiting: write them to a file first.
	WriteFile key.Binding

	// The conflict screen, after a save found the file changed on disk.
	KeepMine   key.Binding // keep my value of the selected collision
	KeepTheirs key.Binding // keep the file's value of the selected collision
	Merge      key.Binding // take the file's changes and mine where they do not collide
	Overwrite  key.Binding // replace the file with my version
	Later      key.Binding // leave the conflict screen, deciding later
}

// DefaultKeyMap returns the default key bindings, the ones the README's key
// table lists.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:          key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first")),
		Bottom:       key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last")),
		PageUp:       key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		HalfPageUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half page up")),
		HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half page down")),

		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		AcceptFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Find:         key.NewBinding(key.WithKeys("ctrl+f"), key.WithHelp("ctrl+f", "find in values")),
		Query:        key.NewBinding(key.WithKeys(":", "."), key.WithHelp(":/.", "jq query")),
		NextMatch:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		PrevMatch:    key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),

		Fold:      key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("h/←", "fold, parent")),
		Unfold:    key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("l/→", "unfold")),
		Toggle:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle fold")),
		FoldAll:   key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "fold all")),
		UnfoldAll: key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "unfold all")),
		CopyNode:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy node")),
		CopyPath:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "copy path")),

		Tree:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "key tree")),
		SortBySize:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "sort by size")),
		OpenGroup:   key.NewBinding(key.WithKeys("l", "right", "enter"), key.WithHelp("l/→", "open group")),
		CloseGroup:  key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("h/←", "close group, up")),
		ToggleGroup: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle group")),

		Edit:         key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("e/enter", "edit")),
		EditExternal: key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "edit in $EDITOR")),
		New:          key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new key")),
		Rename:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rename")),
		Delete:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		DeleteShown:  key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "delete all shown")),
		ExportShown:  key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "export all shown")),
		CopyValue:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy value")),
		CopyKey:      key.NewBinding(key.WithKeys("Y"), key.WithHelp("Y", "copy key")),
		CopyString:   key.NewBinding(key.WithKeys("s"), key.WithHelp("ys", "copy unquoted")),
		Undo:         key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo")),
		Redo:         key.NewBinding(key.WithKeys("U", "ctrl+y"), key.WithHelp("U", "redo")),
		Reload:       key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		Pending:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "unsaved changes")),
		Revert:       key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "revert change")),
		DiffDown:     key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J/K", "scroll diff")),
		DiffUp:       key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "scroll diff up")),
		SwitchPane:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "switch pane")),
		Narrower:     key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "narrower list")),
		Wider:        key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "wider list")),
		Save:         key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save now")),
		Apply:        key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "apply")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Format:       key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "format")),

		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		QuitNoSave: key.NewBinding(key.WithKeys("Q"), key.WithHelp("Q", "quit, don't save")),
		SaveCopy:   key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "save a copy")),

		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),

		KeepMine:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "keep mine")),
		KeepTheirs: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "keep theirs")),
		Merge:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "merge")),
		Overwrite:  key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "overwrite file")),
		Later:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "decide later")),

		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),

		WriteFile: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write them to a file")),
	}
}

// ShortHelp returns the bindings of the one-line help, in display order:
// the keys of the screen or question on top, then help and quit, so that a
// narrow terminal still shows how to get the full help, then the value
// pane's tree keys while it has the focus (or the key tree's while the
// list has it), then what a
// newcomer needs first: edit, filter, new, undo, redo, save, switch pane, edit in
// $EDITOR, copy; at 120 columns the line ends about there. Rename and delete
// ask before they act and are in the full help; the arrows come last, since
// everyone tries them. Disabled bindings are skipped.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{
		k.Yes, k.No, k.WriteFile, k.SaveCopy, k.Accept,
		k.Apply, k.Cancel, k.Format, k.Revert,
		k.AcceptFilter, k.ClearFilter, k.NextMatch, k.PrevMatch,
		k.KeepMine, k.KeepTheirs, k.Merge, k.Overwrite, k.Later, k.DiffDown,
		k.Help, k.Quit, k.DeleteShown, k.ExportShown,
		k.Fold, k.Unfold, k.Toggle, k.CopyNode, k.CopyPath, k.FoldAll, k.UnfoldAll,
		k.OpenGroup, k.CloseGroup, k.ToggleGroup,
		k.Edit, k.Filter, k.New, k.Undo, k.Redo, k.Save, k.SwitchPane,
		k.EditExternal, k.CopyValue, k.CopyKey, k.Find, k.Query, k.Tree, k.Pending, k.Rename, k.Delete, k.Reload, k.QuitNoSave, k.Up, k.Down,
	}
}

// FullHelp returns every binding but the answers to questions, in groups,
// each binding once: moving (the key tree's keys among them), filtering,
// changing keys and values, the value pane's tree, the editor's own keys,
// settling a conflict, the unsaved-changes view and the application.
// DiffDown's help names DiffUp's key too (J/K scroll diff), so DiffUp is
// not listed on its own; it works on the conflict screen as well.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.HalfPageDown, k.HalfPageUp, k.SwitchPane, k.Narrower, k.Wider, k.Tree, k.SortBySize, k.OpenGroup, k.CloseGroup, k.ToggleGroup},
		{k.Filter, k.AcceptFilter, k.ClearFilter, k.Find, k.NextMatch, k.PrevMatch, k.Query, k.DeleteShown, k.ExportShown},
		{k.Edit, k.EditExternal, k.New, k.Rename, k.Delete, k.Undo, k.Redo, k.CopyValue, k.CopyString, k.CopyKey},
		{k.Fold, k.Unfold, k.Toggle, k.FoldAll, k.UnfoldAll, k.CopyNode, k.CopyPath},
		{k.Apply, k.Cancel, k.Format},
		{k.KeepMine, k.KeepTheirs, k.Merge, k.Overwrite, k.Later},
		{k.Revert, k.DiffDown},
		{k.Pending, k.Save, k.SaveCopy, k.Reload, k.Help, k.Quit, k.QuitNoSave},
	}
}

// fullHelpTitles names the groups of FullHelp, in the same order.
var fullHelpTitles = []string{"Move", "Filter and find", "Change", "In the value pane", "In the editor", "On the conflict screen", "In unsaved changes", "App"}

// brief returns a copy of k with the shorter help the bottom line uses, so
// that 120 columns hold every key a newcomer needs; the full help keeps the
// longer words, under group titles that give them context.
func (k KeyMap) brief() KeyMap {
	short := func(b *key.Binding, desc string) { b.SetHelp(b.Help().Key, desc) }
	k.Edit.SetHelp("e", "edit")
	short(&k.EditExternal, "$EDITOR")
	short(&k.New, "new")
	short(&k.Save, "save")
	short(&k.SwitchPane, "pane")
	short(&k.CopyValue, "copy")
	short(&k.Find, "find")
	short(&k.Query, "jq")
	short(&k.Pending, "changes")
	short(&k.NextMatch, "next")
	short(&k.DeleteShown, "delete all")
	short(&k.ExportShown, "export all")
	short(&k.PrevMatch, "prev")
	short(&k.Fold, "fold")
	short(&k.Toggle, "toggle")
	short(&k.Tree, "tree")
	short(&k.OpenGroup, "open")
	short(&k.CloseGroup, "close")
	short(&k.ToggleGroup, "toggle")
	return k
}

// only returns a copy of k with only the given bindings of k enabled, for
// a help line that offers what works where it is drawn. The bindings are
// pointers to k's own fields.
func (k *KeyMap) only(bindings ...*key.Binding) KeyMap {
	on := make(map[*key.Binding]bool, len(bindings))
	for _, b := range bindings {
		on[b] = true
	}
	out := *k
	src, dst := k.all(), out.all()
	for i, b := range dst {
		b.SetEnabled(on[src[i]])
	}
	return out
}

func (k KeyMap) nav() nav.KeyMap {
	return nav.KeyMap{Up: k.Up, Down: k.Down, Top: k.Top, Bottom: k.Bottom, PageUp: k.PageUp, PageDown: k.PageDown,
		HalfPageUp: k.HalfPageUp, HalfPageDown: k.HalfPageDown}
}

// listKeys are the key list's keys: moving, and typing a filter.
func (k KeyMap) listKeys() keylist.KeyMap {
	return keylist.KeyMap{KeyMap: k.nav(), Accept: k.AcceptFilter, Clear: k.ClearFilter}
}

// all returns every binding, for switching them all off.
func (k *KeyMap) all() []*key.Binding {
	return []*key.Binding{
		&k.Up, &k.Down, &k.Top, &k.Bottom, &k.PageUp, &k.PageDown, &k.HalfPageUp, &k.HalfPageDown, &k.Narrower, &k.Wider,
		&k.Filter, &k.AcceptFilter, &k.ClearFilter, &k.Find, &k.Query, &k.NextMatch, &k.PrevMatch, &k.Edit, &k.EditExternal, &k.SwitchPane,
		&k.Save, &k.Apply, &k.Cancel, &k.Format, &k.Help, &k.Quit, &k.QuitNoSave, &k.SaveCopy, &k.Yes, &k.No, &k.WriteFile, &k.Accept,
		&k.New, &k.Rename, &k.Delete, &k.DeleteShown, &k.ExportShown, &k.CopyValue, &k.CopyString, &k.CopyKey, &k.Undo, &k.Redo, &k.Reload, &k.Pending, &k.Revert, &k.DiffDown, &k.DiffUp,
		&k.KeepMine, &k.KeepTheirs, &k.Merge, &k.Overwrite, &k.Later,
		&k.Fold, &k.Unfold, &k.Toggle, &k.FoldAll, &k.UnfoldAll, &k.CopyNode, &k.CopyPath,
		&k.Tree, &k.SortBySize, &k.OpenGroup, &k.CloseGroup, &k.ToggleGroup,
	}
}

// forFullHelp returns a copy of k for the full help: every binding the store
// allows, wherever it is opened, since the full help is where users learn
// the keys of the other screens.
func (k KeyMap) forFullHelp(readOnly bool) KeyMap {
	if readOnly {
		for _, b := range []*key.Binding{
			&k.Edit, &k.EditExternal, &k.Apply, &k.Cancel, &k.Format, &k.Save, &k.SaveCopy, &k.QuitNoSave, &k.New, &k.Rename, &k.Delete, &k.DeleteShown, &k.Undo, &k.Redo,
			&k.Pending, &k.Revert, &k.DiffDown, &k.DiffUp, &k.KeepMine, &k.KeepTheirs, &k.Merge, &k.Overwrite, &k.Later,
		} {
			b.SetEnabled(false)
		}
	}
	return k
}
