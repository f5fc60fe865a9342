package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// fullHelp is the full help: every key the data allows, in titled groups,
// over the panes and the bottom line. ? and esc close it; quit quits.
type fullHelp struct {
	keys     KeyMap
	readOnly bool
}

func newFullHelp(keys KeyMap, readOnly bool) *fullHelp {
	return &fullHelp{keys: keys, readOnly: readOnly}
}

// Update closes the help, or quits.
func (h *fullHelp) Update(msg tea.Msg) (overlay, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return h, nil
	}
	switch {
	case key.Matches(k, h.keys.Help), k.Code == tea.KeyEscape:
		return nil, nil
	case key.Matches(k, h.keys.Quit):
		return nil, send(quitMsg{})
	}
	return h, nil
}

// SetSize does nothing: the help is laid out for the frame it is drawn in.
func (h *fullHelp) SetSize(int, int) {}

// Draw replaces the body and the bottom line with the help.
func (h *fullHelp) Draw(f *frame) {
	f.noLine = true
	km := f.keys.forFullHelp(h.readOnly)
	f.body = fullHelpView(km.FullHelp(), fullHelpTitles, f.width, f.bodyHeight(), f.st)
	f.cursor = nil
}

// helpEntry is one row of the full help: a group title, a binding, or a gap.
type helpEntry struct {
	title     string
	key, desc string
}

// fullHelpView lays the full help out in columns that fill height rows and
// at most width cells. It tries the roomiest layout first (group titles and
// a blank row between groups) and drops decoration until the bindings fit,
// so even a 40x10 terminal shows every key; if they still do not fit, the
// last row says so with an ellipsis.
func fullHelpView(groups [][]key.Binding, titles []string, width, height int, st *Styles) string {
	height = max(height, 1)
	var best []string
	for _, decor := range []int{2, 1, 0} {
		entries := helpEntries(groups, titles, decor)
		cols, fits := helpColumns(entries, width, height, st)
		best = cols
		if fits {
			break
		}
	}
	rows := make([]string, height)
	for i := range rows {
		rows[i] = display.Fit(best[i], width)
	}
	return strings.Join(rows, "\n")
}

// helpEntries flattens the groups; decor 2 adds titles and gaps, 1 only gaps,
// 0 nothing.
func helpEntries(groups [][]key.Binding, titles []string, decor int) []helpEntry {
	var out []helpEntry
	for gi, g := range groups {
		var items []helpEntry
		for _, b := range g {
			if b.Enabled() {
				items = append(items, helpEntry{key: b.Help().Key, desc: b.Help().Desc})
			}
		}
		if len(items) == 0 {
			continue
		}
		if decor >= 1 && len(out) > 0 {
			out = append(out, helpEntry{})
		}
		if decor == 2 && gi < len(titles) {
			out = append(out, helpEntry{title: titles[gi]})
		}
		out = append(out, items...)
	}
	return out
}

// helpColumns renders entries into height rows of side-by-side columns and
// reports whether they all fit in width.
func helpColumns(entries []helpEntry, width, height int, st *Styles) ([]string, bool) {
	rows := make([]string, height)
	used := 0
	const gap = 2
	for start := 0; start < len(entries); start += height {
		col := entries[start:min(start+height, len(entries))]
		keyW, descW := 0, 0
		for _, e := range col {
			keyW = max(keyW, ansi.StringWidth(e.key))
			descW = max(descW, ansi.StringWidth(e.desc), ansi.StringWidth(e.title)-keyW-1)
		}
		colW := keyW + 1 + descW
		sep := 0
		if used > 0 {
			sep = gap
		}
		if used+sep+colW > width {
			last := height - 1
			rows[last] = ansi.Truncate(rows[last], max(width-2, 0), "") + " …"
			return rows, false
		}
		for i := range height {
			cell := strings.Repeat(" ", colW)
			if i < len(col) {
				e := col[i]
				switch {
				case e.title != "":
					cell = display.Fit(st.TitleFocused.Render(e.title), colW)
				case e.key != "":
					cell = display.Fit(st.HelpKey.Render(e.key), keyW) + " " + display.Fit(st.HelpDesc.Render(e.desc), descW)
				}
			}
			rows[i] = display.Fit(rows[i], used) + strings.Repeat(" ", sep) + cell
		}
		used += sep + colW
	}
	return rows, true
}
