package tui

import (
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// quitPending is the question asked when quitting shared data (an etcd
// prefix) with changes it does not have: closing writes nothing beside
// it, as closing a file does, so quitting would drop them. The user
// writes them to a file (w) and then quits, quits and drops them (y),
// stays, the retries going on (n), or lists them first (c). The retries
// go on while it is asked, too, and once one saves everything the program
// quits, as asked.
type quitPending struct {
	text    string
	waiting bool // the changes wait for the cluster: staying keeps retrying
	keys    KeyMap
}

// quitPendingQuestion is the question for pending changes whose last save
// failed with err.
func (m *Model) quitPendingQuestion(err error) *quitPending {
	n := display.Plural(m.src.Pending(), "change")
	q := &quitPending{keys: m.keys, waiting: unreachable(err)}
	switch {
	case q.waiting && m.src.Pending() == 1:
		q.text = n + " waits to be saved."
	case q.waiting:
		q.text = n + " wait to be saved."
	case errors.Is(err, kvstore.ErrConflict):
		q.text = "Another client changed keys you changed."
	default:
		q.text = n + " not saved."
	}
	return q
}

// Update closes the question on an answer.
func (q *quitPending) Update(msg tea.Msg) (overlay, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return q, nil
	}
	switch {
	case key.Matches(k, q.keys.WriteFile):
		return nil, push(pathPrompt(q.keys, "Write the changes to:", defaultPendingPath(time.Now()),
			func(path string) tea.Msg { return writePendingMsg{path: path} }))
	case key.Matches(k, q.keys.Yes):
		return nil, tea.Quit
	case key.Matches(k, q.keys.No):
		return nil, nil
	case key.Matches(k, q.keys.Pending):
		return nil, send(reviewPendingMsg{})
	}
	return q, nil
}

// SetSize does nothing: the question takes its width from the frame.
func (q *quitPending) SetSize(int, int) {}

// Draw puts the question and its answers on the bottom line, the safe
// answer first.
func (q *quitPending) Draw(f *frame) {
	stay := "stay"
	if q.waiting {
		stay = "keep retrying"
	}
	// The answers in as many words as fit: every answer stays on a narrow
	// screen, in a word each, and then the question gives way to them.
	wordings := [][4]string{
		{"write them to a file", "quit, dropping them", stay, "list them"},
		{"write to a file", "quit, drop them", stay, "list"},
		{"file", "drop", "stay", "list"},
	}
	text, answers := q.text, ""
	f.help.SetWidth(0) // measure the answers whole
	for _, words := range wordings {
		k := q.keys
		for i, b := range []*key.Binding{&k.WriteFile, &k.Yes, &k.No, &k.Pending} {
			b.SetHelp(b.Help().Key, words[i])
		}
		answers = f.help.ShortHelpView([]key.Binding{k.WriteFile, k.Yes, k.No, k.Pending})
		if ansi.StringWidth(text)+1+ansi.StringWidth(answers) <= f.width {
			break
		}
	}
	text = fitQuestion(f, text, answers)
	f.line = display.Fit(f.st.Prompt.Render(text)+" "+answers, f.width)
	f.cursor = nil
}

// defaultPendingPath is where the changes go unless the user says
// otherwise: a new file in the current directory, named for the time.
func defaultPendingPath(now time.Time) string {
	return fmt.Sprintf("./kvstore-pending-%s.json", now.Format("20060102-150405"))
}
