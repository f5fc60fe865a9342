package tui

import (
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// prompt asks for a key's name on the bottom line: a new key's, or a new
// name for the selected key. Text is typed and deleted at its end; the text
// is kept exactly (a key may hold any character) and escaped only when
// drawn. An existing name is refused and the prompt stays open with the
// text, so it can be corrected.
type prompt struct {
	label string
	text  string
	from  string // the key being renamed; "" for a new key
	new   bool
	taken func(name string) bool
	keys  KeyMap
}

// newKeyMsg asks the root to open the editor on a new key's first value.
type newKeyMsg struct{ key string }

func newKeyPrompt(keys KeyMap, taken func(string) bool) *prompt {
	return &prompt{label: "New key:", new: true, taken: taken, keys: keys}
}

func renamePrompt(keys KeyMap, from string, taken func(string) bool) *prompt {
	return &prompt{label: "Rename " + display.KeyLabel(from) + " to:", text: from, from: from, taken: taken, keys: keys}
}

// Update types into the prompt; enter takes the name, esc gives up.
func (p *prompt) Update(msg tea.Msg) (overlay, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		p.text += display.OneLine(msg.Content)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Accept):
			return p.accept()
		case key.Matches(msg, p.keys.Cancel):
			return nil, nil
		case msg.Text != "":
			p.text += msg.Text
		case msg.Code == tea.KeyBackspace:
			if p.text != "" {
				_, size := utf8.DecodeLastRuneInString(p.text)
				p.text = p.text[:len(p.text)-size]
			}
		case msg.String() == "ctrl+u":
			p.text = ""
		case msg.String() == "ctrl+w":
			p.text = trimLastWord(p.text)
		}
	}
	return p, nil
}

// accept checks the name typed and closes the prompt with what it is for.
func (p *prompt) accept() (overlay, tea.Cmd) {
	switch {
	case !p.new && p.text == p.from:
		return nil, flash("name unchanged", false)
	case p.taken(p.text):
		return p, flash(display.KeyLabel(p.text)+" already exists; choose another name", true)
	case p.new:
		return nil, send(newKeyMsg{key: p.text})
	}
	return nil, send(opMsg{op: operation{kind: opRename, key: p.from, to: p.text}})
}

// trimLastWord removes the last word of s and the spaces after it.
func trimLastWord(s string) string {
	i := len(s)
	for i > 0 && s[i-1] == ' ' {
		i--
	}
	for i > 0 && s[i-1] != ' ' {
		i--
	}
	return s[:i]
}

// SetSize does nothing: the prompt takes its width from the frame.
func (p *prompt) SetSize(int, int) {}

// Draw puts the prompt and its keys on the bottom line.
func (p *prompt) Draw(f *frame) {
	k := &f.keys
	f.line = f.helpLine(p.view(f.st, f.width)+"  ", &k.Accept, &k.Cancel)
	f.cursor = nil
}

// view draws the prompt in at most width cells: its label, the escaped
// text and a cursor mark. Text too long to fit loses its start rather than
// its end, so what is being typed stays visible.
func (p *prompt) view(st *Styles, width int) string {
	label := st.Prompt.Render(p.label) + " "
	text := display.Escape(p.text)
	room := width - ansi.StringWidth(label) - 3 // the cursor mark, and a margin
	if tw := ansi.StringWidth(text); tw > room && room > 1 {
		text = ansi.TruncateLeft(text, tw-room+1, "…")
	}
	return label + text + st.FilterPrompt.Render("▏")
}
