package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// unreadable is the screen for a save that found the file deleted, or no
// longer valid JSON, while changes were pending. There is nothing to merge
// with, so the conflict screen cannot help: the user writes their version
// to the file (after a question), takes the file as it is (a deleted file:
// an empty store), or waits, for example to fix the file by hand.
type unreadable struct {
	keys    KeyMap
	name    string // the data's name
	deleted bool   // the file was deleted; otherwise it cannot be parsed
	reason  string // why the file cannot be read, escaped
	keyN    int    // the keys of our version
	pending int    // our changes not in the file
	width   int
	height  int
}

// fileDeleted reports whether err is a save's conflict with a deleted file:
// the store then refuses to write the file again unasked.
func fileDeleted(err error) bool {
	return errors.Is(err, kvstore.ErrDeleted)
}

// Update handles a key, and the answer to the overwrite question.
func (u *unreadable) Update(msg tea.Msg) (overlay, tea.Cmd) {
	if _, ok := msg.(overwriteMsg); ok {
		return nil, send(opMsg{op: operation{kind: opOverwrite}})
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return u, nil
	}
	k := &u.keys
	switch {
	case key.Matches(km, k.Overwrite):
		q := "Replace " + display.KeyLabel(u.name) + " with your version?"
		if u.deleted {
			q = "Write " + display.KeyLabel(u.name) + " again with your version?"
		}
		return u, push(newQuestion(u.keys, q, overwriteMsg{}, nil))
	case u.deleted && key.Matches(km, k.Reload):
		return nil, send(reloadMsg{})
	case key.Matches(km, k.Later):
		return nil, nil
	case key.Matches(km, k.Quit):
		return nil, send(quitMsg{})
	}
	return u, nil
}

// SetSize takes the screen but the status bar and the bottom line.
func (u *unreadable) SetSize(w, h int) { u.width, u.height = w, max(h-2, 1) }

// Draw replaces the body with the explanation and the bottom line with the
// keys that apply.
func (u *unreadable) Draw(f *frame) {
	k := &f.keys
	on := []*key.Binding{&k.Overwrite, &k.Later}
	if u.deleted {
		on = append(on, &k.Reload)
	}
	f.body = u.view(f.st)
	f.line = f.helpLine("", on...)
	f.cursor = nil
}

func (u *unreadable) view(st *Styles) string {
	w := u.width
	name := display.KeyLabel(u.name)
	ours := fmt.Sprintf("Your version (%s, %s) is still here.",
		display.Plural(u.keyN, "key"), display.Plural(u.pending, "unsaved change"))
	var text []string
	if u.deleted {
		text = []string{
			st.StatusError.Render(name + " was deleted on disk."),
			"",
			ours,
			"",
			"O writes the file again with your version.",
			"ctrl+r takes the file as it is: an empty store.",
			"esc decides later; nothing is written meanwhile.",
		}
	} else {
		text = []string{
			st.StatusError.Render(name + " on disk is no longer valid JSON:"),
			"  " + u.reason,
			"",
			ours,
			"",
			"O replaces the file with your version.",
			"esc waits: fix the file, then ctrl+s again.",
		}
	}
	var rows []string
	for _, t := range text {
		rows = append(rows, strings.Split(ansi.Wrap(t, max(w, 1), " "), "\n")...)
	}
	return display.FitBlock(strings.Join(rows, "\n"), w, u.height)
}
