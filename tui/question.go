package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// question is a yes/no question on the bottom line, over whatever is
// under it. The answer is a message: yes and no are sent as they are when
// the question closes (nil sends nothing), so the question needs to know
// nothing about what it is asked for. Keys that are no answer are ignored.
type question struct {
	text    string
	yes, no tea.Msg
	// review, when set, is sent for the key that lists the unsaved changes:
	// the question about quitting without them offers a look first.
	review tea.Msg
	// write, when set, is sent for the key that writes the data to
	// another file: the question about quitting after a failed save
	// offers that way out.
	write tea.Msg
	keys  KeyMap
}

func newQuestion(keys KeyMap, text string, yes, no tea.Msg) *question {
	return &question{text: text, yes: yes, no: no, keys: keys}
}

// Update closes the question on an answer and sends the answer's message.
func (q *question) Update(msg tea.Msg) (overlay, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return q, nil
	}
	answer := func(m tea.Msg) (overlay, tea.Cmd) {
		if m == nil {
			return nil, nil
		}
		return nil, send(m)
	}
	switch {
	case key.Matches(k, q.keys.Yes):
		return answer(q.yes)
	case key.Matches(k, q.keys.No):
		return answer(q.no)
	case q.review != nil && key.Matches(k, q.keys.Pending):
		return answer(q.review)
	case q.write != nil && key.Matches(k, q.keys.SaveCopy):
		return answer(q.write)
	}
	return q, nil
}

// SetSize does nothing: the question takes its width from the frame.
func (q *question) SetSize(int, int) {}

// Draw puts the question and its answers on the bottom line. The terminal
// cursor is hidden, since keys no longer go to what is under it.
func (q *question) Draw(f *frame) {
	k := &f.keys
	on := []*key.Binding{&k.Yes, &k.No}
	if q.write != nil {
		on = append(on, &k.SaveCopy)
	}
	if q.review != nil {
		on = append(on, &k.Pending)
	}
	// The question is cut only so that yes and no stay; another answer
	// (c) shows where there is room.
	yesNo := k.only(&k.Yes, &k.No)
	f.help.SetWidth(0)
	text := fitQuestion(f, q.text, f.help.ShortHelpView(yesNo.ShortHelp()))
	km := k.only(on...)
	f.help.SetWidth(max(f.width-ansi.StringWidth(text)-1, 1))
	f.line = display.Fit(f.st.Prompt.Render(text)+" "+f.help.ShortHelpView(km.ShortHelp()), f.width)
	f.cursor = nil
}

// fitQuestion cuts text, if need be, so that it and answers fit on one
// line of the frame's width: a reader can tell what is asked from the
// screen above it, but not which key answers it.
func fitQuestion(f *frame, text, answers string) string {
	if room := f.width - 1 - ansi.StringWidth(answers); ansi.StringWidth(text) > room {
		return ansi.Truncate(text, max(room, 1), "…")
	}
	return text
}
