package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// frame is one screen being drawn. Each overlay from the bottom of the stack
// up draws into it, over what the ones under it drew: a screen draws the
// body, a question or a prompt the bottom line. Where none drew, the root
// draws the panes and the application's help line.
type frame struct {
	st            *Styles
	keys          KeyMap
	help          *help.Model
	width, height int

	body   string      // height-2 rows of width cells, or height-1 with noLine
	status string      // the status bar
	line   string      // the bottom line
	noLine bool        // the body takes the bottom line's row too
	cursor *tea.Cursor // the terminal cursor, relative to the screen
}

// bodyHeight is the number of rows for the body.
func (f *frame) bodyHeight() int {
	if f.noLine {
		return max(f.height-1, 1)
	}
	return max(f.height-2, 1)
}

// helpLine is the short help for the given bindings, after prefix.
func (f *frame) helpLine(prefix string, bindings ...*key.Binding) string {
	return f.helpLineWith(prefix, nil, bindings...)
}

// helpLineWith is helpLine followed by extra, bindings of a component's own
// (the editor's editing keys) that come after the application's.
func (f *frame) helpLineWith(prefix string, extra []key.Binding, bindings ...*key.Binding) string {
	km := f.keys.only(bindings...)
	room := f.width - ansi.StringWidth(prefix)
	if prefix != "" && room < 8 {
		// No room for help (a help width of 0 would mean no limit).
		return display.Fit(prefix, f.width)
	}
	f.help.SetWidth(room)
	return display.Fit(prefix+f.help.ShortHelpView(append(km.ShortHelp(), extra...)), f.width)
}

// View draws the whole screen: the body (the two panes or an overlay's
// screen), the status bar and the bottom line.
func (m Model) View() tea.View {
	content, cursor := m.render()
	v := tea.NewView(content)
	v.AltScreen = true
	// Clicks and the wheel only; motion without a button pressed is not
	// reported, so moving the pointer costs no redraws.
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = m.fileTitle()
	v.Cursor = cursor
	return v
}

func (m Model) tooSmall() bool {
	return m.width < MinWidth || m.height < MinHeight
}

func (m Model) render() (string, *tea.Cursor) {
	if m.width <= 0 || m.height <= 0 {
		return "", nil
	}
	w, h := m.width, m.height
	if m.tooSmall() {
		rows := make([]string, h)
		rows[0] = fmt.Sprintf("Terminal too small: %dx%d", w, h)
		if h > 1 {
			rows[1] = fmt.Sprintf("kvstore needs %dx%d", MinWidth, MinHeight)
		}
		for i := range rows {
			rows[i] = display.Fit(rows[i], w)
		}
		return strings.Join(rows, "\n"), nil
	}
	hm := m.help
	f := frame{st: m.styles, keys: m.keys, help: &hm, width: w, height: h}
	m.status.state = m.saveState()
	f.status = m.status.View(m.styles)
	for _, o := range m.overlays {
		o.Draw(&f)
	}
	// The panes and their help line are drawn only where no overlay drew:
	// under the editor they would cost as much as the editor itself.
	if f.body == "" {
		f.body = m.panesView(f.bodyHeight())
	}
	if f.line == "" && !f.noLine {
		f.line = m.browseHelpLine(&f)
	}
	var b strings.Builder
	b.WriteString(f.body)
	b.WriteByte('\n')
	b.WriteString(f.status)
	if !f.noLine {
		b.WriteByte('\n')
		b.WriteString(f.line)
	}
	return b.String(), f.cursor
}

// panesView puts the key list and the value pane side by side.
func (m Model) panesView(h int) string {
	st := m.styles
	left := strings.Split(m.list.View(&st.List, m.focus == focusList), "\n")
	var right []string
	if g, ok := m.list.SelectedGroup(h); ok {
		right = groupSummary(g, &st.Value, m.value.Width(), h)
	} else {
		right = strings.Split(m.value.View(&st.Value, m.focus == focusValue), "\n")
	}
	sep := st.Separator.Render("│")
	rows := make([]string, h)
	for i := range rows {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		rows[i] = display.Fit(l, m.list.Width()) + sep + display.Fit(r, m.value.Width())
	}
	return strings.Join(rows, "\n")
}

// browseHelpLine is the bottom line with no overlay open: the keys that
// work on the panes, or the filter's while it is typed.
func (m Model) browseHelpLine(f *frame) string {
	k := &f.keys
	if m.list.Typing() {
		return f.helpLine("", &k.AcceptFilter, &k.ClearFilter)
	}
	on := []*key.Binding{&k.Up, &k.Down, &k.Top, &k.Bottom, &k.PageUp, &k.PageDown,
		&k.Filter, &k.SwitchPane, &k.Help, &k.Quit, &k.Reload}
	// Keys that act on the selected key are offered only when one is.
	_, selected := m.list.Selected()
	if selected {
		on = append(on, &k.CopyValue, &k.CopyKey)
	}
	if !m.src.ReadOnly() {
		on = append(on, &k.New, &k.Save, &k.Pending, &k.QuitNoSave)
		if m.canSaveCopy() && m.src.LastSaveError() != nil {
			// The way out of a save that fails comes first.
			on = append(on, &k.SaveCopy)
		}
		if selected {
			on = append(on, &k.Edit, &k.EditExternal, &k.Rename, &k.Delete)
		}
		if m.history.Len() > 0 {
			on = append(on, &k.Undo)
		}
		if m.history.Redoable() > 0 {
			on = append(on, &k.Redo)
		}
	}
	if m.list.Filtered() {
		on = append(on, &k.ClearFilter)
		if m.list.Len() > 0 {
			on = append(on, &k.ExportShown)
			if !m.src.ReadOnly() {
				on = append(on, &k.DeleteShown)
			}
		}
	}
	on = append(on, &k.Find, &k.Query, &k.Tree)
	if m.focus == focusList && m.list.InTree() {
		on = append(on, &k.CloseGroup)
		if m.list.OnGroup() {
			on = append(on, &k.OpenGroup, &k.ToggleGroup)
		}
	}
	if m.stepping() {
		// n moves to the next match here, so it does not offer a new key.
		on = slices.DeleteFunc(on, func(b *key.Binding) bool { return b == &k.New })
		on = append(on, &k.NextMatch, &k.PrevMatch)
	}
	if m.focus == focusValue && m.value.HasTree() {
		// y copies the node under the cursor here, not the whole value.
		on = slices.DeleteFunc(on, func(b *key.Binding) bool { return b == &k.CopyValue })
		on = append(on, &k.Fold, &k.Unfold, &k.Toggle, &k.CopyNode, &k.CopyPath, &k.FoldAll, &k.UnfoldAll)
	}
	// The bottom line's words are short; the bindings stay the frame's.
	saved := f.keys
	f.keys = saved.brief()
	defer func() { f.keys = saved }()
	return f.helpLine("", on...)
}
