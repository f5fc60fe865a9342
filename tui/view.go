package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// View draws the whole screen: the body (the two panes, the editor or the
// full help), the status bar and the help line.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = m.fileTitle()
	if m.mode == modeEdit && !m.tooSmall() {
		v.Cursor = m.editor.Cursor()
	}
	return v
}

func (m Model) tooSmall() bool {
	return m.width < MinWidth || m.height < MinHeight
}

func (m Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := &m.styles
	w, h := m.width, m.height
	if m.tooSmall() {
		rows := make([]string, h)
		rows[0] = fit(fmt.Sprintf("Terminal too small: %dx%d", w, h), w)
		if h > 1 {
			rows[1] = fit(fmt.Sprintf("kvstore needs %dx%d", MinWidth, MinHeight), w)
		}
		for i := range rows {
			rows[i] = fit(rows[i], w)
		}
		return strings.Join(rows, "\n")
	}

	var body string
	bodyH := h - 2
	switch {
	case m.editing:
		body = fitBlock(m.editor.View(st), w, bodyH)
	case m.mode == modeResolve || (m.mode == modeConfirm && m.asking == askOverwrite):
		body = m.resolver.View(st)
	case m.showHelp:
		bodyH = h - 1
		km := m.keys.forFullHelp(m.store.ReadOnly())
		body = fullHelpView(km.FullHelp(), fullHelpTitles, w, bodyH, st)
	default:
		body = m.panesView(bodyH)
	}

	var b strings.Builder
	b.WriteString(body)
	b.WriteByte('\n')
	b.WriteString(m.status.View(st))
	if !(m.showHelp && !m.editing) {
		b.WriteByte('\n')
		b.WriteString(m.helpLine())
	}
	return b.String()
}

// panesView puts the key list and the value pane side by side.
func (m Model) panesView(h int) string {
	st := &m.styles
	left := strings.Split(m.list.View(st, !m.focusValue, m.mode == modeFilter), "\n")
	right := strings.Split(m.value.View(st, m.focusValue), "\n")
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
		rows[i] = fit(l, m.list.width) + sep + fit(r, m.value.width)
	}
	return strings.Join(rows, "\n")
}

// helpLine is the bottom line: the short help for the current mode, or the
// question being asked.
func (m Model) helpLine() string {
	st := &m.styles
	km := m.keys.forMode(m.mode, m.store.ReadOnly(), m.list.Filtered(), len(m.undo) > 0)
	if m.mode == modePrompt {
		p := m.prompt.View(st, m.width) + "  "
		room := m.width - ansi.StringWidth(p)
		if room < 8 {
			// No room for help (a help width of 0 would mean no limit).
			return fit(p, m.width)
		}
		m.help.SetWidth(room)
		return fit(p+m.help.ShortHelpView(km.ShortHelp()), m.width)
	}
	if m.mode == modeConfirm {
		q := st.Prompt.Render(m.askText) + " "
		m.help.SetWidth(max(m.width-len([]rune(m.askText))-1, 0))
		return fit(q+m.help.ShortHelpView(km.ShortHelp()), m.width)
	}
	if m.mode == modeQuitting {
		return fit(st.StatusSaving.Render("saving before quitting…"), m.width)
	}
	return fit(m.help.ShortHelpView(km.ShortHelp()), m.width)
}

// fitBlock makes s exactly h rows of w cells.
func fitBlock(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	rows := make([]string, h)
	for i := range rows {
		if i < len(lines) {
			rows[i] = fit(lines[i], w)
		} else {
			rows[i] = strings.Repeat(" ", w)
		}
	}
	return strings.Join(rows, "\n")
}
