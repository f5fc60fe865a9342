package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/jq"
	"github.com/kvstore-dev/kvstore/kvstore/schema"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// This file holds what the UI knows of a value's structure: jq queries
// (on the selected value in the value pane, or over every value to narrow
// the key list) and the schema check of Options.Validate.

// jqLimits bound a query, so that one that never ends (repeat(.)) or
// never stops printing cannot hold a goroutine or the memory.
const (
	jqTimeout    = 5 * time.Second
	jqMaxOutputs = 10_000
)

// jqPrompt is the jq prompt on the bottom line. Each change of its text
// asks the root to run the query (jqQueryMsg): on the selected value when
// opened from the value pane, where the result replaces the value until
// esc; over every value when opened from the key list, which narrows to
// the keys whose value makes it true. enter keeps the result and closes
// the prompt; esc drops it.
type jqPrompt struct {
	input prompt
	keys  KeyMap
	where bool   // over every value, narrowing the key list
	err   string // why the last query failed; the last result stays
	busy  bool   // a query is running
}

func newJQPrompt(keys KeyMap, where bool, text string) *jqPrompt {
	label := "jq:"
	if where {
		label = "keys where jq:"
	}
	return &jqPrompt{input: prompt{label: label, text: text, pos: len(text), new: true, keys: keys}, keys: keys, where: where}
}

// jqQueryMsg asks the root to run a query; "" drops the result.
type jqQueryMsg struct {
	expr  string
	where bool
	typed int64 // see typedOrder
}

// jqValueMsg is a query's result on the value of key: its outputs laid
// out as one JSON text, or why it failed. seq is the query's number; a
// result of an older query than the newest is dropped.
type jqValueMsg struct {
	seq     int
	key     string
	expr    string
	text    string
	outputs int
	err     error
}

// jqWhereMsg is the result of a query over every value: the rows of keys
// (the key list's slice it ran over) whose value matched, and how many
// values the expression failed on (they count as not matching).
type jqWhereMsg struct {
	seq    int
	expr   string
	keys   *kvstore.KeyList
	rows   []int
	failed int
	err    error
}

// jqState is the root's part of the queries.
type jqState struct {
	seq    int                // numbers queries, so that only the newest result shows
	typed  int64              // the typedOrder of the newest query acted on
	cancel context.CancelFunc // stops the query running, if any
	// key is the key whose value the pane shows a query's result of, or
	// "" when it shows the value itself.
	key string
	// where is the expression whose matches the key list shows, or "".
	where string
}

// stop cancels the running query.
func (s *jqState) stop() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

// Update edits the text and asks for a query whenever it changes.
func (p *jqPrompt) Update(msg tea.Msg) (overlay, tea.Cmd) {
	before := p.input.text
	switch msg := msg.(type) {
	case tea.PasteMsg:
		p.input.insert(display.OneLine(msg.Content))
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.AcceptFilter):
			return nil, nil
		case key.Matches(msg, p.keys.ClearFilter):
			return nil, send(jqQueryMsg{where: p.where, typed: nextTyped()})
		}
		p.input.edit(msg)
	}
	if p.input.text == before {
		return p, nil
	}
	p.busy = true
	return p, send(jqQueryMsg{expr: p.input.text, where: p.where, typed: nextTyped()})
}

// SetSize does nothing: the prompt takes its width from the frame.
func (p *jqPrompt) SetSize(int, int) {}

// Draw puts the prompt, the query's error or progress and its keys on the
// bottom line. The error comes before the keys: it is what the user needs.
func (p *jqPrompt) Draw(fr *frame) {
	k := &fr.keys
	room := fr.width
	if r := fr.width * 2 / 3; r >= 30 {
		room = r
	}
	line := p.input.view(fr.st, room) + "  "
	switch {
	case p.err != "":
		line += fr.st.EditorError.Render("✗ "+display.Escape(p.err)) + "  "
	case p.busy:
		line += "…  "
	}
	fr.help.SetWidth(0)
	if ansi.StringWidth(line) >= fr.width-8 {
		fr.line = display.Fit(line, fr.width)
	} else {
		// enter and esc keep and drop the result here, not a filter.
		saved := fr.keys
		k.AcceptFilter.SetHelp(k.AcceptFilter.Help().Key, "keep result")
		k.ClearFilter.SetHelp(k.ClearFilter.Help().Key, "close")
		fr.line = fr.helpLine(line, &k.AcceptFilter, &k.ClearFilter)
		fr.keys = saved
	}
	fr.cursor = nil
}

// startQuery opens the jq prompt: on the selected value from the value
// pane, over every value from the key list.
func (m Model) startQuery(text string) (tea.Model, tea.Cmd) {
	where := m.focus == focusList
	if !where {
		if _, ok := m.list.Selected(); !ok {
			return m, m.noSelection()
		}
	}
	if where && text == "" && m.jq.where != "" {
		text = m.jq.where
	}
	m.open(newJQPrompt(m.keys, where, text))
	if text != "" {
		return m, send(jqQueryMsg{expr: text, where: where, typed: nextTyped()})
	}
	return m, nil
}

// onJQQuery starts a query, or drops the result for "".
func (m Model) onJQQuery(msg jqQueryMsg) (tea.Model, tea.Cmd) {
	if stale(msg.typed, &m.jq.typed) {
		return m, nil
	}
	m.jq.stop()
	m.jq.seq++
	if msg.expr == "" {
		m.setPromptResult("", false)
		if msg.where {
			m.jq.where = ""
			m.list.ShowFound("", nil)
			return m, m.followSelection()
		}
		return m, m.dropQueryResult()
	}
	q, err := jq.Compile(msg.expr)
	if err != nil {
		m.setPromptResult(queryError(err), false)
		return m, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), jqTimeout)
	m.jq.cancel = cancel
	if msg.where {
		return m, whereCmd(ctx, cancel, m.src, m.list.Keys(), q, m.jq.seq)
	}
	k, ok := m.list.Selected()
	if !ok {
		cancel()
		return m, nil
	}
	return m, valueQueryCmd(ctx, cancel, m.src, k, q, m.jq.seq)
}

// queryError is what the prompt says of a failed query: the expression
// error without the package's prefix, which the prompt's label says.
func queryError(err error) string {
	var je *jq.Error
	if errors.As(err, &je) {
		return fmt.Sprintf("%s at column %d", strings.TrimPrefix(je.Msg, "jq: "), je.Offset+1)
	}
	msg := strings.TrimPrefix(err.Error(), "jq: ")
	if errors.Is(err, context.DeadlineExceeded) {
		msg = fmt.Sprintf("stopped after %s", jqTimeout)
	}
	return msg
}

// setPromptResult tells the open jq prompt how its query went.
func (m *Model) setPromptResult(errText string, busy bool) {
	for _, o := range m.overlays {
		if p, ok := o.(*jqPrompt); ok {
			p.err, p.busy = errText, busy
		}
	}
}

// valueQueryCmd runs q on key's value off the UI goroutine.
func valueQueryCmd(ctx context.Context, cancel context.CancelFunc, src Source, key string, q *jq.Query, seq int) tea.Cmd {
	return func() tea.Msg {
		defer cancel()
		msg := jqValueMsg{seq: seq, key: key, expr: q.String()}
		text, ok := valueText(src, key)
		if !ok {
			msg.err = errors.New("the key no longer exists")
			return msg
		}
		var outs []string
		for v, err := range q.Run(ctx, []byte(text)) {
			if err != nil {
				msg.err = err
				return msg
			}
			out, err := jq.Encode(v)
			if err != nil {
				msg.err = err
				return msg
			}
			if outs = append(outs, string(out)); len(outs) > jqMaxOutputs {
				msg.err = fmt.Errorf("more than %d outputs", jqMaxOutputs)
				return msg
			}
		}
		msg.outputs = len(outs)
		switch len(outs) {
		case 0:
			msg.text = "null"
		case 1:
			msg.text = outs[0]
		default:
			// The pane shows one JSON value: the outputs as an array, as
			// jq -s would collect them; the title says so.
			msg.text = "[" + strings.Join(outs, ",") + "]"
		}
		return msg
	}
}

// onJQValue shows a query's result in the value pane.
func (m Model) onJQValue(msg jqValueMsg) (tea.Model, tea.Cmd) {
	if !m.queryAnswered(msg.seq, msg.err) {
		return m, nil
	}
	m.setPromptResult("", false)
	if k, ok := m.list.Selected(); !ok || k != msg.key {
		return m, nil
	}
	cmd := m.value.SetValue(msg.key, msg.text, true)
	m.value.SetTag(queryTag(msg.expr, msg.outputs))
	m.jq.key = msg.key
	return m, cmd
}

// queryAnswered takes in the answer of query seq: it reports whether the
// answer is the newest query's and a success, to be shown; a failure is
// said on the prompt line instead, and an older query's answer is dropped.
func (m *Model) queryAnswered(seq int, err error) bool {
	if seq != m.jq.seq {
		return false
	}
	m.jq.cancel = nil
	if err != nil {
		m.setPromptResult(queryError(err), false)
		return false
	}
	return true
}

// queryTag is the value pane's title note for a query's result.
func queryTag(expr string, outputs int) string {
	switch outputs {
	case 0:
		return "jq " + expr + ": no output"
	case 1:
		return "jq " + expr
	}
	return fmt.Sprintf("jq %s: %d outputs, shown as an array", expr, outputs)
}

// dropQueryResult shows the selected value again in place of a query's
// result.
func (m *Model) dropQueryResult() tea.Cmd {
	if m.jq.key == "" {
		return nil
	}
	m.jq.key = ""
	return m.showSelected()
}

// whereCmd runs q over the value of every key off the UI goroutine,
// stopping when ctx ends (a newer query cancels it).
func whereCmd(ctx context.Context, cancel context.CancelFunc, src Source, keys *kvstore.KeyList, q *jq.Query, seq int) tea.Cmd {
	return func() tea.Msg {
		defer cancel()
		msg := jqWhereMsg{seq: seq, expr: q.String(), keys: keys, rows: []int{}}
		err := eachValue(ctx, src, keys, func(i int, text []byte) bool {
			match, err := q.Match(ctx, text)
			switch {
			case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
				msg.err = err
				return false
			case err != nil:
				msg.failed++
			case match:
				msg.rows = append(msg.rows, i)
			}
			return true
		})
		if msg.err == nil {
			msg.err = err
		}
		return msg
	}
}

// eachValue calls fn with the index in keys (sorted, as the list's are)
// and the JSON text of each key's value, until fn returns false or ctx
// ends. A valueLoader's values are read in pages as one listing, and kept
// no longer than fn takes; the error is why they could not be.
func eachValue(ctx context.Context, src Source, keys *kvstore.KeyList, fn func(i int, text []byte) bool) error {
	if l, ok := src.(valueLoader); ok {
		i, n := 0, keys.Len()
		return l.ScanValues(ctx, func(k string, raw []byte, _ int) bool {
			for i < n && keys.At(i) < k {
				i++
			}
			if i == n {
				return false
			}
			return keys.At(i) != k || fn(i, raw)
		})
	}
	for i := range keys.Len() {
		k := keys.At(i)
		if err := ctx.Err(); err != nil {
			return err
		}
		text, ok := valueText(src, k)
		if ok && !fn(i, []byte(text)) {
			return nil
		}
	}
	return nil
}

// onJQWhere narrows the key list to a query's matches.
func (m Model) onJQWhere(msg jqWhereMsg) (tea.Model, tea.Cmd) {
	if !m.queryAnswered(msg.seq, msg.err) {
		return m, nil
	}
	if keys := m.list.Keys(); !sameKeys(msg.keys, keys) {
		// The keys changed while it ran: its rows are of the old ones.
		q, err := jq.Compile(msg.expr)
		if err != nil {
			return m, nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), jqTimeout)
		m.jq.cancel = cancel
		return m, whereCmd(ctx, cancel, m.src, keys, q, msg.seq)
	}
	note := ""
	if msg.failed > 0 {
		note = fmt.Sprintf("the expression failed on %d values (counted as false)", msg.failed)
	}
	m.setPromptResult(note, false)
	m.jq.where = msg.expr
	m.list.ShowFoundAs("jq: "+msg.expr, msg.expr, msg.rows)
	return m, m.followSelection()
}

// findText is the text the value pane marks: a find's, never a jq
// expression's.
func (m *Model) findText() string {
	if m.jq.where != "" && m.list.Found() == m.jq.where {
		return ""
	}
	return m.list.Found()
}

// schemaMarks remembers which keys' stored values break their schema, for
// the key list's marks. It is asked only for the rows on screen, and
// forgets everything when the data may have changed.
type schemaMarks struct {
	validate func(key string, raw []byte) error
	bad      map[string]bool
}

// markFunc returns the key list's marks for src: ¬JSON for a value stored
// as bytes that are not JSON, ✗ schema for one that breaks its schema.
func markFunc(src Source, marks *schemaMarks) func(key string) string {
	loader, _ := src.(valueLoader)
	return func(key string) string {
		if loader != nil && !loader.Loaded(key) {
			// Marked once read, which the rows on screen are at once.
			return ""
		}
		if notJSON(src, key) {
			return "¬JSON"
		}
		if marks.validate == nil {
			return ""
		}
		bad, known := marks.bad[key]
		if !known {
			if text, ok := valueText(src, key); ok {
				bad = violates(marks.validate(key, []byte(text)))
			}
			marks.bad[key] = bad
		}
		if bad {
			return "✗ schema"
		}
		return ""
	}
}

// forget drops what the marks know, after the data changed.
func (s *schemaMarks) forget() {
	if s != nil && len(s.bad) > 0 {
		s.bad = map[string]bool{}
	}
}

// violates reports whether err says a value breaks its schema.
func violates(err error) bool {
	var ve *schema.ValidationError
	return errors.As(err, &ve)
}

// describeViolation is one line on a value's schema violations: the first
// one, and how many more there are.
func describeViolation(err error) string {
	var ve *schema.ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) == 0 {
		return err.Error()
	}
	line := "breaks its schema: " + ve.Violations[0].String()
	if n := len(ve.Violations) - 1; n > 0 {
		line += fmt.Sprintf(" (and %d more)", n)
	}
	return line
}
