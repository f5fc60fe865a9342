package tui

import (
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// promptPurpose is what the name typed into the prompt is for.
type promptPurpose int

const (
	promptNew    promptPurpose = iota + 1 // the name of a new key
	promptRename                          // the new name of the selected key
)

// prompt is a one-line input for a key's name, shown on the help line.
// Text is typed and deleted at its end; the text is kept exactly (a key may
// hold any character) and escaped only when drawn.
type prompt struct {
	purpose promptPurpose
	label   string
	text    string
	from    string // promptRename: the key being renamed
}

// Update types a key or a paste into the prompt. It reports whether the
// message was text editing, so the caller can handle the rest.
func (p *prompt) Update(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		p.text += singleLine(msg.Content)
	case tea.KeyPressMsg:
		switch {
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
		default:
			return false
		}
	default:
		return false
	}
	return true
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

// View draws the prompt in at most width cells: its label, the escaped
// text and a cursor mark. Text too long to fit loses its start rather than
// its end, so what is being typed stays visible.
func (p *prompt) View(st *Styles, width int) string {
	label := st.Prompt.Render(p.label) + " "
	text := displayEscape(p.text)
	room := width - ansi.StringWidth(label) - 3 // the cursor mark, and a margin
	if tw := ansi.StringWidth(text); tw > room && room > 1 {
		text = ansi.TruncateLeft(text, tw-room+1, "…")
	}
	return label + text + st.FilterPrompt.Render("▏")
}
