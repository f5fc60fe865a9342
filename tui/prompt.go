package tui

import (
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// prompt asks for a key's name on the bottom line: a new key's, or a new
// name for the selected key. It edits like a text input: the cursor moves
// with left, right, home and end, and text is typed and deleted at it. The
// text is kept exactly (a key may hold any byte: tabs, controls, bytes that
// are not UTF-8) and escaped only when drawn; that is why this is not the
// bubbles textinput, which turns tabs and newlines into spaces and draws
// the text as it is. An empty or existing name is refused and the prompt
// stays open with the text, so it can be corrected.
type prompt struct {
	label string
	text  string
	pos   int    // the cursor, a byte offset into text
	from  string // the key being renamed; "" for a new key
	new   bool
	taken func(name string) bool
	// submit, when set, makes the prompt ask for something other than a
	// key's name: enter sends what it makes of the text.
	submit func(text string) tea.Msg
	keys   KeyMap
}

// newKeyMsg asks the root to open the editor on a new key's first value.
type newKeyMsg struct{ key string }

func newKeyPrompt(keys KeyMap, taken func(string) bool) *prompt {
	return &prompt{label: "New key:", new: true, taken: taken, keys: keys}
}

func renamePrompt(keys KeyMap, from string, taken func(string) bool) *prompt {
	return &prompt{label: "Rename " + display.KeyLabel(from) + " to:", text: from, pos: len(from), from: from, taken: taken, keys: keys}
}

// pathPrompt asks for a file's path, starting from path; enter sends what
// submit makes of the text.
func pathPrompt(keys KeyMap, label, path string, submit func(string) tea.Msg) *prompt {
	return &prompt{label: label, text: path, pos: len(path), submit: submit, keys: keys}
}

// Update edits the text; enter takes the name, esc gives up.
func (p *prompt) Update(msg tea.Msg) (overlay, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		p.insert(display.OneLine(msg.Content))
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Accept):
			return p.accept()
		case key.Matches(msg, p.keys.Cancel):
			return nil, nil
		}
		p.edit(msg)
	}
	return p, nil
}

// edit applies an editing key: the keys of the editor and of most line
// inputs.
func (p *prompt) edit(msg tea.KeyPressMsg) {
	switch msg.String() {
	case "left", "ctrl+b":
		p.pos = p.prev(p.pos)
	case "right", "ctrl+f":
		p.pos = p.next(p.pos)
	case "home", "ctrl+a":
		p.pos = 0
	case "end", "ctrl+e":
		p.pos = len(p.text)
	case "backspace", "ctrl+h":
		p.cut(p.prev(p.pos), p.pos)
	case "delete", "ctrl+d":
		p.cut(p.pos, p.next(p.pos))
	case "ctrl+u":
		p.cut(0, p.pos)
	case "ctrl+k":
		p.cut(p.pos, len(p.text))
	case "ctrl+w", "alt+backspace":
		p.cut(len(trimLastWord(p.text[:p.pos])), p.pos)
	default:
		if msg.Text != "" {
			p.insert(msg.Text)
		}
	}
}

// prev and next are the cursor positions one character before and after i;
// a byte that is not UTF-8 is one character.
func (p *prompt) prev(i int) int {
	if i == 0 {
		return 0
	}
	_, size := utf8.DecodeLastRuneInString(p.text[:i])
	return i - size
}

func (p *prompt) next(i int) int {
	if i == len(p.text) {
		return i
	}
	_, size := utf8.DecodeRuneInString(p.text[i:])
	return i + size
}

func (p *prompt) insert(s string) {
	p.text = p.text[:p.pos] + s + p.text[p.pos:]
	p.pos += len(s)
}

// cut removes text[from:to] and leaves the cursor at from.
func (p *prompt) cut(from, to int) {
	p.text = p.text[:from] + p.text[to:]
	p.pos = from
}

// accept checks the name typed and closes the prompt with what it is for.
func (p *prompt) accept() (overlay, tea.Cmd) {
	switch {
	case p.submit != nil && p.text == "":
		return p, flash("type a path first", true)
	case p.submit != nil:
		return nil, send(p.submit(p.text))
	case !p.new && p.text == p.from:
		return nil, flash("name unchanged", false)
	case p.text == "":
		return p, flash("a key needs a name", true)
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

// Draw puts the prompt and its keys on the bottom line. Where the line has
// room, the keys keep theirs and the text scrolls in the rest; on a narrow
// line the text and the cursor come first.
func (p *prompt) Draw(f *frame) {
	k := &f.keys
	hints := f.keys.only(&k.Accept, &k.Cancel)
	f.help.SetWidth(0)
	room := f.width
	if r := f.width - ansi.StringWidth(f.help.ShortHelpView(hints.ShortHelp())) - 2; r >= 30 {
		room = r
	}
	f.line = f.helpLine(p.view(f.st, room)+"  ", &k.Accept, &k.Cancel)
	f.cursor = nil
}

// view draws the prompt in at most width cells: its label, the escaped
// text and a cursor mark. When they do not fit, a long key in the label is
// cut to a third of the width, and the text scrolls so that the cursor
// stays visible.
func (p *prompt) view(st *Styles, width int) string {
	before, after := display.Escape(p.text[:p.pos]), display.Escape(p.text[p.pos:])
	label := p.label
	if ansi.StringWidth(label)+ansi.StringWidth(before)+ansi.StringWidth(after)+2 > width && !p.new && p.submit == nil {
		if cut := ansi.Truncate(label, max(width/3, 8), "…"); cut != label {
			label = cut + " to:"
		}
	}
	label = st.Prompt.Render(label) + " "
	room := max(width-ansi.StringWidth(label)-1, 2) // the cursor mark
	if bw := ansi.StringWidth(before); bw > room-1 {
		// Keep the cursor near the right edge, the text before it cut.
		before = ansi.TruncateLeft(before, bw-room+2, "…")
	}
	after = ansi.Truncate(after, max(room-ansi.StringWidth(before), 0), "…")
	return label + before + st.FilterPrompt.Render("▏") + after
}
